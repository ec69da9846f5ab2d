"""Back office for retailers. Status, credit and ledger changes call the same services as the
API (with a reason form), so the admin and the PWA cannot disagree."""

import io
from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from livrili.accounts.phones import try_normalize_phone
from livrili.core.admin import (
    AuditedAdminMixin,
    LatestRowsInline,
    LatestRowsMixin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    domain_error_text,
    money_html,
)
from livrili.core.errors import DomainError
from livrili.core.models import Wilaya

from . import selectors, services
from .models import (
    BusinessType,
    DeliveryAddress,
    LedgerEntry,
    Retailer,
    RetailerDocument,
    RetailerEvent,
    RetailerStatus,
)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False)


class CreditLimitForm(forms.Form):
    credit_limit = forms.DecimalField(
        label=_("New credit limit"), max_digits=14, decimal_places=2, min_value=Decimal(0)
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class RetailerSignupForm(forms.Form):
    """The back office's "add retailer": the same inputs as the API's staff registration,
    saved by `services.retailer_signup` (owner account, default address, event, audit)."""

    full_name = forms.CharField(label=_("Owner's full name"), max_length=150)
    phone = forms.CharField(label=_("phone"), max_length=32, required=False)
    email = forms.EmailField(label=_("e-mail"), required=False)
    password = forms.CharField(label=_("Owner's initial password"), max_length=128, widget=forms.PasswordInput)
    business_name = forms.CharField(label=_("business name"), max_length=200)
    business_type = forms.ChoiceField(label=_("business type"), choices=BusinessType.choices)
    wilaya = forms.ModelChoiceField(label=_("wilaya"), queryset=Wilaya.objects.all())
    commune = forms.CharField(label=_("commune"), max_length=100)
    address = forms.CharField(label=_("address"), widget=forms.Textarea(attrs={"rows": 2}))
    latitude = forms.DecimalField(
        label=_("latitude"), max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False
    )
    longitude = forms.DecimalField(
        label=_("longitude"), max_digits=9, decimal_places=6, min_value=-180, max_value=180, required=False
    )
    rc_number = forms.CharField(label=_("RC number"), max_length=50, required=False)
    nif = forms.CharField(label=_("NIF"), max_length=50, required=False)
    nis = forms.CharField(label=_("NIS"), max_length=50, required=False)
    ai_number = forms.CharField(label=_("AI number"), max_length=50, required=False)
    payment_terms_days = forms.IntegerField(label=_("payment terms (days)"), min_value=0, max_value=365, required=False)
    segment = forms.CharField(label=_("segment"), max_length=50, required=False)
    notes = forms.CharField(label=_("notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_phone(self):
        phone = self.cleaned_data["phone"]
        if not phone:
            return None
        normalized = try_normalize_phone(phone)
        if normalized is None:
            raise forms.ValidationError(_("Enter a valid phone number."))
        return normalized

    def clean_email(self):
        return self.cleaned_data["email"] or None

    def signup_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if data["payment_terms_days"] is None:
            del data["payment_terms_days"]  # the model's default
        return data


class LedgerEntryInline(LatestRowsInline):
    model = LedgerEntry
    fields = ("position", "created_at", "kind", "amount", "balance_after", "reason", "actor")
    readonly_fields = fields
    ordering = ("-position",)
    verbose_name_plural = _("ledger (read-only)")

    def all_rows_url(self, retailer):
        return reverse("admin:retailers_ledgerentry_changelist") + f"?retailer__id__exact={retailer.pk}"


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    """Every retailer's account movements, newest first, paginated: where the retailer page's
    "see them all" leads (filtered to that retailer)."""

    list_display = ("created_at", "retailer", "position", "kind", "amount", "balance_after", "reason", "actor")
    list_filter = ("kind",)
    search_fields = ("retailer__business_name", "reason")
    list_select_related = ("retailer", "actor")
    ordering = ("-created_at", "-position")
    date_hierarchy = "created_at"
    list_per_page = 50


class RetailerEventInline(ReadOnlyInline):
    model = RetailerEvent
    fields = ("created_at", "type", "from_value", "to_value", "reason", "actor")
    readonly_fields = fields


class RetailerDocumentInline(ReadOnlyInline):
    model = RetailerDocument
    fields = ("type", "download", "size", "created_at", "uploaded_by", "verified_at", "verified_by")
    readonly_fields = fields

    @admin.display(description=_("file"))
    def download(self, document):
        url = reverse("admin:retailers_retailerdocument_file", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, document.original_name)


class DeliveryAddressInline(admin.StackedInline):
    model = DeliveryAddress
    extra = 0
    fields = (
        ("label", "is_default"),
        "address",
        ("commune", "wilaya"),
        ("latitude", "longitude"),
        ("contact_name", "contact_phone"),
        "instructions",
    )


def transition_action(action: str):
    """An admin action running `services.retailer_transition` on each selected retailer,
    after an intermediate page asking for the reason."""

    def run(modeladmin, request, queryset):
        if not request.user.has_perm("retailers.approve_retailer"):
            raise PermissionDenied
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for retailer in queryset:
                try:
                    services.retailer_transition(
                        retailer=retailer, action=action, actor=request.user, reason=form.cleaned_data["reason"]
                    )
                    done += 1
                except DomainError as exc:
                    modeladmin.message_user(request, f"{retailer}: {domain_error_text(exc)}", messages.ERROR)
            if done:
                modeladmin.message_user(
                    request,
                    _("%(action)s: %(count)d retailer(s) updated.")
                    % {"action": services.TRANSITION_LABELS[action], "count": done},
                    messages.SUCCESS,
                )
            return None
        return TemplateResponse(
            request,
            "admin/retailers/retailer/transition.html",
            {
                **modeladmin.admin_site.each_context(request),
                "title": services.TRANSITION_LABELS[action],
                "opts": modeladmin.model._meta,
                "form": form,
                "retailers": queryset,
                "action": f"{action}_retailers",
                "reason_required": services.TRANSITIONS[action].reason_required,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    run.__name__ = f"{action}_retailers"
    return admin.action(description=services.TRANSITION_LABELS[action], permissions=["approve"])(run)


@admin.register(Retailer)
class RetailerAdmin(LatestRowsMixin, AuditedAdminMixin, admin.ModelAdmin):
    audited_fields = tuple(f for f in services.AUDITED_FIELDS if f not in ("status", "status_reason", "credit_limit"))
    list_display = (
        "business_name",
        "status",
        "wilaya",
        "business_type",
        "segment",
        "credit_limit",
        "balance",
        "created_at",
    )
    list_filter = ("status", "wilaya", "business_type", "segment")
    search_fields = ("business_name", "phone", "email", "rc_number", "nif", "nis", "ai_number")
    list_select_related = ("wilaya",)
    autocomplete_fields = ("owner",)
    actions = [transition_action(action) for action in services.TRANSITIONS]
    inlines = [DeliveryAddressInline, RetailerDocumentInline, RetailerEventInline, LedgerEntryInline]
    readonly_fields = (
        "status",
        "status_reason",
        "approved_at",
        "approved_by",
        "credit_limit_with_link",
        "balance",
        "available_credit",
        "statement_link",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("business_name", "business_type", "owner", "segment", "notes")}),
        (_("Legal identifiers"), {"fields": ("rc_number", "nif", "nis", "ai_number")}),
        (
            _("Contact and location"),
            {"fields": ("phone", "email", "address", "commune", "wilaya", "postal_code", ("latitude", "longitude"))},
        ),
        (_("Status"), {"fields": ("status", "status_reason", "approved_at", "approved_by")}),
        (
            _("Credit"),
            {
                "fields": (
                    "credit_limit_with_link",
                    "balance",
                    "available_credit",
                    "payment_terms_days",
                    "statement_link",
                )
            },
        ),
        (_("Dates"), {"fields": ("created_at", "updated_at")}),
    )

    def get_search_results(self, request, queryset, search_term):
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "order":  # the manual order's picker: those who may order
            queryset = queryset.filter(status=RetailerStatus.ACTIVE)
        return queryset, duplicates

    def has_approve_permission(self, request):
        return request.user.has_perm("retailers.approve_retailer")

    def has_delete_permission(self, request, obj=None):
        return False  # retailers are closed, never deleted (the ledger keeps their history)

    @admin.display(description=_("credit limit"))
    def credit_limit_with_link(self, retailer):
        url = reverse("admin:retailers_retailer_credit_limit", args=[retailer.pk])
        return format_html('{} — <a href="{}">{}</a>', money_html(retailer.credit_limit), url, _("change"))

    @admin.display(description=_("available credit"))
    def available_credit(self, retailer):
        return money_html(retailer.available_credit)

    def add_view(self, request, form_url="", extra_context=None):
        """Retailers are created by `services.retailer_signup` only, never by a bare model save."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RetailerSignupForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                _owner, retailer = services.retailer_signup(actor=request.user, **form.signup_fields())
            except DomainError as exc:
                for field, errors in exc.details.items():
                    form.add_error(field if field in form.fields else None, errors)
                if not exc.details:
                    form.add_error(None, domain_error_text(exc))
            else:
                self.message_user(request, _("The retailer was created, pending approval."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:retailers_retailer_change", args=[retailer.pk]))
        return TemplateResponse(
            request,
            "admin/retailers/retailer/add.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Add a retailer and its owner"),
                "opts": self.model._meta,
                "form": form,
            },
        )

    def get_urls(self):
        return [
            path(
                "<uuid:pk>/credit-limit/",
                self.admin_site.admin_view(self.credit_limit_view),
                name="retailers_retailer_credit_limit",
            ),
            path(
                "<uuid:pk>/statement/",
                self.admin_site.admin_view(self.statement_view),
                name="retailers_retailer_statement",
            ),
            *super().get_urls(),
        ]

    def statement_view(self, request, pk):
        """The account statement as the retailer receives it (PDF, its owner's language), for
        `?date_from=&date_to=` (ISO dates; the whole history without them)."""
        if not request.user.has_perm("retailers.view_ledgerentry"):
            raise PermissionDenied
        retailer = get_object_or_404(Retailer, pk=pk)
        back = HttpResponseRedirect(reverse("admin:retailers_retailer_change", args=[retailer.pk]))
        try:
            period = {
                key: date.fromisoformat(request.GET[key]) for key in ("date_from", "date_to") if request.GET.get(key)
            }
        except ValueError:
            self.message_user(request, _("Dates are written YYYY-MM-DD."), messages.ERROR)
            return back
        try:
            statement = selectors.retailer_statement(retailer=retailer, **period)
            pdf = selectors.statement_pdf(statement, selectors.statement_language(retailer))
        except DomainError as exc:
            self.message_user(request, domain_error_text(exc), messages.ERROR)
            return back
        return FileResponse(io.BytesIO(pdf), filename=f"statement-{retailer.pk}.pdf", content_type="application/pdf")

    @admin.display(description=_("account statement"))
    def statement_link(self, retailer):
        url = reverse("admin:retailers_retailer_statement", args=[retailer.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download the statement (PDF)"))

    def credit_limit_view(self, request, pk):
        if not request.user.has_perm("retailers.change_credit_limit"):
            raise PermissionDenied
        retailer = get_object_or_404(Retailer, pk=pk)
        form = CreditLimitForm(request.POST or None, initial={"credit_limit": retailer.credit_limit})
        if request.method == "POST" and form.is_valid():
            try:
                services.retailer_credit_limit_change(retailer=retailer, actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, domain_error_text(exc))
            else:
                self.message_user(request, _("The credit limit was changed."), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:retailers_retailer_change", args=[pk]))
        return TemplateResponse(
            request,
            "admin/retailers/retailer/credit_limit.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Change the credit limit of %(name)s") % {"name": retailer},
                "opts": self.model._meta,
                "original": retailer,
                "form": form,
            },
        )


@admin.register(RetailerDocument)
class RetailerDocumentAdmin(admin.ModelAdmin):
    list_display = ("retailer", "type", "original_name", "created_at", "uploaded_by", "verified_at", "verified_by")
    list_filter = ("type", ("verified_at", admin.EmptyFieldListFilter))
    search_fields = ("retailer__business_name", "original_name")
    list_select_related = ("retailer", "uploaded_by", "verified_by")
    fields = (
        "retailer",
        "type",
        "download",
        "content_type",
        "size",
        "uploaded_by",
        "created_at",
        "verified_at",
        "verified_by",
    )
    readonly_fields = fields
    actions = ["verify"]

    def has_add_permission(self, request):
        return False  # uploaded by the retailer through the API

    @admin.display(description=_("file"))
    def download(self, document):
        url = reverse("admin:retailers_retailerdocument_file", args=[document.pk])
        return format_html('<a href="{}">{}</a>', url, document.original_name)

    @admin.action(description=_("Mark as verified"), permissions=["change"])
    def verify(self, request, queryset):
        for document in queryset.select_related("retailer"):
            services.document_verify(document=document, actor=request.user)
        self.message_user(request, _("Documents verified."), messages.SUCCESS)

    def get_urls(self):
        return [
            path("<uuid:pk>/file/", self.admin_site.admin_view(self.file_view), name="retailers_retailerdocument_file"),
            *super().get_urls(),
        ]

    def file_view(self, request, pk):
        """Private files reach staff only through this permission-checked view."""
        if not request.user.has_perm("retailers.view_retailerdocument"):
            raise PermissionDenied
        document = get_object_or_404(RetailerDocument, pk=pk)
        return FileResponse(
            document.file.open("rb"), filename=document.original_name, content_type=document.content_type
        )
