"""Production: every secret and host from the environment; HTTPS only."""

from django.core.exceptions import ImproperlyConfigured

from taskforce.logs import logging_config

from .base import *  # noqa: F401,F403
from .env import env, secret

DEBUG = False
SECRET_KEY = secret("SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set in production.")
if not secret("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL (or DATABASE_URL_FILE) must be set in production.")

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
# psycopg 3's connection pool, one per process (Django's native pooling; needs CONN_MAX_AGE 0).
if env.bool("DATABASE_POOL", default=True):
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
    DATABASES["default"]["OPTIONS"]["pool"] = {  # noqa: F405
        "min_size": 1,
        "max_size": env.int("DATABASE_POOL_MAX", default=8),
    }
# One JSON object per log line, for the log collector (LOG_FORMAT=text for human-readable lines).
LOGGING = logging_config(default_format="json")
