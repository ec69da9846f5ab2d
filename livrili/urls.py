import re

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerView

from livrili.api.health import HealthView, ReadinessView
from livrili.api.media import serve_public_media
from livrili.api.views import SchemaView, api_not_found, documentation

admin.site.site_header = settings.ADMIN_SITE_HEADER
admin.site.site_title = settings.ADMIN_SITE_HEADER
admin.site.index_title = settings.ADMIN_INDEX_TITLE

# Outside DRF, /api/ paths still answer the error envelope (other paths keep Django's pages).
handler404 = "livrili.api.views.page_not_found"
handler500 = "livrili.api.views.server_error"

api_v1 = [
    path("", include("livrili.accounts.api.urls")),
    path("", include("products.api.urls")),
    path("", include("retailers.api.urls")),
    path("", include("orders.api.urls")),
    path("", include("deliveries.api.urls")),
    path("", include("billing.api.urls")),
    path("", include("analytics.api.urls")),
    path("", include("notifications.api.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", documentation(SchemaView.as_view()), name="schema"),
    path("api/docs/", documentation(SpectacularSwaggerView.as_view(url_name="schema")), name="swagger-ui"),
    path("api/redoc/", documentation(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
    re_path(r"^api/", api_not_found),
    re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$", serve_public_media, name="media"),
    path("health", HealthView.as_view(), name="health"),
    path("health/ready", ReadinessView.as_view(), name="health-ready"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
