from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from .catalog import system_templates_sync_after_migrate

        post_migrate.connect(system_templates_sync_after_migrate, sender=self)
