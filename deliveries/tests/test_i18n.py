import pytest
from django.utils import translation


@pytest.mark.parametrize(("language", "text"), [("ar", "هذا السائق موقوف."), ("fr", "Ce chauffeur est suspendu.")])
def test_refusals_are_translated(language, text):
    from deliveries.models import Driver, DriverStatus
    from deliveries.services.lifecycle import driver_unavailable_reason
    from livrili.accounts.models import User

    driver = Driver(user=User(username="d"), status=DriverStatus.SUSPENDED)
    with translation.override(language):
        assert driver_unavailable_reason(driver, None) == text
