"""Agreements registry: agreements between organisations of the network (IOP, reserved contracts,
work-training and framework agreements) and their PDF documents.

models.py (registered in the matchmaking app by matchmaking/models.py), services.py, forms.py, views.py;
templates in templates/matchmaking/agreements/; tests in tests/matchmaking/test_agreements.py. The services are
the context's interface: `from matchmaking import agreements` then `agreements.agreement_create(...)`."""

from matchmaking.agreements.services import (
    AGREEMENT_DOCUMENT_MAX_BYTES,
    agreement_create,
    agreement_document_add,
    agreement_document_read,
    agreement_for_user,
    agreement_list,
    agreements_visible_to,
    can_change,
    check_pdf,
    clean_display_name,
    document_for_user,
)

__all__ = [
    "AGREEMENT_DOCUMENT_MAX_BYTES",
    "agreement_create",
    "agreement_document_add",
    "agreement_document_read",
    "agreement_for_user",
    "agreement_list",
    "agreements_visible_to",
    "can_change",
    "check_pdf",
    "clean_display_name",
    "document_for_user",
]
