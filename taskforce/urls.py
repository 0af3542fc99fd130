from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import api, api_routes, views

# A request Django cannot read (a body too large, too many fields) answers the API's error shape on the API.
handler400 = "taskforce.errors.bad_request"

urlpatterns = [
    # The probes, /healthz and /readyz (ops/urls.py): by string, as the core imports nothing of ops.
    path("", include("ops.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/schedule/", api.ScheduleView.as_view(), name="api-schedule"),
    *api_routes.paths(),  # the features' own API views (registered in their AppConfig.ready)
    # Namespaced: the router's names (agency-list, milestone-detail, ...) would otherwise collide with the pages'.
    path("api/v1/", include((api_routes.router.urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Its script is served from the same address (?script) rather than inline, for the Content Security Policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Calendar feeds: no sign-in and no language prefix; the secret in the address is the credential.
    path("feeds/", include("accounts.feed_urls")),
]

urlpatterns += i18n_patterns(
    path("", include("portal.urls")),
    path("accounts/", include("accounts.urls")),
    path("security/", include("accounts.security_urls")),
    path("bodies/<str:acronym>/", views.body_detail, name="body-detail"),
    path("bodies/<str:acronym>/milestones/new/", views.milestone_create, name="milestone-create"),
    path("milestones/<int:pk>/", views.milestone_detail, name="milestone-detail"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone-edit"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("agencies/<str:acronym>/", views.agency_detail, name="agency-detail"),
    path("translations/", views.translation_list, name="translation-list"),
    path("members/", views.member_list, name="member-list"),
    path("members/<str:username>/", views.member_detail, name="member-detail"),
    path("notifications/", include("notifications.urls")),
    path("account/", include("accounts.credential_urls")),
    path("audit/", include("audit.urls")),
    path("agreements/", include("mou.urls")),
    path("meetings/", include("meetings.urls")),
    # A meeting's guest, without an account: the signed token in the address is the credential.
    path("guest/", include("meetings.guest_urls")),
)
