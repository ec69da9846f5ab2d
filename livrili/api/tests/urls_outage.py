"""Plain Django views under /api/ (outside DRF) for the outage and 500 tests."""

from django.db import OperationalError
from django.urls import include, path

from livrili.urls import handler404, handler500  # noqa: F401 - the project's handlers apply here too


def database_down(request):
    raise OperationalError("could not connect to server: Connection refused")


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("api/plain/database-down", database_down),
    path("api/plain/broken", broken),
    path("", include("livrili.urls")),
]
