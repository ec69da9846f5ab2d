import itertools

import pytest

from notifications.sms import LocmemSMSBackend


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.SMS_BACKEND = "locmem"
    LocmemSMSBackend.outbox = []
    return LocmemSMSBackend.outbox


@pytest.fixture
def recipient(make_user):
    """A retailer member reachable on every channel, in `language`."""

    numbers = itertools.count(1)

    def make(language="ar", **fields):
        fields.setdefault("email", f"{language}.{next(numbers)}@example.dz")
        return make_user(role="retailer", preferred_language=language, **fields)

    return make
