"""Local development: `make run`. A fixed local key, mail written to var/mail.

DEBUG is off, so the browser shows the portal's own 404 and 500 pages (Django's debug pages list every route of
the portal); the traceback of a 500 is still printed in the console by LOGGING. `DEBUG=true make run` brings back
Django's debug pages. The rest keeps the comforts of DEBUG: static files and templates are read afresh from the
source folders on every request."""

from .base import *  # noqa: F401,F403
from .env import env, secret

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = secret("SECRET_KEY") or "dev-only-not-secret-key-never-use-in-production-0123456789"
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# WhiteNoise serves static files from the source folders (no collectstatic), noticing new and changed files.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Templates are read on every request, as with DEBUG on (off, Django would cache them until a restart).
TEMPLATES = [{  # noqa: F405
    **TEMPLATES[0],  # noqa: F405
    "APP_DIRS": False,
    "OPTIONS": {
        **TEMPLATES[0]["OPTIONS"],  # noqa: F405
        "loaders": ["django.template.loaders.filesystem.Loader", "django.template.loaders.app_directories.Loader"],
    },
}]
# `make run` loads the demo (whose passwords are known) on this local portal although DEBUG is off.
DEMO_ON_LOCAL_PORTAL = True
