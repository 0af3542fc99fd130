"""The test suite: PostgreSQL (DATABASE_URL or the embedded server), fast hashing, mail kept in memory."""

from .base import *  # noqa: F401,F403

DEBUG = False
SECRET_KEY = "test-only-not-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Hashing dominates sign-in heavy tests; the real hashers are exercised in production settings.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# In memory, unless EMAIL_URL names a server: the Celery worker the delivery tests start sends to a real
# SMTP server on loopback (pytest itself always gets Django's in-memory outbox).
if not env("EMAIL_URL", default=""):  # noqa: F405
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The delivery tests run their workers, sweeps and beat on a queue of their own (tests/support/live.py).
CELERY_TASK_DEFAULT_QUEUE = env("NOTIFY_TEST_QUEUE", default="celery")  # noqa: F405
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# Each test process keeps its own throttle counters; the throttling tests set their own rate.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
API_THROTTLE_RATE = "100000/hour"
API_TOKEN_FAILURE_RATE = "100000/hour"
# A commit need not wait for the disk: a test database is thrown away, never recovered after a crash.
DATABASES["default"]["OPTIONS"]["options"] += " -c synchronous_commit=off"  # noqa: F405
