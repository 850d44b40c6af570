"""Placement opportunities: list and page for logged-in members, upkeep for the publishing organisation."""

from django.urls import path

from matchmaking.opportunities import views

urlpatterns = [
    # Placement opportunities.
    path("opportunities/", views.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", views.opportunity_create, name="opportunity_create"),
    path("opportunities/<uuid:code>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<uuid:code>/edit/", views.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<uuid:code>/refresh/", views.opportunity_refresh, name="opportunity_refresh"),
    path("opportunities/<uuid:code>/needs/", views.opportunity_needs, name="opportunity_needs"),
]
