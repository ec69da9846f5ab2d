"""How the application's database sessions are configured (livrili/settings.py, docs/performance.md)."""

import time

import psycopg
import pytest
from django.db import connection


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_primarys_sessions_run_without_parallel_query():
    # A gathered scan costs the web's shared cores three processes for one answer.
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == ("0",)


def _settled(wrapper, usable: bool, seconds: float = 5.0) -> bool:
    """is_usable() once the server's doing has reached the socket (bounded wait)."""
    deadline = time.monotonic() + seconds
    while wrapper.is_usable() != usable and time.monotonic() < deadline:
        time.sleep(0.01)
    return wrapper.is_usable() == usable


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_health_check_of_a_reused_connection_sends_nothing_to_the_server(tmp_path):
    # Django's own check is `SELECT 1`: a round trip on every request that reuses a connection.
    connection.ensure_connection()
    trace = tmp_path / "libpq.trace"
    with trace.open("w") as out:
        connection.connection.pgconn.trace(out.fileno())
        try:
            connection.health_check_done = False  # as at the start of a request
            connection.close_if_health_check_failed()
        finally:
            connection.connection.pgconn.untrace()
    assert connection.connection is not None and not connection.connection.closed  # kept
    assert trace.read_text() == ""  # no message sent or received


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_whose_server_process_ended_fails_the_health_check_and_is_replaced():
    connection.ensure_connection()
    old_pid = connection.connection.info.backend_pid
    assert connection.is_usable()
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [old_pid])
    assert _settled(connection, usable=False)
    connection.health_check_done = False  # the next request's first query
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old_pid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_in_a_failed_transaction_is_not_usable():
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    try:
        with pytest.raises(psycopg.errors.DivisionByZero):
            raw.execute("SELECT 1 / 0")
        assert not connection.is_usable()
    finally:
        raw.rollback()
        raw.autocommit = True
    assert connection.is_usable()
