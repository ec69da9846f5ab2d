"""Settings for the test suite: the real settings with test-only speedups and isolation."""

import os
import tempfile

os.environ.setdefault("DJANGO_TESTING", "1")

from .settings import *  # noqa: F403
from .settings import CACHES, REDIS_URL

SECURE_SSL_REDIRECT = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "livrili.accounts.hashers.V1BcryptPasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = tempfile.mkdtemp(prefix="livrili-media-")
PRIVATE_MEDIA_ROOT = tempfile.mkdtemp(prefix="livrili-private-")
if REDIS_URL:
    for _alias in CACHES.values():  # the default and the throttles' view of the same Redis
        _alias["KEY_PREFIX"] = "livrili-test"
