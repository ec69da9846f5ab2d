from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveriesConfig(AppConfig):
    name = "deliveries"
    verbose_name = _("Deliveries")

    def ready(self):
        from orders.hooks import ADMIN_LINKS, STATUS_LISTENERS, TRACKING_SOURCES

        from .admin import order_delivery_links
        from .selectors import order_tracking
        from .services.lifecycle import order_status_changed

        STATUS_LISTENERS.append(order_status_changed)
        TRACKING_SOURCES.append(order_tracking)
        ADMIN_LINKS.append(order_delivery_links)
