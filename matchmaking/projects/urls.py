"""Funded projects (/matchmaking/projects/): coordinators only (others 403, visitors to login)."""

from django.urls import path

from matchmaking.projects import views

urlpatterns = [
    # Funded projects (coordinators).
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<uuid:code>/", views.project_edit, name="project_edit"),
]
