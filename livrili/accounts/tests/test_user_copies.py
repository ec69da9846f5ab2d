"""Each process's copies of token users' rows (accounts/copies.py): used only while the user's
revision is unchanged, so a write of the user — a deactivation above all — is seen at the next
request; without the revision (the cache down, a write in flight) the row is read every time."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_redis.cache import RedisCache

from livrili.accounts import copies
from livrili.accounts.models import User
from livrili.accounts.selectors import user_for_token
from livrili.accounts.services import user_deactivate, user_update
from livrili.core import process_copies
from livrili.core.testing.assertions import assert_error
from livrili.core.testing.concurrency import held_open

PAGE = "/api/v1/products"


@pytest.fixture(autouse=True)
def _copies_on(settings):
    settings.AUTH_USER_COPY_MAX_AGE = 300


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs the on-commit work of what the block does, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def shop(make_user, committed):
    with committed():
        return make_user(role="retailer", username="shop", full_name="Shop Owner")


@pytest.fixture
def admin(make_user, committed):
    with committed():
        return make_user(role="admin", username="boss", groups=["Superadmin"])


def user_reads(ctx) -> int:
    table = connection.ops.quote_name(User._meta.db_table)
    return sum(f"FROM {table} WHERE" in query["sql"] for query in ctx.captured_queries)


def get_counting_user_reads(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(PAGE).status_code
    return status, user_reads(ctx)


@pytest.mark.django_db
def test_a_later_request_uses_the_copy_and_a_new_instance(shop, client_for):
    client = client_for(shop)

    assert get_counting_user_reads(client) == (200, 1)
    assert get_counting_user_reads(client) == (200, 0)
    assert user_for_token(str(shop.pk)) is not user_for_token(str(shop.pk))  # Django caches on instances


@pytest.mark.django_db
def test_a_copy_is_the_row_the_database_holds(shop):
    fresh = user_for_token(shop.pk)
    with CaptureQueriesContext(connection) as ctx:
        copied = user_for_token(shop.pk)

    orm = User.objects.get(pk=shop.pk)
    fields = [f.attname for f in User._meta.concrete_fields]
    assert ctx.captured_queries == []
    assert [getattr(copied, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert [getattr(fresh, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert (copied._state.adding, copied._state.db) == (False, "default")


@pytest.mark.django_db
def test_a_deactivation_refuses_the_copy_at_the_next_request(shop, admin, client_for, committed):
    client = client_for(shop)
    assert get_counting_user_reads(client) == (200, 1)

    with committed():
        user_deactivate(actor=admin, user=shop)

    assert_error(client.get(PAGE), 401, "UNAUTHORIZED")


@pytest.mark.django_db
def test_a_change_is_seen_at_the_next_request(shop, admin, client_for, committed):
    client = client_for(shop)
    client.get(PAGE)

    with committed():
        user_update(actor=admin, user=shop, preferred_language="fr")

    assert client.get(PAGE).headers["Content-Language"] == "fr"
    assert user_for_token(shop.pk).preferred_language == "fr"


@pytest.mark.django_db
def test_a_deleted_users_copy_is_refused(shop, client_for, committed):
    client = client_for(shop)
    client.get(PAGE)
    shop.retailer.owner = None
    shop.retailer.save(update_fields=["owner"])

    with committed():
        User.objects.filter(pk=shop.pk).delete()  # a queryset delete still signals each row

    assert_error(client.get(PAGE), 401, "UNAUTHORIZED")


@pytest.mark.django_db
def test_while_a_write_is_in_flight_no_copy_is_kept(shop, admin, client_for):
    client = client_for(shop)
    client.get(PAGE)

    user_update(actor=admin, user=shop, full_name="Renamed")  # not committed: the test's transaction

    assert get_counting_user_reads(client) == (200, 1)
    assert get_counting_user_reads(client) == (200, 1)
    assert user_for_token(shop.pk).full_name == "Renamed"


@pytest.mark.django_db
def test_a_copy_read_before_a_commit_is_refused_after_it(shop, admin, committed):
    """The reader took the revision, then the writer committed, then the reader read the old row
    and kept it: the commit's new revision retires that copy."""
    key = str(shop.pk)
    current = copies.revision(key)
    old_row = tuple(getattr(shop, f.attname) for f in User._meta.concrete_fields)

    with committed():
        user_deactivate(actor=admin, user=shop)
    copies.keep(key, current, old_row)

    assert copies.revision(key) != current
    assert user_for_token(key).is_active is False


@pytest.mark.django_db
def test_without_the_cache_the_row_is_read_every_time(shop, admin, client_for, committed, monkeypatch):
    unreachable = RedisCache(
        "redis://127.0.0.1:1/0",  # nothing listens there: every call fails at once
        {"OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1}},
    )
    monkeypatch.setattr(copies, "cache", unreachable)
    client = client_for(shop)

    assert get_counting_user_reads(client) == (200, 1)
    assert get_counting_user_reads(client) == (200, 1)
    assert len(copies._rows) == 0

    with committed():
        user_deactivate(actor=admin, user=shop)  # its revision updates fail too

    assert_error(client.get(PAGE), 401, "UNAUTHORIZED")


@pytest.mark.django_db
def test_a_copy_older_than_the_max_age_is_read_again(shop, client_for, monkeypatch, settings):
    client = client_for(shop)
    client.get(PAGE)
    now = process_copies.time.monotonic()

    monkeypatch.setattr(process_copies.time, "monotonic", lambda: now + settings.AUTH_USER_COPY_MAX_AGE - 1)
    assert get_counting_user_reads(client) == (200, 0)
    monkeypatch.setattr(process_copies.time, "monotonic", lambda: now + settings.AUTH_USER_COPY_MAX_AGE + 1)
    assert get_counting_user_reads(client) == (200, 1)


@pytest.mark.django_db
def test_off_by_setting_the_row_is_read_every_time(shop, client_for, settings):
    settings.AUTH_USER_COPY_MAX_AGE = 0
    client = client_for(shop)

    assert [get_counting_user_reads(client) for _ in range(2)] == [(200, 1), (200, 1)]
    assert len(copies._rows) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_deactivation_committing_while_requests_run(make_user, client_for):
    """A real writer in another connection: while its transaction is open the requests read the
    row (still active) and keep no copy; its commit refuses the next request."""
    admin = make_user(role="admin", username="boss", groups=["Superadmin"])
    shop = make_user(role="retailer", username="shop")
    client = client_for(shop)
    assert get_counting_user_reads(client) == (200, 1)
    assert get_counting_user_reads(client) == (200, 0)
    with held_open(lambda: user_deactivate(actor=admin, user=shop)):
        assert copies.revision(str(shop.pk)) is None  # held: no copy may be used or kept
        assert [get_counting_user_reads(client) for _ in range(2)] == [(200, 1), (200, 1)]  # the old row

    assert_error(client.get(PAGE), 401, "UNAUTHORIZED")
