"""User fixtures every app's tests use (registered in the root conftest)."""

import pytest
from django.contrib.auth.models import Group, Permission

from livrili.accounts.models import User
from livrili.core.testing.passwords import DEFAULT_PASSWORD
from livrili.core.testing.recipes import recipe_values


@pytest.fixture
def make_user(db, make_retailer):
    """A user of `role` with DEFAULT_PASSWORD; a retailer member gets a new retailer unless told
    (`make_retailer` comes from retailers/tests/fixtures.py, both registered in the root conftest)."""

    def make(role="admin", perms=(), groups=(), password=DEFAULT_PASSWORD, **fields):
        fields = recipe_values(f"accounts.{role}", fields, "username")
        if role == "retailer" and "retailer" not in fields:
            fields["retailer"] = make_retailer()  # a retailer member always belongs to a retailer
        user = User.objects.create_user(password=password, role=role, **fields)
        if role == "retailer" and user.retailer.owner_id is None:
            user.retailer.owner = user
            user.retailer.save(update_fields=["owner", "updated_at"])
        for name in groups:
            user.groups.add(Group.objects.get(name=name))
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        return user

    return make
