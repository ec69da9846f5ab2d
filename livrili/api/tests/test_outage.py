"""A database outage answers 503 SERVICE_UNAVAILABLE with Retry-After, inside DRF and outside."""

import sys
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.test import Client, override_settings

from livrili.core.testing.assertions import assert_error

pytestmark = pytest.mark.django_db


def failing_cursor():
    return mock.patch.object(CursorWrapper, "execute", side_effect=OperationalError("server closed the connection"))


def test_database_error_during_authentication_is_503_with_retry_after(make_user, client_for):
    # given an authenticated client, and a database that stops answering
    client = client_for(make_user(role="driver"))

    # when
    with failing_cursor():
        response = client.get("/api/v1/auth/me?lang=en")

    # then
    body = assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "5"
    assert body["message"] == "The service is temporarily unavailable."


def test_database_error_in_an_anonymous_write_is_503(api_client):
    with failing_cursor():
        response = api_client.post("/api/v1/auth/login", {"identifier": "x", "password": "y"}, format="json")

    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "5"


@override_settings(ROOT_URLCONF="livrili.api.tests.urls_outage")
def test_database_error_outside_drf_is_503():
    response = Client(raise_request_exception=False).get("/api/plain/database-down")

    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "5"


@override_settings(ROOT_URLCONF="livrili.api.tests.urls_outage")
def test_a_bug_outside_drf_is_the_500_envelope():
    response = Client(raise_request_exception=False).get("/api/plain/broken")

    assert_error(response, 500, "INTERNAL_ERROR")


def test_handler500_maps_a_database_error_raised_in_a_middleware(rf):
    from livrili.api.views import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        assert sys.exception() is not None
        response = server_error(rf.get("/api/v1/auth/me"))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_closed_database_port_is_503_and_recovery_is_automatic(make_user, client_for):
    # given a user, then the database moved to a port where nothing listens
    client = client_for(make_user(role="driver"))
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        # when
        response = client.get("/api/v1/auth/me")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port

    # then
    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "5"
    assert client.get("/api/v1/auth/me").status_code == 200
