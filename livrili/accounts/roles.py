"""The staff groups and the permissions they grant (least privilege).

Entries are `app_label.codename`, `app_label.*` (every permission of the app) or
`app_label.view_*` (every read permission of the app). Permissions of apps that do not
exist yet are skipped, so each capability only adds its lines here.
"""

from django.apps import apps as global_apps
from django.utils.translation import gettext_lazy as _

# The groups' names as operators read them (the stored name is the key the code uses).
GROUP_LABELS = {
    "Catalog": _("Catalog"),
    "Sales": _("Sales"),
    "Dispatch": _("Dispatch"),
    "Finance": _("Finance"),
    "Support": _("Support"),
    "Superadmin": _("Superadmin"),
}


def group_label(name: str) -> str:
    return str(GROUP_LABELS.get(name, name))


GROUP_PERMISSIONS: dict[str, list[str]] = {
    "Catalog": ["products.*", "core.view_wilaya"],
    "Sales": [
        "products.view_*",
        "retailers.view_*",
        "retailers.add_retailer",
        "retailers.change_retailer",
        "retailers.approve_retailer",
        "retailers.add_deliveryaddress",
        "retailers.change_deliveryaddress",
        "retailers.change_retailerdocument",
        "orders.view_*",
        "orders.add_order",
        "orders.change_order",
        "core.view_wilaya",
        "notifications.view_broadcast",
        "notifications.add_broadcast",
        "notifications.send_broadcast",
        "analytics.view_dashboard",
    ],
    "Dispatch": [
        "deliveries.*",
        "orders.view_*",
        "orders.change_order",
        "retailers.view_retailer",
        "retailers.view_deliveryaddress",
        "accounts.view_user",
        "analytics.view_dashboard",
    ],
    "Finance": [
        "retailers.view_*",
        "retailers.change_credit_limit",
        "retailers.add_ledger_adjustment",
        "orders.view_*",
        "orders.release_hold",
        "orders.record_payment",
        "billing.view_*",
        "billing.cancel_invoice",
        "billing.record_payment",
        "billing.count_cash",
        "analytics.*",
        "core.view_businesssettings",
        "core.change_businesssettings",
    ],
    "Support": [
        "accounts.view_user",
        "products.view_*",
        "retailers.view_*",
        "orders.view_*",
        "deliveries.view_*",
        "notifications.*",
    ],
    "Superadmin": ["*"],
}


def permissions_for(entries, permission_model):
    """The Permission rows named by `entries`."""
    queryset = permission_model.objects.select_related("content_type")
    wanted = []
    for permission in queryset:
        app_label, codename = permission.content_type.app_label, permission.codename
        for entry in entries:
            if entry == "*":
                wanted.append(permission)
                break
            entry_app, entry_codename = entry.split(".", 1)
            if entry_app != app_label:
                continue
            if (
                entry_codename == "*"
                or entry_codename == codename
                or (entry_codename.endswith("*") and codename.startswith(entry_codename[:-1]))
            ):
                wanted.append(permission)
                break
    return wanted


def sync_groups(apps=global_apps):
    """Create the seeded groups and grant exactly the permissions listed above."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for name, entries in GROUP_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=name)
        group.permissions.set(permissions_for(entries, permission_model))


def sync_groups_after_migrate(sender, app_config=None, using="default", **kwargs):
    # Permissions are created app by app after migrate; sync once, after the last app. Django
    # sends post_migrate only for apps with a models module (livrili.ops, last, has none).
    last = [config for config in global_apps.get_app_configs() if config.models_module is not None][-1]
    if sender.label == last.label:
        sync_groups()
