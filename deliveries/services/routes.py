"""Route planning and a route's life (workflows.md §5; docs/decisions.md "Routes").

Planning a day: the deliveries due that day that are pending, or assigned to one of the
planned drivers, and on no route that stays, go to drivers serving their zone (an assigned
delivery stays with its driver); the solver orders each driver's stops from the warehouse and
back within capacity (kg) and max stops. The plan is written in one transaction: routes,
stops (sequence, ETA, leg distance), the deliveries assigned through `delivery_assign`.

planned → in_progress → completed, planned | in_progress → cancelled (`TRANSITIONS`).
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record
from livrili.core.errors import DomainError, validation_error
from livrili.core.models import BusinessSettings
from orders.models import Order
from orders.services.locks import lock_order

from ..models import Delivery, DeliveryStatus, Driver, DriverStatus, Route, RouteStatus, RouteStop
from ..routing import solver
from ..routing.distances import distance_matrix
from .lifecycle import delivery_assign, driver_unavailable_reason

R = RouteStatus
TRANSITIONS: dict[str, tuple[str, ...]] = {
    R.PLANNED: (R.IN_PROGRESS, R.CANCELLED),
    R.IN_PROGRESS: (R.COMPLETED, R.CANCELLED),
    R.COMPLETED: (),
    R.CANCELLED: (),
}
LIVE = (R.PLANNED, R.IN_PROGRESS)
# A stop is done for its route once its delivery is delivered, cancelled, or failed (the attempt
# is over; a new attempt is assigned again and goes on another route).
STOP_DONE = (DeliveryStatus.DELIVERED, DeliveryStatus.CANCELLED, DeliveryStatus.FAILED)

# The planning assumptions (docs/decisions.md "Routes"): drivers leave the warehouse at the
# start of the shift and are back by its end; 30 km/h average in town; 10 minutes per stop.
SHIFT_START = time(8, 0)
SHIFT_END = time(18, 0)
SPEED_M_PER_S = 30 / 3.6
SERVICE_SECONDS = 600
TIME_LIMIT_SECONDS = 2.0
MANUAL = "manual"

# Why a delivery was left out of the plan.
NO_LOCATION = "no_location"  # no coordinates to drive to
NO_DRIVER = "no_driver"  # no planned driver serves its wilaya or commune
NO_ROOM = "no_room"  # the solver could not fit it (capacity, stops, window, shift)


@dataclass(frozen=True)
class Unassigned:
    delivery: Delivery
    reason: str


@dataclass(frozen=True)
class Plan:
    routes: list[Route]
    unassigned: list[Unassigned]


def invalid_route_transition(route: Route, to_status: str, message=None) -> DomainError:
    return DomainError(
        "INVALID_TRANSITION",
        message,
        details={"from": route.status, "to": to_status, "allowed": list(TRANSITIONS[route.status])},
    )


def _warehouse() -> tuple[Decimal, Decimal]:
    settings = BusinessSettings.load()
    if settings.warehouse_latitude is None or settings.warehouse_longitude is None:
        raise validation_error(
            "warehouse", _("Set the warehouse coordinates in the business settings before planning routes.")
        )
    return settings.warehouse_latitude, settings.warehouse_longitude


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _window(delivery: Delivery) -> tuple[int, int] | None:
    """The delivery's window in seconds from midnight; an open side is the shift's, widened so
    that a one-sided window outside the shift (ends before it starts, starts after it ends)
    stays a window — unreachable, so the stop is left out or kept late, never inverted."""
    start, end = delivery.window_start, delivery.window_end
    if start is None and end is None:
        return None
    return (
        _seconds(start) if start is not None else min(_seconds(SHIFT_START), _seconds(end)),
        _seconds(end) if end is not None else max(_seconds(SHIFT_END), _seconds(start)),
    )


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0, 0)))


def _km(metres: int) -> Decimal:
    return (Decimal(metres) / 1000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _serves(driver: Driver, wilaya_codes: set[str], delivery: Delivery) -> int:
    """How closely `driver` serves the delivery's place: 2 its commune, 1 its wilaya, 0 a driver
    with no zones (serves anywhere), -1 not at all."""
    communes = {name.strip().casefold() for name in driver.communes or []}
    if delivery.commune and delivery.commune.strip().casefold() in communes:
        return 2
    if delivery.wilaya_code and delivery.wilaya_code in wilaya_codes:
        return 1
    return 0 if not communes and not wilaya_codes else -1


def _problem(warehouse, deliveries: list[Delivery]) -> dict:
    """The solver's inputs for the warehouse (node 0) and `deliveries` (node i + 1)."""
    points = [warehouse, *((d.latitude, d.longitude) for d in deliveries)]
    return {
        "distance_matrix": distance_matrix(points),
        "demands": [0, *(math.ceil(d.weight_kg) for d in deliveries)],
        "time_windows": [(_seconds(SHIFT_START), _seconds(SHIFT_END)), *(_window(d) for d in deliveries)],
        "service_times": [0, *([SERVICE_SECONDS] * len(deliveries))],
        "speed": SPEED_M_PER_S,
    }


def _capacity(driver: Driver) -> int:
    return math.floor(driver.capacity_kg)  # kg rounded down, demands rounded up: never overloaded


def _solve(warehouse, drivers, deliveries, seconds, *, reserved=None):
    """One solve for `drivers` (their capacity and stops less `reserved` load and stops)."""
    reserved = reserved or {}
    return solver.solve_vrp(
        **_problem(warehouse, deliveries),
        vehicle_capacities=[max(0, _capacity(d) - reserved.get(d.pk, (0, 0))[0]) for d in drivers],
        max_stops=[max(0, d.max_stops - reserved.get(d.pk, (0, 0))[1]) for d in drivers],
        time_limit_seconds=seconds,
    )


def _plan_drivers(day: date, driver_ids) -> list[Driver]:
    """The drivers to plan, locked (by primary key, so two plans queue rather than deadlock)."""
    drivers = (
        Driver.objects.select_for_update(of=("self",)).select_related("user").prefetch_related("wilayas").order_by("pk")
    )
    busy = set(
        Route.objects.filter(date=day, status__in=(R.IN_PROGRESS, R.COMPLETED)).values_list("driver_id", flat=True)
    )
    if driver_ids is None:
        return [d for d in drivers if d.pk not in busy and driver_unavailable_reason(d, day) is None]
    chosen = list(drivers.filter(pk__in=set(driver_ids)))
    if len(chosen) != len(set(driver_ids)):
        raise validation_error("driver_ids", _("Unknown driver."))
    for driver in chosen:
        reason = driver_unavailable_reason(driver, day)
        if reason is None and driver.pk in busy:
            reason = _("This driver's route for that day has already started.")
        if reason:
            raise DomainError("DRIVER_UNAVAILABLE", details={"driver_ids": [f"{driver}: {reason}"]})
    return chosen


def _candidates(day: date, drivers: dict) -> list[Delivery]:
    """The day's deliveries to plan: pending, or assigned to one of `drivers`, and on no live
    route (the drivers' planned routes are already gone)."""
    candidates = list(
        Delivery.objects.filter(scheduled_date=day)
        .filter(Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.ASSIGNED, driver_id__in=drivers))
        .order_by("-priority", "number")
    )
    on_routes = set(
        RouteStop.objects.filter(route__status__in=LIVE, delivery__in=[d.pk for d in candidates]).values_list(
            "delivery_id", flat=True
        )
    )
    return [d for d in candidates if d.pk not in on_routes]


def _zone_groups(drivers: list[Driver], loose: list[Delivery]):
    """Drivers serving the same places form a group; a pending delivery goes to the group that
    serves it most closely (its commune over its wilaya over "anywhere"), then the roomiest.
    Returns the groups, each group's deliveries, and the deliveries no group serves."""
    groups: dict = defaultdict(list)
    for driver in drivers:
        groups[(frozenset(_codes(driver)), frozenset(c.strip().casefold() for c in driver.communes or []))].append(
            driver
        )
    group_list = list(groups.values())
    room = [sum(_capacity(d) for d in group) for group in group_list]
    members: list[list[Delivery]] = [[] for _ in group_list]
    unserved = []
    for delivery in loose:
        fit = [_serves(group[0], _codes(group[0]), delivery) for group in group_list]
        best = max(range(len(group_list)), key=lambda i: (fit[i], room[i], -i), default=None)
        if best is None or fit[best] < 0:
            unserved.append(delivery)
        else:
            members[best].append(delivery)
    return group_list, members, unserved


def _codes(driver: Driver) -> set[str]:
    return {wilaya.code for wilaya in driver.wilayas.all()}  # prefetched


@transaction.atomic
def route_plan(*, day: date, driver_ids=None, actor, time_limit_seconds: float = TIME_LIMIT_SECONDS) -> Plan:
    """Plan `day`'s routes for `driver_ids` (all available drivers when None); replaces those
    drivers' planned routes of that day. Every delivery considered ends on exactly one route or
    in `unassigned`; each route stays within its driver's capacity and max stops. One solve per
    zone group (drivers serving the same wilayas and communes), each `time_limit_seconds`; a
    driver who already had assigned deliveries has them reserved in the group solve, then its
    stops ordered by a one-vehicle solve (docs/decisions.md "Routes")."""
    warehouse = _warehouse()
    drivers = _plan_drivers(day, driver_ids)
    by_id = {driver.pk: driver for driver in drivers}
    replaced = list(Route.objects.select_for_update().filter(date=day, status=R.PLANNED, driver_id__in=by_id))
    for route in replaced:
        audit_record(actor=actor, instance=route, action="delete", changes={"status": [route.status, None]})
    Route.objects.filter(pk__in=[route.pk for route in replaced]).delete()

    unassigned: list[Unassigned] = []
    pinned: dict = defaultdict(list)  # driver id → its assigned deliveries
    loose: list[Delivery] = []
    for delivery in _candidates(day, by_id):
        if delivery.latitude is None or delivery.longitude is None:
            unassigned.append(Unassigned(delivery, NO_LOCATION))
        elif delivery.status == DeliveryStatus.ASSIGNED:
            pinned[delivery.driver_id].append(delivery)
        else:
            loose.append(delivery)
    group_list, members, unserved = _zone_groups(drivers, loose)
    unassigned += [Unassigned(delivery, NO_DRIVER) for delivery in unserved]

    solved: dict = {}  # driver id → (the solved deliveries, its route over them, the solver's name)
    for group, group_deliveries in zip(group_list, members, strict=True):
        reserved = {d.pk: (sum(math.ceil(x.weight_kg) for x in pinned[d.pk]), len(pinned[d.pk])) for d in group}
        given: dict = {d.pk: [] for d in group}
        if group_deliveries:
            result = _solve(warehouse, group, group_deliveries, time_limit_seconds, reserved=reserved)
            unassigned += [Unassigned(group_deliveries[node - 1], NO_ROOM) for node in result.unassigned]
            for route in result.routes:
                driver = group[route.vehicle]
                if pinned[driver.pk]:
                    given[driver.pk] = [group_deliveries[node - 1] for node in route.stops]
                elif route.stops:
                    solved[driver.pk] = (group_deliveries, route, result.solver)
        for driver in group:
            if pinned[driver.pk]:
                # its assigned deliveries were reserved above: order them with the ones it was given
                deliveries = pinned[driver.pk] + given[driver.pk]
                result = _solve(warehouse, [driver], deliveries, time_limit_seconds)
                unassigned += [Unassigned(deliveries[node - 1], NO_ROOM) for node in result.unassigned]
                if result.routes[0].stops:
                    solved[driver.pk] = (deliveries, result.routes[0], result.solver)

    # Lock every delivery to write before writing any, by order: two plans never deadlock.
    planned = [
        (given[node - 1], driver_id) for driver_id, (given, route, _name) in solved.items() for node in route.stops
    ]
    for delivery, driver_id in sorted(planned, key=lambda pair: str(pair[0].order_id)):
        _still_plannable(delivery, by_id[driver_id])
    routes = [_route_write(day, driver, *solved[driver.pk], actor) for driver in drivers if driver.pk in solved]
    unassigned.sort(key=lambda item: item.delivery.number)
    return Plan(routes=routes, unassigned=unassigned)


def _still_plannable(delivery: Delivery, driver: Driver) -> None:
    """Lock the delivery (order first, as everywhere) and check nothing took it since it was
    read: still pending or this driver's, and on no live route. A plan running at the same time
    for other drivers, or a dispatcher's assignment, makes this one refused (409), never steals."""
    lock_order(Order(pk=delivery.order_id))
    delivery = Delivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    taken = not (
        delivery.status == DeliveryStatus.PENDING
        or (delivery.status == DeliveryStatus.ASSIGNED and delivery.driver_id == driver.pk)
    )
    if taken or RouteStop.objects.filter(delivery=delivery, route__status__in=LIVE).exists():
        raise DomainError(
            "CONFLICT",
            _("Delivery %(number)s changed while the plan was made; plan again.") % {"number": delivery.number},
        )


def _route_write(day, driver, deliveries, vehicle_route, solver_name, actor) -> Route:
    """Store one solved route, its stops, and assign its deliveries to its driver."""
    midnight = _midnight(day)
    route = Route.objects.create(
        driver=driver,
        date=day,
        status=R.PLANNED,
        total_distance_km=_km(vehicle_route.distance),
        estimated_duration_min=math.ceil((vehicle_route.return_at - _seconds(SHIFT_START)) / 60),
        solver=solver_name,
        objective=vehicle_route.distance,
    )
    for sequence, (node, eta, leg) in enumerate(
        zip(vehicle_route.stops, vehicle_route.etas, vehicle_route.leg_distances, strict=False), start=1
    ):
        delivery = delivery_assign(delivery=deliveries[node - 1], driver=driver, actor=actor)
        arrival = midnight + timedelta(seconds=eta)
        RouteStop.objects.create(
            route=route, delivery=delivery, sequence=sequence, eta=arrival, leg_distance_km=_km(leg)
        )
        delivery.estimated_at = arrival
        delivery.save(update_fields=["estimated_at", "updated_at"])
    audit_record(
        actor=actor,
        instance=route,
        action="route_planned",
        changes={
            "stops": [None, len(vehicle_route.stops)],
            "total_distance_km": [None, str(route.total_distance_km)],
            "solver": [None, solver_name],
        },
    )
    return route


def _lock(route: Route) -> Route:
    return Route.objects.select_for_update(of=("self",)).select_related("driver__user").get(pk=route.pk)


@transaction.atomic
def route_reorder(*, route: Route, delivery_ids, actor) -> Route:
    """The dispatcher's order for a planned or in-progress route: the same stops, in the given
    order; legs, ETAs (from the start of the shift), distance and duration recomputed."""
    route = _lock(route)
    if route.status not in LIVE:
        raise DomainError(
            "INVALID_TRANSITION",
            _("Only a planned or in-progress route can be re-ordered."),
            details={"from": route.status, "allowed": list(TRANSITIONS[route.status])},
        )
    current = list(route.stops.select_related("delivery").order_by("sequence"))
    by_delivery = {str(stop.delivery_id): stop for stop in current}
    wanted = [str(delivery_id) for delivery_id in delivery_ids]
    if len(set(wanted)) != len(wanted) or set(wanted) != set(by_delivery):
        raise validation_error("delivery_ids", _("List each of the route's deliveries exactly once."))
    ordered = [by_delivery[delivery_id] for delivery_id in wanted]
    deliveries = [stop.delivery for stop in ordered]
    problem = _problem(_warehouse(), deliveries)
    evaluated = solver.evaluate_route(
        stops=list(range(1, len(deliveries) + 1)),
        **problem,
    )
    midnight = _midnight(route.date)
    before = [str(stop.delivery_id) for stop in current]
    # Two passes: sequences are unique per route, so move them out of the way first.
    for index, stop in enumerate(ordered):
        stop.sequence = len(ordered) + index + 1
        stop.save(update_fields=["sequence"])
    for index, stop in enumerate(ordered):
        stop.sequence = index + 1
        stop.eta = midnight + timedelta(seconds=evaluated.etas[index])
        stop.leg_distance_km = _km(evaluated.leg_distances[index])
        stop.save(update_fields=["sequence", "eta", "leg_distance_km"])
        Delivery.objects.filter(pk=stop.delivery_id).update(estimated_at=stop.eta, updated_at=timezone.now())
    route.total_distance_km = _km(evaluated.distance)
    route.objective = evaluated.distance
    route.estimated_duration_min = math.ceil((evaluated.return_at - _seconds(SHIFT_START)) / 60)
    route.solver = MANUAL
    route.save(update_fields=["total_distance_km", "objective", "estimated_duration_min", "solver", "updated_at"])
    audit_record(actor=actor, instance=route, action="route_reordered", changes={"stops": [before, wanted]})
    return route


def _move(route: Route, to_status: str, actor, **stamps) -> Route:
    from_status = route.status
    route.status = to_status
    for field, value in stamps.items():
        setattr(route, field, value)
    route.save(update_fields=["status", "updated_at", *stamps])
    audit_record(actor=actor, instance=route, action=f"route_{to_status}", changes={"status": [from_status, to_status]})
    return route


def _driver_status(driver: Driver, status: str, actor) -> None:
    if driver.status == status:
        return
    audit_record(actor=actor, instance=driver, action="update", changes={"status": [driver.status, status]})
    driver.status = status
    driver.save(update_fields=["status", "updated_at"])


@transaction.atomic
def route_start(*, route: Route, actor) -> Route:
    """planned → in_progress: the driver, available and with no other route under way, is on route."""
    route = _lock(route)
    if R.IN_PROGRESS not in TRANSITIONS[route.status]:
        raise invalid_route_transition(route, R.IN_PROGRESS)
    driver = Driver.objects.select_for_update(of=("self",)).select_related("user").get(pk=route.driver_id)
    reason = driver_unavailable_reason(driver, route.date)
    if reason is None and driver.routes.filter(status=R.IN_PROGRESS).exists():
        reason = _("This driver has another route in progress.")
    if reason:
        raise DomainError("DRIVER_UNAVAILABLE", details={"driver_id": [reason]})
    _move(route, R.IN_PROGRESS, actor, started_at=timezone.now())
    _driver_status(driver, DriverStatus.ON_ROUTE, actor)
    return route


def _driver_back(route: Route, actor) -> None:
    driver = Driver.objects.select_for_update(of=("self",)).get(pk=route.driver_id)
    if driver.status == DriverStatus.ON_ROUTE and not driver.routes.filter(status=R.IN_PROGRESS).exists():
        _driver_status(driver, DriverStatus.AVAILABLE, actor)


@transaction.atomic
def route_complete(*, route: Route, actor) -> Route:
    """in_progress → completed once every stop is done (delivered, failed or cancelled); the
    driver is available again."""
    route = _lock(route)
    if R.COMPLETED not in TRANSITIONS[route.status]:
        raise invalid_route_transition(route, R.COMPLETED)
    open_stops = list(
        route.stops.exclude(delivery__status__in=STOP_DONE)
        .order_by("sequence")
        .values_list("delivery__number", flat=True)
    )
    if open_stops:
        raise DomainError(
            "INVALID_TRANSITION",
            _("Every stop must be delivered, failed or cancelled first."),
            details={"from": route.status, "to": R.COMPLETED, "allowed": [R.CANCELLED], "open_stops": open_stops},
        )
    _move(route, R.COMPLETED, actor, completed_at=timezone.now())
    _driver_back(route, actor)
    return route


@transaction.atomic
def route_cancel(*, route: Route, actor) -> Route:
    """planned | in_progress → cancelled; the stops' deliveries stay assigned to the driver, who is
    available again if the route was under way."""
    route = _lock(route)
    if R.CANCELLED not in TRANSITIONS[route.status]:
        raise invalid_route_transition(route, R.CANCELLED)
    was_running = route.status == R.IN_PROGRESS
    _move(route, R.CANCELLED, actor)
    if was_running:
        _driver_back(route, actor)
    return route
