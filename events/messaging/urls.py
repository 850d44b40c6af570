"""The organiser writes to a group of the event's registered people; the messages sent so far."""

from django.urls import path

from events.messaging import views

urlpatterns = [
    path("<uuid:code>/messages/", views.compose, name="messages"),
]
