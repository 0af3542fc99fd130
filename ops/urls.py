"""The probes, at the root of the site (no language prefix), under the names `healthz` and `readyz`.

ProbeMiddleware (ops/health.py) answers these addresses before the host check and the session; the routes are
here so that they resolve, and are reversed, like any other address."""

from django.urls import path

from . import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
