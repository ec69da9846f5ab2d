from django.apps import AppConfig


class OpsConfig(AppConfig):
    """No models: an app only so that Django finds its management commands."""

    name = "livrili.ops"
    label = "ops"
