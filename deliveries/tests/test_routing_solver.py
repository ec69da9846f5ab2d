import math
import random
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from ortools.constraint_solver import pywrapcp

from deliveries.routing.cvrplib import read_vrp
from deliveries.routing.distances import haversine_matrix
from deliveries.routing.solver import NEAREST_NEIGHBOUR, ORTOOLS, evaluate_route, solve_vrp

DATA = Path(__file__).parent / "data"
A_N32_K5_OPTIMUM = 784  # CVRPLIB's best known value, proven optimal (A-n32-k5.sol)


def line_matrix(positions):
    """Distances between points on a line: easy to check by hand."""
    return [[abs(a - b) for b in positions] for a in positions]


def route_length(matrix, depot, stops):
    path = [depot, *stops, depot]
    return sum(matrix[a][b] for a, b in pairwise(path)) if stops else 0


@pytest.fixture
def no_ortools_solution(monkeypatch):
    """OR-Tools returns no assignment, as when no first solution is found within the limit."""
    monkeypatch.setattr(pywrapcp.RoutingModel, "SolveWithParameters", lambda self, parameters, solutions=None: None)


@pytest.fixture(scope="module")
def a_n32_k5():
    instance = read_vrp(DATA / "A-n32-k5.vrp")
    matrix = instance.distance_matrix()
    result = solve_vrp(
        distance_matrix=matrix,
        demands=instance.demands,
        vehicle_capacities=[instance.capacity] * instance.vehicles,
        time_limit_seconds=5,
    )
    return instance, matrix, result


def test_a_n32_k5_reaches_the_best_known_value_within_1_percent_in_5_seconds(a_n32_k5):
    instance, matrix, result = a_n32_k5

    # then: 784 ≤ cost ≤ 791 (784 × 1.01 = 791.84), found by OR-Tools itself
    assert A_N32_K5_OPTIMUM <= result.objective <= 791
    assert (result.solver, result.status, result.fallback_used) == (ORTOOLS, "ROUTING_SUCCESS", False)
    # every customer once, no vehicle over capacity, the objective is the routes' length
    visits = Counter(node for route in result.routes for node in route.stops)
    assert visits == Counter(range(1, 32))
    assert result.unassigned == []
    assert len(result.routes) == 5
    for route in result.routes:
        assert route.load == sum(instance.demands[node] for node in route.stops) <= 100
        assert route.distance == route_length(matrix, 0, route.stops)
    assert result.objective == sum(route_length(matrix, 0, route.stops) for route in result.routes)


@pytest.fixture
def algiers_plan():
    """60 deliveries around Algiers (fixed seed), one of 2 500 kg, 4 drivers, a 08:00–18:00 shift."""
    rng = random.Random(13)  # noqa: S311 - a reproducible test plan, not a secret
    warehouse = (36.7538, 3.0588)
    points = [warehouse] + [
        (warehouse[0] + rng.uniform(-0.08, 0.08), warehouse[1] + rng.uniform(-0.15, 0.15)) for _ in range(60)
    ]
    demands = [0] + [rng.randint(20, 120) for _ in range(60)]
    demands[60] = 2500  # more than any vehicle carries
    return {
        "distance_matrix": haversine_matrix(points),
        "demands": demands,
        "vehicle_capacities": [1200, 1100, 1000, 800],
        "max_stops": [17, 17, 15, 12],
        "time_windows": [(8 * 3600, 18 * 3600)] + [None] * 60,
        "service_times": [0] + [600] * 60,
        "speed": 30 / 3.6,  # 30 km/h in m/s
        "time_limit_seconds": 2,
    }


@pytest.mark.parametrize("forced_fallback", [False, True], ids=["ortools", "fallback"])
def test_a_60_delivery_4_driver_plan_respects_capacity_max_stops_and_the_depot(algiers_plan, forced_fallback, request):
    # given
    if forced_fallback:
        request.getfixturevalue("no_ortools_solution")
    matrix, demands = algiers_plan["distance_matrix"], algiers_plan["demands"]
    assert sum(demands[1:60]) == 3848  # the fleet carries 4 100 kg and makes at most 61 stops

    # when
    result = solve_vrp(**algiers_plan)

    # then: each delivery served once or listed unassigned, never both, never dropped
    visits = Counter(node for route in result.routes for node in route.stops)
    assert set(visits.values()) == {1}
    assert sorted([*visits, *result.unassigned]) == list(range(1, 61))
    assert 60 in result.unassigned
    assert result.fallback_used is forced_fallback
    assert result.solver == (NEAREST_NEIGHBOUR if forced_fallback else ORTOOLS)
    if not forced_fallback:
        assert result.unassigned == [60]
    for route, capacity, max_stops in zip(
        result.routes, algiers_plan["vehicle_capacities"], algiers_plan["max_stops"], strict=True
    ):
        assert route.load == sum(demands[node] for node in route.stops) <= capacity
        assert len(route.stops) <= max_stops
        # from the warehouse and back: the first and last legs are the depot's
        assert route.leg_distances[0] == matrix[0][route.stops[0]]
        assert route.leg_distances[-1] == matrix[route.stops[-1]][0]
        assert route.distance == route_length(matrix, 0, route.stops)
        # ETAs: leaving at 08:00, 30 km/h, 10 minutes a stop, back by 18:00
        eta = 8 * 3600 + math.ceil(matrix[0][route.stops[0]] / algiers_plan["speed"])
        assert route.etas[0] == eta
        for (a, b), arrival in zip(pairwise(route.stops), route.etas[1:], strict=True):
            eta += 600 + math.ceil(matrix[a][b] / algiers_plan["speed"])
            assert arrival == eta
        assert route.return_at == eta + 600 + math.ceil(matrix[route.stops[-1]][0] / algiers_plan["speed"])
        assert route.return_at <= 18 * 3600
    assert result.objective == sum(route.distance for route in result.routes)


def test_time_windows_order_the_stops_and_an_unreachable_window_leaves_its_stop_unassigned():
    # given: stops at 10 and 20 on a line, 1 unit/s; node 2 closes at 25, node 1 opens at 40,
    # node 3 (at 5) closes at 2, before anyone can get there
    matrix = line_matrix([0, 10, 20, 5])

    # when
    result = solve_vrp(
        distance_matrix=matrix,
        demands=[0, 1, 1, 1],
        vehicle_capacities=[10],
        time_windows=[(0, 100), (40, 60), (0, 25), (0, 2)],
        speed=1,
        time_limit_seconds=0.2,
    )

    # then: 2 first (arrives 20), then 1 (arrives 30, waits to 40), back at 50
    [route] = result.routes
    assert route.stops == [2, 1]
    assert route.leg_distances == [20, 10, 10]
    assert route.etas == [20, 40]
    assert route.return_at == 50
    assert result.unassigned == [3]
    assert (result.objective, result.solver, result.fallback_used) == (40, ORTOOLS, False)


def test_a_stop_heavier_than_every_vehicle_is_unassigned_and_the_rest_served():
    result = solve_vrp(
        distance_matrix=line_matrix([0, 1, 2, 3]),
        demands=[0, 5, 11, 5],
        vehicle_capacities=[10, 10],
        time_limit_seconds=0.2,
    )

    assert result.unassigned == [2]
    assert sorted(node for route in result.routes for node in route.stops) == [1, 3]
    assert result.objective == 6


def test_the_fallback_fills_vehicles_by_nearest_stop_within_capacity_and_max_stops(no_ortools_solution):
    # given: stops at 1, 2, 3, 10, 11; vehicle 0 carries 8, vehicle 1 carries 5 and stops once
    matrix = line_matrix([0, 1, 2, 3, 10, 11])

    # when
    result = solve_vrp(
        distance_matrix=matrix,
        demands=[0, 4, 4, 4, 3, 3],
        vehicle_capacities=[8, 5],
        max_stops=[None, 1],
        time_limit_seconds=0.2,
    )

    # then: vehicle 0 takes 1 then 2 (full), vehicle 1 takes 3 (its one stop); 4 and 5 wait
    assert [route.stops for route in result.routes] == [[1, 2], [3]]
    assert [route.leg_distances for route in result.routes] == [[1, 1, 2], [3, 3]]
    assert result.unassigned == [4, 5]
    assert result.objective == 10
    assert (result.solver, result.status, result.fallback_used) == (NEAREST_NEIGHBOUR, "ROUTING_NOT_SOLVED", True)
    assert [route.etas for route in result.routes] == [None, None]


def test_the_fallback_keeps_time_windows(no_ortools_solution):
    # given: the windows of the OR-Tools case above
    result = solve_vrp(
        distance_matrix=line_matrix([0, 10, 20, 5]),
        demands=[0, 1, 1, 1],
        vehicle_capacities=[10],
        time_windows=[(0, 100), (40, 60), (0, 25), (0, 2)],
        speed=1,
        time_limit_seconds=0.2,
    )

    # then: nearest first reaches 1 (waits to 40), after which 2 has closed; greedy, not optimal
    [route] = result.routes
    assert (route.stops, route.etas, route.return_at) == ([1], [40], 50)
    assert result.unassigned == [2, 3]
    assert result.fallback_used is True


def test_no_stops_to_serve_gives_empty_routes_without_solving():
    result = solve_vrp(
        distance_matrix=line_matrix([0, 4]), demands=[0, 9], vehicle_capacities=[5, 5], time_limit_seconds=1
    )

    assert [route.stops for route in result.routes] == [[], []]
    assert [route.leg_distances for route in result.routes] == [[], []]
    assert (result.unassigned, result.objective, result.status) == ([1], 0, "ROUTING_NOT_SOLVED")
    assert result.fallback_used is False


def test_evaluate_route_recomputes_legs_and_etas_of_a_manual_order():
    # given: the dispatcher puts 1 before 2 in the time-window case
    route = evaluate_route(
        distance_matrix=line_matrix([0, 10, 20, 5]),
        stops=[1, 2],
        demands=[0, 1, 2, 1],
        time_windows=[(0, 100), (40, 60), (0, 25), (0, 2)],
        speed=1,
    )

    # then: 1 at 40, 2 at 50 (after its window closed: the ETA says so), back at 70
    assert (route.leg_distances, route.etas, route.return_at, route.load) == ([10, 10, 20], [40, 50], 70, 3)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"distance_matrix": [[0, 1], [1]]}, "distance_matrix must be a non-empty square matrix"),
        ({"distance_matrix": [[0, 1.5], [1, 0]]}, "distances must be non-negative integers"),
        ({"demands": [0]}, "demands must give one non-negative integer per node"),
        ({"demands": [0, 2.5]}, "demands must give one non-negative integer per node"),
        ({"vehicle_capacities": []}, "vehicle_capacities must give one non-negative integer per vehicle"),
        ({"max_stops": [1, 2]}, "max_stops must give one limit (or None) per vehicle"),
        ({"max_stops": [-1]}, "max_stops must be non-negative integers (or None)"),
        ({"service_times": [0, -5]}, "service_times must give one non-negative integer per node"),
        ({"speed": 0}, "speed must be positive"),
        ({"time_windows": [None, (0, 5)]}, "time windows need a speed"),
        ({"time_windows": [None], "speed": 1}, "time_windows must give one window (or None) per node"),
        (
            {"time_windows": [None, (5, 0)], "speed": 1},
            "a time window is (start, end), integers with 0 <= start <= end",
        ),
        ({"depot": 2}, "depot must be a node index"),
        ({"time_limit_seconds": 0}, "time_limit_seconds must be positive"),
    ],
)
def test_malformed_input_is_refused(arguments, message):
    valid = {"distance_matrix": [[0, 1], [1, 0]], "demands": [0, 1], "vehicle_capacities": [1]}

    with pytest.raises(ValueError) as refused:
        solve_vrp(**(valid | arguments))

    assert str(refused.value) == message
