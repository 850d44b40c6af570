"""`/opportunities/`: placement opportunities for everyone (included by the site's root URLs)."""

from django.urls import path

from matchmaking.public_opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("", views.opportunity_list, name="list"),
    path("opportunities.json", views.opportunity_list_json, name="json"),
    path("<uuid:code>/", views.opportunity_detail, name="detail"),
]
