"""The test suite: fast hashing, in-memory e-mail, files under a temporary root."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = "test-only-not-a-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["TEST"] = {"NAME": env("TEST_DATABASE_NAME", default=None)}  # noqa: F405

# Hundreds of tests sign managers in with force_login; the tests of the second factor turn
# the requirement on themselves (settings fixture).
CTPORTAL_REQUIRE_OTP_FOR: list[str] = []

# Each test process keeps its own cache, whatever REDIS_URL says: tests clear it (throttles,
# sign-in lockouts), and the two workers of `make test` must not clear each other's.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests roll their writes back, so the figures version never moves in most of them: the
# cache of figures is off, and tests/test_figures_cache.py turns it on.
FIGURES_CACHE_SECONDS = 0
