"""Drivers: their accounts, vehicles and zones (staff), and what a driver says about itself
from the app (available or off duty, where it is)."""

import secrets
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from livrili.accounts.models import Role, User
from livrili.accounts.services import user_create, user_update
from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import DomainError, conflict, validation_error

from ..models import Driver, DriverStatus

DRIVER_FIELDS = (
    "phone",
    "license_number",
    "license_expiry",
    "vehicle_type",
    "vehicle_plate",
    "vehicle_model",
    "capacity_kg",
    "max_stops",
    "communes",
    "status",
)
# What a driver may say about itself; on_route is the route's, suspended the staff's.
SELF_STATUSES = (DriverStatus.AVAILABLE, DriverStatus.OFF_DUTY)


def _check_plate(plate: str, driver: Driver | None = None) -> None:
    clash = Driver.objects.filter(vehicle_plate__iexact=plate)
    if driver is not None:
        clash = clash.exclude(pk=driver.pk)
    if clash.exists():
        raise conflict("vehicle_plate", _("This value is already in use."))


def _audited(driver: Driver) -> dict:
    return {
        **snapshot(driver, DRIVER_FIELDS),
        "wilayas": sorted(driver.wilayas.values_list("code", flat=True)) if driver.pk else [],
    }


@transaction.atomic
def driver_create(
    *,
    actor: User,
    full_name: str,
    password: str,
    vehicle_type: str,
    vehicle_plate: str,
    capacity_kg: Decimal,
    phone: str | None = None,
    email: str | None = None,
    username: str | None = None,
    preferred_language: str = "ar",
    license_number: str = "",
    license_expiry: date | None = None,
    vehicle_model: str = "",
    max_stops: int = 20,
    wilayas=(),
    communes: list[str] | None = None,
    status: str = DriverStatus.OFF_DUTY,
) -> Driver:
    """A driver and its account (role driver, no staff groups: nothing to grant), reachable by
    phone or e-mail. The plate is unique in any case (409 CONFLICT)."""
    if not phone and not email:
        raise validation_error("phone", _("A phone number or an e-mail address is required."))
    vehicle_plate = vehicle_plate.strip().upper()
    _check_plate(vehicle_plate)
    user = user_create(
        actor=actor,
        username=username or f"driver-{secrets.token_hex(3)}",
        password=password,
        role=Role.DRIVER,
        full_name=full_name,
        email=email or None,
        phone=phone or None,
        preferred_language=preferred_language,
    )
    driver = Driver.objects.create(
        user=user,
        phone=user.phone or "",
        license_number=license_number,
        license_expiry=license_expiry,
        vehicle_type=vehicle_type,
        vehicle_plate=vehicle_plate,
        vehicle_model=vehicle_model,
        capacity_kg=capacity_kg,
        max_stops=max_stops,
        communes=communes or [],
        status=status,
    )
    driver.wilayas.set(wilayas)
    audit_record(actor=actor, instance=driver, action="create", changes=diff({}, _audited(driver)))
    return driver


@transaction.atomic
def driver_update(*, actor: User, driver: Driver, full_name: str | None = None, wilayas=None, **changes) -> Driver:
    """Change a driver's vehicle, licence, zones, status (suspend, reinstate) or name; audited.
    A suspended driver cannot take deliveries (`driver_unavailable_reason`)."""
    driver = Driver.objects.select_for_update().select_related("user").get(pk=driver.pk)
    before = _audited(driver)
    if "vehicle_plate" in changes:
        changes["vehicle_plate"] = changes["vehicle_plate"].strip().upper()
        _check_plate(changes["vehicle_plate"], driver)
    for field, value in changes.items():
        setattr(driver, field, value)
    driver.save()
    if wilayas is not None:
        driver.wilayas.set(wilayas)
    if full_name is not None and full_name != driver.user.full_name:
        driver.user = user_update(actor=actor, user=driver.user, full_name=full_name)
    audit_record(actor=actor, instance=driver, action="update", changes=diff(before, _audited(driver)))
    return driver


@transaction.atomic
def driver_set_status(*, driver: Driver, actor: User, status: str) -> Driver:
    """The driver starts or ends its day (available / off duty). A suspended driver stays
    suspended, and one on route finishes its route first (the route sets it back)."""
    driver = Driver.objects.select_for_update().select_related("user").get(pk=driver.pk)
    if status not in SELF_STATUSES:
        raise validation_error("status", _("Choose available or off duty."))
    if driver.status in (DriverStatus.SUSPENDED, DriverStatus.ON_ROUTE) and driver.status != status:
        raise DomainError(
            "INVALID_TRANSITION",
            _("Your status is %(status)s: it cannot be changed from the app.")
            % {"status": driver.get_status_display()},
            details={"from": driver.status, "to": status, "allowed": []},
        )
    if driver.status != status:
        audit_record(actor=actor, instance=driver, action="update", changes={"status": [driver.status, status]})
        driver.status = status
        driver.save(update_fields=["status", "updated_at"])
    return driver


def driver_locate(*, driver: Driver, latitude: Decimal, longitude: Decimal) -> Driver:
    """The app's last known position of the driver (not audited: it is a stream, not a change
    anyone decides)."""
    now = timezone.now()
    Driver.objects.filter(pk=driver.pk).update(
        last_latitude=latitude, last_longitude=longitude, last_location_at=now, updated_at=now
    )
    driver.last_latitude, driver.last_longitude, driver.last_location_at = latitude, longitude, now
    return driver
