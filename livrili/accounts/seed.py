"""Demo accounts of the foundation: the operator (superuser) and one staff user per group."""

from django.contrib.auth.models import Group

from .models import Role, User

DEMO_PASSWORD = "Livrili-demo-2026"  # noqa: S105 - the demo accounts' published password (README), never a real one


def _account(username, role, *, full_name, email=None, phone=None, superuser=False, groups=()):
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, full_name=full_name, email=email, phone=phone, is_superuser=superuser)
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set(Group.objects.filter(name__in=groups))
    return user


def run(*, size: str, out) -> list[tuple[str, str, str]]:
    _account("admin", Role.ADMIN, full_name="Livrili Admin", email="admin@livrili.dz", superuser=True)
    for group in ("Catalog", "Sales", "Dispatch", "Finance", "Support"):
        _account(group.lower(), Role.ADMIN, full_name=f"{group} operator", groups=[group])
    _account("driver", Role.DRIVER, full_name="Karim Benali", phone="0770 12 34 56")
    return [
        ("admin (superuser)", "admin", DEMO_PASSWORD),
        ("staff per group", "catalog / sales / dispatch / finance / support", DEMO_PASSWORD),
        ("driver", "driver", DEMO_PASSWORD),
    ]
