"""Matchmaking dashboard: "waiting for you" for officers, hosts and coordinators, with the participant list."""

from django.urls import path

from matchmaking.dashboard import views

urlpatterns = [
    path("", views.index, name="index"),
]
