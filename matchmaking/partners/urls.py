"""Partner requests and the buyer's list of ASF eligible for reserved contracts (access: partners.services)."""

from django.urls import path

from matchmaking.partners import views

urlpatterns = [
    # Partner requests and ASF eligible for reserved contracts (matchmaking/partners/).
    path("partners/", views.partner_request_list, name="partner_request_list"),
    path("partners/new/", views.partner_request_create, name="partner_request_create"),
    path("partners/<uuid:code>/", views.partner_request_detail, name="partner_request_detail"),
    path("partners/<uuid:code>/answer/", views.partner_response, name="partner_response"),
    path("partners/<uuid:code>/close/", views.partner_request_close, name="partner_request_close"),
    path("reserved-contracts/", views.reserved_asf, name="reserved_asf"),
    path("reserved-contracts/export.csv", views.reserved_asf_export, name="reserved_asf_export"),
]
