"""Root conftest: registers the fixture modules (pytest only reads `pytest_plugins` here).

Fixtures every app's tests use live in fixture modules, one per owner; plain helpers
(`assert_error`, `run_together`, `DEFAULT_PASSWORD`) are imported from `livrili.core.testing`.
Fixtures for one directory stay in that directory's conftest."""

import pytest

# The helpers assert; let pytest explain their failures as it does in test modules.
pytest.register_assert_rewrite("livrili.core.testing")

pytest_plugins = [
    "livrili.core.testing.fixtures",
    "livrili.accounts.tests.fixtures",
    "retailers.tests.fixtures",
    "products.tests.fixtures",
]


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    if not settings.IS_POSTGRES:
        skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (CI does)")
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(skip)
