"""The API's addresses. The core registers its own endpoints and each feature registers its viewsets and views here
in its AppConfig.ready, so that the project's URLs need import no feature (the way the schedule's sources register
with `taskforce.schedule`)."""

from django.urls import URLPattern, path
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
_paths: list[URLPattern] = []


def register_viewset(prefix: str, viewset, *, basename: str) -> None:
    """A viewset under /api/v1/<prefix>/, its names in the `api` namespace (`api:<basename>-list`)."""
    router.register(prefix, viewset, basename=basename)


def register_path(route: str, view, *, name: str) -> None:
    """A view at /api/v1/<route>, named without a namespace (as `api-schedule` is)."""
    _paths.append(path(f"api/v1/{route}", view, name=name))


def paths() -> list[URLPattern]:
    return list(_paths)
