"""How the application's database sessions are configured (livrili/settings.py, docs/performance.md)."""

import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_primarys_sessions_run_without_parallel_query():
    # A gathered scan costs the web's shared cores three processes for one answer.
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)
