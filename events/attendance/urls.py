"""The organiser's attendance sheet with its export, and self check-in for registered people."""

from django.urls import path

from events.attendance import views

urlpatterns = [
    path("<uuid:code>/attendance/", views.attendance, name="attendance"),
    path("<uuid:code>/attendance/export.<str:fmt>", views.attendance_export, name="attendance_export"),
    path("<uuid:code>/checkin/", views.checkin, name="checkin"),
]
