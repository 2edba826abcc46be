"""Embedded default: SQLite, local files, e-mails printed to the console."""

from .base import *  # noqa: F401,F403
from .base import env, env_bool, env_list

DEBUG = True
SECRET_KEY = env("SECRET_KEY") or "dev-only-not-secret-3b0f9f1d2c6e4d8a"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Whole-page caching hides template and translation changes while developing.
WAGTAIL_CACHE = env_bool("PAGE_CACHE", False)
STAFF_REQUIRE_MFA = env_bool("STAFF_REQUIRE_MFA", False)  # demo: staff sign in with a password only
