"""The meeting pages, mounted under /<language>/meetings/."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.meeting_list, name="meeting-list"),
    path("new/", views.meeting_create, name="meeting-create"),
    path("series/new/", views.series_create, name="series-create"),
    path("review/", views.agendas_to_review, name="agendas-to-review"),
    path("register/", views.register, name="register"),
    path("templates/<str:acronym>/", views.agenda_template, name="agenda-template"),
    path("<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("<int:pk>/edit/", views.meeting_edit, name="meeting-edit"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="meeting-cancel"),
    path("<int:pk>/delete/", views.meeting_delete, name="meeting-delete"),
    path("<int:pk>/rsvp/", views.rsvp, name="rsvp"),
    path("<int:pk>/agenda/new/", views.agenda_item_create, name="agenda-item-create"),
    path("<int:pk>/agenda/start/", views.agenda_start, name="agenda-start"),
    path("<int:pk>/agenda/circulate/", views.agenda_circulate, name="agenda-circulate"),
    path("<int:pk>/agenda/finalise/", views.agenda_finalise, name="agenda-finalise"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/guests/new/", views.guest_add, name="guest-add"),
    path("guests/<int:pk>/remove/", views.guest_remove, name="guest-remove"),
    path("guests/<int:pk>/new-link/", views.guest_link_renew, name="guest-link-renew"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("<int:pk>/minutes/approve/", views.minutes_approve, name="minutes-approve"),
    path("<int:pk>/minutes/circulate/", views.minutes_circulate, name="minutes-circulate"),
    path("<int:pk>/minutes/review/", views.minutes_review, name="minutes-review"),
    path("<int:pk>/decisions/new/", views.decision_create, name="decision-create"),
    path("<int:pk>/actions/new/", views.action_item_create, name="action-item-create"),
    path("items/<int:pk>/", views.agenda_item_detail, name="agenda-item-detail"),
    path("items/<int:pk>/edit/", views.agenda_item_edit, name="agenda-item-edit"),
    path("items/<int:pk>/move/", views.agenda_item_move, name="agenda-item-move"),
    path("items/<int:pk>/withdraw/", views.agenda_item_withdraw, name="agenda-item-withdraw"),
    path("items/<int:pk>/papers/new/", views.paper_upload, name="paper-upload"),
    path("items/<int:pk>/comments/", views.comment_create, name="comment-create"),
    path("papers/<int:pk>/", views.paper_download, name="paper-download"),
    path("papers/<int:pk>/versions/", views.paper_versions, name="paper-versions"),
    path("papers/<int:pk>/versions/<int:number>/", views.paper_version_download, name="paper-version-download"),
    path("papers/<int:pk>/replace/", views.paper_replace, name="paper-replace"),
    path("actions/<int:pk>/status/", views.action_item_status, name="action-item-status"),
]
