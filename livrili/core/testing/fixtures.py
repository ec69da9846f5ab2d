"""Fixtures every app's tests use that know no domain (registered in the root conftest)."""

import pytest
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from livrili.core.process_copies import forget_all


def _clear_cache():
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters, cached settings and the process's copies of rows must not leak between
    tests: cleared before each test and after it (a module-scoped fixture set up before the next
    test's own clearing must not read settings cached from a row that test rolled back)."""
    _clear_cache()
    forget_all()
    yield
    _clear_cache()
    forget_all()


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for():
    """An API client authenticated with a fresh access token for `user`."""

    def build(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return build


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
