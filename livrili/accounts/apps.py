from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "livrili.accounts"
    label = "accounts"
    verbose_name = _("Users and access")

    def ready(self):
        from . import schema  # noqa: F401 - registers the OpenAPI auth extension
        from .roles import sync_groups_after_migrate

        post_migrate.connect(sync_groups_after_migrate, dispatch_uid="accounts-sync-groups")
