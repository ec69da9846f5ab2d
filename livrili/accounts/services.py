"""Every change to users goes through these functions (audited, one transaction each)."""

import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from livrili.core.audit import audit_record, diff, snapshot
from livrili.core.errors import DomainError, conflict, validation_error
from notifications.services import notify

from . import selectors
from .backends import user_by_identifier
from .models import PasswordResetCode, Role, User

AUDITED_FIELDS = (
    "username",
    "full_name",
    "email",
    "phone",
    "role",
    "preferred_language",
    "is_active",
    "is_superuser",
)


def _check_password_strength(password: str, user: User | None, field: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("VALIDATION_ERROR", details={field: list(exc.messages)}) from exc


def _check_unique(user: User) -> None:
    """Unique clashes → 409 CONFLICT naming the field (the DB constraint stays the backstop)."""
    for field in ("username", "email", "phone"):
        value = getattr(user, field)
        if value and User.objects.filter(**{field: value}).exclude(pk=user.pk).exists():
            raise conflict(field, _("This value is already in use."))


def _save(user: User) -> None:
    user.normalize()
    _check_unique(user)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent request took the value between check and save
        raise DomainError("CONFLICT") from exc


def user_can_manage(*, actor: User, user: User) -> bool:
    """Whether `actor` may change `user` at all. Superusers manage every account; anyone else
    only accounts that are not superusers and whose permissions (direct or through groups,
    active or not) they all hold themselves. The API and the admin both ask here."""
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    return selectors.permissions_stored(user) <= actor.get_all_permissions()


def _check_manageable(actor: User, user: User) -> None:
    if not user_can_manage(actor=actor, user=user):
        raise DomainError("FORBIDDEN", _("You cannot change an account that holds permissions you do not."))


def _check_grantable(actor: User, groups: Iterable[Group] = (), permissions: Iterable[Permission] = ()) -> None:
    """A staff member may only hand out permissions they hold themselves."""
    if actor.is_superuser:
        return
    wanted = selectors.permission_names(permissions)
    for group in groups:
        wanted |= selectors.permission_names(group.permissions.select_related("content_type"))
    if not wanted <= actor.get_all_permissions():
        raise DomainError("FORBIDDEN", _("You cannot grant permissions you do not hold."))


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    email: str | None = None,
    phone: str | None = None,
    preferred_language: str = "ar",
    groups: list[Group] | None = None,
    **extra,
) -> User:
    """Create a staff, driver or retailer-member account. Groups only for staff."""
    groups = groups or []
    if groups and role != Role.ADMIN:
        raise validation_error("groups", _("Only staff accounts belong to groups."))
    _check_grantable(actor, groups)
    if extra.get("is_superuser") and not actor.is_superuser:
        raise DomainError("FORBIDDEN", _("Only a superuser grants or removes superuser status."))
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        phone=phone,
        role=role,
        preferred_language=preferred_language,
        **extra,
    )
    _check_password_strength(password, user, "password")
    user.set_password(password)
    _save(user)
    user.groups.set(groups)
    audit_record(actor=actor, instance=user, action="create", changes=diff({}, snapshot(user, AUDITED_FIELDS)))
    return user


@transaction.atomic
def user_update(
    *,
    actor: User,
    user: User,
    groups: list[Group] | None = None,
    user_permissions: list[Permission] | None = None,
    **changes,
) -> User:
    """Change profile fields, role, status, groups or permissions; every change is audited.

    Privileges: the actor must be allowed to manage the account (`user_can_manage`); nobody
    changes their own role, status, superuser flag, groups or permissions; only a superuser
    grants or removes superuser; groups and permissions given are ones the actor holds.
    """
    user = User.objects.select_for_update().get(pk=user.pk)
    _check_manageable(actor, user)
    before = snapshot(user, AUDITED_FIELDS)
    before_groups = sorted(user.groups.values_list("name", flat=True))
    before_permissions = sorted(selectors.permission_names(user.user_permissions.select_related("content_type")))
    for field, value in changes.items():
        setattr(user, field, value)
    if user.role != Role.RETAILER:
        user.retailer = None  # leaving the retailer role leaves the retailer
    if user.role != Role.ADMIN and (groups or (groups is None and before_groups)):
        if groups is None and before["role"] == Role.ADMIN:
            groups = []  # leaving staff drops staff groups
        elif groups:
            raise validation_error("groups", _("Only staff accounts belong to groups."))
    privileges_changed = any(getattr(user, f) != before[f] for f in ("role", "is_active", "is_superuser"))
    if user.pk == actor.pk and (privileges_changed or groups is not None or user_permissions is not None):
        raise DomainError("FORBIDDEN", _("You cannot change your own role, status, groups or permissions."))
    if user.is_superuser != before["is_superuser"] and not actor.is_superuser:
        raise DomainError("FORBIDDEN", _("Only a superuser grants or removes superuser status."))
    _check_grantable(actor, groups or [], user_permissions or [])
    _save(user)
    change_set = diff(before, snapshot(user, AUDITED_FIELDS))
    if groups is not None:
        user.groups.set(groups)
        after_groups = sorted(g.name for g in groups)
        if after_groups != before_groups:
            change_set["groups"] = [before_groups, after_groups]
    if user_permissions is not None:
        user.user_permissions.set(user_permissions)
        after_permissions = sorted(selectors.permission_names(user_permissions))
        if after_permissions != before_permissions:
            change_set["user_permissions"] = [before_permissions, after_permissions]
    audit_record(actor=actor, instance=user, action="update", changes=change_set)
    if before["is_active"] and not user.is_active:
        revoke_refresh_tokens(user)
    return user


def user_deactivate(*, actor: User, user: User) -> User:
    if user.pk == actor.pk:
        raise DomainError("FORBIDDEN", _("You cannot deactivate your own account."))
    return user_update(actor=actor, user=user, is_active=False)


@transaction.atomic
def profile_update(*, user: User, current_password: str | None = None, **changes) -> User:
    """A user's own profile. Changing e-mail or phone needs the current password."""
    user = User.objects.select_for_update().get(pk=user.pk)
    before = snapshot(user, AUDITED_FIELDS)
    for field, value in changes.items():
        setattr(user, field, value)
    user.normalize()
    if (user.email != before["email"] or user.phone != before["phone"]) and not (
        current_password and user.check_password(current_password)
    ):
        raise validation_error("current_password", _("Your current password is required to change e-mail or phone."))
    _save(user)
    audit_record(actor=user, instance=user, action="update", changes=diff(before, snapshot(user, AUDITED_FIELDS)))
    return user


def revoke_refresh_tokens(user: User) -> None:
    """Blacklist every refresh token the user still holds (logout everywhere)."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in outstanding], ignore_conflicts=True)


@transaction.atomic
def password_change(*, user: User, current_password: str, new_password: str) -> User:
    """Requires the current password; every other session's refresh token is revoked."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(current_password):
        raise validation_error("current_password", _("Your current password is incorrect."))
    _check_password_strength(new_password, user, "new_password")
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    revoke_refresh_tokens(user)
    audit_record(actor=user, instance=user, action="password_change", changes={})
    return user


def _code_hash(user: User, code: str) -> str:
    return salted_hmac("livrili.password-reset", f"{user.pk}:{code}").hexdigest()


def password_reset_request(*, identifier: str) -> None:
    """Send a reset code when the account exists, can receive it and has been sent fewer than
    `PASSWORD_RESET_CODES_PER_WINDOW` codes within `PASSWORD_RESET_CODES_WINDOW` (counted per
    account, whatever identifier named it); otherwise send nothing. The caller answers the same
    either way (no enumeration). A new code voids the previous ones.

    By e-mail when the account has an address; otherwise by SMS to its phone, through
    `notify` with the code as a secret (the outbox keeps it masked, decisions.md)."""
    user = user_by_identifier(identifier)
    if user is None or not user.is_active or not (user.email or user.phone):
        return
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().only("pk").get(pk=user.pk)  # one request per account at a time
        recent = PasswordResetCode.objects.filter(user=user, created_at__gt=now - settings.PASSWORD_RESET_CODES_WINDOW)
        if recent.count() >= settings.PASSWORD_RESET_CODES_PER_WINDOW:
            return
        PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(used_at=now)
        PasswordResetCode.objects.create(
            user=user, code_hash=_code_hash(user, code), expires_at=now + settings.PASSWORD_RESET_CODE_TTL
        )
        minutes = int(settings.PASSWORD_RESET_CODE_TTL.total_seconds() // 60)
        if not user.email:  # a phone-only account: the SMS is sent after commit
            notify("password_reset", [user], {"code": code, "minutes": minutes}, channels=["sms"], secret=["code"])
            return
    with translation.override(user.preferred_language):
        subject = _("Your Livrili password reset code")
        body = _(
            "Your code is %(code)s. It is valid for %(minutes)s minutes. Ignore this message if you did not ask for it."
        ) % {
            "code": code,
            "minutes": minutes,
        }
    send_mail(subject, body, None, [user.email])


def password_reset_confirm(*, identifier: str, code: str, new_password: str) -> User:
    """Single use, 15 minutes, at most 5 tries; all sessions are revoked.

    Every try, right or wrong, first takes one of the code's tries with a single conditional
    UPDATE (`attempts < limit`), committed at once (this service runs outside a transaction, so
    a refusal does not roll the try back) and before the comparison: however many
    guesses arrive together, at most five are compared, and a right code that comes after the
    fifth is refused like a wrong one.
    """
    invalid = validation_error("code", _("The code is invalid or has expired."))
    user = user_by_identifier(identifier)
    if user is None or not user.is_active:
        raise invalid
    now = timezone.now()
    usable = PasswordResetCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now)
    reset = usable.order_by("-created_at").first()
    if reset is None:
        raise invalid
    took_a_try = usable.filter(pk=reset.pk, attempts__lt=settings.PASSWORD_RESET_MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1
    )
    if not took_a_try or not constant_time_compare(reset.code_hash, _code_hash(user, str(code).strip())):
        raise invalid
    _check_password_strength(new_password, user, "new_password")  # after the code: says nothing of the account
    with transaction.atomic():
        claimed = PasswordResetCode.objects.filter(pk=reset.pk, used_at__isnull=True).update(used_at=timezone.now())
        if not claimed:  # a concurrent confirm used it first
            raise invalid
        user.set_password(new_password)
        user.save(update_fields=["password", "updated_at"])
        revoke_refresh_tokens(user)
        audit_record(actor=user, instance=user, action="password_reset", changes={})
    return user
