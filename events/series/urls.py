"""Series pages for organisers: repeat an event, the series with its dates (change the rule, skip a date)."""

from django.urls import path

from events.series import views

urlpatterns = [
    path("series/<uuid:code>/", views.series, name="series"),
    path("series/<uuid:code>/skip/", views.skip, name="series_skip"),
    path("series/<uuid:code>/questions/", views.series_questions, name="series_questions"),
    path("series/<uuid:code>/questions/<int:pk>/delete/", views.series_question_delete, name="series_question_delete"),
    path("<uuid:code>/repeat/", views.repeat, name="repeat"),
]
