"""Every change to the catalog goes through these functions (one transaction each, audited).

Stock is changed only by `stock_adjust` / `stock_move` (and the importer), each writing a
StockMovement so that `Product.stock_quantity == Σ StockMovement.delta` always holds.
"""

import uuid
from decimal import Decimal

import filetype
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, ProtectedError, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from livrili.core import uploads
from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import DomainError, conflict, validation_error
from livrili.core.models import BusinessSettings
from livrili.core.money import to_money

from .models import (
    MAX_CATEGORY_DEPTH,
    MAX_IMAGE_BYTES,
    Category,
    PriceTier,
    Product,
    ProductImage,
    ProductView,
    StockMovement,
    StockReason,
    Supplier,
    Tag,
    TagAlias,
)
from .search import product_search_text

CATALOG_VERSION_KEY = "products:catalog-version"
CATALOG_STRUCTURE_KEY = "products:catalog-structure"
UNSET = object()
ORDER_REASONS = (StockReason.ORDER, StockReason.ORDER_CANCEL)
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}
PRODUCT_AUDITED = (
    "sku",
    "barcode",
    "name_ar",
    "name_fr",
    "name_en",
    "category_id",
    "supplier_id",
    "brand",
    "unit",
    "pack_size",
    "order_multiple",
    "min_order_quantity",
    "base_price",
    "cost_price",
    "tax_rate",
    "low_stock_threshold",
    "is_active",
    "is_featured",
)
TAG_AUDITED = ("slug", "name_ar", "name_fr", "name_en", "color", "description")
CATEGORY_AUDITED = ("slug", "name_ar", "name_fr", "name_en", "parent_id", "sort_order", "is_active")


# --- Cache invalidation -----------------------------------------------------------------


def _version(key: str) -> str:
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(key, version, None)
        version = cache.get(key, version)
    return version


def catalog_version() -> str:
    """Changes with any catalog change: keys the cached retail list pages."""
    return _version(CATALOG_VERSION_KEY)


def catalog_structure_version() -> str:
    """Changes with categories, tags and bulk imports: keys the cached product representations
    (with each product's `updated_at`) and the hidden categories."""
    return _version(CATALOG_STRUCTURE_KEY)


def catalog_versions() -> tuple[str, str]:
    """(catalog version, structure version) in one cache round trip."""
    found = cache.get_many([CATALOG_VERSION_KEY, CATALOG_STRUCTURE_KEY])
    if len(found) < 2:
        return catalog_version(), catalog_structure_version()
    return found[CATALOG_VERSION_KEY], found[CATALOG_STRUCTURE_KEY]


def _bump(keys: list[str]) -> None:
    cache.set_many({key: uuid.uuid4().hex for key in keys}, None)


def catalog_changed(product_ids=None) -> None:
    """Invalidate the retail caches, now and again after commit, so a reader that cached the old
    rows in between is invalidated too. `product_ids`: only these products changed; touching
    their `updated_at` in this transaction retires their cached representations and keeps every
    other product's. Without it (categories, tags, imports) every representation is rebuilt."""
    keys = [CATALOG_VERSION_KEY]
    if product_ids is None:
        keys.append(CATALOG_STRUCTURE_KEY)
    else:
        Product.objects.filter(pk__in=product_ids).update(updated_at=timezone.now())
    _bump(keys)
    transaction.on_commit(lambda: _bump(keys))


# --- Shared validation -------------------------------------------------------------------


def _raise_validation(exc: ValidationError):
    details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    raise DomainError("VALIDATION_ERROR", details={k: [str(m) for m in v] for k, v in details.items()}) from exc


def _save_unique(instance, field: str) -> None:
    """Save; a unique clash that raced past the explicit check is still a 409 on `field`."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        raise conflict(field, _("This value is already in use.")) from exc


def allowed_tax_rates() -> list[Decimal]:
    return BusinessSettings.load().allowed_tax_rate_values


def product_rule_errors(product: Product, tiers: list[dict] | None, tax_rates: list[Decimal]) -> dict:
    """Field errors of the rules the database cannot hold (no queries: the importer reuses it)."""
    errors: dict[str, list[str]] = {}
    try:
        product.full_clean(
            exclude=["category", "supplier", "search_text", "stock_quantity"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        errors.update({k: [str(m) for m in v] for k, v in exc.message_dict.items() if k != "name"})
    if product.tax_rate is not None and Decimal(product.tax_rate) not in tax_rates:
        allowed = ", ".join(str(rate) for rate in tax_rates)
        errors["tax_rate"] = [_("The tax rate must be one of: %(rates)s.") % {"rates": allowed}]
    if tiers is not None and "base_price" not in errors:
        tier_errors = _tier_errors(product.base_price, tiers)
        if tier_errors:
            errors["price_tiers"] = tier_errors
    return errors


def _tier_errors(base_price: Decimal, tiers: list[dict]) -> list[str]:
    """Tier prices strictly decrease as min_quantity rises and stay below base_price."""
    ordered = sorted(tiers, key=lambda tier: tier["min_quantity"])
    quantities = [tier["min_quantity"] for tier in ordered]
    if len(set(quantities)) != len(quantities):
        return [_("Each minimum quantity may appear only once.")]
    if any(quantity <= 1 for quantity in quantities):
        return [_("A tier's minimum quantity must be greater than 1.")]
    previous = Decimal(str(base_price))
    for tier in ordered:
        price = Decimal(str(tier["unit_price"]))
        if price >= previous:
            return [_("Tier prices must be below the base price and decrease as the quantity rises.")]
        previous = price
    return []


# --- Categories ---------------------------------------------------------------------------


def _unique_slug(model, base: str, exclude_pk=None) -> str:
    base = slugify(base)[:100] or uuid.uuid4().hex[:8]
    slug, n = base, 1
    while model.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _subtree_height(category: Category) -> int:
    """Levels below `category` (0 for a leaf)."""
    depths = Category.objects.filter(path__startswith=category.path + "/").values_list("depth", flat=True)
    return max(depths, default=category.depth) - category.depth


def _place(category: Category, parent: Category | None, height: int) -> None:
    """Set path and depth under `parent`; refuses cycles and trees deeper than 5 levels."""
    if parent is not None and category.id.hex in parent.path.split("/"):
        raise validation_error("parent_id", _("A category cannot be moved under itself or its descendants."))
    depth = parent.depth + 1 if parent else 0
    if depth + height >= MAX_CATEGORY_DEPTH:
        raise validation_error(
            "parent_id", _("Categories may be nested at most %(levels)d levels deep.") % {"levels": MAX_CATEGORY_DEPTH}
        )
    category.parent = parent
    category.depth = depth
    category.path = f"{parent.path}/{category.id.hex}" if parent else category.id.hex


def _clean_category(category: Category) -> None:
    try:
        category.full_clean(exclude=["parent", "path", "image"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        _raise_validation(exc)


def _check_new_image(fields: dict) -> None:
    """A category image being uploaded passes the product images' check (bounded, decoded)."""
    if isinstance(fields.get("image"), UploadedFile):
        image_check(fields["image"])


@transaction.atomic
def category_create(*, actor, parent: Category | None = None, slug: str = "", **fields) -> Category:
    _check_new_image(fields)
    category = Category(id=uuid.uuid4(), **fields)
    if parent is not None:
        parent = Category.objects.select_for_update().get(pk=parent.pk)
    _place(category, parent, height=0)
    if slug:
        if Category.objects.filter(slug=slug).exists():
            raise conflict("slug", _("This value is already in use."))
        category.slug = slug
    else:
        category.slug = _unique_slug(Category, category.name_fr or category.name_en or category.name_ar)
    _clean_category(category)
    _save_unique(category, "slug")
    audit_record(
        actor=actor, instance=category, action="create", changes=diff({}, snapshot(category, CATEGORY_AUDITED))
    )
    catalog_changed()
    return category


@transaction.atomic
def category_update(*, actor, category: Category, **changes) -> Category:
    """Edit a category; a new `parent` moves its whole subtree (cycle and depth checked)."""
    _check_new_image(changes)
    new_parent = changes.pop("parent", UNSET)
    # Lock the category and its new parent in pk order: two crossing moves serialise, and the
    # second one sees the first one's paths (so it cannot create a cycle).
    ids = sorted({category.pk, *([new_parent.pk] if new_parent not in (None, UNSET) else [])})
    locked = {c.pk: c for c in Category.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    category = locked[category.pk]
    parent = locked[new_parent.pk] if new_parent not in (None, UNSET) else None
    moving = new_parent is not UNSET and (parent.pk if parent else None) != category.parent_id
    before = snapshot(category, CATEGORY_AUDITED)
    old_path, old_depth = category.path, category.depth
    for field, value in changes.items():
        setattr(category, field, value)
    if "slug" in changes and Category.objects.filter(slug=category.slug).exclude(pk=category.pk).exists():
        raise conflict("slug", _("This value is already in use."))
    if moving:
        _place(category, parent, height=_subtree_height(category))
    _clean_category(category)
    _save_unique(category, "slug")
    if moving:
        descendants = list(Category.objects.filter(path__startswith=old_path + "/"))
        for descendant in descendants:
            descendant.path = category.path + descendant.path[len(old_path) :]
            descendant.depth += category.depth - old_depth
        Category.objects.bulk_update(descendants, ["path", "depth"])
    audit_record(
        actor=actor, instance=category, action="update", changes=diff(before, snapshot(category, CATEGORY_AUDITED))
    )
    catalog_changed()
    return category


@transaction.atomic
def category_delete(*, actor, category: Category) -> None:
    """Refused (409) while the category has children or products; nothing is changed then."""
    if category.children.exists():
        raise DomainError("CONFLICT", details={"non_field_errors": [_("This category still has subcategories.")]})
    if category.products.exists():
        raise DomainError("CONFLICT", details={"non_field_errors": [_("This category still has products.")]})
    audit_record(
        actor=actor, instance=category, action="delete", changes=diff(snapshot(category, CATEGORY_AUDITED), {})
    )
    category.delete()
    catalog_changed()


# --- Suppliers ----------------------------------------------------------------------------


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
    _save_unique(supplier, "code")
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


# --- Tags ---------------------------------------------------------------------------------


def _set_aliases(tag: Tag, aliases: list[str]) -> None:
    wanted = {alias.strip() for alias in aliases if alias.strip()}
    for alias in wanted:
        if TagAlias.objects.filter(alias__iexact=alias).exclude(tag=tag).exists():
            raise conflict("aliases", _("The alias “%(alias)s” belongs to another tag.") % {"alias": alias})
    tag.aliases.exclude(alias__in=wanted).delete()
    existing = {alias.lower() for alias in tag.aliases.values_list("alias", flat=True)}
    TagAlias.objects.bulk_create(
        [TagAlias(tag=tag, alias=alias) for alias in sorted(wanted) if alias.lower() not in existing]
    )


@transaction.atomic
def tag_save(*, actor, tag: Tag | None = None, aliases: list[str] | None = None, **fields) -> Tag:
    creating = tag is None
    tag = Tag() if creating else Tag.objects.select_for_update().get(pk=tag.pk)
    before = {} if creating else snapshot(tag, TAG_AUDITED)
    for field, value in fields.items():
        setattr(tag, field, value)
    if not tag.slug:
        tag.slug = _unique_slug(Tag, tag.name_fr or tag.name_en or tag.name_ar)
    elif Tag.objects.filter(slug=tag.slug).exclude(pk=tag.pk).exists():
        raise conflict("slug", _("This value is already in use."))
    try:
        tag.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        _raise_validation(exc)
    _save_unique(tag, "slug")
    if aliases is not None:
        _set_aliases(tag, aliases)
    audit_record(
        actor=actor,
        instance=tag,
        action="create" if creating else "update",
        changes=diff(before, snapshot(tag, TAG_AUDITED)),
    )
    catalog_changed()
    return tag


@transaction.atomic
def tag_delete(*, actor, tag: Tag) -> None:
    audit_record(actor=actor, instance=tag, action="delete")
    tag.delete()
    catalog_changed()


@transaction.atomic
def tag_merge(*, actor, tag: Tag, target: Tag) -> Tag:
    """Products of `tag` move to `target`, its names and aliases become target aliases, `tag` goes."""
    if tag.pk == target.pk:
        raise validation_error("target_id", _("A tag cannot be merged into itself."))
    tag, target = sorted(
        Tag.objects.select_for_update().filter(pk__in=[tag.pk, target.pk]).order_by("pk"),
        key=lambda t: t.pk == target.pk,
    )
    target.products.add(*tag.products.all())
    target_names = {(name or "").lower() for name in (target.name_ar, target.name_fr, target.name_en)}
    existing = {alias.lower() for alias in TagAlias.objects.filter(tag=target).values_list("alias", flat=True)}
    merged_aliases = [tag.name_ar, tag.name_fr, tag.name_en, *tag.aliases.values_list("alias", flat=True)]
    tag.aliases.all().delete()
    new_aliases = []
    for alias in merged_aliases:
        if alias and alias.lower() not in target_names | existing:
            existing.add(alias.lower())
            new_aliases.append(TagAlias(tag=target, alias=alias))
    TagAlias.objects.bulk_create(new_aliases)
    audit_record(actor=actor, instance=target, action="merge", changes={"merged": [str(tag.pk), tag.slug]})
    tag.delete()
    catalog_changed()
    return target


# --- Products -----------------------------------------------------------------------------


def product_snapshot_values(product: Product, tiers: list[dict] | None = None) -> dict:
    """The audited fields, price tiers included (from `tiers` when given, else the product's)."""
    data = snapshot(product, PRODUCT_AUDITED)
    if tiers is None:
        tiers = [{"min_quantity": t.min_quantity, "unit_price": t.unit_price} for t in product.price_tiers.all()]
    data["price_tiers"] = sorted([t["min_quantity"], str(to_money(t["unit_price"]))] for t in tiers)
    return data


def _product_snapshot(product: Product) -> dict:
    return product_snapshot_values(Product.objects.prefetch_related("price_tiers").get(pk=product.pk))


def _check_product_unique(product: Product) -> None:
    others = Product.objects.exclude(pk=product.pk)
    if others.filter(sku__iexact=product.sku).exists():
        raise conflict("sku", _("A product with this SKU already exists."))
    if product.barcode and others.filter(barcode=product.barcode).exists():
        raise conflict("barcode", _("A product with this barcode already exists."))


def _validate_product(product: Product, tiers: list[dict] | None) -> None:
    if tiers is None and product.pk and not product._state.adding:
        tiers = [{"min_quantity": t.min_quantity, "unit_price": t.unit_price} for t in product.price_tiers.all()]
    errors = product_rule_errors(product, tiers, allowed_tax_rates())
    if errors:
        raise DomainError("VALIDATION_ERROR", details=errors)


def _write_tiers(product: Product, tiers: list[dict]) -> None:
    product.price_tiers.all().delete()
    PriceTier.objects.bulk_create(
        [PriceTier(product=product, min_quantity=t["min_quantity"], unit_price=t["unit_price"]) for t in tiers]
    )


@transaction.atomic
def product_create(*, actor, price_tiers: list[dict] | None = None, tags: list[Tag] | None = None, **fields) -> Product:
    """Create a product with its tiers and tags; stock starts at 0 (stock operations change it)."""
    fields.setdefault("tax_rate", BusinessSettings.load().default_tax_rate)
    fields.pop("stock_quantity", None)
    product = Product(**fields)
    if product.barcode == "":
        product.barcode = None
    _validate_product(product, price_tiers or [])
    _check_product_unique(product)
    product.search_text = product_search_text(product)
    _save_unique(product, "sku")
    _write_tiers(product, price_tiers or [])
    if tags:
        product.tags.set(tags)
    audit_record(actor=actor, instance=product, action="create", changes=diff({}, _product_snapshot(product)))
    catalog_changed([product.pk])
    return product


@transaction.atomic
def product_update(
    *, actor, product: Product, price_tiers: list[dict] | None = None, tags: list[Tag] | None = None, **changes
) -> Product:
    """Edit a product; `price_tiers` replaces the tiers; stock cannot be changed here."""
    changes.pop("stock_quantity", None)
    product = Product.objects.select_for_update().get(pk=product.pk)
    before = _product_snapshot(product)
    for field, value in changes.items():
        setattr(product, field, value)
    if product.barcode == "":
        product.barcode = None
    _validate_product(product, price_tiers)
    _check_product_unique(product)
    product.search_text = product_search_text(product)
    _save_unique(product, "sku")
    if price_tiers is not None:
        _write_tiers(product, price_tiers)
    if tags is not None:
        product.tags.set(tags)
    audit_record(actor=actor, instance=product, action="update", changes=diff(before, _product_snapshot(product)))
    catalog_changed([product.pk])
    return product


@transaction.atomic
def product_delete(*, actor, product: Product) -> None:
    """A product that was ever ordered cannot be deleted (409): deactivate it instead. Order
    lines protect their product (PROTECT), so a clash found by the database is refused the same way."""
    refused = DomainError(
        "CONFLICT",
        _("This product has been ordered; deactivate it instead."),
        details={"non_field_errors": [_("This product has been ordered; deactivate it instead.")]},
    )
    if StockMovement.objects.filter(product=product, reason__in=ORDER_REASONS).exists():
        raise refused
    audit_record(actor=actor, instance=product, action="delete", changes=diff(_product_snapshot(product), {}))
    files = [image.image.name for image in product.images.all()]
    try:
        with transaction.atomic():
            product.delete()
    except ProtectedError as exc:
        raise refused from exc
    storage = ProductImage.image.field.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in files])
    catalog_changed([product.pk])


@transaction.atomic
def product_tags_bulk(*, actor, products: list[Product], operation: str, tags: list[Tag]) -> int:
    """add / remove / replace `tags` on every product; returns the number of products."""
    through = Product.tags.through
    product_ids = sorted(p.pk for p in products)
    tag_ids = [t.pk for t in tags]
    if operation == "replace":
        through.objects.filter(product_id__in=product_ids).delete()
    if operation == "remove":
        through.objects.filter(product_id__in=product_ids, tag_id__in=tag_ids).delete()
    else:
        existing = set(
            through.objects.filter(product_id__in=product_ids, tag_id__in=tag_ids).values_list("product_id", "tag_id")
        )
        through.objects.bulk_create(
            [
                through(product_id=pid, tag_id=tid)
                for pid in product_ids
                for tid in tag_ids
                if (pid, tid) not in existing
            ]
        )
    for product in products:
        audit_record(
            actor=actor,
            instance=product,
            action="tags",
            changes={"operation": operation, "tags": [str(t) for t in tag_ids]},
        )
    catalog_changed(product_ids)
    return len(product_ids)


# --- Stock --------------------------------------------------------------------------------


def _insufficient(product_id, requested: int, available: int) -> DomainError:
    return DomainError(
        "INSUFFICIENT_STOCK",
        details={"lines": [{"product_id": str(product_id), "requested": requested, "available": available}]},
    )


@transaction.atomic
def stock_move(
    *, product_id, delta: int, reason: str, actor=None, reference: str = "", note: str = ""
) -> StockMovement:
    """Apply `delta` with one conditional UPDATE (never below 0, no read-modify-write), then
    append the movement. The updated row stays locked until commit, so `stock_after` read back
    here is exactly this movement's result. Callers changing several products lock them in pk order."""
    condition = Q(pk=product_id)
    if delta < 0:
        condition &= Q(stock_quantity__gte=-delta)
    if not Product.objects.filter(condition).update(stock_quantity=F("stock_quantity") + delta):
        available = Product.objects.filter(pk=product_id).values_list("stock_quantity", flat=True).first()
        if available is None:
            raise DomainError("NOT_FOUND")
        raise _insufficient(product_id, -delta, available)
    stock_after = Product.objects.filter(pk=product_id).values_list("stock_quantity", flat=True).get()
    return StockMovement.objects.create(
        product_id=product_id,
        delta=delta,
        reason=reason,
        stock_after=stock_after,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reference=reference,
        note=note,
    )


@transaction.atomic
def stock_adjust(*, actor, product: Product, operation: str, quantity: int, note: str = "") -> StockMovement | None:
    """Staff stock operation: `set` to a value, `add` or `subtract` a quantity (never below 0).
    Setting the current value writes nothing and returns None."""
    if quantity < 0 or (operation != "set" and quantity == 0):
        raise validation_error("quantity", _("Enter a positive quantity."))
    if operation == "set":
        current = Product.objects.select_for_update().values_list("stock_quantity", flat=True).get(pk=product.pk)
        delta, reason = quantity - current, StockReason.ADJUST_SET
        if delta == 0:
            return None
    elif operation == "add":
        delta, reason = quantity, StockReason.ADJUST_ADD
    elif operation == "subtract":
        delta, reason = -quantity, StockReason.ADJUST_SUBTRACT
    else:
        raise validation_error("operation", _("Unknown stock operation."))
    return stock_move(product_id=product.pk, delta=delta, reason=reason, actor=actor, note=note)


# --- Images and views ---------------------------------------------------------------------


def image_check(upload) -> None:
    """A product image: at most 5 MB, a JPEG, PNG, WebP or GIF that decodes in full within
    the shared pixel bound (`livrili.core.uploads.image_check`)."""
    if upload.size > MAX_IMAGE_BYTES:
        raise DomainError("PAYLOAD_TOO_LARGE", details={"image": [_("The image must not exceed 5 MB.")]})
    upload.seek(0)
    kind = filetype.guess(upload.read(262))
    upload.seek(0)
    if kind is None or kind.mime not in IMAGE_TYPES:
        raise validation_error("image", _("Upload a JPEG, PNG, WebP or GIF image."))
    uploads.image_check(upload, field="image")


def _make_primary(product: Product, image: ProductImage | None) -> None:
    """The one primary-image rule (the caller holds the product's row lock): `image` becomes
    the product's only primary image (None: the product has none)."""
    product.images.filter(is_primary=True).exclude(pk=getattr(image, "pk", None)).update(is_primary=False)
    if image is not None:
        ProductImage.objects.filter(pk=image.pk).update(is_primary=True)
        image.is_primary = True


@transaction.atomic
def product_image_set_primary(*, actor, product: Product, image: ProductImage | None = None) -> ProductImage | None:
    """Make `image` the product's primary image (None: the first by sort order), under the
    product's row lock; audited (`image_primary`) and the product's cache retired when the
    primary changes. An image of another product is a VALIDATION_ERROR."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    images = product.images.order_by("sort_order", "created_at")
    target = images.first() if image is None else images.filter(pk=image.pk).first()
    if image is not None and target is None:
        raise validation_error("image_id", _("This image belongs to another product."))
    current = list(product.images.filter(is_primary=True))
    if [i.pk for i in current] == ([target.pk] if target else []):
        return target
    _make_primary(product, target)
    audit_record(
        actor=actor,
        instance=product,
        action="image_primary",
        changes={"primary": [current[0].image.name if current else None, target.image.name if target else None]},
    )
    catalog_changed([product.pk])
    return target


@transaction.atomic
def product_image_add(
    *, actor, product: Product, image, alt_text: str = "", sort_order: int = 0, is_primary: bool = False
) -> ProductImage:
    """Store an image (type sniffed, ≤ 5 MB); the first image or one marked primary becomes the primary."""
    image_check(image)
    product = Product.objects.select_for_update().get(pk=product.pk)
    first = not product.images.exists()
    created = ProductImage.objects.create(product=product, image=image, alt_text=alt_text, sort_order=sort_order)
    if is_primary or first:
        _make_primary(product, created)
    audit_record(actor=actor, instance=product, action="image_add", changes={"image": created.image.name})
    catalog_changed([product.pk])
    return created


@transaction.atomic
def product_image_delete(*, actor, image: ProductImage) -> None:
    """Delete an image; when it was the primary, the next one by sort order takes over."""
    product = Product.objects.select_for_update().get(pk=image.product_id)
    was_primary = image.is_primary
    name = image.image.name
    image.delete()
    if was_primary:
        _make_primary(product, product.images.order_by("sort_order", "created_at").first())
    transaction.on_commit(lambda: ProductImage.image.field.storage.delete(name))
    audit_record(actor=actor, instance=product, action="image_delete", changes={"image": name})
    catalog_changed([product.pk])


def product_view_record(*, user, product: Product) -> ProductView:
    return ProductView.objects.create(user=user, product=product)
