"""The closing report of an event, for the organiser's members and coordinators (outside scope → 404)."""

from django.urls import path

from events.closing import views

urlpatterns = [
    path("<uuid:code>/closing/", views.closing_report, name="closing_report"),
]
