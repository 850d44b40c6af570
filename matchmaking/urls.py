from django.urls import path, register_converter

from matchmaking.agreements import views as agreements
from matchmaking.converters import ParticipantCodeConverter
from matchmaking.dashboard import views as dashboard
from matchmaking.matches import views as matches
from matchmaking.opportunities import views as opportunities
from matchmaking.participants import views as participants
from matchmaking.partners import views as partners
from matchmaking.projects import views as projects

register_converter(ParticipantCodeConverter, "participant_code")

app_name = "matchmaking"

urlpatterns = [
    path("", dashboard.index, name="index"),
    # Participants (officers of the raising organisation and coordinators). "new" is not a participant code.
    path("participants/new/", participants.participant_create, name="participant_create"),
    path("participants/<participant_code:code>/", participants.participant_detail, name="participant_detail"),
    path("participants/<participant_code:code>/edit/", participants.participant_edit, name="participant_edit"),
    path("participants/<participant_code:code>/outcomes/new/", participants.outcome_create, name="outcome_create"),
    path("participants/<participant_code:code>/needs/new/", participants.need_create, name="need_create"),
    path("needs/<uuid:code>/", participants.need_detail, name="need_detail"),
    path("needs/<uuid:code>/propose/<uuid:opportunity>/", matches.match_propose, name="match_propose"),
    # Funded projects (coordinators).
    path("projects/", projects.project_list, name="project_list"),
    path("projects/new/", projects.project_create, name="project_create"),
    path("projects/<uuid:code>/", projects.project_edit, name="project_edit"),
    # Placement opportunities.
    path("opportunities/", opportunities.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", opportunities.opportunity_create, name="opportunity_create"),
    path("opportunities/<uuid:code>/", opportunities.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<uuid:code>/edit/", opportunities.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<uuid:code>/refresh/", opportunities.opportunity_refresh, name="opportunity_refresh"),
    path("opportunities/<uuid:code>/needs/", opportunities.opportunity_needs, name="opportunity_needs"),
    # Placements.
    path("placements/<uuid:code>/", matches.match_detail, name="match_detail"),
    path("placements/<uuid:code>/accept/", matches.match_accept, name="match_accept"),
    path("placements/<uuid:code>/decline/", matches.match_decline, name="match_decline"),
    path("placements/<uuid:code>/start/", matches.match_start, name="match_start"),
    path("placements/<uuid:code>/end/", matches.match_end, name="match_end"),
    # Partner requests and ASF eligible for reserved contracts (matchmaking/partners/).
    path("partners/", partners.partner_request_list, name="partner_request_list"),
    path("partners/new/", partners.partner_request_create, name="partner_request_create"),
    path("partners/<uuid:code>/", partners.partner_request_detail, name="partner_request_detail"),
    path("partners/<uuid:code>/answer/", partners.partner_response, name="partner_response"),
    path("partners/<uuid:code>/close/", partners.partner_request_close, name="partner_request_close"),
    path("reserved-contracts/", partners.reserved_asf, name="reserved_asf"),
    path("reserved-contracts/export.csv", partners.reserved_asf_export, name="reserved_asf_export"),
    # Agreements registry (matchmaking/agreements/).
    path("agreements/", agreements.agreement_list, name="agreement_list"),
    path("agreements/new/", agreements.agreement_create, name="agreement_create"),
    path("agreements/<uuid:code>/", agreements.agreement_detail, name="agreement_detail"),
    path(
        "agreements/<uuid:code>/documents/<uuid:document>/",
        agreements.agreement_document,
        name="agreement_document",
    ),
]
