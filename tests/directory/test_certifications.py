"""Certifications with evidence and approval: the organisation's members send one PDF, coordinators approve or
refuse (with a reason), the members hear the decision; only approved certifications within their validity count
as "certified" anywhere; the evidence is the organisation's and the coordinators' alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from directory.access import actor_for
from directory.factories import CoordinatorFactory
from directory.models import Certification, CertificationStatus
from directory.profile import services as profile_services
from kernel.models import AuditLog
from notifications.models import Notification
from tests import pdfs

PDF = pdfs.blank_pdf()
FUTURE = dt.date(2099, 1, 1)


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def pdf(name: str = "intyg.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def url(name: str, cert: Certification) -> str:
    return reverse(name, kwargs={"code": cert.organisation.code, "certification": cert.code})


@pytest.fixture
def cert(world) -> Certification:
    return Certification.objects.create(organisation=world.org_a, kind="skoopi", valid_until=FUTURE)


def notified(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def send_evidence(world, cert: Certification) -> Certification:
    return profile_services.certification_evidence_upload(
        actor=actor_for(world.staff_a), certification=cert, upload=pdf()
    )


def fresh(cert: Certification) -> Certification:
    return Certification.objects.get(pk=cert.pk)


# --- Evidence -----------------------------------------------------------------------------------------------
def test_a_new_certification_is_pending_and_not_certified(client, world):
    client.force_login(world.staff_a)
    client.post(
        reverse("directory:certifications", kwargs={"code": world.org_a.code}),
        {"kind": "skoopi", "valid_until": "2099-01-01"},
    )
    cert = Certification.objects.get(organisation=world.org_a)
    assert cert.status == CertificationStatus.PENDING
    assert not cert.is_valid
    assert not Certification.objects.valid().exists()
    assert not Certification.objects.awaiting_approval().exists()  # no evidence yet


def test_a_member_sends_evidence_and_the_coordinators_hear_once(client, world, cert):
    second_coordinator = CoordinatorFactory()
    client.force_login(world.staff_a)
    response = client.post(url("directory:certification_evidence", cert), {"evidence": pdf()})
    assert response.status_code == 302
    cert = fresh(cert)
    assert cert.status == CertificationStatus.PENDING and cert.evidence and cert.evidence_name == "intyg.pdf"
    assert cert.evidence_uploaded_by == world.staff_a
    assert list(Certification.objects.awaiting_approval()) == [cert]
    assert notified("certification_pending") == {world.coordinator.pk, second_coordinator.pk}
    # A replaced file while it still waits tells nobody again.
    client.post(url("directory:certification_evidence", cert), {"evidence": pdf("nytt intyg.pdf")})
    assert Notification.objects.filter(kind="certification_pending").count() == 2
    assert fresh(cert).evidence_name == "nytt intyg.pdf"
    assert AuditLog.objects.filter(action="certification.evidence.upload").count() == 2


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("intyg.pdf", b"GIF89a not a pdf at all", content_type="application/pdf"),
        SimpleUploadedFile("intyg.pdf", b"%PDF-1.4 broken %%EOF", content_type="application/pdf"),
        SimpleUploadedFile("intyg.pdf", b"", content_type="application/pdf"),
    ],
    ids=["not-a-pdf", "damaged", "empty"],
)
def test_anything_but_a_readable_pdf_is_refused_with_a_message_and_nothing_changes(client, world, cert, upload):
    client.force_login(world.staff_a)
    response = client.post(url("directory:certification_evidence", cert), {"evidence": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["evidence"]
    cert = fresh(cert)
    assert not cert.evidence and not Notification.objects.exists()
    assert not AuditLog.objects.filter(action="certification.evidence.upload").exists()


@override_settings(CERTIFICATION_EVIDENCE_MAX_BYTES=1024)
def test_a_too_large_pdf_is_refused(client, world, cert):
    client.force_login(world.staff_a)
    response = client.post(url("directory:certification_evidence", cert), {"evidence": pdf(content=PDF + b" " * 2048)})
    assert "too large" in str(response.context["form"].errors["evidence"])
    assert not fresh(cert).evidence


def test_the_service_refuses_a_non_pdf_too(world, cert):
    with pytest.raises(ValidationError):
        profile_services.certification_evidence_upload(
            actor=actor_for(world.staff_a), certification=cert, upload=pdf(content=b"hello")
        )
    assert not fresh(cert).evidence


# --- Download: the organisation's members and coordinators only ---------------------------------------------
@pytest.mark.parametrize("role", ["staff_a", "admin_a", "coordinator"])
def test_members_and_coordinators_download_the_evidence_as_an_attachment(client, world, cert, role):
    send_evidence(world, cert)
    client.force_login(getattr(world, role))
    response = client.get(url("directory:certification_evidence_file", cert))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert AuditLog.objects.filter(action="certification.evidence.download", actor=getattr(world, role)).exists()


@pytest.mark.adversarial("C")
@pytest.mark.parametrize("role", ["staff_b", "business_member", "officer_x"])
def test_outsiders_get_404_for_the_evidence_and_its_pages(client, world, cert, role):
    send_evidence(world, cert)
    client.force_login(getattr(world, role))
    for name in ("certification_evidence_file", "certification_evidence", "certification_decide"):
        assert client.get(url(f"directory:{name}", cert)).status_code == 404
    assert not AuditLog.objects.filter(action="certification.evidence.download").exists()


# --- The coordinators' decision -----------------------------------------------------------------------------
def test_a_coordinator_approves_and_exactly_the_members_hear(client, world, cert):
    send_evidence(world, cert)
    client.force_login(world.coordinator)
    response = client.post(url("directory:certification_decide", cert), {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    cert = fresh(cert)
    assert cert.status == CertificationStatus.APPROVED and cert.decided_by == world.coordinator
    assert cert.decided_at is not None and cert.is_valid
    assert notified("certification_decided") == {world.staff_a.pk, world.admin_a.pk}
    assert Notification.objects.get(kind="certification_decided", recipient=world.staff_a).params["variant"] == (
        "approved"
    )
    assert AuditLog.objects.filter(action="certification.approve", actor=world.coordinator).exists()
    assert list(Certification.objects.valid()) == [cert]
    assert not Certification.objects.awaiting_approval().exists()


def test_a_refusal_without_a_reason_is_refused_and_nothing_is_decided(client, world, cert):
    send_evidence(world, cert)
    client.force_login(world.coordinator)
    response = client.post(url("directory:certification_decide", cert), {"decision": "refuse", "reason": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["Say why the certification is refused."]
    assert fresh(cert).status == CertificationStatus.PENDING
    assert not notified("certification_decided")
    with pytest.raises(ValidationError):
        profile_services.certification_decide(
            actor=actor_for(world.coordinator), certification=cert, approve=False, reason=""
        )
    assert fresh(cert).status == CertificationStatus.PENDING


def test_the_database_refuses_a_refusal_without_a_reason(world, cert):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Certification.objects.filter(pk=cert.pk).update(status=CertificationStatus.REFUSED, refusal_reason="")


def test_a_refusal_with_a_reason_reaches_the_members_and_shows_them_why(client, world, cert):
    send_evidence(world, cert)
    client.force_login(world.coordinator)
    client.post(url("directory:certification_decide", cert), {"decision": "refuse", "reason": "Intyget har gått ut."})
    cert = fresh(cert)
    assert cert.status == CertificationStatus.REFUSED and cert.refusal_reason == "Intyget har gått ut."
    assert notified("certification_decided") == {world.staff_a.pk, world.admin_a.pk}
    assert Notification.objects.filter(kind="certification_decided").first().params["variant"] == "refused"
    client.force_login(world.staff_a)
    page = client.get(reverse("directory:certifications", kwargs={"code": world.org_a.code})).content.decode()
    assert "Intyget har gått ut." in page


def test_a_certification_is_decided_only_once(world, cert):
    send_evidence(world, cert)
    coordinator = actor_for(world.coordinator)
    profile_services.certification_decide(actor=coordinator, certification=cert, approve=True)
    with pytest.raises(ValidationError):
        profile_services.certification_decide(
            actor=coordinator, certification=fresh(cert), approve=False, reason="Ändrade mig"
        )
    assert fresh(cert).status == CertificationStatus.APPROVED
    assert Notification.objects.filter(kind="certification_decided").count() == 2  # staff_a and admin_a, once


def test_nothing_without_evidence_can_be_approved(world, cert):
    with pytest.raises(ValidationError):
        profile_services.certification_decide(actor=actor_for(world.coordinator), certification=cert, approve=True)


@pytest.mark.adversarial("C")
def test_the_organisations_own_members_may_not_decide(client, world, cert):
    send_evidence(world, cert)
    client.force_login(world.admin_a)
    assert client.get(url("directory:certification_decide", cert)).status_code == 403
    response = client.post(url("directory:certification_decide", cert), {"decision": "approve"})
    assert response.status_code == 403
    assert fresh(cert).status == CertificationStatus.PENDING
    assert client.get(reverse("directory:certifications_pending")).status_code == 403


def test_the_pending_list_shows_what_awaits_approval(client, world, cert):
    send_evidence(world, cert)
    Certification.objects.create(organisation=world.org_b, kind="lou_reserved", valid_until=FUTURE)  # no evidence
    client.force_login(world.coordinator)
    page = client.get(reverse("directory:certifications_pending")).content.decode()
    assert url("directory:certification_decide", cert) in page
    assert "Café Kvarnen" not in page


def test_changing_an_approved_certification_sends_it_for_approval_again(world, cert):
    send_evidence(world, cert)
    profile_services.certification_decide(actor=actor_for(world.coordinator), certification=cert, approve=True)
    Notification.objects.all().delete()
    profile_services.certification_update(
        actor=actor_for(world.staff_a), certification=fresh(cert), kind="skoopi", valid_until=dt.date(2199, 1, 1)
    )
    cert = fresh(cert)
    assert cert.status == CertificationStatus.PENDING and cert.decided_at is None
    assert not cert.is_valid
    assert notified("certification_pending") == {world.coordinator.pk}


# --- "Certified" everywhere means approved and valid ----------------------------------------------------------
@pytest.mark.parametrize("status", [CertificationStatus.PENDING, CertificationStatus.REFUSED])
def test_the_public_profile_never_shows_a_pending_or_refused_certification(client, world, status):
    Certification.objects.create(
        organisation=world.org_a,
        kind="skoopi",
        valid_until=FUTURE,
        status=status,
        refusal_reason="Fel organisation" if status == CertificationStatus.REFUSED else "",
    )
    detail = client.get(reverse("directory:detail", kwargs={"code": world.org_a.code})).content.decode()
    assert "Skoopi" not in detail
    search = client.get(reverse("directory:index"), {"certified": "true"}).content.decode()
    assert "Returen Återbruk" not in search
    api = client.get(reverse("api:organization_list")).json()
    [org] = [o for o in api["contents"] if o["name"] == "Returen Återbruk"]
    assert org["x_asfnet"]["certifications"] == []


def test_an_approved_valid_certification_shows_everywhere(client, world):
    Certification.objects.create(
        organisation=world.org_a, kind="skoopi", valid_until=FUTURE, status=CertificationStatus.APPROVED
    )
    detail = client.get(reverse("directory:detail", kwargs={"code": world.org_a.code})).content.decode()
    assert "Skoopi" in detail
    search = client.get(reverse("directory:index"), {"certified": "true"}).content.decode()
    assert "Returen Återbruk" in search


def test_only_approved_lou_certifications_make_an_asf_eligible_for_reserved_contracts(world):
    from matchmaking.partners.services import reserved_asf

    Certification.objects.create(organisation=world.org_a, kind="lou_reserved", valid_until=FUTURE)
    Certification.objects.create(
        organisation=world.org_b, kind="lou_reserved", valid_until=FUTURE, status=CertificationStatus.APPROVED
    )
    assert [o.name for o in reserved_asf()] == ["Café Kvarnen"]
