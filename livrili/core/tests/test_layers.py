"""Dependencies flow one way (docs/architecture.md, "Layers"): no module imports a module of a
higher layer. The test reads every source file with `ast` (nothing is imported), collects what
it imports — `import x`, `from x import y` (relative ones resolved), and string literals that
name a project module (how `seed_demo` reaches each app through importlib) — and checks each
edge between units against `MAY_IMPORT`.

Out of its reach: module names built at run time (check_ledgers' per-app discovery, which finds
`<app>.ledger_checks` for every installed app) and string references to models or permissions
("orders.Order"), which are not imports."""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PACKAGES = [
    "livrili",
    "products",
    "retailers",
    "orders",
    "deliveries",
    "billing",
    "analytics",
    "notifications",
    "legacy",
]

# The units, most specific first. `livrili` (settings, urls, wsgi, asgi, and `livrili/tests`, the
# tests of the whole API) is the composition root: it wires every app together. `livrili.ops`
# holds the operations that span every app (seed_demo, bench_prepare). `livrili.celery` is the
# Celery app (configuration only).
UNITS = [
    "livrili.core",
    "livrili.api",
    "livrili.accounts",
    "livrili.celery",
    "livrili.ops",
    "livrili",
    "products",
    "retailers",
    "orders",
    "deliveries",
    "billing",
    "analytics",
    "notifications",
    "legacy",
]
BASE = {"livrili.core", "livrili.api", "livrili.accounts", "livrili.celery"}
DOMAIN = {"products", "retailers", "orders", "deliveries", "billing", "notifications"}

# What each unit may import besides itself.
MAY_IMPORT = {
    "livrili": set(UNITS),
    "livrili.ops": set(UNITS),  # like the composition root: above every app
    "livrili.celery": {"livrili"},  # names the settings module
    "livrili.core": BASE,
    "livrili.api": BASE,
    "livrili.accounts": BASE,
    "products": BASE,
    "retailers": BASE,
    "orders": BASE | {"products", "retailers"},
    "deliveries": BASE | {"products", "retailers", "orders"},
    "billing": BASE | {"products", "retailers", "orders", "deliveries"},  # invoices delivered orders
    "analytics": BASE | DOMAIN,  # reads every app
    "notifications": BASE,
    "legacy": BASE | DOMAIN,  # the v1 importer reads and writes every domain app; nothing imports it
}
# Domain services call notifications through one function, and only that one.
NOTIFICATIONS_ENTRY: set[str] = {"notifications.services.notify"}


def unit_of(module: str) -> str | None:
    for unit in UNITS:
        if module == unit or module.startswith(unit + "."):
            return unit
    return None


def module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def is_project_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(source: str, module: str, is_package: bool = False) -> set[str]:
    """The modules (and, for `from m import n`, the names `m.n`) that `source` imports."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value
            dotted = "." in name and name.replace(".", "").replace("_", "").isalnum()
            if dotted and unit_of(name) and is_project_module(name):
                found.add(name)
    return found


def violations_in(path: Path, source: str) -> set[tuple[str, str]]:
    """The higher-layer imports of one file, as (file relative to ROOT, unit it should not import)."""
    # `from notifications.x import entry` imports the entry and its module
    entry = NOTIFICATIONS_ENTRY | {name.rsplit(".", 1)[0] for name in NOTIFICATIONS_ENTRY}
    relative = path.relative_to(ROOT)
    module, is_package = module_name(path)
    source_unit = unit_of(module)
    in_tests = "tests" in relative.parts
    found = set()
    for target in imports_of(source, module, is_package):
        target_unit = unit_of(target)
        if target_unit is None or target_unit == source_unit:
            continue
        if target_unit in MAY_IMPORT[source_unit] or target in entry:
            continue
        if in_tests and target_unit == "livrili":
            continue  # tests run the project's URL conf, handlers and WSGI app
        found.add((str(relative), target_unit))
    return found


def violations() -> set[tuple[str, str]]:
    found = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == Path(__file__):
                continue  # its own examples name modules
            found |= violations_in(path, path.read_text(encoding="utf-8"))
    return found


def test_no_module_imports_a_higher_layer():
    # given every source file of the project
    # when its imports are checked against the allowed-dependency table
    found = violations()
    # then nothing imports a higher layer (no exceptions: a cross-app test or command belongs to
    # the composition root, `livrili/tests`, or to `livrili.ops`)
    assert found == set(), f"imports of a higher layer (docs/architecture.md, Layers): {sorted(found)}"


def test_an_import_of_a_higher_layer_is_a_violation():
    # given sources placed in a lower layer, in another app's tests, and in the layers above all apps
    def check(relative: str, source: str) -> set[tuple[str, str]]:
        return violations_in(ROOT / relative, source)

    # then only the imports of a higher layer are violations
    assert check("products/services.py", "from orders.models import Order\n") == {("products/services.py", "orders")}
    assert check("livrili/core/management/commands/x.py", 'STEPS = ["orders.seed"]\n') == {
        ("livrili/core/management/commands/x.py", "orders")
    }
    assert check("orders/tests/test_x.py", "from livrili.ops.management.commands import seed_demo\n") == {
        ("orders/tests/test_x.py", "livrili.ops")
    }
    assert check("orders/tests/test_x.py", "from livrili.urls import urlpatterns\nimport products.models\n") == set()
    assert check("livrili/tests/test_x.py", "from orders.models import Order\nfrom products import services\n") == set()
    assert check("livrili/ops/management/commands/x.py", "import analytics.selectors\n") == set()


def test_every_project_app_belongs_to_a_unit():
    # an app added without a row in MAY_IMPORT would escape the check
    local = [
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).is_relative_to(ROOT) and not Path(config.path).relative_to(ROOT).parts[0].startswith(".")
    ]
    assert [name for name in local if unit_of(name) not in MAY_IMPORT] == []
    assert {name.split(".")[0] for name in local} <= set(PACKAGES)


def test_imports_are_collected_with_relative_imports_resolved():
    # given sources as an app module and a package would hold them
    source = "import orders.models\nfrom ..models import Order\nfrom . import selectors\nfrom .filters import F\n"
    module_level = imports_of(source, "orders.api.views")
    package_level = imports_of("from . import services\n", "orders", is_package=True)
    literal = imports_of('STEPS = ["products.seed", "orders.Order", "not a module"]\n', "livrili.core.x")

    # then every import is resolved to its absolute module (and imported name)
    assert module_level == {
        "orders.models",
        "orders.models.Order",
        "orders.api",
        "orders.api.selectors",
        "orders.api.filters",
        "orders.api.filters.F",
    }
    assert package_level == {"orders", "orders.services"}
    assert literal == {"products.seed"}


def http_layer_imports() -> set[tuple[str, str]]:
    """Imports of `livrili.api` (the HTTP layer: envelope, parsers, serializer fields) from code
    that is not itself HTTP: models, services, selectors, admin, imports, tasks. Only an app's
    `api/` package (and tests) may import it."""
    found = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "api" in parts or "tests" in parts or (parts[0] == "livrili" and len(parts) == 2):
                continue  # HTTP code, tests, and the composition root (urls, settings)
            module, is_package = module_name(path)
            for target in imports_of(path.read_text(encoding="utf-8"), module, is_package):
                if target == "livrili.api" or target.startswith("livrili.api."):
                    found.add((str(path.relative_to(ROOT)), target))
    return found


def test_domain_code_does_not_import_the_http_layer():
    # given every module outside the api packages; then none imports livrili.api (services raise
    # livrili.core.errors.DomainError, which the API's exception handler maps)
    assert http_layer_imports() == set()
