"""Importing an organiser's calendar (a file or its address): /events/import/ for members of an organisation."""

from django.urls import path

from events.ics_import import views

urlpatterns = [
    path("import/", views.import_calendar, name="ics_import"),
]
