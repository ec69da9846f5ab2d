"""The user admin applies the same rule as the API (services.user_update): nobody edits their
own privileges, staff edit only users whose permissions they all hold, only superusers touch
superusers."""

import pytest
from django.contrib.auth.models import Group

from livrili.accounts.models import User
from livrili.core.models import AuditLog

pytestmark = pytest.mark.django_db


def change_url(user):
    return f"/admin/accounts/user/{user.pk}/change/"


def form_data(response, **overrides):
    """The change form's current values as a POST body, with `overrides` applied."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | tuple) or hasattr(value, "all"):
            data[name] = [str(getattr(v, "pk", v)) for v in (value.all() if hasattr(value, "all") else value)]
        elif value is not None:
            data[name] = str(getattr(value, "pk", value))
    data.update(overrides)
    return data


@pytest.fixture
def support_staff(make_user):
    """Staff in the Support group who may also change users."""
    return make_user(username="helpdesk", groups=["Support"], perms=["accounts.change_user"])


def test_change_form_offers_only_the_groups_and_permissions_the_staff_member_holds(client, support_staff, make_user):
    clerk = make_user(username="clerk")
    client.force_login(support_staff)

    response = client.get(change_url(clerk))

    assert response.status_code == 200
    fields = response.context["adminform"].form.fields
    assert "is_superuser" not in fields
    assert [g.name for g in fields["groups"].queryset] == ["Support"]
    offered = {f"{p.content_type.app_label}.{p.codename}" for p in fields["user_permissions"].queryset}
    assert offered == support_staff.get_all_permissions()


def test_own_change_form_offers_no_privilege_field(client, support_staff):
    client.force_login(support_staff)

    fields = client.get(change_url(support_staff)).context["adminform"].form.fields

    assert not {"role", "is_active", "is_superuser", "groups", "user_permissions"} & set(fields)
    assert "email" in fields


def test_posting_superuser_and_groups_on_ones_own_record_writes_nothing(client, support_staff):
    client.force_login(support_staff)
    superadmin = Group.objects.get(name="Superadmin")
    data = form_data(client.get(change_url(support_staff)), is_superuser="on", groups=[str(superadmin.pk)])

    client.post(change_url(support_staff), data)

    support_staff.refresh_from_db()
    assert support_staff.is_superuser is False
    assert list(support_staff.groups.values_list("name", flat=True)) == ["Support"]
    assert list(support_staff.user_permissions.values_list("codename", flat=True)) == ["change_user"]


def test_posting_a_group_beyond_ones_permissions_is_refused_and_writes_nothing(client, support_staff, make_user):
    clerk = make_user(username="clerk", email="clerk@livrili.dz")
    client.force_login(support_staff)
    superadmin = Group.objects.get(name="Superadmin")
    data = form_data(client.get(change_url(clerk)), groups=[str(superadmin.pk)], email="changed@livrili.dz")

    response = client.post(change_url(clerk), data)

    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["groups"]
    clerk.refresh_from_db()
    assert (clerk.email, list(clerk.groups.all())) == ("clerk@livrili.dz", [])
    assert not AuditLog.objects.exists()


def test_posting_superuser_for_another_user_writes_nothing(client, support_staff, make_user):
    clerk = make_user(username="clerk")
    client.force_login(support_staff)
    data = form_data(client.get(change_url(clerk)), is_superuser="on")

    client.post(change_url(clerk), data)

    clerk.refresh_from_db()
    assert clerk.is_superuser is False


def test_staff_cannot_edit_a_superuser_or_set_their_password(client, support_staff, make_user):
    root = make_user(username="root", is_superuser=True, email="root@livrili.dz")
    client.force_login(support_staff)
    data = form_data(client.get(change_url(root)), email="mine@evil.dz")
    data.update(username="root", role="admin", preferred_language="ar", is_active="on")

    edit = client.post(change_url(root), data)
    password = client.post(
        f"/admin/accounts/user/{root.pk}/password/",
        {"password1": "Taken-Over-2026", "password2": "Taken-Over-2026", "usable_password": "true"},
    )

    assert (edit.status_code, password.status_code) == (403, 403)
    root.refresh_from_db()
    assert root.email == "root@livrili.dz"
    assert not root.check_password("Taken-Over-2026")
    assert not AuditLog.objects.exists()


def test_staff_cannot_edit_a_user_with_more_permissions(client, support_staff, make_user):
    finance = make_user(username="finance", groups=["Finance"], email="fin@livrili.dz")
    client.force_login(support_staff)

    response = client.post(change_url(finance), {"username": "finance", "email": "mine@evil.dz", "role": "admin"})

    assert response.status_code == 403
    finance.refresh_from_db()
    assert finance.email == "fin@livrili.dz"


def test_staff_edit_an_allowed_user_through_the_service_with_audit(client, support_staff, make_user):
    clerk = make_user(username="clerk", email="clerk@livrili.dz")
    client.force_login(support_staff)
    support = Group.objects.get(name="Support")
    data = form_data(client.get(change_url(clerk)), email="new@livrili.dz", groups=[str(support.pk)])

    response = client.post(change_url(clerk), data)

    assert response.status_code == 302
    clerk.refresh_from_db()
    assert (clerk.email, list(clerk.groups.values_list("name", flat=True))) == ("new@livrili.dz", ["Support"])
    entry = AuditLog.objects.get(object_id=str(clerk.pk))
    assert (entry.actor, entry.action) == (support_staff, "update")
    assert entry.changes == {"email": ["clerk@livrili.dz", "new@livrili.dz"], "groups": [[], ["Support"]]}


def test_a_superuser_grants_superuser_in_the_admin(client, make_user):
    root = make_user(username="root", is_superuser=True)
    clerk = make_user(username="clerk")
    client.force_login(root)
    data = form_data(client.get(change_url(clerk)), is_superuser="on")

    response = client.post(change_url(clerk), data)

    assert response.status_code == 302
    assert User.objects.get(pk=clerk.pk).is_superuser is True
    assert AuditLog.objects.get(object_id=str(clerk.pk)).changes == {"is_superuser": [False, True]}


def test_staff_cannot_delete_a_superuser(client, make_user):
    staff = make_user(username="remover", perms=["accounts.change_user", "accounts.delete_user", "accounts.view_user"])
    root = make_user(username="root", is_superuser=True)
    client.force_login(staff)

    single = client.post(f"/admin/accounts/user/{root.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/accounts/user/", {"action": "delete_selected", "_selected_action": [str(root.pk)], "post": "yes"}
    )

    assert (single.status_code, bulk.status_code) == (403, 403)
    assert User.objects.filter(pk=root.pk).exists()
