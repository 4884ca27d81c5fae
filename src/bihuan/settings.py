"""Django settings for bihuan, read from BIHUAN_* environment variables (see .env.example)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import dj_email_url

from bihuan.core.calendar import parse_dates

PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


HOME = Path(os.environ.get("BIHUAN_HOME", "var")).resolve()
HOME.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("BIHUAN_DEBUG", False)


def _secret_key() -> tuple[str, bool]:
    """Return (key, given): the environment's key, or one generated once and kept under BIHUAN_HOME."""
    given = os.environ.get("BIHUAN_SECRET_KEY", "")
    if given:
        return given, True
    key_file = HOME / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip(), False


SECRET_KEY, SECRET_KEY_GIVEN = _secret_key()

ALLOWED_HOSTS = env_list("BIHUAN_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("BIHUAN_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # bihuan's apps come first so that their management commands (createsuperuser) take precedence
    "bihuan.core",
    "bihuan.org",
    "bihuan.blueprint",
    "bihuan.supervision",
    "bihuan.indicators",
    "bihuan.assessment",
    "bihuan.reports",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bihuan.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "bihuan.urls"
WSGI_APPLICATION = "bihuan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bihuan.core.context_processors.shell",
            ],
        },
    },
]


def _database() -> dict:
    url = os.environ.get("BIHUAN_DATABASE_URL", "")
    if not url:
        url = f"sqlite:///{HOME / 'bihuan.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=0 if url.startswith("sqlite") else 60)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE transactions serialise writers up front, so the audit chain never forks and
        # no transaction fails half-way with "database is locked"; WAL lets readers go on meanwhile.
        # A 64 MiB page cache (allocated as used; the default is 2 MiB) keeps a large import of statistics,
        # which maintains several indexes of a table of millions of rows, from being bound by the disk.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536;"
            ),
        }
    else:
        config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("BIHUAN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
FILES_ROOT = HOME / "files"  # evidence files (attachments), named by their SHA-256
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# The demo and tests serve straight from the package; `serve` collects into STATIC_ROOT first.
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 3600

# E-mail: BIHUAN_EMAIL_URL such as smtp://user:pass@mail.example.gov.cn:587/?tls=True
_email = dj_email_url.parse(os.environ.get("BIHUAN_EMAIL_URL", "console://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("BIHUAN_EMAIL_FROM", "bihuan@localhost")

# Background jobs through Django's tasks API: the database queue by default, RQ when Redis is given.
REDIS_URL = os.environ.get("BIHUAN_REDIS_URL", "")
if env_bool("BIHUAN_TASKS_IMMEDIATE"):
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "bihuan.core.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "bihuan.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "bihuan API",
    "DESCRIPTION": "The API of bihuan (闭环). Every endpoint applies the same permission policy as the pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # choice sets sharing a field name ("kind", "state") get names of their own
    "ENUM_NAME_OVERRIDES": {
        "BulletinKindEnum": "bihuan.reports.models.Kind",
        "BulletinStateEnum": "bihuan.reports.models.State",
        "SchemeStateEnum": "bihuan.assessment.models.SchemeState",
        "AdjustmentKindEnum": "bihuan.assessment.models.AdjustmentKind",
    },
}

# Security: strict in production, relaxed only when BIHUAN_DEBUG is on.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and env_bool("BIHUAN_HTTPS", True):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("BIHUAN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("BIHUAN_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# bihuan's own settings: thresholds and channels a deployment may tune.
BIHUAN = {
    "WEBHOOK_TIMEOUT": float(os.environ.get("BIHUAN_WEBHOOK_TIMEOUT", "10")),
    "DELIVERY_MAX_ATTEMPTS": int(os.environ.get("BIHUAN_DELIVERY_MAX_ATTEMPTS", "6")),
    "DELIVERY_RETRY_BASE_SECONDS": int(os.environ.get("BIHUAN_DELIVERY_RETRY_BASE_SECONDS", "60")),
    "IMPORT_MAX_BYTES": int(os.environ.get("BIHUAN_IMPORT_MAX_BYTES", str(20 * 1024 * 1024))),
    "IMPORT_MAX_ROWS": int(os.environ.get("BIHUAN_IMPORT_MAX_ROWS", "50000")),
    # Evidence files on tasks and reports, kept under BIHUAN_HOME/files
    "ATTACHMENT_MAX_BYTES": int(os.environ.get("BIHUAN_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024))),
    "ATTACHMENT_TYPES": tuple(
        os.environ.get(
            "BIHUAN_ATTACHMENT_TYPES",
            ".pdf,.ofd,.doc,.docx,.wps,.xls,.xlsx,.et,.ppt,.pptx,.txt,.csv,.jpg,.jpeg,.png,.zip",
        ).split(",")
    ),
    # Reminders sent by `bihuan tick`: days before a report or task falls due, and days late before the
    # responsible leader is told
    "REMIND_DAYS_BEFORE": int(os.environ.get("BIHUAN_REMIND_DAYS_BEFORE", "3")),
    "ESCALATE_AFTER_DAYS": int(os.environ.get("BIHUAN_ESCALATE_AFTER_DAYS", "7")),
    # Key-task warning lights (DESIGN.md §3)
    "WARNING_THRESHOLDS": {
        "warning_days": int(os.environ.get("BIHUAN_WARNING_DAYS", "7")),
        "report_soon_days": int(os.environ.get("BIHUAN_REPORT_SOON_DAYS", "3")),
        "grace_days": int(os.environ.get("BIHUAN_REPORT_GRACE_DAYS", "3")),
        "behind_margin": int(os.environ.get("BIHUAN_BEHIND_MARGIN", "20")),
    },
    # Our city on the indicator pages: an area's division code (e.g. 141000); empty = the root unit's code
    "HOME_AREA": os.environ.get("BIHUAN_HOME_AREA", "").strip(),
    # The public holidays and the weekend days worked instead (调休), as the State Council publishes them each
    # year: dates and ranges, e.g. "2026-10-01..2026-10-07" (bulletins are drafted on the first working day)
    "HOLIDAYS": parse_dates("BIHUAN_HOLIDAYS", os.environ.get("BIHUAN_HOLIDAYS", "")),
    "WORKDAYS": parse_dates("BIHUAN_WORKDAYS", os.environ.get("BIHUAN_WORKDAYS", "")),
    # A report deadline on a weekend or public holiday moves to the next working day (遇节假日顺延)
    "DEADLINES_ON_WORKING_DAYS": os.environ.get("BIHUAN_DEADLINES_ON_WORKING_DAYS", "1") != "0",
}
BIHUAN_BASE_URL = os.environ.get("BIHUAN_BASE_URL", "")  # for links in e-mails, e.g. https://bihuan.example.gov.cn

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BIHUAN_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
