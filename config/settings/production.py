"""Production: PostgreSQL, S3, Redis, SMTP and a task worker, all configured
by environment variables. Refuses to start when a required one is missing."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env, env_bool, env_list

_INSECURE_KEY_MARKERS = ("dev-only", "test-only", "change-me", "insecure")


def _require(name):
    value = env(name, "")
    if not value:
        raise ImproperlyConfigured(
            f"The environment variable {name} must be set for production (see README.md)."
        )
    return value


SECRET_KEY = _require("SECRET_KEY")
if len(SECRET_KEY) < 50 or any(marker in SECRET_KEY for marker in _INSECURE_KEY_MARKERS):
    raise ImproperlyConfigured(
        "The environment variable SECRET_KEY must be a random value of at least 50 characters."
    )
_require("ALLOWED_HOSTS")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
DEBUG = False

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

SILENCED_SYSTEM_CHECKS = [
    # Wagtail's live preview and the inline document preview are same-origin
    # iframes, so X-Frame-Options stays SAMEORIGIN rather than DENY.
    "security.W019",
    # Joining the HSTS preload list binds the municipality's whole domain; it
    # is their decision (SECURE_HSTS_PRELOAD=true), not the application's.
    "security.W021",
]

# With NemLog-in configured, citizens sign in with MitID only: no password
# accounts for citizens (staff keep theirs, with two-factor).
if MITID_OIDC_CLIENT_ID:  # noqa: F405
    CITIZEN_PASSWORD_SIGNUP = False
    _require("CPR_LOOKUP_KEY")

TASKS = {"default": {"BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}
