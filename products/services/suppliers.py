"""Suppliers of the catalog's products."""

from django.db import transaction
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import DomainError, conflict

from ..models import Supplier
from .shared import save_unique


@transaction.atomic
def supplier_save(*, actor, supplier: Supplier | None = None, **fields) -> Supplier:
    creating = supplier is None
    supplier = Supplier() if creating else Supplier.objects.select_for_update().get(pk=supplier.pk)
    audited = [Supplier._meta.get_field(name).attname for name in fields]
    before = {} if creating else snapshot(supplier, audited)
    for field, value in fields.items():
        setattr(supplier, field, value)
    if Supplier.objects.filter(code__iexact=supplier.code).exclude(pk=supplier.pk).exists():
        raise conflict("code", _("This value is already in use."))
    save_unique(supplier, "code")
    audit_record(
        actor=actor,
        instance=supplier,
        action="create" if creating else "update",
        changes=diff(before, snapshot(supplier, audited)),
    )
    return supplier


@transaction.atomic
def supplier_delete(*, actor, supplier: Supplier) -> None:
    if supplier.products.exists():
        raise DomainError("CONFLICT", details={"non_field_errors": [_("This supplier still has products.")]})
    audit_record(actor=actor, instance=supplier, action="delete")
    supplier.delete()
