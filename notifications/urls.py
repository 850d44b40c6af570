from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.preferences, name="preferences"),
    path("<uuid:code>/", views.open_notification, name="open"),
    path("<uuid:code>/read/", views.mark_read, name="mark_read"),
]
