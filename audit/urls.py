from django.urls import path

from . import views

# Under /<language>/audit/.
urlpatterns = [
    path("", views.audit_log, name="audit-log"),
    path("export/", views.audit_log_export, name="audit-log-export"),
]
