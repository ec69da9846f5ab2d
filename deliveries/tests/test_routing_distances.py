import math
from decimal import Decimal

from django.test import override_settings

from deliveries.routing.distances import EARTH_RADIUS_M, distance_matrix, haversine_m, haversine_matrix

# Wilaya centres as the demo seed places them (retailers/seed.py, WILAYAS).
ALGIERS = (36.7538, 3.0588)
ORAN = (35.6971, -0.6308)
CONSTANTINE = (36.3650, 6.6147)


def spherical_law_of_cosines_m(a, b):
    """An independent formula for the same great-circle distance (precise at these lengths)."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    cosine = math.sin(lat1) * math.sin(lat2) + math.cos(lat1) * math.cos(lat2) * math.cos(lng2 - lng1)
    return EARTH_RADIUS_M * math.acos(cosine)


def test_algiers_to_oran_is_351_2_km_great_circle():
    # when
    distance = haversine_m(ALGIERS, ORAN)

    # then: 351 169 m on the mean-radius sphere, to the metre, and the same by the law of
    # cosines to the centimetre
    assert abs(distance - 351_169) <= 1
    assert abs(distance - spherical_law_of_cosines_m(ALGIERS, ORAN)) < 0.01
    assert haversine_m(ORAN, ALGIERS) == distance


def test_a_degree_of_latitude_is_111_195_m_and_a_quarter_meridian_10_007_557_m():
    assert round(haversine_m((36.0, 3.0), (37.0, 3.0))) == 111_195
    assert round(haversine_m((0.0, 3.0), (90.0, 3.0))) == 10_007_557
    assert haversine_m(ALGIERS, ALGIERS) == 0


def test_the_haversine_matrix_is_symmetric_whole_metres_and_takes_decimals():
    # given: coordinates as the models store them (DecimalField)
    points = [ALGIERS, ORAN, (Decimal("36.365000"), Decimal("6.614700"))]

    # when
    matrix = haversine_matrix(points)

    # then
    assert matrix == [
        [0, 351_169, 320_509],
        [351_169, 0, 655_599],
        [320_509, 655_599, 0],
    ]
    assert matrix[0][2] == round(haversine_m(ALGIERS, CONSTANTINE))


def test_distance_matrix_uses_the_haversine_provider_by_default():
    assert distance_matrix([ALGIERS, ORAN]) == [[0, 351_169], [351_169, 0]]


def road_provider(points):
    """A stand-in road service: asymmetric, 1.3 × the straight line one way."""
    straight = haversine_matrix(points)
    return [[round(value * 1.3) if i < j else value for j, value in enumerate(row)] for i, row in enumerate(straight)]


@override_settings(LIVRILI_DISTANCE_BACKEND="deliveries.tests.test_routing_distances.road_provider")
def test_the_distance_backend_setting_swaps_the_provider():
    assert distance_matrix([ALGIERS, ORAN]) == [[0, 456_520], [351_169, 0]]
