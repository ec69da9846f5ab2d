"""Back office for invoices and credit notes: read-only (legal documents), with the invoice's
PDF and Finance's "cancel → credit note" (a reason form), through the same services as the API."""

import io

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from livrili.core.admin import ReadOnlyInline, domain_error_text
from livrili.core.errors import DomainError

from .models import CreditNote, Invoice, InvoiceLine, InvoiceStatus
from .pdf import invoice_pdf
from .services.invoices import invoice_cancel


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
