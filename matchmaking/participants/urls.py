"""Participants and their needs: the raising organisation's officers and coordinators (anyone else 404)."""

from django.urls import path, register_converter

from matchmaking.converters import ParticipantCodeConverter
from matchmaking.participants import views

register_converter(ParticipantCodeConverter, "participant_code")

urlpatterns = [
    # Participants (officers of the raising organisation and coordinators). "new" is not a participant code.
    path("participants/new/", views.participant_create, name="participant_create"),
    path("participants/<participant_code:code>/", views.participant_detail, name="participant_detail"),
    path("participants/<participant_code:code>/edit/", views.participant_edit, name="participant_edit"),
    path("participants/<participant_code:code>/outcomes/new/", views.outcome_create, name="outcome_create"),
    path("participants/<participant_code:code>/needs/new/", views.need_create, name="need_create"),
    path("needs/<uuid:code>/", views.need_detail, name="need_detail"),
]
