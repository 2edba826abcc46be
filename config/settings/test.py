"""Test settings: fast hashing, in-memory mail and cache, tasks run inline."""

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, env

SECRET_KEY = "test-only-not-secret"
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
PRIVATE_MEDIA_ROOT = BASE_DIR / ".test_private_media"
STORAGES["private"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
}
MEDIA_ROOT = BASE_DIR / ".test_media"
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ACCOUNT_RATE_LIMITS = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False}
if env("TEST_PAGE_CACHE") is None:
    WAGTAIL_CACHE = False
# Never point the suite at a developer's real clamd; scanner tests bring their own.
CLAMD_HOST = CLAMD_SOCKET = ""
UPLOAD_SCANNER = ""
STAFF_REQUIRE_MFA = False  # tests that check two-factor turn it on: tests/staff_login.py
