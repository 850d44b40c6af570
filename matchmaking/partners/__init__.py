"""Partner requests: a buyer asks for a service, ASF offering it in the municipality are suggested and answer;
ASF eligible for reserved contracts with their CSV invitation list.

models.py (registered in the matchmaking app by matchmaking/models.py), services.py, forms.py, views.py;
templates in templates/matchmaking/partners/; tests in tests/matchmaking/test_partners.py. The services are the
context's interface: `from matchmaking import partners` then `partners.partner_request_create(...)`."""

from matchmaking.partners.services import (
    can_manage_request,
    other_responses,
    own_responses,
    partner_request_close,
    partner_request_create,
    partner_request_for_user,
    partner_request_list,
    partner_requests_visible_to,
    partner_response_set,
    reserved_asf,
    reserved_asf_csv,
    responding_organisations,
    suggested_organisations,
    suggestions,
)

__all__ = [
    "can_manage_request",
    "other_responses",
    "own_responses",
    "partner_request_close",
    "partner_request_create",
    "partner_request_for_user",
    "partner_request_list",
    "partner_requests_visible_to",
    "partner_response_set",
    "reserved_asf",
    "reserved_asf_csv",
    "responding_organisations",
    "suggested_organisations",
    "suggestions",
]
