"""Retailer fixtures every app's tests use (registered in the root conftest)."""

import pytest
from model_bakery import baker


@pytest.fixture
def make_retailer(db):
    """A retailer in Algiers (status active unless told), without members."""

    def make(**fields):
        return baker.make_recipe("retailers.retailer", **fields)

    return make
