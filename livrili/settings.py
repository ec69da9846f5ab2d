"""Livrili settings: everything that differs between machines comes from the environment.

Zero services by default (SQLite, local-memory cache, eager Celery, console e-mail);
PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set.
"""

import os
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from livrili.api.operations import TAGS as OPENAPI_TAGS

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("DJANGO_TESTING", False):
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 - debug/tests only (refused above)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "modeltranslation",  # must precede django.contrib.admin
    "livrili.core.sites.LivriliAdminConfig",  # django.contrib.admin with our site (section order)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served locally (no CDN)
    "corsheaders",
    "django_celery_beat",
    "import_export",
    "livrili.core",
    "livrili.accounts",
    "products",
    "retailers",
    "orders",
    "deliveries",
    "billing",
    "analytics",
    "notifications",
    "legacy",  # the v1 importer (import_legacy): reads every domain app, nothing imports it
    "livrili.ops",  # commands that span every app (seed_demo, bench_prepare): after them all
]

MIDDLEWARE = [
    "livrili.core.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # The admin's assets from this server with DEBUG off too (no CDN, no separate static host)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "livrili.core.middleware.QueryLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # API refusals before anything reads the body or the database, in the request's language
    "livrili.api.middleware.ApiBodySizeMiddleware",
    "livrili.api.middleware.ApiNulMiddleware",
    "livrili.api.media.CurrentRequestMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "livrili.api.middleware.ApiExceptionMiddleware",
]
CSRF_FAILURE_VIEW = "livrili.api.views.csrf_failure"  # the envelope under /api/, Django's page elsewhere

ROOT_URLCONF = "livrili.urls"
WSGI_APPLICATION = "livrili.wsgi.application"
APPEND_SLASH = False  # the API contract has no trailing slashes; slashed paths answer 404

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"], conn_max_age=60, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Reports read from the replica when there is one (analytics/routers.py).
DATABASE_ROUTERS = ["analytics.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Django's PostgreSQL backend, with a health check of reused connections that needs no round trip
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        _database["ENGINE"] = "livrili.core.postgresql"
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "livrili.core.postgresql"
if IS_POSTGRES:
    # Parallel query off on the primary (docs/performance.md, pass 2): its CPU is shared by the
    # web workers, so a gathered scan (the admin list's count of every order) costs three processes
    # for one answer. The replica keeps PostgreSQL's default: reports run there on cores of their own.
    _parallel = int(os.environ.get("DATABASE_PARALLEL_WORKERS_PER_GATHER", "0"))
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c max_parallel_workers_per_gather={_parallel}".strip()

# --- Cache, Celery ------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "livrili"),
            # A Redis outage degrades to cache misses instead of failing requests (placement included).
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
    # Authentication throttles use the same Redis but see its errors: while it is down they count
    # in each process's memory instead of letting every attempt through (accounts/throttles.py).
    CACHES["throttle"] = {
        **CACHES["default"],
        "OPTIONS": {k: v for k, v in CACHES["default"]["OPTIONS"].items() if k != "IGNORE_EXCEPTIONS"},
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Africa/Algiers"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULE = {
    "expire-credit-holds": {"task": "orders.tasks.expire_credit_holds", "schedule": 3600.0},
    "purge-idempotency-records": {"task": "livrili.core.tasks.purge_idempotency_records", "schedule": 86400.0},
    # Sends what the broker never got (outage) and the retries that are due (notifications/services.py).
    "sweep-notifications": {"task": "notifications.tasks.sweep_notifications", "schedule": 60.0},
    # Scheduled broadcasts that are due, and any whose enqueue was lost (notifications/broadcasts.py).
    "send-due-broadcasts": {"task": "notifications.tasks.send_due_broadcasts", "schedule": 60.0},
    "purge-notifications": {"task": "notifications.tasks.purge_notifications", "schedule": 86400.0},
    # Retailers hear of each overdue invoice once (billing/services/invoices.py).
    "notify-overdue-invoices": {"task": "billing.tasks.notify_overdue_invoices", "schedule": 86400.0},
    # Low stock, stock-out risk, credit over limit, failed deliveries, licences (analytics/alerts.py).
    "raise-alerts": {"task": "analytics.tasks.raise_alerts", "schedule": 900.0},
    # Back-office report runs whose worker died (analytics.services.report_exports_sweep).
    "sweep-report-exports": {"task": "analytics.tasks.sweep_report_exports", "schedule": 900.0},
}
# How long an idempotent write's first answer is kept for replays (livrili/core/idempotency.py).
IDEMPOTENCY_RETENTION = timedelta(days=int(os.environ.get("IDEMPOTENCY_RETENTION_DAYS", "30")))

# --- Auth ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["livrili.accounts.backends.IdentifierBackend"]
# Django's defaults, then v1's bcrypt hashes ("bcrypt$$2a$10$…", imported by import_legacy):
# verified once, re-hashed with the first hasher at that login.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "livrili.accounts.hashers.V1BcryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_CODE_TTL = timedelta(minutes=15)
PASSWORD_RESET_MAX_ATTEMPTS = 5
# Codes sent to one account per window (beyond: silently none); counted in the database.
PASSWORD_RESET_CODES_PER_WINDOW = int(os.environ.get("PASSWORD_RESET_CODES_PER_WINDOW", "3"))
PASSWORD_RESET_CODES_WINDOW = timedelta(minutes=int(os.environ.get("PASSWORD_RESET_CODES_WINDOW_MINUTES", "15")))
# Each process keeps the rows of the users whose tokens it saw, used while their revision in Redis
# is unchanged (every user write changes it) and at most this many seconds (accounts/copies.py).
# Off (0) without Redis: the revision must be shared by every process.
AUTH_USER_COPY_MAX_AGE = int(os.environ.get("AUTH_USER_COPY_SECONDS", "300" if REDIS_URL else "0"))

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=15),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=14),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "USER_ID_FIELD": "id",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

# --- REST API -----------------------------------------------------------------------
# Proxies in front of the app that append to X-Forwarded-For (nginx, a load balancer): 0 = the
# socket address is the client; N = the N-th address from the right (livrili.core.middleware.client_ip).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["livrili.accounts.authentication.LanguageJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["livrili.api.renderers.EnvelopeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "livrili.api.parsers.JSONParser",
        "livrili.api.parsers.MultiPartParser",
        "livrili.api.parsers.FormParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "livrili.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "livrili.api.filters.StrictOrderingFilter",
        # DRF's search: every word of ?search= must match some searched field.
        "rest_framework.filters.SearchFilter",
    ],
    "EXCEPTION_HANDLER": "livrili.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "livrili.api.schema.EnvelopeAutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": os.environ.get("THROTTLE_LOGIN_IP", "30/min"),
        "login_identifier": os.environ.get("THROTTLE_LOGIN_IDENTIFIER", "5/min"),
        "password_reset": os.environ.get("THROTTLE_PASSWORD_RESET", "5/hour"),
        "password_reset_confirm": os.environ.get("THROTTLE_PASSWORD_RESET_CONFIRM", "20/hour"),
        "signup": os.environ.get("THROTTLE_SIGNUP", "10/hour"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,  # DRF's own get_ident agrees with client_ip
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_MAX_JSON_BODY_BYTES = int(os.environ.get("API_MAX_JSON_BODY_BYTES", str(1024 * 1024)))
API_MAX_MULTIPART_BODY_BYTES = int(os.environ.get("API_MAX_MULTIPART_BODY_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_MULTIPART_BODY_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SPECTACULAR_SETTINGS = {
    "TITLE": "Livrili API",
    "DESCRIPTION": "B2B wholesale ordering and delivery for Algerian retailers. "
    "Every response is wrapped in the success or error envelope shown in each operation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # One tag per area, from the view's app (livrili.api.operations); their order is the docs' order.
    "TAGS": OPENAPI_TAGS,
    "ENUM_NAME_OVERRIDES": {
        "ReportTypeEnum": "analytics.models.ReportType",
        "ReportFileFormatEnum": "analytics.models.ExportFormat",
        "ReportFormatEnum": ["json", "csv", "xlsx", "pdf"],
        "DeliveryStatusEnum": "deliveries.models.DeliveryStatus",
        "DeliveryReportStatusEnum": ["picked_up", "in_transit", "delivered", "failed"],
        "DriverStatusEnum": "deliveries.models.DriverStatus",
        "DriverSelfStatusEnum": ["available", "off_duty"],
        "RetailerStatusEnum": "retailers.models.RetailerStatus",
        "BusinessTypeEnum": "retailers.models.BusinessType",
        "RetailerDocumentTypeEnum": "retailers.models.DocumentType",
        "RetailerEventTypeEnum": "retailers.models.RetailerEventType",
        "LedgerEntryKindEnum": "retailers.models.LedgerEntryKind",
        "LedgerAdjustmentKindEnum": ["debit", "credit", "write_off"],
        "OrderStatusEnum": "orders.models.OrderStatus",
        "OrderStatusChangeEnum": ["confirmed", "processing", "shipped", "delivered", "returned"],
        "PaymentMethodEnum": "orders.models.PaymentMethod",
        "OrderChannelEnum": "orders.models.Channel",
        "RouteStatusEnum": "deliveries.models.RouteStatus",
        "PreferredLanguageEnum": "livrili.accounts.models.Language",  # also invoices' language
        "InvoiceStatusEnum": "billing.models.InvoiceStatus",
        "InvoiceLineKindEnum": "billing.models.LineKind",
        "PaymentStatusEnum": "billing.models.PaymentStatus",
        "PaymentMethodKindEnum": "billing.models.PaymentMethodKind",
        "CashHandoverStatusEnum": "billing.models.HandoverStatus",
        "DiscrepancyReasonEnum": "billing.models.DiscrepancyReason",
        "NotificationChannelEnum": "notifications.models.Channel",
        "NotificationCategoryEnum": "notifications.models.Category",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "livrili.api.schema.add_error_envelope_component",
    ],
}

# --- I18N ---------------------------------------------------------------------------
LANGUAGE_CODE = "ar"
# Our Arabic date and number formats (livrili/formats/ar): Django's leave date-times in English order
FORMAT_MODULE_PATH = ["livrili.formats"]
LANGUAGES = [("ar", _("Arabic")), ("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "ar"
MODELTRANSLATION_LANGUAGES = ("ar", "fr", "en")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("ar", "fr", "en")
TIME_ZONE = "Africa/Algiers"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Collected files when STATIC_ROOT exists (the Docker image collects them), the apps' own
# directories otherwise (make run, tests): either way the server answers /static/ itself.
WHITENOISE_USE_FINDERS = not STATIC_ROOT.is_dir()
if WHITENOISE_USE_FINDERS:  # the missing directory is expected then, not worth a warning
    warnings.filterwarnings("ignore", message="No directory at: ")
# modeltranslation's tabs need jQuery UI: Django's jQuery and a vendored jQuery UI, never a CDN
JQUERY_URL = "admin/js/vendor/jquery/jquery.min.js"
JQUERY_UI_URL = "vendor/jquery-ui-1.14.2/jquery-ui.min.js"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "private_media"))

# --- E-mail, SMS --------------------------------------------------------------------
if os.environ.get("EMAIL_URL"):
    _email = dj_database_url.parse(os.environ["EMAIL_URL"].replace("smtp://", "postgres://", 1))
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST, EMAIL_PORT = _email["HOST"], _email["PORT"] or 587
    EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email["USER"], _email["PASSWORD"]
    EMAIL_USE_TLS = True
else:
    EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Livrili <no-reply@livrili.dz>")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
# Web push: VAPID keys (base64url, e.g. `vapid --gen`), the contact claim, and the backend
# (`auto`: pywebpush when the keys are set, else messages are only recorded in the log).
WEBPUSH_VAPID_PUBLIC_KEY = os.environ.get("WEBPUSH_VAPID_PUBLIC_KEY", "")
WEBPUSH_VAPID_PRIVATE_KEY = os.environ.get("WEBPUSH_VAPID_PRIVATE_KEY", "")
WEBPUSH_VAPID_SUBJECT = os.environ.get("WEBPUSH_VAPID_SUBJECT", "mailto:support@livrili.dz")
PUSH_BACKEND = os.environ.get("PUSH_BACKEND", "auto")
# Who a broadcast's segment reaches (a dotted path: notifications imports no domain app).
NOTIFICATIONS_SEGMENT_RESOLVER = "retailers.segments.segment_users"
# How long sent, failed and read notifications (inbox items included) are kept.
NOTIFICATIONS_RETENTION = timedelta(days=int(os.environ.get("NOTIFICATIONS_RETENTION_DAYS", "180")))
# How long the encrypted real text of a message carrying a secret (reset code) stays readable.
NOTIFICATIONS_SEALED_TTL = PASSWORD_RESET_CODE_TTL

# --- Routes -------------------------------------------------------------------------
# The distance provider (dotted path to a callable: points -> metres matrix); a road-distance
# provider replaces the straight-line default here (deliveries/routing/distances.py).
LIVRILI_DISTANCE_BACKEND = os.environ.get("LIVRILI_DISTANCE_BACKEND", "deliveries.routing.distances.haversine_matrix")

# --- Security -----------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/(api|health)/?.*$"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^health"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True

# --- Logging ------------------------------------------------------------------------
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "livrili.core.logging.RequestIdFilter"}},
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(request_id)s %(name)s %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "json" if LOG_FORMAT == "json" else "text",
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs every layout step of every PDF at INFO, fontTools each font subset.
    "loggers": {name: {"level": "WARNING"} for name in ("django.server", "weasyprint", "fontTools")},
}

if os.environ.get("SENTRY_DSN"):  # optional; installed only where configured
    import sentry_sdk

    sentry_sdk.init(dsn=os.environ["SENTRY_DSN"], send_default_pii=False)

ADMIN_SITE_HEADER = _("Livrili back office")
ADMIN_INDEX_TITLE = _("Operations")
