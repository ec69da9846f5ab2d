from functools import cache

from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Q

from livrili.core.rows import columns, from_row

from . import copies
from .models import User


@cache  # per backend: the statement never changes in a process
def _user_by_id_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    table, pk = quote(User._meta.db_table), quote(User._meta.pk.column)
    return f"SELECT {columns(User, table, vendor)} FROM {table} WHERE {pk} = %s"  # noqa: S608 (model names, quoted)


def user_for_token(user_id) -> User | None:
    """The user an access token names, on every authenticated request: this process's copy of its
    row while the user's revision is unchanged (`accounts.copies`), else the row read by one
    statement written once. Either way a new model built from the row as a queryset builds it
    (`livrili.core.rows`): never an instance another request saw, as Django caches permissions
    and relations on it."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each use of the `connection` proxy looks it up again
    user_pk = User._meta.pk.to_python(user_id)
    current = copies.revision(str(user_pk)) if copies.enabled() else None
    row = copies.copy(str(user_pk), current) if current else None
    if row is None:
        with db.cursor() as cursor:
            cursor.execute(_user_by_id_sql(db.vendor), [User._meta.pk.get_db_prep_value(user_pk, db)])
            row = cursor.fetchone()
        if row is None:
            return None
        if current:
            copies.keep(str(user_pk), current, row)
    return from_row(User, row, db)


def user_list():
    return User.objects.select_related("retailer").prefetch_related("groups").order_by("username")


def permission_names(permissions) -> set[str]:
    """`app_label.codename` of each permission (the form `User.get_all_permissions` uses)."""
    return {f"{p.content_type.app_label}.{p.codename}" for p in permissions}


def permissions_stored(user: User) -> set[str]:
    """The permissions granted to `user` directly or through groups, whether the account is active
    or not (`get_all_permissions` answers nothing for an inactive account)."""
    granted = Permission.objects.filter(Q(user=user) | Q(group__user=user)).select_related("content_type")
    return permission_names(granted.distinct())


def groups_grantable_by(actor: User):
    """The groups whose permissions `actor` all holds (every group for a superuser)."""
    groups = Group.objects.order_by("name")
    if actor.is_superuser:
        return groups
    held = actor.get_all_permissions()
    grantable = [
        group.pk
        for group in groups.prefetch_related("permissions__content_type")
        if permission_names(group.permissions.all()) <= held
    ]
    return groups.filter(pk__in=grantable)


def permissions_grantable_by(actor: User):
    """The permissions `actor` holds (every permission for a superuser)."""
    if actor.is_superuser:
        return Permission.objects.all()
    return Permission.objects.filter(Q(user=actor) | Q(group__user=actor)).distinct()
