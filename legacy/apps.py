from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegacyConfig(AppConfig):
    """The v1 importer. It imports every domain app's models and services; nothing imports it."""

    name = "legacy"
    verbose_name = _("Legacy import")
