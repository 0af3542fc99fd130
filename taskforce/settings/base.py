"""Settings shared by every environment. Values that differ between machines come from the environment."""

import datetime
from pathlib import Path
from urllib.parse import unquote

from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from taskforce.logs import logging_config

from .env import env, secret

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = secret("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
# `load_demo` (known passwords) runs without --force only where DEBUG is on or on the local portal of `make run`.
DEMO_ON_LOCAL_PORTAL = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "members",
    "taskforce",
    "audit",
    "notifications",
    "accounts",
    "meetings",
    "mou",
    "portal",
    # Operations: health probes, backups and restore, the deployment check, the embedded database, `migrate` under a
    # lock (its command replaces Django's).
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything that reads the Host header or the session: /healthz and /readyz answer an orchestrator
    # calling the container's own address (with the security headers above, which need no host).
    "ops.health.ProbeMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages take GET, HEAD and POST only; 405 for any other method, before sessions or views.
    "taskforce.middleware.PageMethodsMiddleware",
    # A NUL anywhere in the address, the query or a form answers 400 before anything reads it.
    "taskforce.middleware.ControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Who, from where and through which channel, for every change and event the request records (the audit trail).
    "taskforce.middleware.AuditContextMiddleware",
    # One log line per request with its id, which the response carries in X-Request-ID.
    "taskforce.logs.RequestLogMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "taskforce.middleware.ActorTimeZoneMiddleware",
    # After authentication: saves the page's language as the member's preferred one, and in the cookie.
    "taskforce.middleware.RememberLanguageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Innermost: turns a refused sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Health probes come over plain HTTP from inside the deployment, even where SECURE_SSL_REDIRECT is on (production).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Content Security Policy on every response (django-csp): no inline script, nothing framed, nothing plugged in.
# Styles: the design system's components adopt constructable stylesheets (not subject to style-src), but
# Stencil also inserts one <style> that hides components until they hydrate; it carries the per-request
# nonce it reads from <meta name="csp-nonce"> in base.html, so style-src needs no 'unsafe-inline'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

ROOT_URLCONF = "taskforce.urls"
WSGI_APPLICATION = "taskforce.wsgi.application"

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
                "taskforce.context_processors.portal",
            ],
            # Its `date` filter replaces Django's (a later builtin's filter wins): French's "1er" on every page.
            "builtins": ["taskforce.templatetags.dates"],
        },
    },
]
# Django renders form fields through templates/django/forms/, so every form uses the design system.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"


def _database() -> dict:
    url = secret("DATABASE_URL")
    if url:
        config = env.db_url_config(url)
        # A Unix-socket directory is percent-encoded in the URL's host, as libpq's URIs do it.
        config["HOST"] = unquote(str(config.get("HOST", "")))
    else:
        # No DATABASE_URL: a PostgreSQL server kept under var/ (the embedded default). Named by string, as
        # MIDDLEWARE names ops' probes: ops sits above every layer, and nothing in the core imports it.
        config = import_string("ops.embedded_db.embedded_database_config")(VAR_DIR)
    config.setdefault("OPTIONS", {})
    # PostgreSQL's JIT compiles any plan it estimates expensive (scoped queries over the large grant tables), and
    # compiling takes longer than the query runs: off, as for any short-query workload (bench/README.md).
    config["OPTIONS"].setdefault("options", "-c jit=off")
    config["CONN_HEALTH_CHECKS"] = True
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "members.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses any sign-in attempt while the username or the address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Guardian's anonymous user would be a real row in the member directory; the portal has no anonymous access.
ANONYMOUS_USER_NAME = None
# Object permissions live in per-model tables with real foreign keys (guardian's performance guide).
GUARDIAN_MONKEY_PATCH_USER = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Toronto"
# Dates written one way per language, month in words (taskforce/formats/).
FORMAT_MODULE_PATH = ["taskforce.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded papers: a folder every web and worker process shares (a shared volume when there are several hosts).
MEDIA_ROOT = env("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Where `manage.py backup` (`make backup`) writes, one folder per backup.
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(VAR_DIR / "backups")))
STORAGES = {
    # Uploaded papers are private: they are served only by views that check visibility.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

REDIS_URL = secret("REDIS_URL")

# Without EMAIL_URL, each message is written as a file in var/mail (the local mailbox of `make run`).
email_config = (
    env.email_url("EMAIL_URL")
    if env("EMAIL_URL", default="")
    else {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend", "EMAIL_FILE_PATH": str(VAR_DIR / "mail")}
)
EMAIL_BACKEND = email_config["EMAIL_BACKEND"]
EMAIL_HOST = email_config.get("EMAIL_HOST", "")
EMAIL_PORT = email_config.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = email_config.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = secret("EMAIL_HOST_PASSWORD") or email_config.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = email_config.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = email_config.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = email_config.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Task force portal <portal@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Calendar replies (docs/calendar-replies.md). Invitations name as their organizer this address with a signed token
# after a "+" (replies+<token>@portal.example.org), so that Accept in a calendar app reaches the portal's mail
# receiver (`manage.py receive_mail`), which listens on MAIL_RECEIVER_ADDRESS and speaks SMTP, or LMTP for a mail
# server that hands it mail. By default the address is "replies" at the domain of DEFAULT_FROM_EMAIL.
CALENDAR_REPLY_ADDRESS = env("CALENDAR_REPLY_ADDRESS", default="") or (
    "replies@" + (DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") if "@" in DEFAULT_FROM_EMAIL else "localhost")
)
MAIL_RECEIVER_ADDRESS = env("MAIL_RECEIVER_ADDRESS", default="127.0.0.1:2525")
MAIL_RECEIVER_PROTOCOL = env("MAIL_RECEIVER_PROTOCOL", default="smtp")
# A calendar reply is a few kilobytes (Outlook's, with its HTML body, some tens): anything over this is refused.
MAIL_RECEIVER_MAX_BYTES = env.int("MAIL_RECEIVER_MAX_BYTES", default=1024 * 1024)

# Celery: JSON only, bounded tasks; the broker is Redis, or a folder under var/ when REDIS_URL is unset.
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {}
    if REDIS_URL
    else {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
    }
)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Workers log through LOGGING (taskforce/celery.py), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Failed emails are retried with exponential backoff (base * 2^n seconds), then kept as failed.
EMAIL_MAX_RETRIES = env.int("EMAIL_MAX_RETRIES", default=6)
EMAIL_RETRY_BASE_SECONDS = env.int("EMAIL_RETRY_BASE_SECONDS", default=30)

# The meeting package (meetings/package.py): LibreOffice's command, how long one Office paper may take to convert,
# and how long a whole package may take to build in the worker before it is marked failed.
PACKAGE_SOFFICE = env("PACKAGE_SOFFICE", default="soffice")
PACKAGE_CONVERSION_SECONDS = env.int("PACKAGE_CONVERSION_SECONDS", default=120)
PACKAGE_BUILD_SECONDS = env.int("PACKAGE_BUILD_SECONDS", default=1800)

# Reverse proxies in front of the portal that append the client's address to X-Forwarded-For (1 behind the usual
# TLS proxy); with 0 the connection's own address is the client's, and X-Forwarded-For is ignored.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

REST_FRAMEWORK = {
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.authentication.TokenAccess",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.authentication.TokenRateThrottle"],
    # DRF's parsers, JSON bounded in depth: a body nested 100,000 levels deep is a 400, not a RecursionError.
    "DEFAULT_PARSER_CLASSES": [
        "taskforce.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "taskforce.api.PortalSchema",
    "DEFAULT_PAGINATION_CLASS": "taskforce.pagination.CursorPagination",
    "EXCEPTION_HANDLER": "taskforce.api.exception_handler",
    "PAGE_SIZE": 50,
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
}
# Requests per token (or browser session) before the API answers 429 with Retry-After.
API_THROTTLE_RATE = env("API_THROTTLE_RATE", default="1200/hour")
# Refused API tokens per client address before every token from it gets 429 with Retry-After.
API_TOKEN_FAILURE_RATE = env("API_TOKEN_FAILURE_RATE", default="20/hour")
# Throttle counters are shared by every web process through Redis when there is one.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("CACHE_URL", default=REDIS_URL)}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Task force portal API",
    "DESCRIPTION": "Bodies, milestones and schedules of the task forces the caller belongs to.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "taskforce.api.plain_nullable_objects",
    ],
    # Without deep links: they put a link inside each operation's button, which assistive technologies cannot reach.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "ENUM_NAME_OVERRIDES": {
        "AgreementStatusEnum": "mou.models.Agreement.Status",
        "AgreementKindEnum": "mou.models.Agreement.Kind",
        "AgendaItemKindEnum": "meetings.models.ItemKind",
        "AgendaSourceEnum": "meetings.serializers.AGENDA_SOURCES",
    },
}

# Human-readable lines, or JSON with LOG_FORMAT=json (the production default); each names its request id.
LOGGING = logging_config()

# Shown in the portal's header and in emails.
PORTAL_NAME = env("PORTAL_NAME", default="Task force portal")
PORTAL_NAME_FR = env("PORTAL_NAME_FR", default="Portail du groupe de travail")
# The address members reach the portal at, for links in emails and calendar feeds.
PORTAL_URL = env("PORTAL_URL", default="http://127.0.0.1:8000")

# Dashboards (portal/dashboards.py): how many days ahead the secretariat's home looks for meetings whose agenda
# is not circulated or whose invitees have not answered (the page's `days` parameter overrides it), and how far
# ahead a member's home lists their agency's milestones and approval steps coming due.
DASHBOARD_AGENDA_DAYS = 28
DASHBOARD_DUE_SOON_DAYS = 60

# Accounts and sign-in (accounts/).
# Sign-in lockouts (django-axes): failures count per username and, separately, per address, so neither rotating
# addresses nor rotating usernames gets round them; the secretariat can lift a lockout early.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
AXES_LOCKOUT_CALLABLE = "accounts.lockouts.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.lockouts.client_address"
AXES_VERBOSE = False
# Two-factor authentication: the name authenticator apps show beside the account; the admin lists members'
# devices (to delete a lost one) without showing their keys or recovery codes.
OTP_TOTP_ISSUER = PORTAL_NAME
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A session ends after this long without a request, and this long after signing in whatever the activity
# (accounts/middleware.py); the cookie itself never outlives the second. Shorter limits can be set to try them.
SESSION_IDLE_TIMEOUT = datetime.timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
SESSION_ABSOLUTE_LIFETIME = datetime.timedelta(minutes=env.int("SESSION_LIFETIME_MINUTES", default=12 * 60))
if not (datetime.timedelta(minutes=1) <= SESSION_IDLE_TIMEOUT <= SESSION_ABSOLUTE_LIFETIME
        <= datetime.timedelta(hours=12)):
    raise ImproperlyConfigured(
        "SESSION_IDLE_MINUTES must be at least 1 and at most SESSION_LIFETIME_MINUTES, which is at most 720 (12 hours)."
    )
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_LIFETIME.total_seconds())
