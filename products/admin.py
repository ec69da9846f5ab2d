"""Back office for catalog managers. Every write goes through `products.services` (the same
functions as the API), so the admin and the PWA cannot disagree; stock is changed only by the
"Adjust stock" action, which asks for a reason and writes a StockMovement."""

import tempfile

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.admin import ExportMixin
from modeltranslation.admin import TabbedTranslationAdmin

from livrili.core.admin import ReadOnlyAdmin
from livrili.core.errors import DomainError
from livrili.core.models import BusinessSettings

from .barcodes import ean_svg
from .imports.reading import ImportFileError, read_rows
from .imports.rows import CATEGORY_COLUMNS, PRODUCT_COLUMNS
from .imports.writing import import_categories, import_products
from .models import Category, PriceTier, Product, ProductImage, StockMovement, Supplier, Tag, TagAlias
from .search import filter_search
from .services.cache import catalog_changed
from .services.categories import category_create, category_delete, category_update
from .services.images import image_check, product_image_add, product_image_delete, product_image_set_primary
from .services.products import allowed_tax_rates, product_create, product_delete, product_rule_errors, product_update
from .services.stock import ORDER_REASONS, stock_adjust
from .services.suppliers import supplier_delete, supplier_save
from .services.tags import tag_delete, tag_save


def domain_error_text(exc: DomainError) -> str:
    details = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in exc.details.items())
    return f"{exc.message} {details}".strip()


# --- Export (django-import-export) -------------------------------------------------------------


class ProductResource(resources.ModelResource):
    """Export columns match `PRODUCT_COLUMNS`, so an export can be imported back."""

    category = fields.Field("category", "category", widgets.ForeignKeyWidget(Category, "slug"))
    supplier = fields.Field("supplier", "supplier", widgets.ForeignKeyWidget(Supplier, "code"))
    tags = fields.Field("tags", "tags", widgets.ManyToManyWidget(Tag, separator="|", field="slug"))
    price_tiers = fields.Field("price_tiers", "price_tiers")

    class Meta:
        model = Product
        fields = PRODUCT_COLUMNS
        export_order = PRODUCT_COLUMNS

    def dehydrate_price_tiers(self, product) -> str:
        return "|".join(f"{t.min_quantity}:{t.unit_price}" for t in product.price_tiers.all())

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("category", "supplier").prefetch_related("tags", "price_tiers")


class CategoryResource(resources.ModelResource):
    parent = fields.Field("parent", "parent", widgets.ForeignKeyWidget(Category, "slug"))

    class Meta:
        model = Category
        fields = CATEGORY_COLUMNS
        export_order = CATEGORY_COLUMNS


class ImportFileForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    dry_run = forms.BooleanField(label=_("Dry run (validate only)"), required=False, initial=True)
    skip_invalid = forms.BooleanField(label=_("Skip invalid rows instead of importing nothing"), required=False)


class CatalogImportMixin(ExportMixin):
    """Export through django-import-export; import through `products.imports` (the same code as
    the import_* commands: line-numbered errors, all-or-nothing, stock movements)."""

    import_export_change_list_template = "admin/products/change_list_import_export.html"
    importer = None

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        extra = [
            path(
                "import-file/",
                self.admin_site.admin_view(self.import_file_view),
                name="{}_{}_import_file".format(*info),
            )
        ]
        return extra + super().get_urls()

    def import_file_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportFileForm(request.POST or None, request.FILES or None)
        report = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = "." + upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                for chunk in upload.chunks():
                    handle.write(chunk)
                handle.flush()
                try:
                    rows = read_rows(handle.name)
                    report = type(self).importer(
                        rows,
                        actor=request.user,
                        dry_run=form.cleaned_data["dry_run"],
                        skip_invalid=form.cleaned_data["skip_invalid"],
                    )
                except ImportFileError as exc:
                    form.add_error("file", str(exc))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import %(name)s") % {"name": self.opts.verbose_name_plural},
            "form": form,
            "report": report,
        }
        return TemplateResponse(request, "admin/products/import_file.html", context)


# --- Categories --------------------------------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(CatalogImportMixin, TabbedTranslationAdmin):
    resource_classes = [CategoryResource]
    importer = staticmethod(import_categories)
    list_display = ("tree_name", "slug", "sort_order", "is_active", "product_count")
    list_filter = ("is_active", "depth")
    search_fields = ("slug", "name_ar", "name_fr", "name_en")
    ordering = ("path",)
    fields = ("name", "description", "slug", "parent", "icon", "image", "sort_order", "is_active")
    autocomplete_fields = ("parent",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_products=Count("products"))

    @admin.display(description=_("category"), ordering="path")
    def tree_name(self, obj):
        return format_html('<span style="padding-inline-start:{}em">{}</span>', obj.depth * 1.5, obj.name)

    @admin.display(description=_("products"), ordering="n_products")
    def product_count(self, obj):
        return obj.n_products

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data if name in form.cleaned_data}
        try:
            if change:
                category_update(actor=request.user, category=obj, **data)
            else:
                slug = data.pop("slug", "")
                created = category_create(actor=request.user, slug=slug, **data)
                obj.pk, obj._state.adding = created.pk, False
        except DomainError as exc:
            raise ValidationError(domain_error_text(exc)) from exc

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        category_delete(actor=request.user, category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset.order_by("-depth"):
            try:
                category_delete(actor=request.user, category=category)
            except DomainError as exc:
                self.message_user(request, f"{category}: {domain_error_text(exc)}", messages.ERROR)


# --- Products ----------------------------------------------------------------------------------


class LowStockFilter(admin.SimpleListFilter):
    title = _("low stock")
    parameter_name = "low_stock"

    def lookups(self, request, model_admin):
        return [("yes", _("Low stock")), ("out", _("Out of stock"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            default = BusinessSettings.load().low_stock_threshold
            return queryset.filter(stock_quantity__lte=Coalesce(F("low_stock_threshold"), default))
        if self.value() == "out":
            return queryset.filter(stock_quantity=0)
        return queryset


class PriceTierFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        tiers = [
            {"min_quantity": form.cleaned_data["min_quantity"], "unit_price": form.cleaned_data["unit_price"]}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if self.instance.base_price is not None:
            errors = product_rule_errors(self.instance, tiers, allowed_tax_rates()).get("price_tiers")
            if errors:
                raise ValidationError(errors)
        self.tiers = tiers


class PriceTierInline(admin.TabularInline):
    model = PriceTier
    formset = PriceTierFormSet
    extra = 1
    fields = ("min_quantity", "unit_price")


class ProductImageForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ("image", "alt_text", "sort_order", "is_primary")

    def clean_image(self):
        image = self.cleaned_data["image"]
        if image and hasattr(image, "content_type"):  # a new upload
            try:
                image_check(image)
            except DomainError as exc:
                raise ValidationError(domain_error_text(exc)) from exc
        return image


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 1
    fields = ("preview", "image", "alt_text", "sort_order", "is_primary")
    readonly_fields = ("preview",)

    @admin.display(description=_("preview"))
    def preview(self, obj):
        return format_html('<img src="{}" style="max-height:60px">', obj.image.url) if obj.pk else ""


PRODUCT_FORM_FIELDS = (
    "sku",
    "barcode",
    "name",
    "description",
    "category",
    "supplier",
    "brand",
    "unit",
    "pack_size",
    "order_multiple",
    "min_order_quantity",
    "base_price",
    "cost_price",
    "tax_rate",
    "low_stock_threshold",
    "tags",
    "weight_kg",
    "dimensions",
    "is_active",
    "is_featured",
    "metadata",
)


class ProductAdminForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = PRODUCT_FORM_FIELDS

    def clean_tax_rate(self):
        rate = self.cleaned_data["tax_rate"]
        if rate is not None and rate not in allowed_tax_rates():
            rates = ", ".join(str(r) for r in allowed_tax_rates())
            raise ValidationError(_("The tax rate must be one of: %(rates)s.") % {"rates": rates})
        return rate

    def clean_sku(self):
        sku = self.cleaned_data["sku"]
        if Product.objects.filter(sku__iexact=sku).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("A product with this SKU already exists."))
        return sku


class StockAdjustForm(forms.Form):
    operation = forms.ChoiceField(
        label=_("operation"), choices=[("set", _("Set to")), ("add", _("Add")), ("subtract", _("Subtract"))]
    )
    quantity = forms.IntegerField(label=_("quantity"), min_value=0)
    note = forms.CharField(label=_("reason"), max_length=500)


@admin.register(Product)
class ProductAdmin(CatalogImportMixin, TabbedTranslationAdmin):
    resource_classes = [ProductResource]
    importer = staticmethod(import_products)
    form = ProductAdminForm
    inlines = [PriceTierInline, ProductImageInline]
    list_display = ("sku", "name", "category", "supplier", "base_price", "stock_quantity", "is_active")
    list_filter = (
        "is_active",
        LowStockFilter,
        "is_featured",
        ("category", admin.RelatedOnlyFieldListFilter),
        "supplier",
    )
    list_select_related = ("category", "supplier")
    search_fields = ("sku",)  # replaced by the catalog search (every word, any language) below
    autocomplete_fields = ("category", "supplier", "tags")
    readonly_fields = ("stock_quantity", "barcode_image", "stock_history")
    actions = ["activate", "deactivate", "adjust_stock"]
    fieldsets = (
        (None, {"fields": ("sku", "barcode", "barcode_image", "name", "description", "category", "supplier", "brand")}),
        (
            _("Selling"),
            {
                "fields": (
                    "unit",
                    "pack_size",
                    "order_multiple",
                    "min_order_quantity",
                    "base_price",
                    "cost_price",
                    "tax_rate",
                )
            },
        ),
        (_("Stock"), {"fields": ("stock_quantity", "low_stock_threshold", "stock_history")}),
        (_("Other"), {"fields": ("tags", "weight_kg", "dimensions", "is_active", "is_featured", "metadata")}),
    )

    def get_search_results(self, request, queryset, search_term):
        queryset = filter_search(queryset, search_term)
        if request.GET.get("model_name") == "orderitem":  # the manual order's lines: what can be ordered
            queryset = queryset.filter(is_active=True)
        return queryset, False

    @admin.display(description=_("barcode"))
    def barcode_image(self, obj):
        return ean_svg(obj.barcode) if obj.barcode else "-"

    @admin.display(description=_("stock movements"))
    def stock_history(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("admin:products_stockmovement_changelist") + f"?product__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, gettext("History"))

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.stock_movements.filter(reason__in=ORDER_REASONS).exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        pass  # saved with its tiers in save_related, through the service

    def save_related(self, request, form, formsets, change):
        tier_formset = next(fs for fs in formsets if isinstance(fs, PriceTierFormSet))
        image_formsets = [fs for fs in formsets if fs is not tier_formset]
        names = [name for name in form.cleaned_data if name != "tags"]
        data = {name: form.cleaned_data[name] for name in names if name in form.changed_data or not change}
        tiers = tier_formset.tiers if tier_formset.has_changed() or not change else None
        tags = list(form.cleaned_data["tags"]) if "tags" in form.changed_data or not change else None
        try:
            with transaction.atomic():
                if change:
                    product_update(actor=request.user, product=form.instance, price_tiers=tiers, tags=tags, **data)
                else:
                    created = product_create(actor=request.user, price_tiers=tiers, tags=tags, **data)
                    form.instance.pk, form.instance._state.adding = created.pk, False
        except DomainError as exc:
            raise ValidationError(domain_error_text(exc)) from exc
        tier_formset.new_objects, tier_formset.changed_objects, tier_formset.deleted_objects = [], [], []
        for formset in image_formsets:
            self._save_images(request, formset, form.instance)

    def _save_images(self, request, formset, product):
        """Added and deleted images go through the image services; the primary one (the one
        ticked, else the first) is set by `product_image_set_primary` (row lock, audit)."""
        chosen = None
        for form in formset.forms:
            data = form.cleaned_data
            adding = form.instance._state.adding  # the pk is a default uuid: set before any save
            if not data or (adding and not form.has_changed()):
                continue
            if data.get("DELETE"):
                if not adding:
                    product_image_delete(actor=request.user, image=form.instance)
                continue
            if adding:
                image = product_image_add(
                    actor=request.user,
                    product=product,
                    image=data["image"],
                    alt_text=data.get("alt_text") or "",
                    sort_order=data.get("sort_order") or 0,
                )
            else:
                image = form.instance
                if form.has_changed():  # the primary flag is the service's, below
                    image.save(update_fields=["image", "alt_text", "sort_order", "updated_at"])
            if data.get("is_primary") and chosen is None:
                chosen = image
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        product_image_set_primary(actor=request.user, product=product, image=chosen)
        catalog_changed([product.pk])  # an edited alt text or order is shown too

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_model(self, request, obj):
        product_delete(actor=request.user, product=obj)

    def delete_queryset(self, request, queryset):
        for product in queryset:
            try:
                product_delete(actor=request.user, product=product)
            except DomainError as exc:
                self.message_user(request, f"{product.sku}: {domain_error_text(exc)}", messages.ERROR)

    def _set_active(self, request, queryset, active: bool):
        for product in queryset.filter(is_active=not active):
            product_update(actor=request.user, product=product, is_active=active)

    @admin.action(description=_("Activate selected products"), permissions=["change"])
    def activate(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=_("Deactivate selected products"), permissions=["change"])
    def deactivate(self, request, queryset):
        self._set_active(request, queryset, False)

    def has_adjust_stock_permission(self, request):
        return request.user.has_perm("products.adjust_stock")

    @admin.action(description=_("Adjust stock of selected products…"), permissions=["adjust_stock"])
    def adjust_stock(self, request, queryset):
        form = StockAdjustForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for product in queryset.order_by("pk"):
                try:
                    stock_adjust(actor=request.user, product=product, **form.cleaned_data)
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"{product.sku}: {domain_error_text(exc)}", messages.ERROR)
            self.message_user(request, _("Stock adjusted for %(count)d products.") % {"count": done}, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Adjust stock"),
            "form": form,
            "products": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/products/stock_adjust.html", context)


# --- Stock ledger, tags, suppliers --------------------------------------------------------------


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "product", "delta", "reason", "stock_after", "reference", "actor", "note")
    list_filter = ("reason",)
    list_select_related = ("product", "actor")
    search_fields = ("product__sku", "reference", "note")
    date_hierarchy = "created_at"


class TagAliasInline(admin.TabularInline):
    model = TagAlias
    extra = 1


@admin.register(Tag)
class TagAdmin(TabbedTranslationAdmin):
    list_display = ("slug", "name", "color", "usage")
    search_fields = ("slug", "name_ar", "name_fr", "name_en", "aliases__alias")
    inlines = [TagAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_products=Count("products"))

    @admin.display(description=_("products"), ordering="n_products")
    def usage(self, obj):
        return obj.n_products

    def save_model(self, request, obj, form, change):
        pass  # saved with its aliases in save_related, through `tag_save` (audit, catalog bump)

    def save_related(self, request, form, formsets, change):
        names = [name for name in form.cleaned_data if name != "name"]  # `name` mirrors a translation
        data = {name: form.cleaned_data[name] for name in names if name in form.changed_data or not change}
        alias_formset = next(fs for fs in formsets if fs.model is TagAlias)
        aliases = None
        if alias_formset.has_changed() or not change:
            aliases = [
                f.cleaned_data["alias"]
                for f in alias_formset.forms
                if f.cleaned_data.get("alias") and not f.cleaned_data.get("DELETE")
            ]
        try:
            with transaction.atomic():
                saved = tag_save(actor=request.user, tag=form.instance if change else None, aliases=aliases, **data)
        except DomainError as exc:
            raise ValidationError(domain_error_text(exc)) from exc
        form.instance.pk, form.instance._state.adding = saved.pk, False
        alias_formset.new_objects, alias_formset.changed_objects, alias_formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        tag_delete(actor=request.user, tag=obj)

    def delete_queryset(self, request, queryset):
        for tag in queryset:
            tag_delete(actor=request.user, tag=tag)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "contact_name", "phone", "city", "wilaya", "is_active", "product_count")
    list_filter = ("is_active", "wilaya")
    search_fields = ("code", "name", "contact_name", "email", "phone", "city")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_products=Count("products", filter=Q(products__is_active=True)))

    @admin.display(description=_("active products"), ordering="n_products")
    def product_count(self, obj):
        return obj.n_products

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        supplier = supplier_save(actor=request.user, supplier=obj if change else None, **data)
        obj.pk, obj._state.adding = supplier.pk, False

    def delete_model(self, request, obj):
        supplier_delete(actor=request.user, supplier=obj)
