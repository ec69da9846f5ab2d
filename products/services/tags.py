"""Tags, their aliases and merges."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import conflict, validation_error

from ..models import Tag, TagAlias
from .cache import catalog_changed
from .shared import raise_validation, save_unique, unique_slug

TAG_AUDITED = ("slug", "name_ar", "name_fr", "name_en", "color", "description")


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
        tag.slug = unique_slug(Tag, tag.name_fr or tag.name_en or tag.name_ar)
    elif Tag.objects.filter(slug=tag.slug).exclude(pk=tag.pk).exists():
        raise conflict("slug", _("This value is already in use."))
    try:
        tag.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise_validation(exc)
    save_unique(tag, "slug")
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
