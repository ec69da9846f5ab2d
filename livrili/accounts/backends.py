from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from .phones import try_normalize_phone


def user_by_identifier(identifier: str):
    """The user whose e-mail, phone (any Algerian format) or username is `identifier`."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    User = get_user_model()
    if "@" in identifier:
        query = Q(email=identifier.lower())
    else:
        query = Q(username=identifier.lower())
        phone = try_normalize_phone(identifier)
        if phone:
            query |= Q(phone=phone)
    return User.objects.filter(query).first()


class IdentifierBackend(ModelBackend):
    """Log in with e-mail, phone or username and a password."""

    def authenticate(self, request, username=None, password=None, identifier=None, **kwargs):
        user = user_by_identifier(identifier or username)
        if user is None:
            get_user_model()().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
