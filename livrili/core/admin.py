from django import forms
from django.contrib import admin
from django.contrib.admin import helpers as admin_helpers
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.utils import display_for_field as django_display_for_field
from django.db import models
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import formats
from django.utils.dates import WEEKDAYS
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from . import settings_schema
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


class TextLinesField(forms.CharField):
    """A list of short texts edited as one per line."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 30})

    def __init__(self, *, parse, **kwargs):
        self.parse = parse
        super().__init__(required=False, strip=False, **kwargs)

    def prepare_value(self, value):
        return "\n".join(map(str, value)) if isinstance(value, list) else value

    def to_python(self, value):
        return self.parse(value or "")


class TaxRatesField(TextLinesField):
    widget = forms.TextInput(attrs={"size": 30})

    def prepare_value(self, value):
        return ", ".join(map(str, value)) if isinstance(value, list) else value


class StampDutyWidget(forms.MultiWidget):
    def __init__(self):
        super().__init__(
            [
                forms.TextInput(attrs={"size": 12, "placeholder": _("exempt up to (DA)")}),
                forms.TextInput(attrs={"size": 12, "placeholder": _("minimum duty (DA)")}),
                forms.Textarea(attrs={"rows": 4, "cols": 30, "placeholder": "30000.00 1.00\n100000.00 1.50\n* 2.00"}),
            ]
        )

    def decompress(self, value):
        if isinstance(value, dict):
            brackets = value.get("brackets")
            text = settings_schema.format_stamp_duty_brackets(brackets if isinstance(brackets, list) else [])
            return [value.get("exempt_up_to"), value.get("minimum"), text]
        return [None, None, ""]


class StampDutyField(forms.MultiValueField):
    """Exempt-up-to amount, minimum duty and the brackets (one per line: upper bound or `*`,
    then the duty per 100 DA), stored as the `stamp_duty` dict."""

    widget = StampDutyWidget

    def __init__(self, **kwargs):
        money = {"max_digits": 14, "decimal_places": 2, "min_value": 0}
        fields = (
            forms.DecimalField(**money),
            forms.DecimalField(**money),
            forms.CharField(required=False),
        )
        super().__init__(fields, require_all_fields=False, **kwargs)

    def compress(self, values):
        if not values:
            return None  # the model reports the missing value
        exempt_up_to, minimum, brackets = values
        return {
            "exempt_up_to": f"{exempt_up_to:.2f}",
            "minimum": f"{minimum:.2f}",
            "brackets": settings_schema.parse_stamp_duty_brackets(brackets or ""),
        }


WEEKDAY_CHOICES = [(iso, WEEKDAYS[iso - 1]) for iso in (7, 1, 2, 3, 4, 5, 6)]  # the week starts on Sunday


class BusinessSettingsForm(forms.ModelForm):
    """Structured widgets for the structured values; `settings_schema` (through the model's
    clean) has the last word on each of them."""

    working_days = forms.TypedMultipleChoiceField(
        label=_("working days"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    time_slots = TextLinesField(
        label=_("delivery time slots"),
        parse=settings_schema.parse_time_slots,
        help_text=_(
            "One slot per line, offered in this order (the first is the default): hours as "
            "HH:MM-HH:MM, e.g. 08:00-12:00, or a short lowercase name such as morning."
        ),
    )
    allowed_tax_rates = TaxRatesField(
        label=_("allowed tax rates"),
        parse=settings_schema.parse_tax_rates,
        help_text=_("Percentages separated by commas, e.g. 0, 9, 19. The default tax rate must be one of them."),
    )
    stamp_duty = StampDutyField(
        label=_("stamp duty brackets"),
        help_text=_(
            "Cash invoices: no duty up to the exempt amount; above it, the duty per 100 DA of the bracket "
            "the whole amount falls in, at least the minimum. One bracket per line: its upper bound and "
            "the duty per 100 DA, e.g. 30000.00 1.00; the last line starts with * (no upper bound)."
        ),
    )

    class Meta:
        model = BusinessSettings
        fields = ["working_days", "time_slots", "allowed_tax_rates", "stamp_duty"]  # the admin adds its fieldsets'

    def clean_working_days(self):
        return sorted(self.cleaned_data["working_days"])


@admin.register(BusinessSettings)
class BusinessSettingsAdmin(AuditedAdminMixin, admin.ModelAdmin):
    form = BusinessSettingsForm
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

    def changelist_view(self, request, extra_context=None):
        """One row: the list of it is its form."""
        settings = BusinessSettings.load()
        return HttpResponseRedirect(reverse("admin:core_businesssettings_change", args=[settings.pk]))


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


class LatestRowsInline(ReadOnlyInline):
    """A history too long to show whole beside its parent (a retailer's ledger): the newest
    `latest` rows in the inline's ordering, and a link to the full, filtered and paginated list
    (`all_rows_url`). The parent admin needs `LatestRowsMixin`."""

    template = "admin/edit_inline/latest_tabular.html"
    latest = 20

    def all_rows_url(self, parent) -> str | None:
        return None


class LatestRowsMixin:
    """For a ModelAdmin with `LatestRowsInline`s: each shows its newest rows and says how many
    there are in all."""

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, LatestRowsInline) and obj is not None and obj.pk:
            rows = kwargs["queryset"].filter(**{_parent_field(self.model, inline): obj})
            newest = list(rows.values_list("pk", flat=True)[: inline.latest])
            kwargs["queryset"] = kwargs["queryset"].filter(pk__in=newest)
        return kwargs

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            inline = inline_formset.opts
            if isinstance(inline, LatestRowsInline) and obj is not None and obj.pk:
                total = inline.model._default_manager.filter(**{_parent_field(self.model, inline): obj}).count()
                shown = min(total, inline.latest)
                url = inline.all_rows_url(obj)
                note = _("The newest %(shown)d of %(total)d.") % {"shown": shown, "total": total}
                inline_formset.latest_note = (
                    format_html('{} <a href="{}">{}</a>', note, url, _("See them all"))
                    if url and total > shown
                    else note
                )
        return inline_formsets


def _parent_field(parent_model, inline) -> str:
    from django.forms.models import _get_foreign_key

    return _get_foreign_key(parent_model, inline.model, fk_name=inline.fk_name).name


def domain_error_text(exc) -> str:
    """A DomainError as one line for an admin message."""
    details = "; ".join(
        f"{field}: {' '.join(map(str, msgs)) if isinstance(msgs, list) else msgs}"
        for field, msgs in exc.details.items()
    )
    return f"{exc.message} {details}".strip()


def money_display(amount) -> str:
    """An amount as operators read it: grouped digits in the active language, with the currency."""
    if amount is None:
        return "—"
    return _("%(amount)s DZD") % {"amount": formats.number_format(amount, 2, use_l10n=True, force_grouping=True)}


def money_html(amount) -> str:
    """`money_display` isolated left to right, so a minus sign stays before the digits inside
    Arabic text."""
    if amount is None:
        return "—"
    return format_html('<bdi dir="ltr" class="money">{}</bdi>', money_display(amount))


def display_for_field(value, field, empty_value_display, avoid_link=False):
    """Django's admin display of a model value, with the project's two rules on top: a money
    column (`livrili.core.models.MoneyField`) shows its currency, and a free text value is
    isolated (`<bdi>`) so a phone number or a French name keeps its order in Arabic pages."""
    if getattr(field, "is_money", False) and value is not None:
        return money_html(value)
    shown = django_display_for_field(value, field, empty_value_display, avoid_link)
    if isinstance(field, models.CharField) and not getattr(field, "flatchoices", None) and value:
        return format_html("<bdi>{}</bdi>", shown)
    return shown


def install_admin_display():
    """Every admin list column and read-only field goes through `display_for_field` (one
    display helper, not one per field): Django's pages import it by name, so it is replaced
    where they read it."""
    admin_helpers.display_for_field = display_for_field
    admin_list.display_for_field = display_for_field
