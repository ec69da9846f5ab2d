from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "livrili.accounts"
    label = "accounts"
    verbose_name = _("Users and access")

    def ready(self):
        from . import copies, schema  # noqa: F401 - schema registers the OpenAPI auth extension
        from .models import User
        from .roles import sync_groups_after_migrate

        post_migrate.connect(sync_groups_after_migrate, dispatch_uid="accounts-sync-groups")
        # Not business flow: every write of a user row, whoever makes it (services, the admin,
        # update_last_login, a cascade), retires the processes' copies of it (accounts/copies.py).
        post_save.connect(copies.user_saved, sender=User, dispatch_uid="accounts-user-saved")
        post_delete.connect(copies.user_deleted, sender=User, dispatch_uid="accounts-user-deleted")
