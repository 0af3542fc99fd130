from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts import views as accounts_views
from meetings import api as meetings_api
from mou import api as mou_api

from . import api, dashboard_views, feeds, health, report_views, search_views, views

router = DefaultRouter()
router.register("bodies", api.BodyViewSet, basename="body")
router.register("agencies", api.AgencyViewSet, basename="agency")
router.register("members", api.MemberViewSet, basename="member")
router.register("milestones", api.MilestoneViewSet, basename="milestone")
router.register("meetings", meetings_api.MeetingViewSet, basename="meeting")
router.register(r"meetings/(?P<meeting_pk>[^/]+)/items", meetings_api.AgendaItemViewSet, basename="agenda-item")
router.register("papers", meetings_api.PaperViewSet, basename="paper")
router.register("decisions", meetings_api.DecisionViewSet, basename="decision")
router.register("action-items", meetings_api.ActionItemViewSet, basename="action-item")
router.register("agreements", mou_api.AgreementViewSet, basename="agreement")
router.register(
    r"agreements/(?P<agreement_pk>[^/]+)/versions", mou_api.AgreementVersionViewSet, basename="agreement-version"
)
router.register(r"agreements/(?P<agreement_pk>[^/]+)/steps", mou_api.WorkflowStepViewSet, basename="agreement-step")

# A request Django cannot read (a body too large, too many fields) answers the API's error shape on the API.
handler400 = "taskforce.errors.bad_request"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    # Namespaced: the router's names (agency-list, milestone-detail, ...) would otherwise collide with the pages'.
    path("api/v1/schedule/", api.ScheduleView.as_view(), name="api-schedule"),
    path("api/v1/sharing/", mou_api.SharingView.as_view(), name="api-sharing"),
    path("api/v1/", include((router.urls, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Its script is served from the same address (?script) rather than inline, for the Content Security Policy.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Calendar feeds: no sign-in and no language prefix; the secret in the address is the credential.
    path("feeds/<str:secret>.ics", feeds.calendar_feed, name="calendar-feed"),
    path("feeds/<str:secret>/bodies/<str:acronym>.ics", feeds.body_calendar_feed, name="body-calendar-feed"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("security/lockouts/", accounts_views.lockout_list, name="lockout-list"),
    path("bodies/<str:acronym>/", views.body_detail, name="body-detail"),
    path("bodies/<str:acronym>/milestones/new/", views.milestone_create, name="milestone-create"),
    path("milestones/<int:pk>/", views.milestone_detail, name="milestone-detail"),
    path("milestones/<int:pk>/edit/", views.milestone_edit, name="milestone-edit"),
    path("agencies/", views.agency_list, name="agency-list"),
    path("agencies/<str:acronym>/", views.agency_detail, name="agency-detail"),
    path("translations/", views.translation_list, name="translation-list"),
    path("members/", views.member_list, name="member-list"),
    path("members/<str:username>/", views.member_detail, name="member-detail"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/preferences/", views.notification_preferences, name="notification-preferences"),
    path("notifications/deliveries/", views.delivery_list, name="delivery-list"),
    path("account/tokens/", views.api_token_list, name="api-token-list"),
    path("account/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("account/calendar/", views.calendar_feed_settings, name="calendar-feed-settings"),
    path("audit/", views.audit_log, name="audit-log"),
    path("audit/export/", views.audit_log_export, name="audit-log-export"),
    # Dashboards and calendar
    path("calendar/", dashboard_views.calendar, name="calendar"),
    path("milestones/timeline/", dashboard_views.timeline, name="milestone-timeline"),
    path("agreements/", include("mou.urls")),
    path("meetings/", include("meetings.urls")),
    # Reports and search
    path("reports/", report_views.report_builder, name="report-builder"),
    path("reports/exports/<str:register>.csv", report_views.register_export, name="register-export"),
    path("reports/<str:acronym>/", report_views.report_detail, name="report-detail"),
    path("reports/<str:acronym>/pdf/", report_views.report_pdf, name="report-pdf"),
    path("search/", search_views.search_page, name="search"),
)
