from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "livrili.core"
    label = "core"
    verbose_name = _("Settings and reference data")

    def ready(self):
        from .admin import install_admin_display

        install_admin_display()
