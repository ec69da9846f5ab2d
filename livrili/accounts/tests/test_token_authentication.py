"""Access-token authentication (performance pass 2): the user is read through one prepared
statement or this process's copy of its row, so a deactivated or deleted account is refused at its
next request and the user it answers is the same as the ORM's; a token is validated once per
process and its expiry checked at every use."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.tokens import AccessToken

from livrili.accounts.models import User
from livrili.accounts.selectors import user_for_token
from livrili.accounts.services import user_deactivate
from livrili.core.testing.assertions import assert_error

pytestmark = pytest.mark.django_db

ME = "/api/v1/products"


def test_a_deactivated_users_token_is_refused_at_its_next_request(client_for, make_user):
    admin = make_user(role="admin", username="boss", groups=["Superadmin"])
    shop = make_user(role="retailer", username="shop")
    client = client_for(shop)
    assert client.get(ME).status_code == 200

    user_deactivate(actor=admin, user=shop)

    assert_error(client.get(ME), 401, "UNAUTHORIZED")


def test_a_token_of_a_deleted_or_never_active_user_is_refused(client_for, make_user):
    gone, dormant = make_user(role="driver", username="gone"), make_user(username="dormant", is_active=False)
    clients = [client_for(gone), client_for(dormant)]
    User.objects.filter(pk=gone.pk).delete()

    for client in clients:
        assert_error(client.get(ME), 401, "UNAUTHORIZED")


def test_the_user_read_for_a_token_is_the_orm_user_in_one_query(make_user):
    shop = make_user(role="retailer", username="shop", full_name="Shop Owner", preferred_language="fr")

    with CaptureQueriesContext(connection) as ctx:
        user = user_for_token(str(shop.pk))

    orm = User.objects.get(pk=shop.pk)
    assert len(ctx.captured_queries) == 1
    fields = [f.attname for f in User._meta.concrete_fields]
    assert [getattr(user, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert (user._state.adding, user._state.db) == (False, "default")  # saved as an update, not an insert
    assert user_for_token("00000000-0000-0000-0000-000000000000") is None


def _counting_decodes(monkeypatch) -> list:
    decoded, decode = [], TokenBackend.decode
    monkeypatch.setattr(TokenBackend, "decode", lambda self, *a, **kw: decoded.append(1) or decode(self, *a, **kw))
    return decoded


def test_a_token_this_process_validated_is_not_decoded_again(client_for, make_user, monkeypatch):
    client = client_for(make_user(role="retailer", username="shop"))
    decoded = _counting_decodes(monkeypatch)

    assert [client.get(ME).status_code for _ in range(3)] == [200, 200, 200]
    assert len(decoded) == 1


def test_a_validated_token_is_refused_once_it_expires(make_user, monkeypatch):
    token = AccessToken.for_user(make_user(role="retailer", username="shop"))
    token.set_exp(lifetime=timedelta(seconds=2))  # `exp` is whole seconds: valid for 1 to 2 s
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(ME).status_code == 200

    time.sleep(max(token["exp"] - time.time(), 0) + 0.05)

    assert_error(client.get(ME), 401, "UNAUTHORIZED")


def test_a_token_signed_otherwise_is_refused_though_its_claims_were_validated(client_for, make_user):
    shop = make_user(role="retailer", username="shop")
    token = str(AccessToken.for_user(shop))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get(ME).status_code == 200
    forged = token.rsplit(".", 1)[0] + "." + ("A" * 43)

    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged}")

    assert_error(client.get(ME), 401, "UNAUTHORIZED")
