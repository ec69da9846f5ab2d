"""Back office for deliveries: drivers, the deliveries opened by confirmed orders with their
history, and routes with their stops. Rows are never edited here: dispatch assigns the selected
deliveries to a driver with the API's service (`delivery_assign`, the same checks and
DRIVER_UNAVAILABLE refusals); status reports and route planning go through the API."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from livrili.core.admin import ReadOnlyAdmin, ReadOnlyInline, domain_error_text, money_html
from livrili.core.errors import DomainError
from livrili.core.models import Wilaya

from .models import Delivery, DeliveryEvent, Driver, ProofOfDelivery, Route, RouteStop
from .services.dispatch import EDITABLE_FIELDS, EDITABLE_STATUSES, delivery_update
from .services.lifecycle import delivery_assign


class DeliveryEventInline(ReadOnlyInline):
    model = DeliveryEvent
    fields = ("created_at", "from_status", "to_status", "actor", "note", "latitude", "longitude")
    readonly_fields = fields
    verbose_name_plural = _("timeline")


class ProofInline(ReadOnlyInline):
    model = ProofOfDelivery
    fields = ("recipient_name", "captured_at", "received_at", "latitude", "longitude")
    readonly_fields = fields


@admin.register(Driver)
class DriverAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "phone",
        "vehicle_type",
        "vehicle_plate",
        "capacity_kg",
        "max_stops",
        "status",
        "license_expiry",
    )
    list_filter = ("status", "vehicle_type", "wilayas")
    search_fields = ("user__full_name", "user__username", "phone", "vehicle_plate", "license_number")
    list_select_related = ("user",)


class WilayaFilter(admin.SimpleListFilter):
    """The wilayas deliveries go to, by name (the delivery keeps the code of its snapshot)."""

    title = _("wilaya")
    parameter_name = "wilaya"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).values_list("wilaya_code", flat=True).distinct()
        return [(w.code, str(w)) for w in Wilaya.objects.filter(code__in=codes).order_by("code")]

    def queryset(self, request, queryset):
        return queryset.filter(wilaya_code=self.value()) if self.value() else queryset


class DispatchActionForm(ActionForm):
    driver = forms.ModelChoiceField(
        queryset=Driver.objects.select_related("user").order_by("user__full_name"),
        required=False,
        label=_("driver"),
    )


class DispatchForm(forms.Form):
    """What dispatch may change while the delivery is pending or assigned (the API's PATCH);
    the service checks the rest (status, an ordered window) and its refusals become errors."""

    WIDGETS = {
        "scheduled_date": forms.DateInput(attrs={"type": "date"}),
        "window_start": forms.TimeInput(attrs={"type": "time"}),
        "window_end": forms.TimeInput(attrs={"type": "time"}),
    }

    def __init__(self, data=None, *, delivery: Delivery):
        super().__init__(data, initial={field: getattr(delivery, field) for field in EDITABLE_FIELDS})
        self.fields.update(forms.fields_for_model(Delivery, fields=EDITABLE_FIELDS, widgets=self.WIDGETS))

    def add_refusal(self, exc: DomainError) -> None:
        if not exc.details or set(exc.details) - set(self.fields):
            self.add_error(None, exc.message)  # e.g. no longer pending or assigned: its own words
            return
        for field, errors in exc.details.items():
            self.add_error(field, errors)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "order",
        "status",
        "driver",
        "scheduled_date",
        "priority",
        "wilaya_display",
        "commune",
        "cash_to_collect_display",
        "attempts",
    )
    list_filter = ("status", "scheduled_date", "priority", WilayaFilter, "driver")
    search_fields = ("number", "order__number", "order__retailer__business_name", "contact_phone", "commune")
    list_select_related = ("order", "driver__user")
    date_hierarchy = "scheduled_date"
    inlines = [ProofInline, DeliveryEventInline]
    action_form = DispatchActionForm
    actions = ["assign_to_driver"]

    def has_dispatch_permission(self, request):
        return request.user.has_perm("deliveries.change_delivery")  # what the API's assign needs

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:pk>/dispatch/", view(self.dispatch_view), name="deliveries_delivery_dispatch"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        delivery = Delivery.objects.filter(pk=object_id).only("status").first()
        if delivery and delivery.status in EDITABLE_STATUSES and self.has_dispatch_permission(request):
            extra_context = {
                **(extra_context or {}),
                "dispatch_url": reverse("admin:deliveries_delivery_dispatch", args=[object_id]),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def dispatch_view(self, request, pk):
        """Priority, scheduled date, window and instructions through `delivery_update` (the
        API's checks: pending or assigned only, the window ordered; audited)."""
        if not self.has_dispatch_permission(request):
            raise PermissionDenied
        delivery = get_object_or_404(Delivery.objects.select_related("order"), pk=pk)
        form = DispatchForm(request.POST if request.method == "POST" else None, delivery=delivery)
        if form.is_valid():
            try:
                delivery_update(
                    delivery=delivery, actor=request.user, **{f: form.cleaned_data[f] for f in EDITABLE_FIELDS}
                )
            except DomainError as exc:
                form.add_refusal(exc)
            else:
                self.message_user(request, _("Delivery %(number)s updated.") % {"number": delivery.number})
                return HttpResponseRedirect(reverse("admin:deliveries_delivery_change", args=[delivery.pk]))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Dispatch details"),
            "delivery": delivery,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/deliveries/delivery/dispatch.html", context)

    @admin.action(description=_("Assign selected deliveries to the driver chosen"), permissions=["dispatch"])
    def assign_to_driver(self, request, queryset):
        """Each delivery in its own transaction: one refused (driver unavailable, delivery no
        longer assignable) is named and the others are still assigned."""
        if not self.has_dispatch_permission(request):
            raise PermissionDenied
        try:
            driver = DispatchActionForm.base_fields["driver"].clean(request.POST.get("driver") or None)
        except forms.ValidationError:
            driver = None  # a driver deleted since the page was shown, or a forged value
        if driver is None:
            self.message_user(request, _("Choose the driver to assign the deliveries to."), messages.ERROR)
            return
        assigned = 0
        for delivery in queryset.order_by("number"):
            try:
                delivery_assign(delivery=delivery, driver=driver, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{delivery.number}: {domain_error_text(exc)}", messages.ERROR)
            else:
                assigned += 1
        if assigned:
            self.message_user(
                request,
                _("%(count)d delivery(ies) assigned to %(driver)s.") % {"count": assigned, "driver": driver},
                messages.SUCCESS,
            )

    def get_queryset(self, request):
        # the name in the active language (modeltranslation's fallback order: ar, fr, en)
        localized = f"name_{(get_language() or 'ar')[:2]}"
        name = Coalesce(
            NullIf(localized, Value("")), NullIf("name_ar", Value("")), "name_fr", "name_en", output_field=CharField()
        )
        wilaya = Wilaya.objects.filter(code=OuterRef("wilaya_code")).annotate(label=name).values("label")[:1]
        return super().get_queryset(request).annotate(wilaya_name=Subquery(wilaya, output_field=CharField()))

    @admin.display(description=_("wilaya"), ordering="wilaya_code")
    def wilaya_display(self, obj):
        return f"{obj.wilaya_code} - {obj.wilaya_name}" if obj.wilaya_name else obj.wilaya_code or "—"

    @admin.display(description=_("cash to collect"), ordering="cash_to_collect")
    def cash_to_collect_display(self, obj):
        return money_html(obj.cash_to_collect)


class RouteStopInline(ReadOnlyInline):
    model = RouteStop
    fields = ("sequence", "delivery", "eta", "leg_distance_km")
    readonly_fields = fields


@admin.register(Route)
class RouteAdmin(ReadOnlyAdmin):
    list_display = ("date", "driver", "status", "total_distance_km", "estimated_duration_min", "solver")
    list_filter = ("status", "date", "driver")
    list_select_related = ("driver__user",)
    date_hierarchy = "date"
    inlines = [RouteStopInline]


def order_delivery_links(order) -> list[tuple[str, str]]:
    """The order's delivery, for the order's page (`orders.hooks.ADMIN_LINKS`)."""
    delivery = Delivery.objects.filter(order=order).only("pk", "number").first()
    if delivery is None:
        return []
    label = _("Delivery %(number)s") % {"number": delivery.number}
    return [(label, reverse("admin:deliveries_delivery_change", args=[delivery.pk]))]
