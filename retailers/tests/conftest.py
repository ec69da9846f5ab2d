import pytest

APPROVER_PERMS = ("retailers.view_retailer", "retailers.approve_retailer")
FINANCE_PERMS = (
    "retailers.view_retailer",
    "retailers.view_ledgerentry",
    "retailers.change_credit_limit",
    "retailers.add_ledger_adjustment",
)


@pytest.fixture
def owner(make_user):
    """The owner of an active retailer."""
    return make_user(role="retailer", full_name="Amine Haddad", phone="0661 00 00 01")


@pytest.fixture
def pending_owner(make_user, make_retailer):
    retailer = make_retailer(status="pending", business_name="Épicerie Pending")
    return make_user(role="retailer", retailer=retailer, username="pending.owner", phone="0661 00 00 02")


@pytest.fixture
def approver(make_user):
    return make_user(role="admin", perms=APPROVER_PERMS)


@pytest.fixture
def finance(make_user):
    return make_user(role="admin", perms=FINANCE_PERMS)
