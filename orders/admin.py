"""Back office for orders: the same services as the API (placement, transitions, cancel with a
reason, bulk confirm), so the admin and the PWA cannot disagree.

The order's change page carries its own buttons (release hold, confirm, process, ship, cancel,
return, edit lines), each shown only when the transition table allows it and the user holds
the permission the API asks for; every one is a POST with its CSRF token, and the forms that
need a reason refuse an empty one."""

import uuid
from datetime import date, timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.forms import formset_factory
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.decorators import method_decorator
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from livrili.core.admin import ReadOnlyInline, domain_error_text, money_display
from livrili.core.errors import DomainError
from livrili.core.models import BusinessSettings, Wilaya
from livrili.core.settings_schema import time_slot_label
from products.models import Product
from retailers.models import Retailer

from .hooks import order_admin_links
from .models import Order, OrderEvent, OrderItem, OrderStatus, PaymentMethod
from .rules import EDITABLE, MAX_LINE_QUANTITY, allowed_targets, earliest_delivery_date
from .selectors import order_quote
from .services.edit import order_edit
from .services.lifecycle import (
    order_advance,
    order_cancel,
    order_confirm,
    order_release_hold,
    order_return,
    orders_bulk_status,
)
from .services.placement import LineRequest, order_place


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ("sku", "product_name", "quantity", "unit_price", "tax_rate", "discount", "discount_reason", "line_total")
    readonly_fields = fields

    @admin.display(description=_("product"))
    def product_name(self, item):
        return item.name  # the name as ordered, in the reader's language


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ("created_at", "type", "from_status", "to_status", "actor", "note")
    readonly_fields = fields
    verbose_name_plural = _("timeline")


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


ALLOWED_DAYS_SHOWN = 14  # the delivery days offered from the earliest


def delivery_day_choices(settings) -> list[tuple[str, str]]:
    """The next working days from the earliest allowed, as the placement rule will accept them."""
    day = earliest_delivery_date(settings)
    days = []
    while len(days) < ALLOWED_DAYS_SHOWN:
        if day.isoweekday() in settings.working_days:
            days.append((day.isoformat(), formats.date_format(day, "l j F Y")))
        day += timedelta(days=1)
    return [("", _("The earliest (%(day)s)") % {"day": days[0][1]}), *days]


class ManualOrderForm(forms.Form):
    retailer = forms.ModelChoiceField(
        Retailer.objects.filter(status="active"),
        label=_("Retailer"),
        widget=AutocompleteSelect(Order._meta.get_field("retailer"), admin.site),
    )
    payment_method = forms.ChoiceField(choices=PaymentMethod.choices, label=_("Payment method"))
    requested_delivery_date = forms.TypedChoiceField(
        label=_("Delivery date"), required=False, coerce=date.fromisoformat, empty_value=None
    )
    time_slot = forms.ChoiceField(label=_("Time slot"), required=False)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    idempotency_key = forms.CharField(widget=forms.HiddenInput)  # a double submit places one order

    class Media:
        js = ("orders/admin/place.js",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        settings = BusinessSettings.load()
        self.fields["requested_delivery_date"].choices = delivery_day_choices(settings)
        self.fields["time_slot"].choices = [
            ("", _("The first (%(slot)s)") % {"slot": time_slot_label(settings.time_slots[0])}),
            *((slot, time_slot_label(slot)) for slot in settings.time_slots),
        ]


class OrderNotesForm(forms.Form):
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ManualLineForm(forms.Form):
    product = forms.ModelChoiceField(
        Product.objects.filter(is_active=True),
        label=_("Product"),
        widget=AutocompleteSelect(OrderItem._meta.get_field("product"), admin.site),
    )
    quantity = forms.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, label=_("Quantity"))
    discount = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, required=False, label=_("Discount"))
    discount_reason = forms.CharField(max_length=200, required=False, label=_("Discount reason"))

    def clean(self):
        data = super().clean()
        if data.get("discount") and not (data.get("discount_reason") or "").strip():
            self.add_error("discount_reason", _("A discount needs a reason."))
        return data


class QuoteForm(forms.Form):
    """What the live preview reads of the manual order form (the rest is checked on submit)."""

    retailer = forms.ModelChoiceField(Retailer.objects.all())
    payment_method = forms.ChoiceField(choices=PaymentMethod.choices)


class QuoteLineForm(forms.Form):
    product = forms.ModelChoiceField(Product.objects.all(), required=False)
    quantity = forms.IntegerField(min_value=1, max_value=MAX_LINE_QUANTITY, required=False)
    discount = forms.DecimalField(min_value=0, max_digits=14, decimal_places=2, required=False)


# The totals the preview shows, in the order of an invoice.
QUOTE_TOTALS = {
    "subtotal": _("Subtotal"),
    "delivery_fee": _("Delivery fee"),
    "tax_total": _("Taxes (TVA)"),
    "stamp_duty": _("Stamp duty"),
    "total": _("Total"),
}

ManualLineFormSet = formset_factory(ManualLineForm, extra=5, min_num=1, validate_min=True)
EditLineFormSet = formset_factory(ManualLineForm, extra=3, min_num=1, validate_min=True, can_delete=True)
QuoteLineFormSet = formset_factory(QuoteLineForm)


def _report(modeladmin, request, results, label):
    done = sum(1 for r in results if r["ok"])
    for result in results:
        if result.get("skipped"):
            modeladmin.message_user(request, result["skipped"], messages.WARNING)
        elif not result["ok"]:
            modeladmin.message_user(request, f"{result['order_id']}: {result['error_code']}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(label)s: %(count)d order(s).") % {"label": label, "count": done})


# The change page's plain POST buttons (no reason asked): name → (target status, label).
STATUS_BUTTONS = {
    "confirm": (OrderStatus.CONFIRMED, _("Confirm")),
    "process": (OrderStatus.PROCESSING, _("Start processing")),
    "ship": (OrderStatus.SHIPPED, _("Mark as shipped")),
}


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("number", "retailer", "status", "payment_method", "total", "requested_delivery_date", "created_at")
    list_filter = ("status", "payment_method", "channel", "created_at", "delivery_wilaya_code")
    search_fields = ("number", "retailer__business_name", "retailer__phone")
    list_select_related = ("retailer",)
    date_hierarchy = "created_at"
    inlines = [OrderItemInline, OrderEventInline]
    readonly_fields = [f.name for f in Order._meta.fields if f.name not in ("id",)] + [
        "delivery_wilaya",
        "time_slot_label",
        "related_records",
    ]
    # The page as an operator reads it: who and what, the money, the delivery, then the history.
    fieldsets = (
        (
            _("Customer"),
            {"fields": ("number", "retailer", "status", "channel", "created_by", "language", "notes")},
        ),
        (
            _("Money"),
            {
                "fields": (
                    "payment_method",
                    "subtotal",
                    "discount_total",
                    "tax_total",
                    "delivery_fee",
                    "stamp_duty",
                    "total",
                )
            },
        ),
        (
            _("Delivery"),
            {
                "fields": (
                    "requested_delivery_date",
                    "time_slot_label",
                    "delivery_address",
                    "delivery_commune",
                    "delivery_wilaya",
                    "delivery_contact_name",
                    "delivery_contact_phone",
                    "related_records",
                )
            },
        ),
        (
            _("History"),
            {
                "fields": (
                    "created_at",
                    "held_at",
                    "confirmed_at",
                    "processing_at",
                    "shipped_at",
                    "delivered_at",
                    "cancelled_at",
                    "cancelled_by",
                    "cancel_reason",
                    "returned_at",
                )
            },
        ),
        (
            _("Technical"),
            {
                "classes": ("collapse",),
                "fields": (
                    "updated_at",
                    "idempotency_key",
                    "request_fingerprint",
                    "delivery_latitude",
                    "delivery_longitude",
                ),
            },
        ),
    )
    actions = ["confirm_orders", "process_orders", "cancel_orders"]

    def has_delete_permission(self, request, obj=None):
        return False  # orders are history: cancel them instead

    @admin.display(description=_("wilaya"))
    def delivery_wilaya(self, order):
        wilaya = Wilaya.objects.filter(code=order.delivery_wilaya_code).first()
        return str(wilaya) if wilaya else order.delivery_wilaya_code or "-"

    @admin.display(description=_("time slot"))
    def time_slot_label(self, order):
        return time_slot_label(order.time_slot) if order.time_slot else "-"

    @admin.display(description=_("related records"))
    def related_records(self, order):
        links = order_admin_links(order)
        if not links:
            return "-"
        return format_html_join(" · ", '<a href="{}">{}</a>', ((url, label) for label, url in links))

    def has_change_permission(self, request, obj=None):
        return False  # every change goes through the actions (the same services as the API)

    def has_transition_permission(self, request):
        """The bulk actions need what the API's status, bulk and cancel endpoints need."""
        return request.user.has_perm("orders.change_order")

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("place/", view(self.place_view), name="orders_order_place"),
            path("place/quote/", view(self.quote_view), name="orders_order_quote"),
            path("<uuid:pk>/release-hold/", view(self.release_hold_view), name="orders_order_release_hold"),
            path("<uuid:pk>/cancel/", view(self.cancel_view), name="orders_order_cancel"),
            path("<uuid:pk>/return/", view(self.return_view), name="orders_order_return"),
            path("<uuid:pk>/edit/", view(self.edit_view), name="orders_order_edit"),
            *[
                path(
                    f"<uuid:pk>/{name}/",
                    view(require_POST(self.status_view)),
                    {"action": name},
                    name=f"orders_order_{name}",
                )
                for name in STATUS_BUTTONS
            ],
            *super().get_urls(),
        ]

    # --- The change page's own buttons ---------------------------------------------------------

    def order_buttons(self, request, order) -> list[dict]:
        """The actions the transition table allows from the order's status and the user may
        take (the API's permissions): a POST button, or a link to a form asking the reason."""
        allowed = allowed_targets(order.status)
        may_change = request.user.has_perm("orders.change_order")
        buttons = []
        if order.status == OrderStatus.ON_HOLD and request.user.has_perm("orders.release_hold"):
            buttons.append({"name": "release_hold", "label": _("Release the credit hold…"), "form": True})
        if may_change:
            for name, (target, label) in STATUS_BUTTONS.items():
                if target in allowed and order.status != OrderStatus.ON_HOLD:
                    buttons.append({"name": name, "label": label, "form": False})
            if order.status in EDITABLE:
                buttons.append({"name": "edit", "label": _("Edit the lines…"), "form": True})
            if OrderStatus.RETURNED in allowed:
                buttons.append({"name": "return", "label": _("Record a return…"), "form": True})
            if OrderStatus.CANCELLED in allowed:
                buttons.append({"name": "cancel", "label": _("Cancel the order…"), "form": True})
        for button in buttons:
            button["url"] = reverse(f"admin:orders_order_{button['name']}", args=[order.pk])
        return buttons

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        extra = {"order_buttons": self.order_buttons(request, order)} if order else {}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _order_for(self, request, pk, permission: str) -> Order:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        return get_object_or_404(Order.objects.select_related("retailer"), pk=pk)

    def _back(self, order) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:orders_order_change", args=[order.pk]))

    def _run(self, request, order, work, done_message) -> bool:
        """Run one service call; say what happened (the refusal's own words when refused)."""
        try:
            work()
        except DomainError as exc:
            self.message_user(request, domain_error_text(exc), messages.ERROR)
            return False
        self.message_user(request, done_message % {"number": order.number})
        return True

    def status_view(self, request, pk, action):
        order = self._order_for(request, pk, "orders.change_order")
        target, _label = STATUS_BUTTONS[action]

        def work():
            if target == OrderStatus.CONFIRMED:  # a held order is released on its own page, with a reason
                return order_confirm(order=order, actor=request.user)
            return order_advance(order=order, actor=request.user, to_status=target)

        self._run(request, order, work, _("Order %(number)s updated."))
        return self._back(order)

    def _reason_view(self, request, order, *, title, intro, submit, work, done_message):
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if form.is_valid() and self._run(request, order, lambda: work(form.cleaned_data["reason"]), done_message):
            return self._back(order)
        return TemplateResponse(
            request,
            "admin/orders/order/reason.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "intro": intro,
                "submit": submit,
                "order": order,
                "form": form,
                "opts": self.model._meta,
            },
        )

    def release_hold_view(self, request, pk):
        order = self._order_for(request, pk, "orders.release_hold")
        retailer = order.retailer
        intro = _(
            "The charge of %(total)s DA is posted and the order confirmed. Available credit: %(available)s DA;"
            " beyond it the release is recorded as an override."
        ) % {"total": formats.localize(order.total), "available": formats.localize(retailer.available_credit)}
        return self._reason_view(
            request,
            order,
            title=_("Release the credit hold of %(number)s") % {"number": order.number},
            intro=intro,
            submit=_("Release the hold"),
            work=lambda reason: order_release_hold(order=order, actor=request.user, note=reason),
            done_message=_("Credit hold of %(number)s released."),
        )

    def cancel_view(self, request, pk):
        order = self._order_for(request, pk, "orders.change_order")
        return self._reason_view(
            request,
            order,
            title=_("Cancel %(number)s") % {"number": order.number},
            intro=_("Stock comes back and any credit charge is reversed."),
            submit=_("Cancel the order"),
            work=lambda reason: order_cancel(order=order, actor=request.user, reason=reason),
            done_message=_("Order %(number)s cancelled."),
        )

    def return_view(self, request, pk):
        order = self._order_for(request, pk, "orders.change_order")
        return self._reason_view(
            request,
            order,
            title=_("Record the return of %(number)s") % {"number": order.number},
            intro=_("The goods are back in stock and any charge is reversed."),
            submit=_("Record the return"),
            work=lambda reason: order_return(order=order, actor=request.user, reason=reason),
            done_message=_("Return of %(number)s recorded."),
        )

    def edit_view(self, request, pk):
        """Replace the lines of a pending or on-hold order (the API's PATCH), with the manual
        order's line form."""
        order = self._order_for(request, pk, "orders.change_order")
        initial = [
            {
                "product": item.product_id,
                "quantity": item.quantity,
                "discount": item.discount or None,
                "discount_reason": item.discount_reason,
            }
            for item in order.items.all()
        ]
        posted = request.POST if request.method == "POST" else None
        notes = OrderNotesForm(posted, initial={"notes": order.notes})
        lines = EditLineFormSet(posted, prefix="lines", initial=initial)
        if posted is not None and notes.is_valid() and lines.is_valid():
            requests = [
                LineRequest(
                    product_id=line["product"].pk,
                    quantity=line["quantity"],
                    discount=line.get("discount") or 0,
                    discount_reason=line.get("discount_reason") or "",
                )
                for line in lines.cleaned_data
                if line and not line.get("DELETE")
            ]

            def work():
                order_edit(order=order, actor=request.user, lines=requests, notes=notes.cleaned_data["notes"])

            if self._run(request, order, work, _("Order %(number)s edited.")):
                return self._back(order)
        return TemplateResponse(
            request,
            "admin/orders/order/edit.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Edit the lines of %(number)s") % {"number": order.number},
                "order": order,
                "form": notes,
                "lines": lines,
                "opts": self.model._meta,
            },
        )

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:orders_order_place"))

    def _bulk(self, request, queryset, status, label):
        """The API's bulk change; a held order is skipped and named (its hold is released on its
        own page, with a reason)."""
        if not request.user.has_perm("orders.change_order"):
            raise PermissionDenied
        rows = list(queryset.values_list("pk", "number", "status"))
        orders = {str(pk): (number, state) for pk, number, state in rows}
        results = orders_bulk_status(order_ids=[row[0] for row in rows], actor=request.user, status=status)
        for result in results:
            number, state = orders[result["order_id"]]
            result["order_id"] = number
            if not result["ok"] and state == OrderStatus.ON_HOLD:
                result["skipped"] = _("%(number)s skipped: on credit hold; release it from the order's page.") % {
                    "number": number
                }
        _report(self, request, results, label)

    @admin.action(description=_("Confirm selected orders"), permissions=["transition"])
    def confirm_orders(self, request, queryset):
        self._bulk(request, queryset, OrderStatus.CONFIRMED, _("Confirmed"))

    @admin.action(description=_("Start processing selected orders"), permissions=["transition"])
    def process_orders(self, request, queryset):
        self._bulk(request, queryset, OrderStatus.PROCESSING, _("Processing"))

    @admin.action(description=_("Cancel selected orders…"), permissions=["transition"])
    def cancel_orders(self, request, queryset):
        if not request.user.has_perm("orders.change_order"):
            raise PermissionDenied
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            results = []
            for order in queryset:
                try:
                    order_cancel(order=order, actor=request.user, reason=form.cleaned_data["reason"])
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

    @method_decorator(require_POST)
    def quote_view(self, request):
        """The manual order page's live preview: the lines priced as placement will price them,
        each line's problem named; JSON for the page's script. Writes nothing."""
        if not request.user.has_perm("orders.add_order"):
            raise PermissionDenied
        form = QuoteForm(request.POST)
        lines = QuoteLineFormSet(request.POST, prefix="lines")
        if not form.is_valid() or not lines.is_valid():
            return JsonResponse({"lines": [], "totals": None})
        requests = [
            LineRequest(product_id=line["product"].pk, quantity=line["quantity"], discount=line.get("discount") or 0)
            for line in lines.cleaned_data
            if line.get("product") and line.get("quantity")
        ]
        quote = order_quote(
            retailer=form.cleaned_data["retailer"], lines=requests, payment_method=form.cleaned_data["payment_method"]
        )
        return JsonResponse(
            {
                "lines": [
                    {
                        "product_id": str(line.product_id),
                        "unit_price": str(line.price.unit_price),
                        "total": str(line.price.total),
                        "unit_price_display": money_display(line.price.unit_price),
                        "total_display": money_display(line.price.total),
                        "problem": line.problem,
                    }
                    for line in quote.lines
                ],
                "totals": {
                    **{name: str(getattr(quote.totals, name)) for name in QUOTE_TOTALS},
                    "display": [
                        [str(label), money_display(getattr(quote.totals, name))] for name, label in QUOTE_TOTALS.items()
                    ],
                },
            }
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
                LineRequest(
                    product_id=line["product"].pk,
                    quantity=line["quantity"],
                    discount=line.get("discount") or 0,
                    discount_reason=line.get("discount_reason") or "",
                )
                for line in lines.cleaned_data
                if line
            ]
            try:
                order, _replayed = order_place(
                    retailer=data["retailer"],
                    actor=request.user,
                    payment_method=data["payment_method"],
                    idempotency_key=f"admin-{data['idempotency_key']}",
                    fingerprint=data["idempotency_key"],
                    channel="admin",
                    lines=requests,
                    requested_delivery_date=data["requested_delivery_date"],
                    time_slot=data["time_slot"] or None,
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
                "media": self.media + form.media + lines.media,  # merged: each script once
                "opts": self.model._meta,
            },
        )
