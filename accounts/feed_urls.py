from django.urls import path

from . import feeds

# Calendar feeds: no sign-in and no language prefix; the secret in the address is the credential.
urlpatterns = [
    path("<str:secret>.ics", feeds.calendar_feed, name="calendar-feed"),
    path("<str:secret>/bodies/<str:acronym>.ics", feeds.body_calendar_feed, name="body-calendar-feed"),
]
