"""Categories: a tree at most MAX_CATEGORY_DEPTH levels deep, stored as materialised paths."""

import uuid

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import DomainError, conflict, validation_error

from ..models import MAX_CATEGORY_DEPTH, Category
from .cache import catalog_changed
from .images import image_check
from .shared import raise_validation, save_unique, unique_slug

UNSET = object()
CATEGORY_AUDITED = ("slug", "name_ar", "name_fr", "name_en", "parent_id", "sort_order", "is_active")


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
        raise_validation(exc)


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
        category.slug = unique_slug(Category, category.name_fr or category.name_en or category.name_ar)
    _clean_category(category)
    save_unique(category, "slug")
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
    save_unique(category, "slug")
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
