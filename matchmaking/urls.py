from django.urls import path, register_converter

from matchmaking import views, views_agreements, views_matches, views_opportunities, views_partners
from matchmaking.converters import ParticipantCodeConverter

register_converter(ParticipantCodeConverter, "participant_code")

app_name = "matchmaking"

urlpatterns = [
    path("", views.index, name="index"),
    # Participants (officers of the raising organisation and coordinators). "new" is not a participant code.
    path("participants/new/", views.participant_create, name="participant_create"),
    path("participants/<participant_code:code>/", views.participant_detail, name="participant_detail"),
    path("participants/<participant_code:code>/edit/", views.participant_edit, name="participant_edit"),
    path("participants/<participant_code:code>/outcomes/new/", views.outcome_create, name="outcome_create"),
    path("participants/<participant_code:code>/needs/new/", views.need_create, name="need_create"),
    path("needs/<uuid:code>/", views.need_detail, name="need_detail"),
    path("needs/<uuid:code>/propose/<uuid:opportunity>/", views.match_propose, name="match_propose"),
    # Placement opportunities.
    path("opportunities/", views_opportunities.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", views_opportunities.opportunity_create, name="opportunity_create"),
    path("opportunities/<uuid:code>/", views_opportunities.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<uuid:code>/edit/", views_opportunities.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<uuid:code>/refresh/", views_opportunities.opportunity_refresh, name="opportunity_refresh"),
    path("opportunities/<uuid:code>/needs/", views_opportunities.opportunity_needs, name="opportunity_needs"),
    # Placements.
    path("placements/<uuid:code>/", views_matches.match_detail, name="match_detail"),
    path("placements/<uuid:code>/accept/", views_matches.match_accept, name="match_accept"),
    path("placements/<uuid:code>/decline/", views_matches.match_decline, name="match_decline"),
    path("placements/<uuid:code>/start/", views_matches.match_start, name="match_start"),
    path("placements/<uuid:code>/end/", views_matches.match_end, name="match_end"),
    # Partner requests and ASF eligible for reserved contracts (views_partners).
    path("partners/", views_partners.partner_request_list, name="partner_request_list"),
    path("partners/new/", views_partners.partner_request_create, name="partner_request_create"),
    path("partners/<uuid:code>/", views_partners.partner_request_detail, name="partner_request_detail"),
    path("partners/<uuid:code>/answer/", views_partners.partner_response, name="partner_response"),
    path("partners/<uuid:code>/close/", views_partners.partner_request_close, name="partner_request_close"),
    path("reserved-contracts/", views_partners.reserved_asf, name="reserved_asf"),
    path("reserved-contracts/export.csv", views_partners.reserved_asf_export, name="reserved_asf_export"),
    # Agreements registry (views_agreements).
    path("agreements/", views_agreements.agreement_list, name="agreement_list"),
    path("agreements/new/", views_agreements.agreement_create, name="agreement_create"),
    path("agreements/<uuid:code>/", views_agreements.agreement_detail, name="agreement_detail"),
    path(
        "agreements/<uuid:code>/documents/<uuid:document>/",
        views_agreements.agreement_document,
        name="agreement_document",
    ),
]
