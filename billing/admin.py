"""Back office for invoices and credit notes: read-only (legal documents), with the invoice's
PDF and Finance's "cancel → credit note" (a reason form), through the same services as the API."""

import io
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from deliveries.models import Driver
from livrili.core.admin import ReadOnlyInline, domain_error_text, money_display
from livrili.core.errors import DomainError
from retailers.models import Retailer

from .models import (
    CashHandover,
    CashHandoverPayment,
    CreditNote,
    DiscrepancyReason,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentMethodKind,
    PaymentStatus,
)
from .pdf import invoice_pdf
from .selectors import allocation_preview
from .services.handovers import handover_approve, handover_create, handover_expected
from .services.invoices import invoice_cancel
from .services.payments import payment_bounce, payment_cancel, payment_record


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ("position", "kind", "description", "sku", "quantity", "unit_price", "discount", "tax_rate",
              "line_subtotal", "line_tax", "line_total")  # fmt: skip
    readonly_fields = fields


class CreditNoteInline(ReadOnlyInline):
    model = CreditNote
    fields = ("number", "issued_at", "issued_by", "reason", "total")
    readonly_fields = fields


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # immutable: a cancellation goes through the credit-note form

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "retailer", "order", "status", "payment_method", "total", "issued_at", "due_date")
    list_filter = ("status", "payment_method", "issued_at")
    search_fields = ("number", "order__number", "retailer__business_name")
    list_select_related = ("retailer", "order")
    date_hierarchy = "issued_at"
    inlines = [InvoiceLineInline, CreditNoteInline]
    readonly_fields = [f.name for f in Invoice._meta.fields if f.name != "id"]

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:pk>/pdf/", view(self.pdf_view), name="billing_invoice_pdf"),
            path("<uuid:pk>/cancel/", view(self.cancel_view), name="billing_invoice_cancel"),
            *super().get_urls(),
        ]

    def invoice_links(self, request, invoice) -> list[dict]:
        """The change page's object tools: the PDF, and for Finance the credit-note form."""
        links = [{"url": reverse("admin:billing_invoice_pdf", args=[invoice.pk]), "label": _("PDF")}]
        if invoice.status != InvoiceStatus.CANCELLED and request.user.has_perm("billing.cancel_invoice"):
            links.append(
                {"url": reverse("admin:billing_invoice_cancel", args=[invoice.pk]), "label": _("Cancel → credit note…")}
            )
        return links

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        extra = {"invoice_links": self.invoice_links(request, invoice)} if invoice else {}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _invoice(self, request, pk, permission: str) -> Invoice:
        if not request.user.has_perm(permission):
            raise PermissionDenied
        return get_object_or_404(Invoice.objects.select_related("retailer", "order"), pk=pk)

    def _back(self, invoice) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:billing_invoice_change", args=[invoice.pk]))

    def pdf_view(self, request, pk):
        invoice = self._invoice(request, pk, "billing.view_invoice")
        try:
            pdf = invoice_pdf(invoice)
        except DomainError as exc:
            self.message_user(request, domain_error_text(exc), messages.ERROR)
            return self._back(invoice)
        return FileResponse(io.BytesIO(pdf), filename=f"{invoice.number}.pdf", content_type="application/pdf")

    def cancel_view(self, request, pk):
        invoice = self._invoice(request, pk, "billing.cancel_invoice")
        form = CancelForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                note = invoice_cancel(invoice=invoice, reason=form.cleaned_data["reason"], actor=request.user)
            except DomainError as exc:
                self.message_user(request, domain_error_text(exc), messages.ERROR)
            else:
                done = _("Invoice %(invoice)s cancelled by credit note %(note)s.")
                self.message_user(request, done % {"invoice": invoice.number, "note": note.number})
                return self._back(invoice)
        return TemplateResponse(
            request,
            "admin/billing/invoice/cancel.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Cancel %(number)s") % {"number": invoice.number},
                "invoice": invoice,
                "form": form,
                "opts": self.model._meta,
            },
        )


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ("number", "invoice", "total", "issued_at", "issued_by")
    search_fields = ("number", "invoice__number", "invoice__retailer__business_name")
    list_select_related = ("invoice", "issued_by")
    date_hierarchy = "issued_at"
    readonly_fields = [f.name for f in CreditNote._meta.fields if f.name != "id"]


def order_invoice_links(order) -> list[tuple[str, str]]:
    """The order's invoice, for the order's page (`orders.hooks.ADMIN_LINKS`)."""
    invoice = Invoice.objects.filter(order=order).only("pk", "number").first()
    if invoice is None:
        return []
    label = _("Invoice %(number)s") % {"number": invoice.number}
    return [(label, reverse("admin:billing_invoice_change", args=[invoice.pk]))]


# --- Payments -------------------------------------------------------------------------------


class AllocationInline(ReadOnlyInline):
    model = PaymentAllocation
    fields = ("invoice", "amount")
    readonly_fields = fields


class PaymentRecordForm(forms.Form):
    retailer = forms.ModelChoiceField(
        label=_("Retailer"),
        queryset=Retailer.objects.all(),
        widget=AutocompleteSelect(Payment._meta.get_field("retailer"), admin.site),  # thousands of retailers
    )
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethodKind.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    """Payments read-only; Finance records one through a form that previews its allocation, and
    bounces a cheque or cancels a payment with a reason (the API's services)."""

    list_display = ("received_at", "retailer", "amount", "method", "status", "allocated_amount", "collected_by")
    list_filter = ("status", "method", "received_at")
    search_fields = ("reference", "retailer__business_name", "delivery__number")
    list_select_related = ("retailer", "collected_by")
    date_hierarchy = "received_at"
    inlines = [AllocationInline]
    readonly_fields = [f.name for f in Payment._meta.fields if f.name != "id"]

    def has_add_permission(self, request):
        return request.user.has_perm("billing.record_payment")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<uuid:pk>/bounce/", view(self.bounce_view), name="billing_payment_bounce"),
            path("<uuid:pk>/cancel/", view(self.cancel_view), name="billing_payment_cancel"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payment = self.get_object(request, object_id)
        links = []
        if payment is not None and request.user.has_perm("billing.record_payment"):
            if payment.status == PaymentStatus.CONFIRMED and payment.method == PaymentMethodKind.CHEQUE:
                links.append({"url": reverse("admin:billing_payment_bounce", args=[payment.pk]), "label": _("Bounce…")})
            if payment.status in (PaymentStatus.CONFIRMED, PaymentStatus.IN_CUSTODY):
                links.append({"url": reverse("admin:billing_payment_cancel", args=[payment.pk]), "label": _("Cancel…")})
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "invoice_links": links})

    def _page(self, request, template: str, title, **context):
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "title": title, "opts": self.model._meta, **context},
        )

    def add_view(self, request, form_url="", extra_context=None):
        """Record a payment: a first submit previews its allocation, the second records it."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PaymentRecordForm(request.POST if request.method == "POST" else None)
        preview = None
        if form.is_valid():
            data = form.cleaned_data
            if "_record" in request.POST:
                try:
                    payment, _replayed = payment_record(
                        retailer=data["retailer"],
                        amount=data["amount"],
                        method=data["method"],
                        reference=data["reference"],
                        note=data["note"],
                        actor=request.user,
                    )
                except DomainError as exc:
                    self.message_user(request, domain_error_text(exc), messages.ERROR)
                else:
                    self.message_user(request, _("Payment recorded."))
                    return HttpResponseRedirect(reverse("admin:billing_payment_change", args=[payment.pk]))
            preview = allocation_preview(retailer=data["retailer"], amount=data["amount"])
            preview["lines"] = [(invoice, money_display(share)) for invoice, share in preview["lines"]]
            preview["prepaid"] = money_display(preview["prepaid"])
        return self._page(
            request, "admin/billing/payment/record.html", _("Record a payment"), form=form, preview=preview
        )

    def _reverse_view(self, request, pk, service, title):
        if not request.user.has_perm("billing.record_payment"):
            raise PermissionDenied
        payment = get_object_or_404(Payment.objects.select_related("retailer"), pk=pk)
        form = ReasonForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                service(payment=payment, reason=form.cleaned_data["reason"], actor=request.user)
            except DomainError as exc:
                self.message_user(request, domain_error_text(exc), messages.ERROR)
            else:
                self.message_user(request, _("The payment is reversed on the ledger; its invoices are open again."))
                return HttpResponseRedirect(reverse("admin:billing_payment_change", args=[payment.pk]))
        return self._page(
            request,
            "admin/billing/payment/reverse.html",
            title,
            form=form,
            payment=payment,
            amount=money_display(payment.amount),
        )

    def bounce_view(self, request, pk):
        return self._reverse_view(request, pk, payment_bounce, _("Bounce a cheque"))

    def cancel_view(self, request, pk):
        return self._reverse_view(request, pk, payment_cancel, _("Cancel a payment"))


# --- Cash handovers -------------------------------------------------------------------------


class HandoverLineInline(ReadOnlyInline):
    model = CashHandoverPayment
    fields = ("payment", "amount")
    readonly_fields = fields


class HandoverDayForm(forms.Form):
    driver = forms.ModelChoiceField(label=_("Driver"), queryset=Driver.objects.select_related("user"))
    date = forms.DateField(label=_("Date"))


class HandoverCountForm(forms.Form):
    counted_amount = forms.DecimalField(
        label=_("Counted amount"), max_digits=14, decimal_places=2, min_value=Decimal("0.00")
    )
    reason = forms.ChoiceField(
        label=_("Reason for a discrepancy"), choices=[("", "—"), *DiscrepancyReason.choices], required=False
    )
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


@admin.register(CashHandover)
class CashHandoverAdmin(admin.ModelAdmin):
    """Handovers read-only; the cashier counts a driver's day through a form that lists the
    expected payments, and approves counted handovers (the API's services)."""

    list_display = ("business_date", "driver", "expected_amount", "counted_amount", "discrepancy", "status")
    list_filter = ("status", "business_date")
    list_select_related = ("driver__user",)
    date_hierarchy = "business_date"
    inlines = [HandoverLineInline]
    readonly_fields = [f.name for f in CashHandover._meta.fields if f.name != "id"]
    actions = ["approve"]

    def has_add_permission(self, request):
        return request.user.has_perm("billing.count_cash")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("billing.count_cash"):
            actions.pop("approve", None)
        return actions

    @admin.action(description=_("Approve the selected handovers (confirms their payments)"))
    def approve(self, request, queryset):
        if not request.user.has_perm("billing.count_cash"):
            raise PermissionDenied
        approved = 0
        for handover in queryset.order_by("pk"):
            try:
                handover_approve(handover=handover, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{handover}: {domain_error_text(exc)}", messages.ERROR)
            else:
                approved += 1
        self.message_user(request, _("%(count)d handover(s) approved.") % {"count": approved})

    def add_view(self, request, form_url="", extra_context=None):
        """Count a driver's cash: choose the driver and day (GET), see each expected payment,
        enter the counted amount (POST)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        day_form = HandoverDayForm(request.GET or None)
        count_form = HandoverCountForm(request.POST if request.method == "POST" else None)
        expected, total = [], None
        if day_form.is_valid():
            driver, day = day_form.cleaned_data["driver"], day_form.cleaned_data["date"]
            payments = list(handover_expected(driver=driver, day=day))
            expected = [(p, money_display(p.amount)) for p in payments]
            total = money_display(sum((p.amount for p in payments), Decimal("0.00")))
            if request.method == "POST" and count_form.is_valid():
                try:
                    handover = handover_create(
                        driver=driver,
                        day=day,
                        actor=request.user,
                        payment_ids=[p.pk for p in payments],
                        **count_form.cleaned_data,
                    )
                except DomainError as exc:
                    self.message_user(request, domain_error_text(exc), messages.ERROR)
                else:
                    self.message_user(request, _("Handover recorded."))
                    return HttpResponseRedirect(reverse("admin:billing_cashhandover_change", args=[handover.pk]))
        return TemplateResponse(
            request,
            "admin/billing/cashhandover/count.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Count a driver's cash"),
                "opts": self.model._meta,
                "day_form": day_form,
                "count_form": count_form,
                "expected": expected,
                "total": total,
                "counted": day_form.is_valid(),
            },
        )
