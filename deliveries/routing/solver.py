"""The vehicle routing solver behind route planning: one function over plain numbers.

`solve_vrp` takes node indices, not deliveries: node `depot` is the warehouse where every
vehicle starts and ends, the others are stops. Distances are integers in one unit (metres for
Livrili, the file's unit for CVRPLIB instances); times are integer seconds from the start of
the planning day; `speed` is distance units per second. It never touches the database, so it
can be checked on standard instances (`manage.py solve_vrp`) as well as on Livrili's plans.

OR-Tools' routing solver (PATH_CHEAPEST_ARC first solution, then GUIDED_LOCAL_SEARCH until the
time limit) orders the stops. Every stop is optional at a penalty larger than any route's whole
length, so the solver serves every stop it can and leaves the others (windows it cannot meet,
capacity the fleet lacks) in `unassigned` rather than failing the whole plan. When it returns no
solution at all (no first solution within the time limit, say), a greedy nearest-neighbour plan
is used instead; docs/decisions.md, "Routes".
"""

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import ortools
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

ORTOOLS = f"ortools {ortools.__version__}"
NEAREST_NEIGHBOUR = "nearest_neighbour"

TimeWindow = tuple[int, int]


@dataclass(frozen=True)
class VehicleRoute:
    vehicle: int
    stops: list[int]  # node indices in visiting order, the depot excluded
    leg_distances: list[int]  # depot→stops[0], stops[0]→stops[1], …, stops[-1]→depot; [] without stops
    load: int
    etas: list[int] | None  # when service starts at each stop (seconds); None without a speed
    return_at: int | None  # back at the depot (seconds); None without a speed or without stops

    @property
    def distance(self) -> int:
        return sum(self.leg_distances)


@dataclass(frozen=True)
class VrpResult:
    routes: list[VehicleRoute]  # one per vehicle, in vehicle order (a route may have no stops)
    unassigned: list[int]  # stops no vehicle serves, ascending
    objective: int  # total distance of the routes
    solver: str  # ORTOOLS or NEAREST_NEIGHBOUR: who produced the routes
    status: str  # OR-Tools' search status (RoutingSearchStatus name), also when the fallback ran
    wall_time_s: float
    fallback_used: bool


@dataclass(frozen=True)
class _Problem:
    distances: Sequence[Sequence[int]]
    demands: Sequence[int]
    capacities: Sequence[int]
    max_stops: list[int]  # per vehicle, the number of stops when unlimited
    depot: int
    windows: list[TimeWindow] | None  # per node (the depot's: the shift); None without windows
    service: list[int]
    travel: list[list[int]] | None  # seconds; None without a speed

    @property
    def size(self) -> int:
        return len(self.distances)


def solve_vrp(
    *,
    distance_matrix: Sequence[Sequence[int]],
    demands: Sequence[int],
    vehicle_capacities: Sequence[int],
    depot: int = 0,
    max_stops: Sequence[int | None] | None = None,
    time_windows: Sequence[TimeWindow | None] | None = None,
    service_times: Sequence[int] | None = None,
    speed: float | None = None,
    time_limit_seconds: float = 5,
) -> VrpResult:
    """Routes from the depot and back serving the other nodes, minimising total distance.

    Each vehicle carries at most its capacity (sum of its stops' demands) and makes at most its
    `max_stops` stops (None: no limit). With `time_windows` (per node, None for "any time"; the
    depot's window is the vehicles' shift) service starts within each stop's window, waiting
    when early; `speed` is then required. With `speed`, the result carries ETAs: when service
    starts at each stop, the vehicles leaving at the start of the depot's window (0 without
    windows), `service_times[node]` seconds spent at each node, waiting for a window to open.
    A stop whose demand exceeds every capacity, or that the solver cannot fit, is listed in
    `unassigned`; none is dropped. OR-Tools searches for `time_limit_seconds` (wall clock).
    """
    started = time.perf_counter()
    problem = _problem(
        distance_matrix, demands, vehicle_capacities, depot, max_stops, time_windows, service_times, speed
    )
    if not time_limit_seconds > 0:
        raise ValueError("time_limit_seconds must be positive")
    servable = [
        node
        for node in range(problem.size)
        if node != depot
        and any(
            demands[node] <= capacity and stops > 0
            for capacity, stops in zip(problem.capacities, problem.max_stops, strict=True)
        )
    ]
    status = _status_name(routing_enums_pb2.RoutingSearchStatus.ROUTING_NOT_SOLVED)
    sequences = [[] for _ in problem.capacities]
    fallback_used = False
    if servable:
        found, status = _ortools_sequences(problem, servable, time_limit_seconds)
        if found is None:
            fallback_used = True
            found = _nearest_neighbour_sequences(problem, servable)
        sequences = found
    routes = [_route(problem, vehicle, stops) for vehicle, stops in enumerate(sequences)]
    served = {node for route in routes for node in route.stops}
    return VrpResult(
        routes=routes,
        unassigned=[node for node in range(problem.size) if node != depot and node not in served],
        objective=sum(route.distance for route in routes),
        solver=NEAREST_NEIGHBOUR if fallback_used else ORTOOLS,
        status=status,
        wall_time_s=time.perf_counter() - started,
        fallback_used=fallback_used,
    )


def evaluate_route(
    *,
    distance_matrix: Sequence[Sequence[int]],
    stops: Sequence[int],
    depot: int = 0,
    demands: Sequence[int] | None = None,
    time_windows: Sequence[TimeWindow | None] | None = None,
    service_times: Sequence[int] | None = None,
    speed: float | None = None,
) -> VehicleRoute:
    """Legs, load and ETAs of stops in a given order (a dispatcher's re-ordering), computed as
    `solve_vrp` computes them; a stop reached after its window closes keeps its late ETA."""
    size = len(distance_matrix)
    problem = _problem(distance_matrix, demands or [0] * size, [0], depot, None, time_windows, service_times, speed)
    if len(set(stops)) != len(stops) or any(not 0 <= node < size or node == depot for node in stops):
        raise ValueError("stops must be distinct node indices other than the depot")
    return _route(problem, 0, list(stops))


def _problem(distance_matrix, demands, capacities, depot, max_stops, time_windows, service_times, speed) -> _Problem:
    size = len(distance_matrix)
    if size == 0 or any(len(row) != size for row in distance_matrix):
        raise ValueError("distance_matrix must be a non-empty square matrix")
    if not all(_natural(value) for row in distance_matrix for value in row):
        raise ValueError("distances must be non-negative integers")
    if len(demands) != size or not all(map(_natural, demands)):
        raise ValueError("demands must give one non-negative integer per node")
    if not 0 <= depot < size:
        raise ValueError("depot must be a node index")
    if not capacities or not all(map(_natural, capacities)):
        raise ValueError("vehicle_capacities must give one non-negative integer per vehicle")
    if max_stops is not None and len(max_stops) != len(capacities):
        raise ValueError("max_stops must give one limit (or None) per vehicle")
    stops = [size - 1 if limit is None else limit for limit in (max_stops or [None] * len(capacities))]
    if not all(map(_natural, stops)):
        raise ValueError("max_stops must be non-negative integers (or None)")
    service = list(service_times) if service_times is not None else [0] * size
    if len(service) != size or not all(map(_natural, service)):
        raise ValueError("service_times must give one non-negative integer per node")
    if speed is not None and not speed > 0:
        raise ValueError("speed must be positive")
    travel = None
    if speed is not None:
        travel = [[math.ceil(distance / speed) for distance in row] for row in distance_matrix]
    windows = None
    if time_windows is not None:
        if travel is None:
            raise ValueError("time windows need a speed")
        if len(time_windows) != size:
            raise ValueError("time_windows must give one window (or None) per node")
        if any(
            window is not None and not (_natural(window[0]) and _natural(window[1]) and window[0] <= window[1])
            for window in time_windows
        ):
            raise ValueError("a time window is (start, end), integers with 0 <= start <= end")
        horizon = _horizon(time_windows, service, travel)
        windows = [(0, horizon) if window is None else tuple(window) for window in time_windows]
    return _Problem(
        distances=distance_matrix,
        demands=demands,
        capacities=capacities,
        max_stops=stops,
        depot=depot,
        windows=windows,
        service=service,
        travel=travel,
    )


def _natural(value) -> bool:
    """OR-Tools takes 64-bit integers: kilograms rounded up (or grams), metres, seconds."""
    return isinstance(value, int) and value >= 0


def _horizon(time_windows, service, travel) -> int:
    """A time by which any route that can be done is done: the open end of "any time"."""
    latest = max((window[1] for window in time_windows if window is not None), default=0)
    longest_leg = max(max(row) for row in travel)
    return latest + sum(service) + len(travel) * longest_leg


def _ortools_sequences(problem: _Problem, servable: list[int], seconds: float) -> tuple[list[list[int]] | None, str]:
    """OR-Tools on the depot and the servable stops; (stops per vehicle, status) or (None, status)."""
    nodes = [problem.depot, *servable]  # the model's node k is problem node nodes[k]; its depot is 0
    vehicles = len(problem.capacities)
    manager = pywrapcp.RoutingIndexManager(len(nodes), vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)

    distances = [[problem.distances[a][b] for b in nodes] for a in nodes]
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(distances))
    load = routing.RegisterUnaryTransitVector([problem.demands[node] for node in nodes])
    routing.AddDimensionWithVehicleCapacity(load, 0, list(problem.capacities), True, "Load")
    stop_count = routing.RegisterUnaryTransitVector([0] + [1] * len(servable))
    routing.AddDimensionWithVehicleCapacity(stop_count, 0, problem.max_stops, True, "Stops")

    if problem.windows is not None:
        times = [[problem.service[a] + problem.travel[a][b] for b in nodes] for a in nodes]
        horizon = max(end for _, end in problem.windows)
        # Slack up to the horizon: a vehicle may wait for a window to open.
        routing.AddDimension(routing.RegisterTransitMatrix(times), horizon, horizon, False, "Time")
        clock = routing.GetDimensionOrDie("Time")
        for k, node in enumerate(nodes[1:], start=1):
            clock.CumulVar(manager.NodeToIndex(k)).SetRange(*problem.windows[node])
        shift = problem.windows[problem.depot]
        for vehicle in range(vehicles):
            for index in (routing.Start(vehicle), routing.End(vehicle)):
                clock.CumulVar(index).SetRange(*shift)
                routing.AddVariableMinimizedByFinalizer(clock.CumulVar(index))

    # Leaving a stop out costs more than any set of routes can (each arc at most the longest),
    # so the solver only does it when the stop cannot be served.
    penalty = (len(nodes) + vehicles) * max(max(row) for row in distances) + 1
    for k in range(1, len(nodes)):
        routing.AddDisjunction([manager.NodeToIndex(k)], penalty)

    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    parameters.time_limit.FromMilliseconds(max(1, round(seconds * 1000)))
    solution = routing.SolveWithParameters(parameters)
    status = _status_name(routing.status())
    if solution is None:
        return None, status
    sequences = []
    for vehicle in range(vehicles):
        stops = []
        index = solution.Value(routing.NextVar(routing.Start(vehicle)))
        while not routing.IsEnd(index):
            stops.append(nodes[manager.IndexToNode(index)])
            index = solution.Value(routing.NextVar(index))
        sequences.append(stops)
    return sequences, status


def _status_name(code: int) -> str:
    return routing_enums_pb2.RoutingSearchStatus.Value.Name(code)


def _nearest_neighbour_sequences(problem: _Problem, servable: list[int]) -> list[list[int]]:
    """The fallback: fill one vehicle after the other, always driving to the nearest stop that
    still fits (capacity, max stops, its window, and back to the depot within the shift)."""
    waiting = set(servable)
    sequences = []
    for vehicle, capacity in enumerate(problem.capacities):
        stops, load, here = [], 0, problem.depot
        clock = problem.windows[problem.depot][0] if problem.windows else 0
        while len(stops) < problem.max_stops[vehicle]:
            best = None
            for node in waiting:
                if load + problem.demands[node] > capacity:
                    continue
                start = None
                if problem.windows is not None:
                    start = _service_start(problem, here, node, clock)
                    if start is None:
                        continue
                key = (problem.distances[here][node], node)
                if best is None or key < best[0]:
                    best = (key, node, start)
            if best is None:
                break
            _, node, start = best
            stops.append(node)
            waiting.discard(node)
            load += problem.demands[node]
            here, clock = node, start if start is not None else clock
        sequences.append(stops)
    return sequences


def _service_start(problem: _Problem, here: int, node: int, clock: int) -> int | None:
    """When service at `node` would start after serving `here` from `clock`; None when that
    misses the node's window or leaves no time to get back to the depot within the shift."""
    opens, closes = problem.windows[node]
    start = max(opens, clock + problem.service[here] + problem.travel[here][node])
    back = start + problem.service[node] + problem.travel[node][problem.depot]
    if start > closes or back > problem.windows[problem.depot][1]:
        return None
    return start


def _route(problem: _Problem, vehicle: int, stops: list[int]) -> VehicleRoute:
    legs, etas, return_at = [], None, None
    if stops:
        path = [problem.depot, *stops, problem.depot]
        legs = [problem.distances[a][b] for a, b in pairwise(path)]
    if problem.travel is not None:
        etas = []
        clock = problem.windows[problem.depot][0] if problem.windows else 0
        here = problem.depot
        for node in stops:
            clock += problem.service[here] + problem.travel[here][node]
            if problem.windows is not None:
                clock = max(clock, problem.windows[node][0])  # early: wait for the window
            etas.append(clock)
            here = node
        if stops:
            return_at = clock + problem.service[here] + problem.travel[here][problem.depot]
    return VehicleRoute(
        vehicle=vehicle,
        stops=stops,
        leg_distances=legs,
        load=sum(problem.demands[node] for node in stops),
        etas=etas,
        return_at=return_at,
    )
