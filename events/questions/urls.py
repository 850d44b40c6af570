"""The organiser's questions to everyone who registers: the list, adding one, removing one."""

from django.urls import path

from events.questions import views

urlpatterns = [
    path("<uuid:code>/questions/", views.questions, name="questions"),
    path("<uuid:code>/questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
]
