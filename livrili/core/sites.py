"""The back office's admin site: sections in the order operators work (orders first, settings
last) and the libraries' technical models grouped under one translated "System" section at the
end, shown only to those who hold their permissions (in practice: superusers)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

# Sections by app label, in working order; an app not named here comes after them.
SECTION_ORDER = (
    "orders",
    "deliveries",
    "billing",
    "retailers",
    "products",
    "notifications",
    "analytics",
    "accounts",
    "core",
)
# The libraries' models, named for operators (their own names are English only).
SYSTEM_MODELS = {
    "django_celery_beat.periodictask": _("Scheduled tasks"),
    "django_celery_beat.crontabschedule": _("Schedules: crontab"),
    "django_celery_beat.intervalschedule": _("Schedules: intervals"),
    "django_celery_beat.solarschedule": _("Schedules: solar events"),
    "django_celery_beat.clockedschedule": _("Schedules: fixed times"),
    "token_blacklist.outstandingtoken": _("Issued sign-in tokens"),
    "token_blacklist.blacklistedtoken": _("Revoked sign-in tokens"),
}
SYSTEM_APPS = {key.split(".")[0] for key in SYSTEM_MODELS}


class LivriliAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return [self._system_names(app) if app["app_label"] in SYSTEM_APPS else app for app in apps]
        ours = [app for app in apps if app["app_label"] not in SYSTEM_APPS]
        ours.sort(key=lambda app: _rank(app["app_label"]))
        system = [self._system_names(app) for app in apps if app["app_label"] in SYSTEM_APPS]
        if system:
            ours.append(
                {
                    **system[0],
                    "name": _("System"),
                    "app_label": "system",
                    "models": sorted((model for app in system for model in app["models"]), key=_system_rank),
                    "has_module_perms": True,
                }
            )
        return ours

    @staticmethod
    def _system_names(app: dict) -> dict:
        models = []
        for model in app["models"]:
            key = f"{app['app_label']}.{model['object_name'].lower()}"
            models.append({**model, "name": SYSTEM_MODELS.get(key, model["name"]), "key": key})
        return {**app, "name": _("System"), "models": models}


def _system_rank(model: dict) -> int:
    keys = list(SYSTEM_MODELS)
    return keys.index(model["key"]) if model["key"] in keys else len(keys)


def _rank(label: str) -> int:
    return SECTION_ORDER.index(label) if label in SECTION_ORDER else len(SECTION_ORDER)


class LivriliAdminConfig(AdminConfig):
    default_site = "livrili.core.sites.LivriliAdminSite"
