"""The guest's page, mounted under /<language>/guest/: no sign-in; the signed token in the address is the credential
(meetings/guest_links.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("<str:token>/", views.guest_page, name="guest-page"),
]
