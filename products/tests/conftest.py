import pytest


@pytest.fixture
def catalog_staff(make_user):
    return make_user(role="admin", groups=["Catalog"], username="catalog.manager")


@pytest.fixture
def retailer(make_user):
    return make_user(role="retailer", username="shop")
