"""Business settings: every structured value is validated before it is saved, and the cached
settings are retired only once the change is committed."""

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client
from django.utils import translation

from livrili.core.models import AuditLog, BusinessSettings

pytestmark = pytest.mark.django_db

CHANGE = "/admin/core/businesssettings/1/change/"


@pytest.fixture
def admin_client(make_user):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role="admin", is_superuser=True, username="boss"))
    return client


def form_data(**overrides):
    """The admin form as a browser posts it, with the default settings."""
    data = {
        "company_name": "Livrili",
        "legal_form": "SARL",
        "share_capital": "0.00",
        "company_address": "",
        "company_phone": "",
        "company_email": "",
        "rc_number": "",
        "nif": "",
        "nis": "",
        "ai_number": "",
        "bank_name": "",
        "rib": "",
        "warehouse_address": "",
        "warehouse_latitude": "",
        "warehouse_longitude": "",
        "minimum_order_value": "1000.00",
        "delivery_fee": "300.00",
        "delivery_fee_tax_rate": "19.00",
        "free_delivery_threshold": "5000.00",
        "default_tax_rate": "19.00",
        "allowed_tax_rates": "0, 9, 19",
        "time_slots": "morning\nafternoon",
        "order_cutoff_hour": "16",
        "working_days": ["7", "1", "2", "3", "4"],
        "credit_policy": "reject",
        "hold_expiry_days": "3",
        "invoice_payment_terms_days": "30",
        "stamp_duty_0": "300.00",
        "stamp_duty_1": "5.00",
        "stamp_duty_2": "30000.00 1.00\n100000.00 1.50\n* 2.00",
        "low_stock_threshold": "10",
    }
    return {**data, **overrides}


def test_the_admin_edits_structured_values_with_structured_widgets(admin_client):
    BusinessSettings.load()
    page = admin_client.get(CHANGE)
    assert page.status_code == 200
    assert 'type="checkbox" name="working_days" value="5"' in page.text  # Friday, unticked
    assert "Sunday" in page.text

    response = admin_client.post(
        CHANGE,
        form_data(
            working_days=["6", "7", "1", "2", "3"],
            time_slots="08:00-12:00\n14:00-18:00",
            allowed_tax_rates="19, 9, 0, 9.5",
            stamp_duty_2="50000 1\n* 2.5",
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    settings = BusinessSettings.objects.get()
    assert settings.working_days == [1, 2, 3, 6, 7]
    assert settings.time_slots == ["08:00-12:00", "14:00-18:00"]
    assert settings.allowed_tax_rates == ["0.00", "9.00", "9.50", "19.00"]
    assert settings.stamp_duty == {
        "exempt_up_to": "300.00",
        "minimum": "5.00",
        "brackets": [{"up_to": "50000.00", "per_100": "1.00"}, {"up_to": None, "per_100": "2.50"}],
    }
    # the cache was retired after the commit: readers see the new settings
    assert BusinessSettings.load().working_days == [1, 2, 3, 6, 7]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"working_days": []}, "working_days", "Choose at least one working day."),
        ({"working_days": ["8"]}, "working_days", "Select a valid choice. 8 is not one of the available choices."),
        ({"time_slots": ""}, "time_slots", "Give at least one delivery time slot."),
        (
            {"time_slots": "08:00-25:00"},
            "time_slots",
            "“08:00-25:00” is not a time slot: use HH:MM-HH:MM (start before end) or a short name such as morning.",
        ),
        (
            {"time_slots": "14:00-08:00"},
            "time_slots",
            "“14:00-08:00” is not a time slot: use HH:MM-HH:MM (start before end) or a short name such as morning.",
        ),
        ({"time_slots": "morning\nmorning"}, "time_slots", "Each time slot may appear only once."),
        (
            {"allowed_tax_rates": "19, abc"},
            "allowed_tax_rates",
            "“abc” is not a tax rate: use a percentage from 0 to 100 with at most 2 decimals.",
        ),
        (
            {"allowed_tax_rates": "150"},
            "allowed_tax_rates",
            "“150” is not a tax rate: use a percentage from 0 to 100 with at most 2 decimals.",
        ),
        (
            {"allowed_tax_rates": "0, 9"},
            "default_tax_rate",
            "The default tax rate must be one of the allowed tax rates.",
        ),
        (
            {"stamp_duty_2": "30000 1\n100000 1.5"},
            "stamp_duty",
            "The last stamp duty bracket must have no upper bound (*).",
        ),
        (
            {"stamp_duty_2": "100000 1\n30000 1.5\n* 2"},
            "stamp_duty",
            "Stamp duty brackets must go up in order, each above the previous one.",
        ),
        (
            {"stamp_duty_2": "30000\n* 2"},
            "stamp_duty",
            "“30000” is not a bracket: write the upper bound (or *) and the duty per 100 DA, e.g. 30000.00 1.00.",
        ),
        ({"stamp_duty_2": "* 2\n* 3"}, "stamp_duty", "Only the last stamp duty bracket may have no upper bound (*)."),
    ],
)
def test_the_admin_refuses_bad_structured_values_and_saves_nothing(admin_client, overrides, field, message):
    BusinessSettings.load()
    before = list(BusinessSettings.objects.values())

    response = admin_client.post(CHANGE, form_data(**overrides))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert list(BusinessSettings.objects.values()) == before
    assert AuditLog.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("working_days", ["7", "1"]),  # strings: the placement loop never finds a working day
        ("working_days", []),
        ("working_days", [0, 8]),
        ("working_days", [1, 1]),
        ("working_days", "1,2"),
        ("time_slots", []),
        ("time_slots", ["morning", 3]),
        ("time_slots", ["x" * 21]),
        ("allowed_tax_rates", ["19.00", "nineteen"]),
        ("allowed_tax_rates", []),
        ("stamp_duty", {"exempt_up_to": "300.00", "minimum": "5.00", "brackets": [{"per_100": "1.00"}]}),
        ("stamp_duty", {"brackets": [{"up_to": None, "per_100": "1.00"}]}),
        ("stamp_duty", {"exempt_up_to": "300.00", "minimum": "5.00", "brackets": []}),
        ("stamp_duty", ["not", "a", "dict"]),
    ],
)
def test_the_model_refuses_malformed_values_and_saves_nothing(field, value):
    settings = BusinessSettings.load()
    setattr(settings, field, value)

    with pytest.raises(ValidationError) as refused:
        settings.full_clean()
    with pytest.raises(ValidationError), transaction.atomic():
        settings.save()

    assert list(refused.value.message_dict) == [field]
    assert getattr(BusinessSettings.objects.get(), field) == getattr(BusinessSettings(), field)


def test_refusals_are_translated():
    settings = BusinessSettings.load()
    settings.working_days = []

    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        settings.full_clean()

    assert refused.value.message_dict == {"working_days": ["Choisissez au moins un jour ouvré."]}


def test_the_cache_is_retired_after_commit_not_inside_the_transaction(django_capture_on_commit_callbacks):
    old = BusinessSettings.load()  # cached

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        row = BusinessSettings.objects.get()
        row.company_name = "Livrili SPA"
        row.save()
        # a request on another connection reads the committed (old) row meanwhile and caches it
        assert cache.get(BusinessSettings.CACHE_KEY).company_name == "Livrili"
        cache.set(BusinessSettings.CACHE_KEY, old, 300)

    assert len(callbacks) == 1
    assert BusinessSettings.load().company_name == "Livrili SPA"


def test_a_rolled_back_save_leaves_the_cached_settings_alone(django_capture_on_commit_callbacks):
    BusinessSettings.load()

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        row = BusinessSettings.objects.get()
        row.company_name = "Never committed"
        row.save()
        assert BusinessSettings.load().company_name == "Never committed"  # the writer reads its own change
        raise RuntimeError("roll back")

    assert callbacks == []
    assert cache.get(BusinessSettings.CACHE_KEY).company_name == "Livrili"
    assert BusinessSettings.load().company_name == "Livrili"


def test_the_settings_list_opens_the_form_directly(admin_client):
    response = admin_client.get("/admin/core/businesssettings/")
    assert (response.status_code, response["Location"]) == (302, CHANGE)
    assert admin_client.get(CHANGE).status_code == 200
