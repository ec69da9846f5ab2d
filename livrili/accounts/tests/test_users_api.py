import pytest
from django.contrib.auth.models import Group

from livrili.accounts.models import User
from livrili.core.models import AuditLog
from livrili.core.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

PAYLOAD = {
    "username": "driver.karim",
    "full_name": "Karim B.",
    "phone": "0770 11 22 33",
    "role": "driver",
    "password": "Str0ng-Passw0rd",
}


def test_staff_with_permission_creates_a_driver_account(client_for, make_user):
    staff = make_user(perms=["accounts.add_user"])

    response = client_for(staff).post("/api/v1/users", PAYLOAD, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()["data"]
    assert (data["username"], data["phone"], data["role"], data["is_staff"]) == (
        "driver.karim",
        "+213770112233",
        "driver",
        False,
    )
    created = User.objects.get(username="driver.karim")
    assert created.check_password("Str0ng-Passw0rd")
    entry = AuditLog.objects.get(object_id=str(created.pk))
    assert (entry.action, entry.actor, entry.changes["role"]) == ("create", staff, [None, "driver"])


@pytest.mark.parametrize(
    "who",
    ["anonymous", "retailer", "driver", "staff_without_permission"],
)
def test_others_cannot_create_accounts_and_nothing_is_written(api_client, client_for, make_user, who):
    clients = {
        "anonymous": lambda: api_client,
        "retailer": lambda: client_for(make_user(role="retailer")),
        "driver": lambda: client_for(make_user(role="driver")),
        "staff_without_permission": lambda: client_for(make_user(perms=["accounts.view_user"])),
    }
    before = User.objects.count()

    response = clients[who]().post("/api/v1/users", PAYLOAD, format="json")

    assert response.status_code in (401, 403)
    assert_error(response, response.status_code, "UNAUTHORIZED" if who == "anonymous" else "FORBIDDEN")
    assert User.objects.count() == before + (0 if who == "anonymous" else 1)  # only the acting user
    assert not User.objects.filter(username="driver.karim").exists()


def test_duplicate_phone_is_a_conflict(client_for, make_user):
    staff = make_user(perms=["accounts.add_user"])
    make_user(role="driver", phone="0770112233")

    response = client_for(staff).post("/api/v1/users", PAYLOAD, format="json")

    body = assert_error(response, 409, "CONFLICT")
    assert list(body["details"]) == ["phone"]
    assert not User.objects.filter(username="driver.karim").exists()


def test_role_change_is_audited(client_for, make_user):
    staff = make_user(perms=["accounts.change_user"])
    driver = make_user(role="driver", username="moving")

    response = client_for(staff).patch(f"/api/v1/users/{driver.pk}", {"role": "admin"}, format="json")

    assert response.status_code == 200, response.json()
    driver.refresh_from_db()
    assert (driver.role, driver.is_staff) == ("admin", True)
    entry = AuditLog.objects.get(object_id=str(driver.pk), action="update")
    assert entry.changes == {"role": ["driver", "admin"]}
    assert entry.actor == staff


def test_staff_cannot_grant_a_group_beyond_their_own_permissions(client_for, make_user):
    staff = make_user(perms=["accounts.change_user", "accounts.view_user"])
    target = make_user(username="clerk")

    response = client_for(staff).patch(f"/api/v1/users/{target.pk}", {"groups": ["Superadmin"]}, format="json")

    assert_error(response, 403, "FORBIDDEN")
    assert list(target.groups.all()) == []
    assert not AuditLog.objects.exists()


def test_superuser_grants_groups(client_for, make_user):
    root = make_user(is_superuser=True)
    target = make_user(username="clerk")

    response = client_for(root).patch(f"/api/v1/users/{target.pk}", {"groups": ["Sales"]}, format="json")

    assert response.json()["data"]["groups"] == ["Sales"]
    assert list(target.groups.all()) == [Group.objects.get(name="Sales")]


def test_deactivate_blocks_login_and_access(api_client, client_for, make_user):
    staff = make_user(perms=["accounts.change_user"])
    driver = make_user(role="driver", username="leaving")
    driver_client = client_for(driver)

    response = client_for(staff).post(f"/api/v1/users/{driver.pk}/deactivate")

    assert response.json()["data"]["is_active"] is False
    assert_error(driver_client.get("/api/v1/auth/me"), 401, "UNAUTHORIZED")
    login = api_client.post("/api/v1/auth/login", {"identifier": "leaving", "password": "Correct-Horse-42"})
    assert_error(login, 401, "UNAUTHORIZED")


def test_staff_cannot_deactivate_themselves(client_for, make_user):
    staff = make_user(perms=["accounts.change_user"])

    assert_error(client_for(staff).post(f"/api/v1/users/{staff.pk}/deactivate"), 403, "FORBIDDEN")
    staff.refresh_from_db()
    assert staff.is_active


def test_seeded_groups_exist_with_their_permissions():
    sales = Group.objects.get(name="Sales")

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Catalog",
        "Sales",
        "Dispatch",
        "Finance",
        "Support",
        "Superadmin",
    }
    assert not sales.permissions.filter(codename="change_businesssettings").exists()
    assert Group.objects.get(name="Finance").permissions.filter(codename="change_businesssettings").exists()


def test_staff_create_a_retailer_member_on_a_retailer(client_for, make_user, make_retailer):
    staff = make_user(perms=["accounts.add_user"])
    shop = make_retailer(business_name="Supérette Atlas")
    body = {**PAYLOAD, "username": "cashier", "role": "retailer", "retailer_id": str(shop.pk)}

    response = client_for(staff).post("/api/v1/users", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["data"]["retailer"] == {
        "id": str(shop.pk),
        "business_name": "Supérette Atlas",
        "status": "active",
    }


def test_a_retailer_member_needs_a_retailer_and_others_none(client_for, make_user, make_retailer):
    staff = make_user(perms=["accounts.add_user"])

    missing = client_for(staff).post("/api/v1/users?lang=en", {**PAYLOAD, "role": "retailer"}, format="json")
    extra = client_for(staff).post("/api/v1/users", {**PAYLOAD, "retailer_id": str(make_retailer().pk)}, format="json")

    assert assert_error(missing, 400, "VALIDATION_ERROR")["details"] == {
        "retailer_id": ["A retailer member belongs to a retailer."]
    }
    assert list(assert_error(extra, 400, "VALIDATION_ERROR")["details"]) == ["retailer_id"]
    assert not User.objects.filter(username="driver.karim").exists()


def test_a_member_moved_to_driver_leaves_its_retailer(client_for, make_user):
    staff = make_user(perms=["accounts.change_user"])
    member = make_user(role="retailer")

    response = client_for(staff).patch(f"/api/v1/users/{member.pk}", {"role": "driver"}, format="json")

    assert response.status_code == 200, response.json()
    member.refresh_from_db()
    assert (member.role, member.retailer_id) == ("driver", None)


def test_every_named_group_permission_exists():
    from django.contrib.auth.models import Permission

    from livrili.accounts.roles import GROUP_PERMISSIONS

    missing = [
        entry
        for entries in GROUP_PERMISSIONS.values()
        for entry in entries
        if "*" not in entry
        and not Permission.objects.filter(
            content_type__app_label=entry.split(".")[0], codename=entry.split(".")[1]
        ).exists()
    ]

    assert missing == []
    assert Group.objects.get(name="Finance").permissions.filter(codename="release_hold").exists()
    assert Group.objects.get(name="Catalog").permissions.filter(codename="adjust_stock").exists()


# --- Who may edit whom (one rule in services, shared with the admin) ----------------------


def test_staff_cannot_change_a_superusers_email_and_nothing_is_written(client_for, make_user):
    staff = make_user(perms=["accounts.change_user", "accounts.view_user"])
    root = make_user(username="root", is_superuser=True, email="root@livrili.dz")

    response = client_for(staff).patch(f"/api/v1/users/{root.pk}", {"email": "taken@evil.dz"}, format="json")

    assert_error(response, 403, "FORBIDDEN")
    root.refresh_from_db()
    assert root.email == "root@livrili.dz"
    assert not AuditLog.objects.exists()


def test_staff_cannot_edit_a_user_holding_permissions_they_lack(client_for, make_user):
    staff = make_user(perms=["accounts.change_user", "accounts.view_user"])
    finance = make_user(username="finance", groups=["Finance"], phone="0550 00 00 01")

    response = client_for(staff).patch(f"/api/v1/users/{finance.pk}", {"phone": "0770 99 99 99"}, format="json")

    assert_error(response, 403, "FORBIDDEN")
    finance.refresh_from_db()
    assert finance.phone == "+213550000001"
    assert not AuditLog.objects.exists()


def test_staff_cannot_deactivate_a_superuser(client_for, make_user):
    staff = make_user(perms=["accounts.change_user", "accounts.view_user"])
    root = make_user(username="root", is_superuser=True)

    response = client_for(staff).post(f"/api/v1/users/{root.pk}/deactivate")

    assert_error(response, 403, "FORBIDDEN")
    root.refresh_from_db()
    assert root.is_active is True
    assert not AuditLog.objects.exists()


def test_an_inactive_account_keeps_its_permissions_for_this_rule(client_for, make_user):
    staff = make_user(perms=["accounts.change_user", "accounts.view_user"])
    dormant = make_user(username="dormant", groups=["Superadmin"], is_active=False, email="d@livrili.dz")

    response = client_for(staff).patch(f"/api/v1/users/{dormant.pk}", {"email": "mine@evil.dz"}, format="json")

    assert_error(response, 403, "FORBIDDEN")
    dormant.refresh_from_db()
    assert (dormant.email, dormant.is_active) == ("d@livrili.dz", False)


def test_staff_edit_a_user_whose_permissions_they_all_hold(client_for, make_user):
    staff = make_user(perms=["accounts.change_user", "accounts.view_user"])
    viewer = make_user(username="viewer", perms=["accounts.view_user"])

    response = client_for(staff).patch(f"/api/v1/users/{viewer.pk}", {"full_name": "Nadia"}, format="json")

    assert response.status_code == 200, response.json()
    viewer.refresh_from_db()
    assert viewer.full_name == "Nadia"


def test_a_superuser_edits_another_superuser(client_for, make_user):
    root = make_user(username="root", is_superuser=True)
    other = make_user(username="other.root", is_superuser=True)

    response = client_for(root).patch(f"/api/v1/users/{other.pk}", {"email": "ops@livrili.dz"}, format="json")

    assert response.status_code == 200, response.json()
    other.refresh_from_db()
    assert other.email == "ops@livrili.dz"


def test_staff_cannot_give_themselves_a_group_they_could_grant_others(client_for, make_user):
    from django.contrib.auth.models import Permission

    readers = Group.objects.create(name="Readers")
    readers.permissions.add(Permission.objects.get(codename="view_product"))
    staff = make_user(groups=["Support"], perms=["accounts.change_user"])  # Support views products
    clerk = make_user(username="clerk")
    client = client_for(staff)

    own = client.patch(f"/api/v1/users/{staff.pk}", {"groups": ["Support", "Readers"]}, format="json")
    other = client.patch(f"/api/v1/users/{clerk.pk}", {"groups": ["Readers"]}, format="json")

    assert_error(own, 403, "FORBIDDEN")
    assert list(staff.groups.values_list("name", flat=True)) == ["Support"]
    assert other.json()["data"]["groups"] == ["Readers"]
