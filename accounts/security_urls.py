from django.urls import path

from . import views

# Under /<language>/security/: the secretariat's view of locked-out sign-ins.
urlpatterns = [
    path("lockouts/", views.lockout_list, name="lockout-list"),
]
