import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_and_documents_the_envelope(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(target.read_text())
    error = schema["components"]["schemas"]["ErrorEnvelope"]
    assert set(error["properties"]["error_code"]["enum"]) >= {"VALIDATION_ERROR", "CONFLICT", "INSUFFICIENT_STOCK"}
    login = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert login["200"]["content"]["application/json"]["schema"]["properties"]["success"]["enum"] == [True]
    assert login["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    users = schema["paths"]["/api/v1/users"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "$ref" in users  # paginated component with the pagination block
    paginated = schema["components"]["schemas"][users["$ref"].rsplit("/", 1)[1]]
    assert set(paginated["required"]) == {"success", "data", "message", "pagination"}


def test_admin_in_arabic_is_right_to_left(client, make_user):
    client.force_login(make_user(is_superuser=True))

    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ar")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'dir="rtl"' in html
    assert "ليفريلي - لوحة الإدارة" in html


def test_admin_language_switcher_sets_french(client, make_user):
    client.force_login(make_user(is_superuser=True))

    client.post("/i18n/setlang/", {"language": "fr", "next": "/admin/"})
    html = client.get("/admin/").content.decode()

    assert 'lang="fr"' in html
    assert "Livrili - back-office" in html


def test_business_settings_load_is_cached(django_assert_num_queries):
    from livrili.core.models import BusinessSettings

    BusinessSettings.load()
    with django_assert_num_queries(0):
        settings = BusinessSettings.load()

    assert str(settings.minimum_order_value) == "1000.00"


def test_admin_refuses_a_retailer_member_without_a_retailer(client, make_user):
    from livrili.accounts.models import User

    client.force_login(make_user(is_superuser=True))
    form = {"username": "lonely", "role": "retailer", "password1": "Str0ng-Passw0rd!", "password2": "Str0ng-Passw0rd!"}

    response = client.post("/admin/accounts/user/add/", form)

    assert response.status_code == 200
    assert not User.objects.filter(username="lonely").exists()


def test_the_login_page_offers_the_language_switcher(client):
    html = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert 'id="admin-language"' in html
    assert 'lang="fr"' in html
