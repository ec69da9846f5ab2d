from django.core.management.base import BaseCommand, CommandError

from deliveries.routing.cvrplib import CvrplibError, read_vrp
from deliveries.routing.solver import solve_vrp


class Command(BaseCommand):
    help = (
        "Solve a CVRPLIB .vrp instance (EUC_2D) with the route planner's solver and print the routes "
        "and their cost as CVRPLIB writes solutions (Route #1: 3 5 7 / Cost 784), then the solve time."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a CVRPLIB .vrp file")
        parser.add_argument("--seconds", type=float, required=True, help="the solver's time limit")
        parser.add_argument(
            "--vehicles", type=int, help="fleet size (default: the k of the instance name, A-n32-k5 → 5)"
        )

    def handle(self, *args, **options):
        if not options["seconds"] > 0:
            raise CommandError("--seconds must be positive.")
        if options["vehicles"] is not None and options["vehicles"] < 1:
            raise CommandError("--vehicles must be positive.")
        try:
            instance = read_vrp(options["file"])
        except OSError as exc:
            raise CommandError(f"Cannot read {options['file']}: {exc.strerror or exc}.") from exc
        except CvrplibError as exc:
            raise CommandError(f"{options['file']} is not a CVRPLIB instance this command reads: {exc}.") from exc
        # Without a fleet size, one vehicle per customer: the solver leaves the unused ones empty.
        vehicles = options["vehicles"] or instance.vehicles or max(1, instance.dimension - 1)

        result = solve_vrp(
            distance_matrix=instance.distance_matrix(),
            demands=instance.demands,
            vehicle_capacities=[instance.capacity] * vehicles,
            depot=instance.depot,
            time_limit_seconds=options["seconds"],
        )

        used = [route for route in result.routes if route.stops]
        for number, route in enumerate(used, start=1):
            self.stdout.write(f"Route #{number}: {' '.join(map(str, route.stops))}")
        self.stdout.write(f"Cost {result.objective}")
        if result.unassigned:
            self.stdout.write(f"Unassigned: {' '.join(map(str, result.unassigned))}")
        self.stdout.write(
            f"Instance {instance.name}: {instance.dimension - 1} customers, {vehicles} vehicles of capacity "
            f"{instance.capacity}; {len(used)} routes"
        )
        self.stdout.write(
            f"Solver {result.solver} ({result.status}{', fallback' if result.fallback_used else ''}): "
            f"time limit {options['seconds']:g} s, solved in {result.wall_time_s:.2f} s"
        )
