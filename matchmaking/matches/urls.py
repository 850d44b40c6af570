"""A placement: proposing a need for an opportunity (the officer), then accept, decline, start and end it."""

from django.urls import path

from matchmaking.matches import views

urlpatterns = [
    path("needs/<uuid:code>/propose/<uuid:opportunity>/", views.match_propose, name="match_propose"),
    # Placements.
    path("placements/<uuid:code>/", views.match_detail, name="match_detail"),
    path("placements/<uuid:code>/accept/", views.match_accept, name="match_accept"),
    path("placements/<uuid:code>/decline/", views.match_decline, name="match_decline"),
    path("placements/<uuid:code>/start/", views.match_start, name="match_start"),
    path("placements/<uuid:code>/end/", views.match_end, name="match_end"),
]
