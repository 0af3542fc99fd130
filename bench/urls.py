"""The product's URLs, and the baselines at /bench/ (served by the benchmark's server only)."""

from django.urls import path

from taskforce.urls import urlpatterns as product

from . import baselines

urlpatterns = [
    path("bench/l0/meetings", baselines.l0_meetings),
    path("bench/l1/meetings", baselines.l1_meetings),
    path("bench/l0/items", baselines.l0_items),
    path("bench/l1/items", baselines.l1_items),
    *product,
]
