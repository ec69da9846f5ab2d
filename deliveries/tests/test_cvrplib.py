from itertools import pairwise
from pathlib import Path

import pytest

from deliveries.routing.cvrplib import CvrplibError, euc_2d, parse_sol, parse_vrp, read_sol, read_vrp

DATA = Path(__file__).parent / "data"

SMALL = """NAME : T-n4-k2
COMMENT : test
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
 1 0 0
 2 3 4
 3 0 2.5
 4 -1 -1
DEMAND_SECTION
1 0
2 4
3 6
4 5
DEPOT_SECTION
 1
 -1
EOF
"""


def test_reads_a_n32_k5():
    # when
    instance = read_vrp(DATA / "A-n32-k5.vrp")

    # then
    assert (instance.name, instance.dimension, instance.capacity, instance.vehicles, instance.depot) == (
        "A-n32-k5",
        32,
        100,
        5,
        0,
    )
    assert instance.comment == "(Augerat et al, No of trucks: 5, Optimal value: 784)"
    assert instance.coordinates[0] == (82.0, 76.0)
    assert instance.coordinates[31] == (98.0, 5.0)
    assert instance.demands[:3] == [0, 19, 21]
    assert sum(instance.demands) == 410


def test_the_optimal_solution_costs_784_with_tsplib_rounding():
    # given: CVRPLIB's solution file, in the same node numbering (depot 0)
    instance = read_vrp(DATA / "A-n32-k5.vrp")
    solution = read_sol(DATA / "A-n32-k5.sol")
    matrix = instance.distance_matrix()

    # when
    cost = sum(matrix[a][b] for route in solution.routes for a, b in pairwise([0, *route, 0]))

    # then: nint distances reproduce the published cost (unrounded ones would not)
    assert solution.cost == cost == 784
    assert sorted(node for route in solution.routes for node in route) == list(range(1, 32))
    assert all(sum(instance.demands[node] for node in route) <= 100 for route in solution.routes)


def test_euc_2d_rounds_half_up_as_tsplib_nint():
    assert euc_2d((0, 0), (3, 4)) == 5
    assert euc_2d((0, 0), (1, 1)) == 1  # 1.414
    assert euc_2d((0, 0), (1, 2)) == 2  # 2.236
    assert euc_2d((0, 0), (0, 2.5)) == 3  # nint(2.5) = 3 where Python's round gives 2
    assert euc_2d((0, 0), (0, 1.5)) == 2


def test_parses_a_small_instance_with_negative_and_decimal_coordinates():
    instance = parse_vrp(SMALL)

    assert instance.coordinates == [(0.0, 0.0), (3.0, 4.0), (0.0, 2.5), (-1.0, -1.0)]
    assert instance.demands == [0, 4, 6, 5]
    assert instance.vehicles == 2
    assert instance.distance_matrix() == [[0, 5, 3, 1], [5, 0, 3, 6], [3, 3, 0, 4], [1, 6, 4, 0]]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("DIMENSION : 4\n", ""), "DIMENSION is missing"),
        (("EUC_2D", "EXPLICIT"), "EDGE_WEIGHT_TYPE EXPLICIT is not supported (EUC_2D only)"),
        (("TYPE : CVRP", "TYPE : TSP"), "TYPE TSP is not supported (CVRP only)"),
        (("CAPACITY : 10", "CAPACITY : ten"), "CAPACITY is not an integer: 'ten'"),
        (("DIMENSION : 4", "DIMENSION : 0"), "DIMENSION must be positive: 0"),
        ((" 4 -1 -1\n", ""), "NODE_COORD_SECTION lacks node(s) 4"),
        ((" 4 -1 -1", " 3 -1 -1"), "line 11: node 3 appears twice in NODE_COORD_SECTION"),
        ((" 4 -1 -1", " 5 -1 -1"), "line 11: node 5 is outside 1..4"),
        ((" 4 -1 -1", " 4 -1"), "line 11: NODE_COORD_SECTION expects a node id and 2 value(s)"),
        ((" 4 -1 -1", " 4 x -1"), "line 11: NODE_COORD_SECTION has a value that is not a number"),
        ((" 4 -1 -1", " 4 nan -1"), "NODE_COORD_SECTION: a coordinate is not a finite number"),
        (("4 5\n", "4 -5\n"), "DEMAND_SECTION: a demand is negative"),
        ((" 1\n -1", " 1 2\n -1"), "DEPOT_SECTION must name one depot, it names 2"),
        (("DEPOT_SECTION\n 1\n -1\n", ""), "DEPOT_SECTION is missing"),
        (("NAME : T-n4-k2\n", " 7 1 1\n"), "line 1: data outside a section: '7 1 1'"),
        (("EOF", "EDGE_WEIGHT_SECTION"), "line 20: unsupported section or keyword 'EDGE_WEIGHT_SECTION'"),
        (("DEMAND_SECTION\n1 0", "NODE_COORD_SECTION\n1 0"), "line 12: NODE_COORD_SECTION appears twice"),
    ],
)
def test_a_malformed_instance_is_refused_with_the_reason(change, message):
    with pytest.raises(CvrplibError) as refused:
        parse_vrp(SMALL.replace(*change))

    assert str(refused.value) == message


def test_a_file_that_is_not_utf8_text_is_refused(tmp_path):
    path = tmp_path / "binary.vrp"
    path.write_bytes(b"NAME : x\n\xff\xfe")

    with pytest.raises(CvrplibError) as refused:
        read_vrp(path)

    assert str(refused.value) == "not UTF-8 text (byte 9)"


def test_parse_sol_reads_routes_and_cost_and_refuses_other_text():
    assert parse_sol("Route #1: 1 2\nRoute #2: 3\nCost 12\n").routes == [[1, 2], [3]]
    assert parse_sol("Route #1: 1 2\nCost 12\n").cost == 12
    with pytest.raises(CvrplibError) as refused:
        parse_sol("Route #1: 1 x\n")
    assert str(refused.value) == "line 1: not a route or cost line: 'Route #1: 1 x'"
    with pytest.raises(CvrplibError) as refused:
        parse_sol("nothing here\n")
    assert str(refused.value) == "no route found"
