from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        from retailers.selectors import PROFILE_FIGURES
        from retailers.services import CLOSE_GUARDS

        from .selectors import retailer_month_figures
        from .services.lifecycle import retailer_has_no_open_orders

        CLOSE_GUARDS.append(retailer_has_no_open_orders)
        PROFILE_FIGURES.append(retailer_month_figures)
