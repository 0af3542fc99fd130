"""The composed pages (under the language prefix): home, calendar and timeline, reports and exports, search."""

from django.urls import path

from . import calendar_views, report_views, search_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("milestones/timeline/", calendar_views.timeline, name="milestone-timeline"),
    path("reports/", report_views.report_builder, name="report-builder"),
    path("reports/exports/<str:register>.csv", report_views.register_export, name="register-export"),
    path("reports/<str:acronym>/", report_views.report_detail, name="report-detail"),
    path("reports/<str:acronym>/pdf/", report_views.report_pdf, name="report-pdf"),
    path("search/", search_views.search_page, name="search"),
]
