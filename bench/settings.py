"""The benchmark's server: production settings, served over plain HTTP on loopback.

Only what loopback needs is relaxed (no HTTPS redirect or secure-only cookies, throttling out of the way of the
load generator), and the URLconf adds the baselines next to the product's URLs. Never used outside `bench/`.
"""

from taskforce.settings.production import *  # noqa: F401,F403

ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
# The load generator is one client sending thousands of requests a second.
API_THROTTLE_RATE = "1000000000/hour"
API_TOKEN_FAILURE_RATE = "1000000000/hour"
ROOT_URLCONF = "bench.urls"
# Static files are not what is measured, and the manifest would need collectstatic.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
