from django.urls import include, path

app_name = "matchmaking"

# Each feature's routes are in its urls.py beside its views; the participant code converter is registered
# by matchmaking/participants/urls.py, the one module that uses it.
urlpatterns = [
    path("", include("matchmaking.dashboard.urls")),
    path("", include("matchmaking.participants.urls")),
    path("", include("matchmaking.matches.urls")),
    path("", include("matchmaking.projects.urls")),
    path("", include("matchmaking.opportunities.urls")),
    path("", include("matchmaking.partners.urls")),
    path("", include("matchmaking.agreements.urls")),
]
