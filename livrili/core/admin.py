from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .audit import audit_record, diff, snapshot
from .models import AuditLog, BusinessSettings, Wilaya


class AuditedAdminMixin:
    """Admin saves write the same audit trail as services (actor, IP, user agent, diff)."""

    audited_fields: tuple[str, ...] = ()

    def _audited(self, obj) -> list[str]:
        skip = {"password", "updated_at", "created_at"}
        return list(self.audited_fields) or [f.attname for f in obj._meta.concrete_fields if f.attname not in skip]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:  # the stored values, before the form writes into the instance
            obj._audit_before = snapshot(obj, self._audited(obj))
        return obj

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        before = getattr(obj, "_audit_before", {}) if change else {}
        after = snapshot(obj, self._audited(obj))
        audit_record(
            actor=request.user, instance=obj, action="update" if change else "create", changes=diff(before, after)
        )


@admin.register(BusinessSettings)
class BusinessSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    fieldsets = (
        (
            _("Company"),
            {
                "fields": (
                    "company_name",
                    "legal_form",
                    "share_capital",
                    "company_address",
                    "company_phone",
                    "company_email",
                )
            },
        ),
        (_("Legal identifiers"), {"fields": ("rc_number", "nif", "nis", "ai_number", "bank_name", "rib")}),
        (_("Warehouse"), {"fields": ("warehouse_address", "warehouse_latitude", "warehouse_longitude")}),
        (
            _("Ordering"),
            {
                "fields": (
                    "minimum_order_value",
                    "delivery_fee",
                    "delivery_fee_tax_rate",
                    "free_delivery_threshold",
                    "default_tax_rate",
                    "allowed_tax_rates",
                    "time_slots",
                    "order_cutoff_hour",
                    "working_days",
                )
            },
        ),
        (
            _("Credit and invoices"),
            {"fields": ("credit_policy", "hold_expiry_days", "invoice_payment_terms_days", "stamp_duty")},
        ),
        (_("Stock"), {"fields": ("low_stock_threshold",)}),
    )

    def has_add_permission(self, request):
        return not BusinessSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Wilaya)
class WilayaAdmin(TranslationAdmin):
    list_display = ("code", "name")
    search_fields = ("code", "name_ar", "name_fr", "name_en")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records (audit log, ledgers): listed and searched, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "content_type", "object_repr", "ip")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "object_id", "actor__username")
    list_select_related = ("actor", "content_type")
    date_hierarchy = "created_at"


class ReadOnlyInline(admin.TabularInline):
    """History rows shown beside their parent, never edited from the admin."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def domain_error_text(exc) -> str:
    """A DomainError as one line for an admin message."""
    details = "; ".join(
        f"{field}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
        for field, msgs in exc.details.items()
    )
    return f"{exc.message} {details}".strip()
