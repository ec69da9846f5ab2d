"""Back office for orders: the same services as the API (placement, transitions, cancel with a
reason, bulk confirm), so the admin and the PWA cannot disagree."""

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.forms import formset_factory
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from livrili.api.errors import DomainError
from livrili.core.admin import ReadOnlyInline, domain_error_text
from products.models import Product
from retailers.models import Retailer

from . import services
from .models import Order, OrderEvent, OrderItem, OrderStatus, PaymentMethod


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ("sku", "name_fr", "quantity", "unit_price", "tax_rate", "discount", "discount_reason", "line_total")
    readonly_fields = fields


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "type", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    verbose_name_plural = _("timeline")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ManualOrderForm(forms.Form):
    retailer = forms.ModelChoiceField(
        Retailer.objects.filter(status="active").order_by("business_name"), label=_("Retailer")
    )
    payment_method = forms.ChoiceField(choices=PaymentMethod.choices, label=_("Payment method"))
    requested_delivery_date = forms.DateField(label=_("Delivery date"), required=False, help_text=_("Empty: earliest"))
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput)  # a double submit places one order


class ManualLineForm(forms.Form):
    product = forms.ModelChoiceField(
        Product.objects.filter(is_active=True),
        label=_("Product"),
        widget=AutocompleteSelect(OrderItem._meta.get_field("product"), admin.site),
    )
    quantity = forms.IntegerField(min_value=1, label=_("Quantity"))
    discount = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, required=False, label=_("Discount"))
    discount_reason = forms.CharField(max_length=200, required=False, label=_("Discount reason"))

    def clean(self):
        data = super().clean()
        if data.get("discount") and not (data.get("discount_reason") or "").strip():
            self.add_error("discount_reason", _("A discount needs a reason."))
        return data


ManualLineFormSet = formset_factory(ManualLineForm, extra=5, min_num=1, validate_min=True)


def _report(modeladmin, request, results, label):
    done = sum(1 for r in results if r["ok"])
    for result in results:
        if not result["ok"]:
            modeladmin.message_user(request, f"{result['order_id']}: {result['error_code']}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(label)s: %(count)d order(s).") % {"label": label, "count": done})


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "retailer", "status", "payment_method", "total", "requested_delivery_date", "created_at")
    list_filter = ("status", "payment_method", "channel", "created_at", "delivery_wilaya_code")
    search_fields = ("number", "retailer__business_name", "retailer__phone")
    list_select_related = ("retailer",)
    date_hierarchy = "created_at"
    inlines = [OrderItemInline, OrderEventInline]
    readonly_fields = [f.name for f in Order._meta.fields if f.name not in ("id",)]
    actions = ["confirm_orders", "process_orders", "cancel_orders"]

    def has_delete_permission(self, request, obj=None):
        return False  # orders are history: cancel them instead

    def has_change_permission(self, request, obj=None):
        return False  # every change goes through the actions (the same services as the API)

    def get_urls(self):
        return [
            path("place/", self.admin_site.admin_view(self.place_view), name="orders_order_place"),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:orders_order_place"))

    def _bulk(self, request, queryset, status, label):
        if not request.user.has_perm("orders.change_order"):
            raise PermissionDenied
        ids = list(queryset.values_list("pk", flat=True))
        _report(self, request, services.orders_bulk_status(order_ids=ids, actor=request.user, status=status), label)

    @admin.action(description=_("Confirm selected orders"))
    def confirm_orders(self, request, queryset):
        self._bulk(request, queryset, OrderStatus.CONFIRMED, _("Confirmed"))

    @admin.action(description=_("Start processing selected orders"))
    def process_orders(self, request, queryset):
        self._bulk(request, queryset, OrderStatus.PROCESSING, _("Processing"))

    @admin.action(description=_("Cancel selected orders…"))
    def cancel_orders(self, request, queryset):
        if not request.user.has_perm("orders.change_order"):
            raise PermissionDenied
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            results = []
            for order in queryset:
                try:
                    services.order_cancel(order=order, actor=request.user, reason=form.cleaned_data["reason"])
                    results.append({"order_id": order.number, "ok": True, "error_code": None})
                except DomainError as exc:
                    results.append({"order_id": order.number, "ok": False, "error_code": domain_error_text(exc)})
            _report(self, request, results, _("Cancelled"))
            return None
        return TemplateResponse(
            request,
            "admin/orders/order/cancel.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Cancel orders"),
                "orders": queryset,
                "form": form,
                "opts": self.model._meta,
            },
        )

    def place_view(self, request):
        """Manual order entry: catalog prices, optional line discounts with a reason (audited in
        the order's items and `placed` event), same rules as the PWA."""
        if not request.user.has_perm("orders.add_order"):
            raise PermissionDenied
        form = ManualOrderForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})
        lines = ManualLineFormSet(request.POST or None, prefix="lines")
        if request.method == "POST" and form.is_valid() and lines.is_valid():
            data = form.cleaned_data
            requests = [
                services.LineRequest(
                    product_id=line["product"].pk,
                    quantity=line["quantity"],
                    discount=line.get("discount") or 0,
                    discount_reason=line.get("discount_reason") or "",
                )
                for line in lines.cleaned_data
                if line
            ]
            try:
                order, _replayed = services.order_place(
                    retailer=data["retailer"],
                    actor=request.user,
                    payment_method=data["payment_method"],
                    idempotency_key=f"admin-{data['idempotency_key']}",
                    fingerprint=data["idempotency_key"],
                    channel="admin",
                    lines=requests,
                    requested_delivery_date=data["requested_delivery_date"],
                    notes=data["notes"],
                )
            except DomainError as exc:
                self.message_user(request, domain_error_text(exc), messages.ERROR)
            else:
                self.message_user(request, _("Order %(number)s placed.") % {"number": order.number})
                return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))
        return TemplateResponse(
            request,
            "admin/orders/order/place.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Place an order"),
                "form": form,
                "lines": lines,
                "opts": self.model._meta,
            },
        )
