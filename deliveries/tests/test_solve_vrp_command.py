import re
from io import StringIO
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from deliveries.routing.cvrplib import read_vrp
from deliveries.routing.solver import ORTOOLS

A_N32_K5 = Path(__file__).parent / "data" / "A-n32-k5.vrp"


def test_solve_vrp_prints_routes_and_a_cost_within_1_percent_of_the_optimum():
    # given
    out = StringIO()
    instance = read_vrp(A_N32_K5)
    matrix = instance.distance_matrix()

    # when
    call_command("solve_vrp", str(A_N32_K5), "--seconds", "5", stdout=out)

    # then: CVRPLIB's solution format, then the instance and the solve time
    lines = out.getvalue().splitlines()
    routes = [[int(node) for node in line.split(":")[1].split()] for line in lines[:-3]]
    assert [line.split(":")[0] for line in lines[:-3]] == [f"Route #{number}" for number in range(1, 6)]
    cost = int(re.fullmatch(r"Cost (\d+)", lines[-3]).group(1))
    assert 784 <= cost <= 791
    assert cost == sum(matrix[a][b] for route in routes for a, b in pairwise([0, *route, 0]))
    assert sorted(node for route in routes for node in route) == list(range(1, 32))
    assert all(sum(instance.demands[node] for node in route) <= 100 for route in routes)
    assert lines[-2] == "Instance A-n32-k5: 31 customers, 5 vehicles of capacity 100; 5 routes"
    assert re.fullmatch(
        rf"Solver {re.escape(ORTOOLS)} \(ROUTING_SUCCESS\): time limit 5 s, solved in \d+\.\d\d s", lines[-1]
    )


def test_fewer_vehicles_than_needed_lists_the_customers_left_out():
    out = StringIO()

    call_command("solve_vrp", str(A_N32_K5), "--seconds", "0.5", "--vehicles", "1", stdout=out)

    # then: one truck of 100 carries part of the 410 demanded; the rest is listed, not dropped
    lines = out.getvalue().splitlines()
    served = [int(node) for node in lines[0].split(":")[1].split()]
    unassigned = [int(node) for node in re.fullmatch(r"Unassigned: ([\d ]+)", lines[2]).group(1).split()]
    assert sorted(served + unassigned) == list(range(1, 32))
    assert lines[3] == "Instance A-n32-k5: 31 customers, 1 vehicles of capacity 100; 1 routes"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.vrp", "--seconds", "1"], "Cannot read missing.vrp: No such file or directory."),
        (
            [str(Path(__file__).parent / "data" / "A-n32-k5.sol"), "--seconds", "1"],
            "is not a CVRPLIB instance this command reads: line 6: unsupported section or keyword 'COST 784'.",
        ),
        ([str(A_N32_K5), "--seconds", "0"], "--seconds must be positive."),
        ([str(A_N32_K5), "--seconds", "1", "--vehicles", "0"], "--vehicles must be positive."),
    ],
)
def test_a_bad_file_or_option_is_a_command_error(arguments, message):
    with pytest.raises(CommandError) as refused:
        call_command("solve_vrp", *arguments, stdout=StringIO())

    assert str(refused.value).endswith(message)
