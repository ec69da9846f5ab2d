"""The admin home: sections in working order, the libraries' models in one System section last,
named for operators, and only for those who may manage them."""

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db


def sections(client) -> list[tuple[str, list[str]]]:
    with translation.override("fr"):
        page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="fr")
        return [(str(app["name"]), [str(model["name"]) for model in app["models"]]) for app in page.context["app_list"]]


def test_sections_come_in_working_order_with_the_system_last(admin_client):
    found = sections(admin_client)
    names = [name for name, _models in found]
    assert names[:3] == ["Commandes", "Livraisons", "Facturation"]
    assert names[-1] == "Système"
    assert found[-1][1] == [
        "Tâches planifiées",
        "Planifications : crontab",
        "Planifications : intervalles",
        "Planifications : événements solaires",
        "Planifications : heures fixes",
        "Jetons de connexion émis",
        "Jetons de connexion révoqués",
    ]


def test_staff_without_the_libraries_permissions_see_no_system_section(client, make_user):
    client.force_login(make_user(role="admin", groups=["Sales"]))
    assert "Système" not in [name for name, _models in sections(client)]
