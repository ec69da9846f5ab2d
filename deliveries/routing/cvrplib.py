"""CVRPLIB files: `.vrp` instances (TSPLIB format, EUC_2D) and `.sol` solutions.

Distances follow TSPLIB's EUC_2D: the Euclidean distance rounded to the nearest integer,
nint(x) = int(x + 0.5) (Reinelt, "TSPLIB 95", §2.1), which is how CVRPLIB's best known values
are computed. Nodes are numbered from 0 in file order, so with the depot first (as in every
CVRPLIB instance) node k is the file's node k + 1 and the `.sol` numbering is the same.
"""

import math
import re
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

SECTIONS = {"NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION", "EOF"}
FLEET_IN_NAME = re.compile(r"-k(\d+)\b")


class CvrplibError(ValueError):
    """The file is not a CVRPLIB instance (or solution) this reader understands."""


@dataclass(frozen=True)
class CvrpInstance:
    name: str
    comment: str
    capacity: int
    coordinates: list[tuple[float, float]]
    demands: list[int]
    depot: int  # node index (0-based)
    vehicles: int | None  # the fleet size in the name (A-n32-k5: 5), None when it has none

    @property
    def dimension(self) -> int:
        return len(self.coordinates)

    def distance_matrix(self) -> list[list[int]]:
        return [[euc_2d(a, b) for b in self.coordinates] for a in self.coordinates]


@dataclass(frozen=True)
class CvrpSolution:
    routes: list[list[int]]
    cost: int | None


def euc_2d(a: tuple[float, float], b: tuple[float, float]) -> int:
    """TSPLIB's EUC_2D distance: nint of the Euclidean distance."""
    return int(math.hypot(a[0] - b[0], a[1] - b[1]) + 0.5)


def read_vrp(path: str | Path) -> CvrpInstance:
    return parse_vrp(_read_text(path))


def read_sol(path: str | Path) -> CvrpSolution:
    return parse_sol(_read_text(path))


def _read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CvrplibError(f"not UTF-8 text (byte {exc.start})") from exc


def parse_vrp(text: str) -> CvrpInstance:
    """Read a CVRP instance with EUC_2D distances; CvrplibError names the line of a fault."""
    header: dict[str, str] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        keyword = line.split(":", 1)[0].strip().upper() if line[0].isalpha() else None
        if keyword is None:
            if current is None:
                raise CvrplibError(f"line {number}: data outside a section: {line!r}")
            sections[current].append((number, line.split()))
        elif keyword in SECTIONS:
            if keyword == "EOF":
                break
            if keyword in sections:
                raise CvrplibError(f"line {number}: {keyword} appears twice")
            current = keyword
            sections[current] = []
        elif ":" in line:
            header[keyword] = line.split(":", 1)[1].strip()
            current = None
        else:
            raise CvrplibError(f"line {number}: unsupported section or keyword {keyword!r}")

    for key in ("DIMENSION", "CAPACITY", "EDGE_WEIGHT_TYPE"):
        if key not in header:
            raise CvrplibError(f"{key} is missing")
    if header.get("TYPE", "CVRP").upper() != "CVRP":
        raise CvrplibError(f"TYPE {header['TYPE']} is not supported (CVRP only)")
    if header["EDGE_WEIGHT_TYPE"].upper() != "EUC_2D":
        raise CvrplibError(f"EDGE_WEIGHT_TYPE {header['EDGE_WEIGHT_TYPE']} is not supported (EUC_2D only)")
    dimension = _positive_int(header["DIMENSION"], "DIMENSION")
    capacity = _positive_int(header["CAPACITY"], "CAPACITY")
    for section in ("NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION"):
        if section not in sections:
            raise CvrplibError(f"{section} is missing")

    coordinates = _by_node(sections["NODE_COORD_SECTION"], dimension, "NODE_COORD_SECTION", 2, float)
    if not all(math.isfinite(value) for row in coordinates for value in row):
        raise CvrplibError("NODE_COORD_SECTION: a coordinate is not a finite number")
    demands = _by_node(sections["DEMAND_SECTION"], dimension, "DEMAND_SECTION", 1, int)
    if any(demand < 0 for (demand,) in demands):
        raise CvrplibError("DEMAND_SECTION: a demand is negative")
    depots = _depots(sections["DEPOT_SECTION"], dimension)
    name = header.get("NAME", "")
    fleet = FLEET_IN_NAME.search(name)
    return CvrpInstance(
        name=name,
        comment=header.get("COMMENT", ""),
        capacity=capacity,
        coordinates=[(x, y) for x, y in coordinates],
        demands=[demand for (demand,) in demands],
        depot=depots[0],
        vehicles=int(fleet.group(1)) if fleet else None,
    )


def _positive_int(value: str, key: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise CvrplibError(f"{key} is not an integer: {value!r}") from None
    if number < 1:
        raise CvrplibError(f"{key} must be positive: {number}")
    return number


def _by_node(rows, dimension: int, section: str, width: int, kind) -> list[tuple]:
    """Rows `id v1 … v<width>` for ids 1..dimension, each once, as values in id order."""
    values: dict[int, tuple] = {}
    for number, fields in rows:
        if len(fields) != width + 1:
            raise CvrplibError(f"line {number}: {section} expects a node id and {width} value(s)")
        try:
            node, row = int(fields[0]), tuple(kind(field) for field in fields[1:])
        except ValueError:
            raise CvrplibError(f"line {number}: {section} has a value that is not a number") from None
        if not 1 <= node <= dimension:
            raise CvrplibError(f"line {number}: node {node} is outside 1..{dimension}")
        if node in values:
            raise CvrplibError(f"line {number}: node {node} appears twice in {section}")
        values[node] = row
    if len(values) != dimension:
        missing = islice((node for node in range(1, dimension + 1) if node not in values), 10)
        raise CvrplibError(f"{section} lacks node(s) {', '.join(map(str, missing))}")
    return [values[node] for node in range(1, dimension + 1)]


def _depots(rows, dimension: int) -> list[int]:
    depots = []
    for number, fields in rows:
        for field in fields:
            try:
                node = int(field)
            except ValueError:
                raise CvrplibError(f"line {number}: DEPOT_SECTION has a value that is not a number") from None
            if node == -1:
                break
            if not 1 <= node <= dimension:
                raise CvrplibError(f"line {number}: depot {node} is outside 1..{dimension}")
            depots.append(node - 1)
    if len(depots) != 1:
        raise CvrplibError(f"DEPOT_SECTION must name one depot, it names {len(depots)}")
    return depots


def parse_sol(text: str) -> CvrpSolution:
    """`Route #k: n1 n2 …` lines and a `Cost N` line, as CVRPLIB publishes its solutions."""
    routes, cost = [], None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        try:
            if line.lower().startswith("route"):
                routes.append([int(node) for node in line.split(":", 1)[1].split()])
            elif line.lower().startswith("cost"):
                cost = int(line.split()[1])
        except (IndexError, ValueError):
            raise CvrplibError(f"line {number}: not a route or cost line: {line!r}") from None
    if not routes:
        raise CvrplibError("no route found")
    return CvrpSolution(routes=routes, cost=cost)
