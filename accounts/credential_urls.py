from django.urls import path

from . import views

# Under /<language>/account/: the member's own API tokens and calendar feed address.
urlpatterns = [
    path("tokens/", views.api_token_list, name="api-token-list"),
    path("tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("calendar/", views.calendar_feed_settings, name="calendar-feed-settings"),
]
