"""Agreement pages, under agreements/ in the language-prefixed part of the site."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.agreement_list, name="agreement-list"),
    path("sharing/", views.sharing_map, name="sharing-map"),
    path("sharing/matrix/", views.sharing_matrix, name="sharing-matrix"),
    path("<int:pk>/", views.agreement_detail, name="agreement-detail"),
    path("<int:pk>/submit/", views.agreement_submit, name="agreement-submit"),
    path("<int:pk>/move/", views.agreement_transition, name="agreement-transition"),
    path("<int:pk>/signatures/", views.signature_create, name="signature-create"),
    path("<int:pk>/steps/", views.step_create, name="step-create"),
    path("steps/<int:pk>/act/", views.step_act, name="step-act"),
    path("<int:pk>/versions/new/", views.version_create, name="version-create"),
    path("<int:pk>/versions/compare/", views.version_compare, name="version-compare"),
    path("<int:pk>/versions/<int:number>/", views.version_detail, name="version-detail"),
    path("<int:pk>/versions/<int:number>/restore/", views.version_restore, name="version-restore"),
    path("<int:pk>/versions/<int:number>/comments/", views.version_comment, name="version-comment"),
]
