"""The agreements registry, for members of a party organisation and coordinators; anyone else 404."""

from django.urls import path

from matchmaking.agreements import views

urlpatterns = [
    # Agreements registry (matchmaking/agreements/).
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<uuid:code>/", views.agreement_detail, name="agreement_detail"),
    path(
        "agreements/<uuid:code>/documents/<uuid:document>/",
        views.agreement_document,
        name="agreement_document",
    ),
]
