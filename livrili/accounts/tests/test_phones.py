import pytest
from django.core.exceptions import ValidationError

from livrili.accounts.phones import normalize_phone


@pytest.mark.parametrize(
    "raw",
    ["0661 23 45 67", "+213661234567", "0661-23-45-67", "213661234567", "0661234567", "00213 661 23 45 67"],
)
def test_algerian_mobile_formats_normalise_to_e164(raw):
    assert normalize_phone(raw) == "+213661234567"


def test_landline_and_foreign_numbers():
    assert normalize_phone("021 23 45 67") == "+21321234567"
    assert normalize_phone("+33 6 12 34 56 78") == "+33612345678"


@pytest.mark.parametrize("raw", ["12", "0861234567", "abc", "+213", "06612345678"])
def test_rejects_non_numbers(raw):
    with pytest.raises(ValidationError):
        normalize_phone(raw)
