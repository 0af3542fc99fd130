"""Local development: `make run`. Debug on, a fixed local key, mail written to var/mail."""

from .base import *  # noqa: F401,F403
from .env import env, secret

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = secret("SECRET_KEY") or "dev-only-not-secret-key-never-use-in-production-0123456789"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
