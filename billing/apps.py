from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from orders.hooks import ADMIN_LINKS, STATUS_LISTENERS

        from .admin import order_invoice_links
        from .services.invoices import order_status_changed

        STATUS_LISTENERS.append(order_status_changed)
        ADMIN_LINKS.append(order_invoice_links)
