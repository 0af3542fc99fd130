from django.urls import path

from . import views

# Under /<language>/notifications/.
urlpatterns = [
    path("", views.notification_list, name="notification-list"),
    path("<int:pk>/open/", views.notification_open, name="notification-open"),
    path("preferences/", views.notification_preferences, name="notification-preferences"),
    path("deliveries/", views.delivery_list, name="delivery-list"),
    path("deliveries/sent/", views.delivery_sent_list, name="delivery-sent-list"),
]
