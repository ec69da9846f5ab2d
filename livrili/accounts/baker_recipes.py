"""model-bakery recipes for users, one per role (`baker.prepare_recipe("accounts.driver")`).

`make_user` (livrili/accounts/tests/fixtures.py) takes the username from these and creates
through `User.objects.create_user`, which hashes the password and normalizes e-mail and phone."""

from model_bakery.recipe import Recipe, seq

from livrili.accounts.models import Role, User

admin = Recipe(User, role=Role.ADMIN, username=seq("admin"))
# A retailer member belongs to a retailer: give it (`retailer=`); accounts does not know retailers.
retailer = Recipe(User, role=Role.RETAILER, username=seq("retailer"))
driver = Recipe(User, role=Role.DRIVER, username=seq("driver"))
