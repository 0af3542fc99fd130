from django.urls import path

from . import views

# Under /<language>/accounts/.
urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.sign_out, name="logout"),
    path("password/", views.password_change, name="password-change"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("two-factor/enrol/", views.two_factor_enrol, name="two-factor-enrol"),
    path("two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
]
