"""The agreements registry: who sees what, registering an agreement, safe PDF uploads (docs/security-checks.md F29–F32)
and downloads only through the authorised view (C19-style)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from directory.access import actor_for
from directory.models import Organisation
from kernel.models import AuditLog
from matchmaking import agreements
from matchmaking.agreements.forms import AgreementForm
from matchmaking.models import Agreement, AgreementDocument
from tests import pdfs
from tests.factories import OrganisationFactory

PDF = pdfs.blank_pdf()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()) if media.exists() else []


def pdf(name: str = "avtal.pdf", content: bytes = PDF, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type)


def make_agreement(world, *, title="IOP arbetsträning", organisation=None, others=None, actor=None, **data):
    fields = {"kind": "iop", "title": title, "starts_on": dt.date(2025, 1, 1)}
    fields.update(data)
    return agreements.agreement_create(
        actor=actor_for(actor or world.admin_a),
        organisation=organisation or world.org_a,
        other_parties=others if others is not None else [world.muni_x],
        data=fields,
    )


# --- Who sees what -------------------------------------------------------------------------------------------
@pytest.mark.security("C13")
@pytest.mark.adversarial("C")
def test_each_user_lists_only_agreements_of_their_organisations(world, client):
    a_x = make_agreement(world, title="A med Luleå")
    b_y = make_agreement(
        world, title="B med Piteå", organisation=world.org_b, others=[world.muni_y], actor=world.staff_b
    )
    expected = {
        world.staff_a: {a_x},
        world.officer_x: {a_x},
        world.staff_b: {b_y},
        world.officer_y: {b_y},
        world.business_member: set(),
        world.coordinator: {a_x, b_y},
    }
    for user, visible in expected.items():
        assert set(agreements.agreement_list(actor_for(user))) == visible, user
        client.force_login(user)
        body = client.get(reverse("matchmaking:agreement_list")).content.decode()
        assert ("A med Luleå" in body) == (a_x in visible), user
        assert ("B med Piteå" in body) == (b_y in visible), user


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_outsiders_get_404_for_the_agreement_and_its_documents(world, client):
    agreement = make_agreement(world)
    document = agreements.agreement_document_add(actor=actor_for(world.staff_a), agreement=agreement, upload=pdf())
    detail = reverse("matchmaking:agreement_detail", kwargs={"code": agreement.code})
    download = reverse("matchmaking:agreement_document", kwargs={"code": agreement.code, "document": document.code})
    for user in (world.staff_b, world.business_member, world.officer_y):
        client.force_login(user)
        assert client.get(detail).status_code == 404
        assert client.get(download).status_code == 404
        assert client.post(detail, {"document": pdf()}).status_code == 404
    assert agreement.documents.count() == 1


@pytest.mark.security("C19")
@pytest.mark.adversarial("C")
def test_a_document_is_reached_only_under_its_own_agreement(world, client):
    mine = make_agreement(world, title="A:s avtal")
    theirs = make_agreement(
        world, title="B:s avtal", organisation=world.org_b, others=[world.muni_y], actor=world.staff_b
    )
    their_doc = agreements.agreement_document_add(actor=actor_for(world.staff_b), agreement=theirs, upload=pdf())
    client.force_login(world.staff_a)
    guessed = reverse("matchmaking:agreement_document", kwargs={"code": mine.code, "document": their_doc.code})
    assert client.get(guessed).status_code == 404


@pytest.mark.security("C19")
@pytest.mark.adversarial("F")
def test_the_media_directory_is_never_served(world, client, media):
    agreement = make_agreement(world)
    document = agreements.agreement_document_add(actor=actor_for(world.staff_a), agreement=agreement, upload=pdf())
    client.force_login(world.staff_a)
    assert client.get("/media/" + document.file.name).status_code == 404


# --- Registering an agreement -----------------------------------------------------------------------------
def test_a_party_registers_an_agreement_with_a_document_through_the_form(world, client, media):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("matchmaking:agreement_create"),
        {
            "organisation": str(world.org_a.code),
            "other_parties": [str(world.muni_x.code), str(world.business.code)],
            "kind": "reserved_contract",
            "title": "Reserverat kontrakt för städning",
            "starts_on": "2025-03-01",
            "ends_on": "2027-02-28",
            "value_sek": "450000.00",
            "note": "Ramavtal med option på ett år.",
            "document": pdf("Avtal städ.pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    agreement = Agreement.objects.get()
    assert set(agreement.parties.all()) == {world.org_a, world.muni_x, world.business}
    assert (agreement.kind, str(agreement.value_sek), agreement.created_by) == (
        "reserved_contract",
        "450000.00",
        world.admin_a,
    )
    document = agreement.documents.get()
    assert document.name == "Avtal städ.pdf"
    assert re.fullmatch(r"agreements/[0-9a-f]{32}\.pdf", document.file.name)
    assert stored_files(media) == [document.file.name]
    assert {"agreement.create", "agreement.document.add"} <= set(AuditLog.objects.values_list("action", flat=True))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"other_parties": []}, "other_parties"),
        ({"ends_on": "2024-12-31"}, "ends_on"),
        ({"value_sek": "-1"}, "value_sek"),
        ({"kind": "handshake"}, "kind"),
        ({"note": "Kontaktperson 19900101-0017"}, "note"),
        ({"starts_on": "1 mars"}, "starts_on"),
    ],
)
def test_bad_agreement_data_gives_a_form_error_and_saves_nothing(world, client, changes, field):
    client.force_login(world.admin_a)
    data = {
        "organisation": str(world.org_a.code),
        "other_parties": [str(world.muni_x.code)],
        "kind": "iop",
        "title": "IOP",
        "starts_on": "2025-01-01",
    }
    data.update(changes)
    response = client.post(reverse("matchmaking:agreement_create"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Agreement.objects.exists()


@pytest.mark.security("C14")
@pytest.mark.adversarial("C")
def test_an_agreement_cannot_be_registered_in_another_organisations_name(world, client):
    client.force_login(world.staff_b)
    response = client.post(
        reverse("matchmaking:agreement_create"),
        {
            "organisation": str(world.org_a.code),
            "other_parties": [str(world.muni_x.code)],
            "kind": "iop",
            "title": "Falskt avtal",
            "starts_on": "2025-01-01",
            "created_by": world.coordinator.pk,
        },
    )
    assert response.status_code == 200
    assert "organisation" in response.context["form"].errors
    assert not Agreement.objects.exists()
    with pytest.raises(PermissionDenied):
        make_agreement(world, actor=world.staff_b)


def test_the_own_organisation_alone_is_not_an_agreement(world):
    form = AgreementForm(
        {
            "organisation": str(world.org_a.code),
            "other_parties": [str(world.org_a.code)],
            "kind": "iop",
            "title": "Med mig själv",
            "starts_on": "2025-01-01",
        },
        organisations=Organisation.objects.filter(pk=world.org_a.pk),
        parties=Organisation.objects.all(),
    )
    assert not form.is_valid()
    assert "other_parties" in form.errors


# --- Safe uploads -------------------------------------------------------------------------------------------
@pytest.mark.security("F29")
@pytest.mark.adversarial("F")
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (pdf("logo.pdf", b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "Upload the document as a PDF file."),
        (pdf("sida.pdf", b"<html><script>alert(1)</script></html>", "application/pdf"), "Upload the document as a PDF"),
        (pdf("avtal.pdf", b"%PDF-1.4\n<html><script>alert(1)</script>"), "Upload the document as a PDF file."),
        (
            pdf("bild.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
            "Upload the document as a PDF",
        ),
        (pdf("tom.pdf", b""), "The submitted file is empty."),
    ],
    ids=["png-named-pdf", "html-with-pdf-content-type", "pdf-magic-without-eof", "svg", "empty"],
)
def test_anything_but_a_pdf_is_refused_and_nothing_stored(world, client, media, upload, message):
    agreement = make_agreement(world)
    client.force_login(world.staff_a)
    response = client.post(
        reverse("matchmaking:agreement_detail", kwargs={"code": agreement.code}),
        {"document": upload},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AgreementDocument.objects.exists()
    assert stored_files(media) == []


UNREADABLE = "The PDF file cannot be read: it may be damaged."
ENCRYPTED = "The PDF file is encrypted or protected by a password. Upload a copy without protection."
ACTIVE = "The PDF file contains scripts, attached files or interactive forms, which are not allowed."


@pytest.mark.security("F29")
@pytest.mark.adversarial("F")
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (pdfs.truncated, "Upload the document as a PDF file."),
        (lambda: pdfs.truncated() + b"\n%%EOF\n", UNREADABLE),
        (pdfs.header_and_trailer_around_garbage, UNREADABLE),
        (pdfs.without_pages, UNREADABLE),
        (pdfs.open_action_javascript, ACTIVE),
        (pdfs.document_level_javascript, ACTIVE),
        (pdfs.page_additional_action_javascript, ACTIVE),
        (pdfs.javascript_in_object_stream, ACTIVE),
        (pdfs.escaped_javascript_name, ACTIVE),
        (pdfs.launch_action, ACTIVE),
        (pdfs.embedded_file, ACTIVE),
        (pdfs.rich_media, ACTIVE),
        (pdfs.xfa_form, ACTIVE),
        (lambda: pdfs.encrypted(user_password="hemligt", algorithm="AES-128"), ENCRYPTED),
        (lambda: pdfs.encrypted(user_password="", algorithm="RC4-128"), ENCRYPTED),
    ],
    ids=[
        "truncated",
        "truncated-with-eof-marker",
        "header-and-trailer-around-garbage",
        "no-page",
        "open-action-javascript",
        "document-level-javascript",
        "page-additional-action-javascript",
        "javascript-in-compressed-object-stream",
        "javascript-behind-name-escapes",
        "launch-action",
        "embedded-file",
        "rich-media",
        "xfa-form",
        "encrypted-with-password",
        "encrypted-without-user-password",
    ],
)
def test_a_broken_encrypted_or_active_pdf_is_refused_and_nothing_stored(world, client, media, content, message):
    """Only the first and last bytes were looked at: all of these but the truncated file were stored."""
    agreement = make_agreement(world)
    client.force_login(world.staff_a)
    response = client.post(
        reverse("matchmaking:agreement_detail", kwargs={"code": agreement.code}),
        {"document": pdf("avtal.pdf", content())},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AgreementDocument.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(
    "content",
    [
        pdfs.blank_pdf,
        pdfs.document_pdf,
        pdfs.object_stream_without_script,
        lambda: pdfs.with_catalog_entries({"/OpenAction": ["/Fit"], "/PageMode": "/UseNone"}),
    ],
    ids=["pypdf-blank-page", "weasyprint-document-with-link", "object-stream-without-script", "open-action-view"],
)
def test_a_valid_pdf_is_accepted_and_stored_as_uploaded(world, client, media, content):
    agreement = make_agreement(world)
    client.force_login(world.staff_a)
    response = client.post(
        reverse("matchmaking:agreement_detail", kwargs={"code": agreement.code}),
        {"document": pdf("avtal.pdf", content())},
    )
    assert response.status_code == 302
    document = AgreementDocument.objects.get()
    assert stored_files(media) == [document.file.name]
    assert (media / document.file.name).read_bytes() == content()


def test_pdf_refusals_are_in_swedish_for_swedish_users(world, client, media):
    agreement = make_agreement(world)
    client.force_login(world.staff_a)
    url = reverse("matchmaking:agreement_detail", kwargs={"code": agreement.code})
    client.cookies["django_language"] = "sv"
    bodies = [
        client.post(url, {"document": pdf("avtal.pdf", content)}, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
        for content in (
            pdfs.header_and_trailer_around_garbage(),
            pdfs.encrypted(user_password="hemligt", algorithm="AES-128"),
            pdfs.javascript_in_object_stream(),
        )
    ]
    assert "PDF-filen går inte att läsa" in bodies[0]
    assert "PDF-filen är krypterad eller skyddad med lösenord" in bodies[1]
    assert "PDF-filen innehåller skript, bifogade filer eller interaktiva formulär" in bodies[2]
    assert stored_files(media) == []


@pytest.mark.security("F31")
@pytest.mark.adversarial("F")
def test_a_file_over_10_mb_is_refused_with_a_clear_message(world, client, media):
    agreement = make_agreement(world)
    big = pdf("stor.pdf", PDF[:-6] + b"0" * (10 * 1024 * 1024) + b"%%EOF\n")
    client.force_login(world.staff_a)
    response = client.post(
        reverse("matchmaking:agreement_detail", kwargs={"code": agreement.code}),
        {"document": big},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "The file is too large: at most 10 MB." in response.content.decode()
    assert stored_files(media) == []


@pytest.mark.security("F32")
@pytest.mark.adversarial("F")
@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\boot.pdf", "boot.pdf"),
        ("a.pdf.html", "a.pdf.html.pdf"),
        ("avtal\u202egnp.pdf", "avtalgnp.pdf"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
        (".pdf", "document.pdf"),
    ],
)
def test_uploaded_names_are_never_used_for_storage(world, media, name, shown):
    agreement = make_agreement(world)
    document = agreements.agreement_document_add(actor=actor_for(world.staff_a), agreement=agreement, upload=pdf(name))
    assert re.fullmatch(r"agreements/[0-9a-f]{32}\.pdf", document.file.name)
    assert document.name == shown
    assert stored_files(media) == [document.file.name]


def test_a_nul_in_a_name_is_dropped_from_the_display_name():
    assert agreements.clean_display_name("avtal\x00.pdf") == "avtal.pdf"


def test_a_failure_after_storing_removes_the_file_again(world, media, monkeypatch):
    agreement = make_agreement(world)

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(AgreementDocument, "save", broken)
    with pytest.raises(RuntimeError):
        agreements.agreement_document_add(actor=actor_for(world.staff_a), agreement=agreement, upload=pdf())
    assert stored_files(media) == []


def test_the_service_checks_the_content_too(world, media):
    agreement = make_agreement(world)
    with pytest.raises(ValidationError):
        agreements.agreement_document_add(
            actor=actor_for(world.staff_a), agreement=agreement, upload=pdf("x.pdf", b"GIF89a")
        )
    assert stored_files(media) == []


# --- Downloading ---------------------------------------------------------------------------------------------
def test_a_party_downloads_the_pdf_as_an_attachment_and_the_read_is_audited(world, client):
    agreement = make_agreement(world)
    document = agreements.agreement_document_add(
        actor=actor_for(world.staff_a), agreement=agreement, upload=pdf("IOP 2025.pdf")
    )
    client.force_login(world.officer_x)  # Luleå kommun is the other party
    response = client.get(
        reverse("matchmaking:agreement_document", kwargs={"code": agreement.code, "document": document.code})
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "IOP 2025.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert AuditLog.objects.filter(action="agreement.document.read", actor=world.officer_x).exists()


def test_a_missing_file_is_a_404_not_a_500(world, client, media):
    agreement = make_agreement(world)
    document = agreements.agreement_document_add(actor=actor_for(world.staff_a), agreement=agreement, upload=pdf())
    (media / document.file.name).unlink()
    client.force_login(world.staff_a)
    url = reverse("matchmaking:agreement_document", kwargs={"code": agreement.code, "document": document.code})
    assert client.get(url).status_code == 404


def test_the_detail_page_shows_parties_value_and_documents(world, client):
    agreement = make_agreement(world, value_sek="125000")
    agreements.agreement_document_add(actor=actor_for(world.staff_a), agreement=agreement, upload=pdf("Bilaga 1.pdf"))
    client.force_login(world.officer_x)
    body = client.get(reverse("matchmaking:agreement_detail", kwargs={"code": agreement.code})).content.decode()
    assert "Returen Återbruk" in body and "Luleå kommun" in body
    assert "Bilaga 1.pdf" in body
    assert "125" in body


def test_the_agreement_list_takes_as_many_queries_for_twelve_rows_as_for_one(
    world, client, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("matchmaking:agreement_list")
    make_agreement(world, title="Radavtal-0")
    client.force_login(world.staff_a)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for i in range(1, 12):
        make_agreement(world, title=f"Radavtal-{i}", others=[world.muni_x, OrganisationFactory()])
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert response.content.decode().count("Radavtal-") == 12
    assert len(one) <= 15
