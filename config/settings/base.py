"""Settings shared by every environment. Everything that differs between
installations comes from environment variables (documented in README.md)."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal",
    "backoffice",
    # Wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.simple_translation",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "wagtailcache",
    "modelcluster",
    "taggit",
    # Accounts
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "portal.mitid",
    # Background work
    "django_tasks",
    "django_tasks_db",
    # Django
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "storages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Anonymous visitors get whole public pages from the shared cache; the
    # cache is cleared when an editor publishes (portal.signals).
    "wagtailcache.cache.UpdateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff pages (/admin/) need two-factor sign-in; citizens never reach them.
    "backoffice.mfa.StaffMFAMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtailcache.cache.FetchFromCacheMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "portal.context_processors.site_context",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# --- Database: SQLite in the project folder unless DATABASE_URL says otherwise.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when REDIS_URL is set, otherwise a file cache so that
# several local processes still share (and clear) one page cache.
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis keeps one client per process; Django's own Redis
            # backend builds a new client on every call, which doubled the
            # cost of a cached page in the benchmark.
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "microloans"),
            "TIMEOUT": 600,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / ".cache"),
            "TIMEOUT": 600,
        }
    }
WAGTAIL_CACHE = env_bool("PAGE_CACHE", True)
WAGTAIL_CACHE_BACKEND = "default"
WAGTAIL_CACHE_HEADER = "X-Page-Cache"

# --- Passwords and accounts
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"

ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_USER_DISPLAY = "portal.adapters.user_display"
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated here so they are visible and reviewed.
    "change_password": "5/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", "http")

# Sign-in with MitID through NemLog-in (OpenID Connect, portal/mitid). Off
# unless MITID_OIDC_CLIENT_ID is set; README "MitID through NemLog-in".
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_ADAPTER = "portal.adapters.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = True
# MitID gives no e-mail address: the account is made without one and the
# application asks for it. The sign-in itself is the proof of identity.
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_PROVIDERS = {}
MITID_OIDC_CLIENT_ID = env("MITID_OIDC_CLIENT_ID", "")
if MITID_OIDC_CLIENT_ID:
    SOCIALACCOUNT_PROVIDERS["mitid"] = {
        "APPS": [
            {
                "name": "MitID",
                "client_id": MITID_OIDC_CLIENT_ID,
                "secret": env("MITID_OIDC_CLIENT_SECRET", ""),
                "settings": {
                    # The issuer; its /.well-known/openid-configuration is read.
                    "server_url": env("MITID_OIDC_SERVER_URL", ""),
                    "oauth_pkce_enabled": True,
                    "token_auth_method": env("MITID_OIDC_TOKEN_AUTH_METHOD", "client_secret_post"),
                    "fetch_userinfo": env_bool("MITID_OIDC_FETCH_USERINFO", False),
                },
            }
        ]
    }
MITID_SCOPES = env_list("MITID_OIDC_SCOPES", "openid")
MITID_ACR_VALUES = env("MITID_OIDC_ACR_VALUES", "https://data.gov.dk/concept/core/nsis/Substantial")
MITID_MIN_LOA = env("MITID_MIN_LOA", "substantial")  # NSIS: low < substantial < high
MITID_ID_TOKEN_ALGORITHMS = env_list("MITID_ID_TOKEN_ALGORITHMS", "RS256,PS256,ES256")
# Claim names, if the client registration delivers others than NemLog-in's
# defaults (portal/mitid/claims.py): MITID_CLAIM_CPR, MITID_CLAIM_LOA, ...
MITID_CLAIMS = {
    key: env(f"MITID_CLAIM_{key.upper()}")
    for key in ("cpr", "loa", "full_name", "first_name", "last_name") if env(f"MITID_CLAIM_{key.upper()}")
}
# The key of the CPR look-up hash (portal/mitid/claims.py). Set it once and
# keep it: a new key means citizens' next MitID sign-in makes new accounts.
CPR_LOOKUP_KEY = env("CPR_LOOKUP_KEY", "")
# Citizens may make accounts with e-mail and password (demo, and
# municipalities without NemLog-in). Production turns this off when MitID
# is configured (config/settings/production.py).
CITIZEN_PASSWORD_SIGNUP = env_bool("CITIZEN_PASSWORD_SIGNUP", True)

# --- Two-factor sign-in (allauth.mfa): an authenticator app (TOTP) with
# recovery codes. Staff are everyone who may open the Wagtail admin; with
# STAFF_REQUIRE_MFA on (the default; dev turns it off for the demo) they must
# set up an authenticator app and pass the code step before any /admin/ page
# (backoffice/mfa.py). The admin's own login page sends to allauth's.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "")  # empty: "Mikrolån – <municipality>" of the site
MFA_RECOVERY_CODE_COUNT = 10
MFA_TRUST_ENABLED = False  # no "trust this browser": every staff sign-in asks for a code
MFA_ADAPTER = "backoffice.mfa.MFAAdapter"
MFA_FORMS = {
    "authenticate": "backoffice.mfa.AuthenticateForm",
    "reauthenticate": "backoffice.mfa.ReauthenticateForm",
    "activate_totp": "backoffice.mfa.ActivateTOTPForm",
}
STAFF_REQUIRE_MFA = env_bool("STAFF_REQUIRE_MFA", True)
WAGTAILADMIN_LOGIN_URL = "account_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False  # one password reset: allauth's

# --- Internationalisation: Danish first, English second.
LANGUAGE_CODE = "da"
LANGUAGES = [("da", "Dansk"), ("en", "English")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True

# --- Static files and media
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = []
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"
# Citizens' uploads never live under MEDIA_ROOT: they are served only through
# views that check who may see them.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private_media")))

# --- Citizens' uploads (backoffice/uploads.py, upload_handlers.py, scanning.py)
UPLOAD_ALLOWED_TYPES = env_list("UPLOAD_ALLOWED_TYPES", "pdf,docx,odt,xlsx,ods,jpg,png")
UPLOAD_MAX_FILE_BYTES = int(env("UPLOAD_MAX_FILE_BYTES", str(20 * 1024 * 1024)))
UPLOAD_MAX_APPLICATION_BYTES = int(env("UPLOAD_MAX_APPLICATION_BYTES", str(100 * 1024 * 1024)))
UPLOAD_MAX_IMAGE_PIXELS = int(env("UPLOAD_MAX_IMAGE_PIXELS", "40000000"))
# Office files are zip archives: refuse zip bombs from the central directory, never unpacking.
UPLOAD_ZIP_MAX_ENTRIES = 1000
UPLOAD_ZIP_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
UPLOAD_ZIP_MAX_RATIO = 100  # only applied above 1 MB uncompressed
# Virus scan: ClamAV's clamd when CLAMD_HOST or CLAMD_SOCKET is set. With a scanner
# configured, a file that cannot be scanned is refused (fail closed).
CLAMD_HOST = env("CLAMD_HOST", "")
CLAMD_PORT = int(env("CLAMD_PORT", "3310"))
CLAMD_SOCKET = env("CLAMD_SOCKET", "")
UPLOAD_SCAN_TIMEOUT = float(env("UPLOAD_SCAN_TIMEOUT", "30"))
UPLOAD_SCANNER = env("UPLOAD_SCANNER", "")  # dotted path of a scanner class; empty: chosen from CLAMD_*

AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", "")
AWS_PRIVATE_STORAGE_BUCKET_NAME = env("AWS_PRIVATE_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME") or None
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY") or None
AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN") or None

if AWS_STORAGE_BUCKET_NAME:
    _public_media = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "default_acl": None,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
else:
    _public_media = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

if AWS_PRIVATE_STORAGE_BUCKET_NAME:
    from boto3.s3.transfer import TransferConfig

    # Objects are private because the bucket is: Block Public Access on and
    # no bucket policy granting reads (README). No ACL is sent: a bucket with
    # ACLs disabled (AWS's default, "bucket owner enforced") refuses uploads
    # naming one, even "private"; without an ACL an object is owner-only.
    # The app streams these files through its own views; a signed URL, if
    # one is ever made, is never the public-media CDN's and lives 5 minutes.
    _private_media = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_PRIVATE_STORAGE_BUCKET_NAME,
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": 300,
            "custom_domain": None,
            "file_overwrite": False,
            # One streamed PUT per file instead of boto3's default multipart
            # upload, which reads 8 MB parts into memory, several at a time:
            # measured +28 MB and growing per 19 MB upload, against +4 MB
            # flat with this (bench/uploads.py).
            "transfer_config": TransferConfig(
                multipart_threshold=max(64 * 1024 * 1024, 2 * UPLOAD_MAX_FILE_BYTES)),
        },
    }
else:
    _private_media = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    }

STORAGES = {
    "default": _public_media,
    "private": _private_media,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- E-mail
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "mikrolaan@example.invalid")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Deadlines (backoffice.deadlines). Days ("MM-DD") on which the
# municipality's offices are closed although they are not public holidays
# by law: Grundlovsdag (from noon), Christmas Eve and New Year's Eve are
# days off for public employees by agreement, so a deadline that ends on
# one moves to the next working day like one on a holiday.
DEADLINE_EXTRA_CLOSED_DAYS = ["06-05", "12-24", "12-31"]

# --- Background work (django-tasks). Immediate in development; production
# uses the database backend and a worker: `manage.py db_worker`.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"),
    }
}

# --- CPR and CVR registers (backoffice/registers/). "local": the fixtures in
# backoffice/registers/fixtures (development, demo, tests). Production:
# CVR_REGISTER="virk" (Erhvervsstyrelsen's system-to-system access, basic
# auth); CPR_REGISTER="serviceplatformen" (SF1520 PersonLookup over mutual TLS
# with SERVICEPLATFORMEN_CERT_PATH and the service agreement's four UUIDs).
CPR_REGISTER = env("CPR_REGISTER", "local")
CPR_API_URL = env("CPR_API_URL", "")  # empty: Serviceplatformen's SF1520 endpoint (test or production)
CPR_API_TIMEOUT = float(env("CPR_API_TIMEOUT", "10"))
CPR_SERVICE_AGREEMENT_UUID = env("CPR_SERVICE_AGREEMENT_UUID", "")
CPR_USER_SYSTEM_UUID = env("CPR_USER_SYSTEM_UUID", "")
CPR_USER_UUID = env("CPR_USER_UUID", "")
CPR_SERVICE_UUID = env("CPR_SERVICE_UUID", "")
CVR_REGISTER = env("CVR_REGISTER", "local")
CVR_API_URL = env("CVR_API_URL", "http://distribution.virk.dk")
CVR_API_USER = env("CVR_API_USER", "")
CVR_API_PASSWORD = env("CVR_API_PASSWORD", "")
CVR_API_TIMEOUT = float(env("CVR_API_TIMEOUT", "10"))

# --- Digital Post (letters to the citizen; backoffice/digital_post/).
# "outbox" keeps the MeMo message in the database and marks the letter
# available at once (development, tests); "serviceplatformen" sends it through
# KOMBIT's Serviceplatformen (SF1601) with the municipality's CVR as sender.
DIGITAL_POST_TRANSPORT = env("DIGITAL_POST_TRANSPORT", "outbox")
# The KLE subject key new cases are classified by, and so their letters are
# marked with: main group 24 "Erhvervsforhold" (the scheme helps citizens
# start a business). A municipality that journalises the scheme elsewhere
# (e.g. 24.10.07 or the employment effort, group 15) sets its own number on
# the municipality in the admin; each case carries its own (services.journal).
DIGITAL_POST_KLE_NUMBER = env("DIGITAL_POST_KLE_NUMBER", "24.00.00")
# A citizen exempt from Digital Post gets the letter as physical mail
# (Fjernprint through Serviceplatformen); off: staff print and post it.
DIGITAL_POST_PHYSICAL_MAIL = env_bool("DIGITAL_POST_PHYSICAL_MAIL", True)
# The "ForsendelseTypeIdentifikator" the print provider hands out for Fjernprint.
DIGITAL_POST_PHYSICAL_MAIL_TYPE = int(env("DIGITAL_POST_PHYSICAL_MAIL_TYPE", "0"))
# The organisation certificate (certificate and key in one PEM file).
SERVICEPLATFORMEN_CERT_PATH = env("SERVICEPLATFORMEN_CERT_PATH", "")
SERVICEPLATFORMEN_TEST = env_bool("SERVICEPLATFORMEN_TEST", False)
# Overrides the environment's base URL (e.g. a local test peer); empty: the
# library's production or test URL.
SERVICEPLATFORMEN_URL = env("SERVICEPLATFORMEN_URL", "")
# A fixed access token for a local test peer; empty: the token comes from
# KOMBIT's security token service. Never set in production.
SERVICEPLATFORMEN_ACCESS_TOKEN = env("SERVICEPLATFORMEN_ACCESS_TOKEN", "")

# --- Payouts through NemKonto (backoffice/payments/, docs/payment-orders.md).
# "file": the coordinator downloads the batch of payment orders as a CSV
# file for the finance system (KMD Opus, Prisme, …); or the dotted path of a
# transport class for a direct integration.
PAYMENT_TRANSPORT = env("PAYMENT_TRANSPORT", "file")

# --- Wagtail
WAGTAIL_SITE_NAME = "Mikrolån"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "odt", "xlsx", "ods", "csv", "txt"]
WAGTAIL_ALLOW_UNICODE_SLUGS = False
WAGTAILIMAGES_IMAGE_MODEL = "portal.SiteImage"
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {
        "WIDGET": "wagtail.admin.rich_text.DraftailRichTextArea",
        "OPTIONS": {"features": ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]},
    }
}

# --- Security defaults shared by all environments
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
