from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")

    def ready(self):
        from deliveries.selectors import CASH_OUT_OF_CUSTODY
        from orders.hooks import ADMIN_LINKS, STATUS_LISTENERS
        from retailers import selectors as retailer_selectors
        from retailers.selectors import STATEMENT_SECTIONS

        from .admin import order_invoice_links
        from .pdf import statement_pdf
        from .selectors import deliveries_out_of_custody, statement_open_invoices
        from .services.invoices import order_status_changed

        STATUS_LISTENERS.append(order_status_changed)
        STATEMENT_SECTIONS.append(statement_open_invoices)
        CASH_OUT_OF_CUSTODY.append(deliveries_out_of_custody)
        ADMIN_LINKS.append(order_invoice_links)
        retailer_selectors.STATEMENT_PDF = statement_pdf
