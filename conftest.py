"""Fixtures shared by every app's tests."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from livrili.accounts.models import User

DEFAULT_PASSWORD = "Correct-Horse-42"


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters and cached settings must not leak between tests."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("*")
    else:
        cache.clear()
    yield


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def make_retailer(db):
    """A retailer in Algiers (status active unless told), without members."""
    from livrili.core.models import Wilaya
    from retailers.models import Retailer

    counter = {"n": 0}

    def make(**fields):
        counter["n"] += 1
        # Transactional tests flush the wilayas loaded by migration; put back the one used here.
        Wilaya.objects.get_or_create(
            code="16", defaults={"name_ar": "الجزائر", "name_fr": "Alger", "name_en": "Algiers"}
        )
        fields.setdefault("business_name", f"Shop {counter['n']}")
        fields.setdefault("wilaya_id", "16")
        fields.setdefault("status", "active")
        return Retailer.objects.create(**fields)

    return make


@pytest.fixture
def make_user(db, make_retailer):
    counter = {"n": 0}

    def make(role="admin", perms=(), groups=(), password=DEFAULT_PASSWORD, **fields):
        counter["n"] += 1
        fields.setdefault("username", f"{role}{counter['n']}")
        if role == "retailer" and "retailer" not in fields:
            fields["retailer"] = make_retailer()  # a retailer member always belongs to a retailer
        user = User.objects.create_user(password=password, role=role, **fields)
        if role == "retailer" and user.retailer.owner_id is None:
            user.retailer.owner = user
            user.retailer.save(update_fields=["owner", "updated_at"])
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return user

    return make


@pytest.fixture
def client_for():
    """An API client authenticated with a fresh access token for `user`."""

    def build(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return build


def assert_error(response, status: int, code: str):
    body = response.json()
    assert response.status_code == status, body
    assert body["success"] is False
    assert body["error_code"] == code, body
    return body


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


def run_together(count: int, work, catch=()):
    """Run `work(i)` in `count` threads released together by a barrier (PostgreSQL concurrency
    tests). Returns each thread's result, or the exception it raised when it is one of `catch`;
    any other exception fails the test. Each thread closes its own database connection."""
    import threading

    from django.db import connection as thread_connection

    barrier = threading.Barrier(count)
    outcomes: list = [None] * count
    unexpected: list = []

    def worker(index):
        try:
            barrier.wait()
            outcomes[index] = work(index)
        except catch as exc:
            outcomes[index] = exc
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            unexpected.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == [], unexpected
    return outcomes
