"""Distances between coordinates, behind one provider interface.

A provider takes points as (latitude, longitude) in degrees and returns the square matrix of
distances in whole metres, `matrix[i][j]` from point i to point j (a road provider may return
an asymmetric one). `distance_matrix` calls the provider named by the
`LIVRILI_DISTANCE_BACKEND` setting (a dotted path), the haversine one by default, so a
road-distance service (OSRM, a map vendor) plugs in without touching the callers.
"""

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

# Mean Earth radius (IUGG, R1 = 6 371 008.8 m): the sphere's distances are within about 0.5 %
# of the ellipsoid's, far less than the gap between a straight line and a road.
EARTH_RADIUS_M = 6_371_008.8

Coordinate = tuple[float | Decimal, float | Decimal]


class DistanceProvider(Protocol):
    def __call__(self, points: Sequence[Coordinate], /) -> list[list[int]]: ...


def haversine_m(origin: Coordinate, destination: Coordinate) -> float:
    """Great-circle distance in metres between two (latitude, longitude) points in degrees."""
    lat1, lng1 = math.radians(float(origin[0])), math.radians(float(origin[1]))
    lat2, lng2 = math.radians(float(destination[0])), math.radians(float(destination[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def haversine_matrix(points: Sequence[Coordinate]) -> list[list[int]]:
    """The local provider: symmetric great-circle distances, rounded to the metre."""
    size = len(points)
    matrix = [[0] * size for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            matrix[i][j] = matrix[j][i] = round(haversine_m(points[i], points[j]))
    return matrix


def distance_provider() -> DistanceProvider:
    return import_string(settings.LIVRILI_DISTANCE_BACKEND)


def distance_matrix(points: Sequence[Coordinate]) -> list[list[int]]:
    """Distances in metres between `points` from the configured provider."""
    return distance_provider()(points)
