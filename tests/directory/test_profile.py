"""Organisation profile upkeep: the edit form, field-level history, the profile page, certifications,
confirmation and verification, freshness, the members' completeness checklist and the reminder e-mails."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.forms import ModelForm
from django.test import override_settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from directory import forms as directory_forms
from directory.access import actor_for
from directory.forms import OrganisationForm
from directory.models import (
    Certification,
    CertificationKind,
    Freshness,
    Membership,
    Municipality,
    Organisation,
    OrganisationChange,
    ServiceCategory,
)
from directory.profile import forms as profile_forms
from directory.selectors import organisation_completeness, organisation_profile
from directory.tasks import nudge_stale_organisations
from kernel.models import AuditLog
from tests.factories import CertificationFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.personnummer import DATE, LAST_FOUR, SWEDISH_MESSAGE, WRITINGS

PERSONNUMMER = "19811218-9876"  # Skatteverket's example: a valid date and Luhn check digit


@pytest.fixture
def client(client):
    """Pages in English, so the tests can read the messages (Swedish is the site's default)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def edit_url(org: Organisation) -> str:
    return reverse("directory:edit", kwargs={"code": org.code})


def edit_data(org: Organisation, **changes) -> dict:
    """What the edit form posts for `org` unchanged, with `changes` on top (None: leave the field out)."""
    data = {"name": org.name, "kommunkod": org.kommunkod_id, "published": "on"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def ago(**kwargs) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)


# --- The edit form -------------------------------------------------------------------------------------


def test_member_saves_every_group_of_the_profile(client, world):
    client.force_login(world.staff_a)
    catering, stad = ServiceCategory.objects.filter(slug__in=["catering", "stad"]).order_by("slug")
    response = client.post(
        edit_url(world.org_a),
        edit_data(
            world.org_a,
            legal_name="Returen Återbruk ekonomisk förening",
            street_address="Storgatan 1",
            postal_code="972 41",
            city="Luleå",
            phone="0920-45 30 00",
            email="info@returen.se",
            website="returen.se",
            description_sv="Vi tar emot möbler.",
            description_en="We take furniture.",
            summary_easy_sv="Vi lagar möbler.",
            services=[catering.pk, stad.pk],
            municipalities_served=["2580", "2581"],
            takes_placements="on",
            placement_capacity="4",
            support_offered=["supervision", "adapted_tasks"],
            premises_accessibility="Entré utan trappsteg.",
            employees="12",
            sni_codes="G 47.791, 88992",
            latitude="65.5848291",
            longitude="22.1547",
        ),
    )
    assert response.status_code == 302
    org = Organisation.objects.get(pk=world.org_a.pk)
    assert org.legal_name == "Returen Återbruk ekonomisk förening"
    assert (org.postal_code, org.city, org.phone, org.email) == ("972 41", "Luleå", "0920-45 30 00", "info@returen.se")
    assert org.website == "https://returen.se"
    assert set(org.services.values_list("slug", flat=True)) == {"catering", "stad"}
    assert set(org.municipalities_served.values_list("code", flat=True)) == {"2580", "2581"}
    assert org.takes_placements and org.placement_capacity == 4
    assert org.support_offered == ["supervision", "adapted_tasks"]
    assert org.employees == 12
    assert org.sni_codes == ["47791", "88992"]
    assert org.latitude == Decimal("65.584829") and org.longitude == Decimal("22.154700")


def test_form_shows_sni_codes_as_they_are_usually_written(world):
    Organisation.objects.filter(pk=world.org_a.pk).update(sni_codes=["47791", "88"])
    form = OrganisationForm(instance=Organisation.objects.get(pk=world.org_a.pk))
    assert form.initial["sni_codes"] == "47.791, 88"


def test_bad_sni_code_is_named_in_the_error_and_nothing_is_saved(client, world):
    client.force_login(world.staff_a)
    response = client.post(edit_url(world.org_a), edit_data(world.org_a, name="Nytt namn", sni_codes="47.791, abc"))
    assert response.status_code == 200
    assert "abc is not an SNI 2007 code" in response.content.decode()
    assert Organisation.objects.get(pk=world.org_a.pk).name == "Returen Återbruk"


@pytest.mark.security("H40")
@pytest.mark.adversarial("H")
@pytest.mark.parametrize(
    "field", ["description_sv", "description_en", "summary_easy_sv", "premises_accessibility", "legal_name"]
)
def test_personnummer_in_a_free_text_field_is_refused_and_nothing_is_saved(client, world, field):
    client.force_login(world.staff_a)
    response = client.post(
        edit_url(world.org_a), edit_data(world.org_a, city="Boden", **{field: f"Kontakt: {PERSONNUMMER}"})
    )
    assert response.status_code == 200
    assert "personal identity number" in response.content.decode()
    org = Organisation.objects.get(pk=world.org_a.pk)
    assert org.city == ""
    assert PERSONNUMMER not in getattr(org, field)
    assert not OrganisationChange.objects.filter(organisation=org).exists()


@pytest.mark.adversarial("K")
@pytest.mark.parametrize(
    ("field", "writing"),
    [
        *[("street_address", name) for name in WRITINGS],
        *[("city", name) for name in ("en dash glued to ref-", "dot", "samordningsnummer with an en dash and spaces")],
        # Writings the phone field's own pattern (digits, spaces, hyphens, brackets) lets through.
        ("phone", "no-break spaces around a hyphen"),
        ("phone", "plain hyphen"),
    ],
)
@pytest.mark.security("K56")
def test_any_writing_of_a_personnummer_in_the_address_or_phone_is_refused_in_swedish(client, world, field, writing):
    value = WRITINGS.get(writing, f"{DATE}-{LAST_FOUR}")
    client.force_login(world.staff_a)
    response = client.post(
        edit_url(world.org_a), edit_data(world.org_a, name="Nytt namn", **{field: value}), HTTP_ACCEPT_LANGUAGE="sv"
    )
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in " ".join(response.context["form"].errors[field])
    org = Organisation.objects.get(pk=world.org_a.pk)
    assert (org.name, getattr(org, field)) == ("Returen Återbruk", "")
    assert not OrganisationChange.objects.filter(organisation=org).exists()


def test_ordinary_addresses_and_phone_numbers_are_saved(client, world):
    client.force_login(world.staff_a)
    changes = {"street_address": "Storgatan 12 B", "postal_code": "972 41", "city": "Luleå", "phone": "0920-45 67 89"}
    response = client.post(edit_url(world.org_a), edit_data(world.org_a, **changes))
    assert response.status_code == 302
    org = Organisation.objects.get(pk=world.org_a.pk)
    assert (org.street_address, org.postal_code, org.city, org.phone) == tuple(changes.values())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"postal_code": "9724"}, "A postal code has five digits"),
        ({"latitude": "65.58"}, "Give both latitude and longitude, or neither."),
        ({"longitude": "22.15"}, "Give both latitude and longitude, or neither."),
        ({"latitude": "95", "longitude": "22"}, "less than or equal to 90"),
        ({"placement_capacity": "3"}, "Tick “takes placements”"),
        ({"website": "javascript:alert(1)"}, "Enter a valid URL"),
        ({"kommunkod": "9999"}, "“9999” is not a Swedish municipality code"),
        ({"support_offered": ["free_money"]}, "Select a valid choice"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_invalid_details_get_a_clear_error_and_nothing_is_half_saved(client, world, changes, message):
    client.force_login(world.staff_a)
    stad = ServiceCategory.objects.get(slug="stad").pk
    response = client.post(edit_url(world.org_a), edit_data(world.org_a, city="Boden", services=[stad], **changes))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'class="error-summary"' in body
    org = Organisation.objects.get(pk=world.org_a.pk)
    assert org.city == "" and not org.services.exists()
    assert not OrganisationChange.objects.filter(organisation=org).exists()


@pytest.mark.security("C15")
@pytest.mark.adversarial("C")
def test_kind_orgnr_and_freshness_columns_cannot_be_posted(client, world):
    client.force_login(world.staff_a)
    before = Organisation.objects.get(pk=world.org_a.pk)
    response = client.post(
        edit_url(world.org_a),
        edit_data(
            world.org_a,
            kind="municipality",
            orgnr="2120002742",
            verified_at="2020-01-01 00:00",
            verified_by=str(world.staff_a.pk),
            confirmed_at="2099-01-01 00:00",
            nudged_at="2099-01-01 00:00",
            search_text="injected",
        ),
    )
    assert response.status_code == 302
    after = Organisation.objects.get(pk=world.org_a.pk)
    assert (after.kind, after.orgnr, after.verified_at) == (before.kind, before.orgnr, None)
    assert after.confirmed_at == before.confirmed_at and after.nudged_at is None
    assert "injected" not in after.search_text


@pytest.mark.security("C15")
@pytest.mark.adversarial("C")
def test_profile_forms_list_their_fields_explicitly():
    forms = [
        cls
        for cls in {**vars(directory_forms), **vars(profile_forms)}.values()
        if isinstance(cls, type) and issubclass(cls, ModelForm) and cls is not ModelForm
    ]
    assert OrganisationForm in forms
    for form in forms:
        assert isinstance(form._meta.fields, list), form
        assert form._meta.exclude is None, form
    assert not {"kind", "orgnr", "verified_at", "verified_by", "confirmed_at", "nudged_at"} & set(
        OrganisationForm.base_fields
    )


def test_retired_service_stays_selected_when_the_profile_is_saved(client, world):
    retired = ServiceCategory.objects.create(slug="gammal", name_sv="Gammal", name_en="Old", active=False)
    world.org_a.services.add(retired)
    form = OrganisationForm(instance=world.org_a)
    assert retired in form.fields["services"].queryset
    assert retired not in OrganisationForm(instance=world.org_b).fields["services"].queryset


def test_edit_page_groups_the_fields_in_fieldsets(client, world):
    client.force_login(world.staff_a)
    body = client.get(edit_url(world.org_a)).content.decode()
    for anchor in ("fs-basic", "fs-contact", "fs-description", "fs-services", "fs-coordinates"):
        assert f'id="{anchor}"' in body
    assert "<legend>" in body
    assert 'name="kind"' not in body and 'name="orgnr"' not in body
    assert "These details are correct (confirm)" in body


def test_confirm_tick_on_the_edit_form_confirms_the_details(client, world):
    Organisation.objects.filter(pk=world.org_a.pk).update(confirmed_at=ago(days=400))
    client.force_login(world.staff_a)
    client.post(edit_url(world.org_a), edit_data(world.org_a, confirm="on"))
    org = Organisation.objects.get(pk=world.org_a.pk)
    assert org.freshness == Freshness.FRESH
    assert org.confirmed_by == world.staff_a


def test_saving_without_the_confirm_tick_leaves_the_freshness_clock_alone(client, world):
    Organisation.objects.filter(pk=world.org_a.pk).update(confirmed_at=ago(days=400))
    client.force_login(world.staff_a)
    client.post(edit_url(world.org_a), edit_data(world.org_a, city="Boden"))
    assert Organisation.objects.get(pk=world.org_a.pk).freshness == Freshness.HIDDEN


# --- History ---------------------------------------------------------------------------------------------


def test_edit_records_who_changed_which_field_from_what_to_what(client, world):
    client.force_login(world.staff_a)
    stad = ServiceCategory.objects.get(slug="stad")
    client.post(edit_url(world.org_a), edit_data(world.org_a, name="Returen", city="Luleå", services=[stad.pk]))
    changes = {c.field: c for c in OrganisationChange.objects.filter(organisation=world.org_a)}
    assert set(changes) == {"name", "city", "services"}
    assert (changes["name"].old_value, changes["name"].new_value) == ("Returen Återbruk", "Returen")
    assert (changes["city"].old_value, changes["city"].new_value) == ("", "Luleå")
    assert changes["services"].new_value == "stad"
    assert all(c.changed_by == world.staff_a for c in changes.values())
    audit = AuditLog.objects.get(action="organisation.update", target_id=str(world.org_a.code))
    assert audit.data["fields"] == ["city", "name", "services"]


def test_history_page_shows_old_and_new_values_to_members(client, world):
    client.force_login(world.staff_a)
    client.post(edit_url(world.org_a), edit_data(world.org_a, name="Returen"))
    client.force_login(world.admin_a)
    body = client.get(reverse("directory:history", kwargs={"code": world.org_a.code})).content.decode()
    assert "Returen Återbruk" in body and "<td>Returen</td>" in body
    assert str(world.staff_a) in body
    assert '<th scope="row">Name</th>' in body


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
@pytest.mark.parametrize("role", ["staff_b", "business_member", "officer_x"])
def test_history_is_not_there_for_people_outside_the_organisation(client, world, role):
    OrganisationChange.objects.create(organisation=world.org_a, field="name", old_value="Hemligt", new_value="X")
    client.force_login(world.user(role))
    response = client.get(reverse("directory:history", kwargs={"code": world.org_a.code}))
    assert response.status_code == 404
    assert "Hemligt" not in response.content.decode()


def test_coordinator_reads_any_organisations_history(client, world):
    OrganisationChange.objects.create(organisation=world.hidden_org, field="city", old_value="Kalix", new_value="Boden")
    client.force_login(world.coordinator)
    body = client.get(reverse("directory:history", kwargs={"code": world.hidden_org.code})).content.decode()
    assert "Kalix" in body


def test_history_is_paginated(client, world):
    OrganisationChange.objects.bulk_create(
        OrganisationChange(organisation=world.org_a, field="city", old_value=f"old{i}", new_value=f"new{i}")
        for i in range(60)
    )
    client.force_login(world.staff_a)
    url = reverse("directory:history", kwargs={"code": world.org_a.code})
    first = client.get(url)
    assert len(first.context["page"].object_list) == 50
    second = client.get(url, {"page": 2})
    assert len(second.context["page"].object_list) == 10
    assert client.get(url, {"page": "9999999999999"}).status_code == 200
    assert client.get(url, {"page": "-1"}).status_code == 200


# --- The profile page ----------------------------------------------------------------------------------


def _full_profile(org: Organisation) -> Organisation:
    Organisation.objects.filter(pk=org.pk).update(
        street_address="Storgatan 1",
        postal_code="972 41",
        city="Gammelstad",
        phone="0920-45 30 00",
        email="info@returen.se",
        description_sv="Vi tar emot möbler.",
        description_en="We take furniture.",
        summary_easy_sv="Vi lagar gamla möbler.",
        takes_placements=True,
        placement_capacity=3,
        support_offered=["supervision"],
        premises_accessibility="Ramp vid entrén.",
        employees=12,
        latitude=Decimal("65.5848"),
        longitude=Decimal("22.1547"),
    )
    org = Organisation.objects.get(pk=org.pk)
    org.services.add(ServiceCategory.objects.get(slug="aterbruk"))
    org.municipalities_served.add(Municipality.objects.get(code="2582"))
    return org


def test_profile_page_shows_everything_public(client, world):
    org = _full_profile(world.org_a)
    Certification.objects.create(
        status="approved", organisation=org, kind=CertificationKind.SKOOPI, valid_until=dt.date(2099, 1, 1)
    )
    Certification.objects.create(
        status="approved",
        organisation=org,
        kind=CertificationKind.OTHER,
        name="ISO 9001",
        valid_until=dt.date(2001, 1, 1),
    )
    url = reverse("directory:detail", kwargs={"code": org.code})
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for text in (
        "Returen Återbruk",
        "<dt>Municipality</dt><dd>Luleå</dd>",  # the municipality's name, not 2580
        "Storgatan 1",
        "972 41 Gammelstad",
        "65.584800",
        "0920-45 30 00",
        "info@returen.se",
        "We take furniture.",
        "Vi lagar gamla möbler.",
        "Reuse and second hand",
        "Boden",  # served
        "Ramp vid entrén.",
        "Skoopi",
        "Not verified yet",
        "Takes placements: room for 3 people.",
        "Supervisor (handledare) on site",
    ):
        assert text in body, text
    assert "ISO 9001" not in body  # expired certifications are not shown publicly
    assert '<div class="description" lang="sv"><p>Vi lagar gamla möbler.</p></div>' in body


def test_profile_shows_the_english_description_in_english_and_falls_back_to_swedish(client, world):
    org = _full_profile(world.org_a)
    body = client.get(reverse("directory:detail", kwargs={"code": org.code}), HTTP_ACCEPT_LANGUAGE="en").content
    assert b"We take furniture." in body and b"Vi tar emot m" not in body
    Organisation.objects.filter(pk=org.pk).update(description_en="")
    body = client.get(reverse("directory:detail", kwargs={"code": org.code}), HTTP_ACCEPT_LANGUAGE="en").content
    assert '<div class="description" lang="sv"><p>Vi tar emot möbler.</p></div>'.encode() in body


def test_members_see_the_upkeep_buttons_and_outsiders_do_not(client, world):
    url = reverse("directory:detail", kwargs={"code": world.org_a.code})
    client.force_login(world.staff_a)
    body = client.get(url).content.decode()
    for name in ("edit", "logo", "certifications", "members", "history", "confirm"):
        assert reverse(f"directory:{name}", kwargs={"code": world.org_a.code}) in body, name
    assert reverse("directory:verify", kwargs={"code": world.org_a.code}) not in body
    client.force_login(world.staff_b)
    body = client.get(url).content.decode()
    assert reverse("directory:edit", kwargs={"code": world.org_a.code}) not in body
    assert reverse("directory:history", kwargs={"code": world.org_a.code}) not in body


def test_profile_page_reads_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    org = _full_profile(world.org_a)
    for i in range(5):
        Certification.objects.create(
            status="approved",
            organisation=org,
            kind=CertificationKind.OTHER,
            name=f"Cert {i}",
            valid_until=dt.date(2099, 1, 1),
        )
    org.services.add(*ServiceCategory.objects.all())
    with django_assert_max_num_queries(8):
        client.get(reverse("directory:detail", kwargs={"code": org.code}))


# --- Confirm and verify -------------------------------------------------------------------------------------


def test_member_confirms_the_details_are_still_correct(client, world):
    Organisation.objects.filter(pk=world.org_a.pk).update(confirmed_at=ago(days=200))
    client.force_login(world.staff_a)
    url = reverse("directory:confirm", kwargs={"code": world.org_a.code})
    page = client.get(url)  # the link in the reminder e-mail: a page with the button, no change
    assert page.status_code == 200
    assert Organisation.objects.get(pk=world.org_a.pk).freshness == Freshness.NEEDS_UPDATE
    response = client.post(url)
    assert response.status_code == 302
    org = Organisation.objects.get(pk=world.org_a.pk)
    assert org.freshness == Freshness.FRESH and org.confirmed_by == world.staff_a
    assert AuditLog.objects.filter(action="organisation.confirm", target_id=str(org.code)).count() == 1


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_outsider_cannot_confirm_another_organisations_details(client, world):
    Organisation.objects.filter(pk=world.org_a.pk).update(confirmed_at=ago(days=200))
    client.force_login(world.staff_b)
    assert client.post(reverse("directory:confirm", kwargs={"code": world.org_a.code})).status_code == 404
    assert Organisation.objects.get(pk=world.org_a.pk).freshness == Freshness.NEEDS_UPDATE


def test_coordinator_verifies_and_the_profile_shows_the_date(client, world):
    client.force_login(world.coordinator)
    response = client.post(reverse("directory:verify", kwargs={"code": world.org_a.code}))
    assert response.status_code == 302
    org = Organisation.objects.get(pk=world.org_a.pk)
    assert org.verified_by == world.coordinator
    assert org.verified_at is not None and org.verified_at > ago(minutes=1)
    body = client.get(reverse("directory:detail", kwargs={"code": org.code}), HTTP_ACCEPT_LANGUAGE="en").content
    assert b"Verified until " in body and b"Not verified yet" not in body


@pytest.mark.adversarial("C")
@pytest.mark.parametrize("role", ["staff_a", "admin_a", "officer_x"])
def test_only_coordinators_verify(client, world, role):
    client.force_login(world.user(role))
    response = client.post(reverse("directory:verify", kwargs={"code": world.org_a.code}))
    assert response.status_code == 403
    assert Organisation.objects.get(pk=world.org_a.pk).verified_at is None


@pytest.mark.security("D22")
@pytest.mark.adversarial("D")
def test_verify_and_confirm_refuse_get(client, world):
    client.force_login(world.coordinator)
    assert client.get(reverse("directory:verify", kwargs={"code": world.org_a.code})).status_code == 405
    assert Organisation.objects.get(pk=world.org_a.pk).verified_at is None


# --- Freshness ------------------------------------------------------------------------------------------


@pytest.fixture
def short_months(settings):
    settings.DIRECTORY_NEEDS_UPDATE_MONTHS = 1
    settings.DIRECTORY_HIDE_AFTER_MONTHS = 2
    return settings


@pytest.mark.parametrize(
    ("days", "state"), [(10, Freshness.FRESH), (40, Freshness.NEEDS_UPDATE), (70, Freshness.HIDDEN)]
)
def test_freshness_follows_the_months_since_the_last_confirmation(db, short_months, days, state):
    org = OrganisationFactory(confirmed_at=ago(days=days))
    assert org.freshness == state
    assert Organisation.objects.listed().filter(pk=org.pk).exists() is (state != Freshness.HIDDEN)
    assert Organisation.objects.needing_update().filter(pk=org.pk).exists() is (state != Freshness.FRESH)


def test_hidden_organisation_is_absent_from_public_search_until_confirmed(client, world, short_months):
    Organisation.objects.filter(pk=world.org_a.pk).update(confirmed_at=ago(days=70))
    assert not Organisation.objects.listed().filter(pk=world.org_a.pk).exists()
    assert not Organisation.objects.searchable_by(actor_for(world.staff_b)).filter(pk=world.org_a.pk).exists()
    assert Organisation.objects.searchable_by(actor_for(world.staff_a)).filter(pk=world.org_a.pk).exists()  # own org
    client.force_login(world.staff_a)
    client.post(reverse("directory:confirm", kwargs={"code": world.org_a.code}))
    assert Organisation.objects.listed().filter(pk=world.org_a.pk).exists()


@pytest.mark.parametrize(("days", "hidden"), [(40, False), (70, True)])
def test_needs_update_notice_is_shown_to_members_and_coordinators_only(client, world, short_months, days, hidden):
    Organisation.objects.filter(pk=world.org_a.pk).update(confirmed_at=ago(days=days))
    url = reverse("directory:detail", kwargs={"code": world.org_a.code})
    for user in (world.staff_a, world.coordinator):
        client.force_login(user)
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert 'id="freshness-notice"' in body
        assert ("hidden from public search" in body) is hidden
    client.force_login(world.staff_b)
    assert 'id="freshness-notice"' not in client.get(url).content.decode()
    client.logout()
    assert 'id="freshness-notice"' not in client.get(url).content.decode()


def test_fresh_profile_has_no_notice(client, world):
    client.force_login(world.staff_a)
    body = client.get(reverse("directory:detail", kwargs={"code": world.org_a.code})).content.decode()
    assert 'id="freshness-notice"' not in body


# --- Certifications -----------------------------------------------------------------------------------------


def certs_url(org: Organisation) -> str:
    return reverse("directory:certifications", kwargs={"code": org.code})


def test_member_adds_edits_and_removes_a_certification_with_history(client, world):
    client.force_login(world.staff_a)
    response = client.post(certs_url(world.org_a), {"kind": "skoopi", "valid_until": "2030-06-30"})
    assert response.status_code == 302
    cert = Certification.objects.get(organisation=world.org_a)
    assert (cert.kind, cert.valid_until) == ("skoopi", dt.date(2030, 6, 30))
    edit = reverse("directory:certification_edit", kwargs={"code": world.org_a.code, "certification": cert.code})
    assert client.post(edit, {"kind": "skoopi", "valid_until": "2031-06-30"}).status_code == 302
    cert.refresh_from_db()
    assert cert.valid_until == dt.date(2031, 6, 30)
    remove = reverse("directory:certification_remove", kwargs={"code": world.org_a.code, "certification": cert.code})
    assert client.post(remove).status_code == 302
    assert not Certification.objects.filter(organisation=world.org_a).exists()
    history = list(OrganisationChange.objects.filter(organisation=world.org_a, field="certifications").order_by("id"))
    assert len(history) == 3
    assert history[0].old_value == "" and "2030-06-30" in history[0].new_value
    assert "2030-06-30" in history[1].old_value and "2031-06-30" in history[1].new_value
    assert "2031-06-30" in history[2].old_value and history[2].new_value == ""
    assert {a.action for a in AuditLog.objects.filter(target_id=str(world.org_a.code))} >= {
        "certification.create",
        "certification.update",
        "certification.delete",
    }
    page = client.get(reverse("directory:history", kwargs={"code": world.org_a.code}), HTTP_ACCEPT_LANGUAGE="en")
    assert "Certifications" in page.content.decode()


def test_other_certification_needs_a_name(client, world):
    client.force_login(world.staff_a)
    response = client.post(certs_url(world.org_a), {"kind": "other", "name": "", "valid_until": "2030-01-01"})
    assert response.status_code == 200
    assert not Certification.objects.exists()


def test_the_same_certification_twice_is_refused_with_a_message(client, world):
    client.force_login(world.staff_a)
    client.post(certs_url(world.org_a), {"kind": "skoopi", "valid_until": "2030-01-01"})
    response = client.post(certs_url(world.org_a), {"kind": "skoopi", "valid_until": "2031-01-01"})
    assert response.status_code == 200
    assert Certification.objects.filter(organisation=world.org_a).count() == 1


def test_expired_certification_is_shown_as_expired_to_members(client, world):
    Certification.objects.create(
        status="approved", organisation=world.org_a, kind="lou_reserved", valid_until=dt.date(2001, 1, 1)
    )
    client.force_login(world.staff_a)
    body = client.get(certs_url(world.org_a), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<strong>Approved, expired</strong>" in body


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
def test_outsider_cannot_edit_or_remove_another_organisations_certification(client, world):
    cert = Certification.objects.create(
        status="approved", organisation=world.org_a, kind="skoopi", valid_until=dt.date(2030, 1, 1)
    )
    client.force_login(world.staff_b)
    for name in ("certification_edit", "certification_remove"):
        url = reverse(f"directory:{name}", kwargs={"code": world.org_a.code, "certification": cert.code})
        assert client.post(url, {"kind": "skoopi", "valid_until": "2001-01-01"}).status_code == 404
    # …nor through their own organisation's URL
    url = reverse("directory:certification_remove", kwargs={"code": world.org_b.code, "certification": cert.code})
    assert client.post(url).status_code == 404
    cert.refresh_from_db()
    assert cert.valid_until == dt.date(2030, 1, 1)


# --- Completeness and the members' dashboard -------------------------------------------------------------


def test_empty_profile_scores_low_and_lists_what_to_do_next(world):
    completeness = organisation_completeness(world.org_b)  # one member, nothing filled in
    keys = {item.key for item in completeness.todo}
    assert keys == {"logo", "services", "description_sv", "description_en", "contact", "coordinates", "colleague"}
    assert completeness.score == round(100 * 1 / 8)  # only "confirmed" is done
    urls = {item.key: item.url for item in completeness.items}
    assert urls["logo"] == reverse("directory:logo", kwargs={"code": world.org_b.code})
    assert urls["colleague"] == reverse("directory:members", kwargs={"code": world.org_b.code})


def test_complete_profile_scores_100(world):
    org = _full_profile(world.org_a)  # two members already
    Organisation.objects.filter(pk=org.pk).update(logo="logos/x.png")
    completeness = organisation_completeness(Organisation.objects.get(pk=org.pk))
    assert completeness.score == 100 and completeness.todo == []


def test_stale_profile_asks_for_a_confirmation(world):
    Organisation.objects.filter(pk=world.org_a.pk).update(confirmed_at=ago(days=200))
    completeness = organisation_completeness(Organisation.objects.get(pk=world.org_a.pk))
    assert "confirm" in {item.key for item in completeness.todo}


def test_home_page_shows_each_organisations_score_and_checklist(client, world):
    client.force_login(world.staff_b)  # member of org B and of the unpublished org
    body = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert body.count("<progress") == 2
    assert reverse("directory:logo", kwargs={"code": world.hidden_org.code}) in body
    assert "Invite a colleague" in body


def test_home_page_query_count_does_not_grow_with_memberships(client, world):
    user = UserFactory()
    MembershipFactory(user=user)
    client.force_login(user)
    client.get(reverse("home"))  # warm up (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("home")).status_code == 200
    for _ in range(4):
        org = MembershipFactory(user=user).organisation
        MembershipFactory(organisation=org)
        org.services.add(ServiceCategory.objects.first())
    with CaptureQueriesContext(connection) as five:
        body = client.get(reverse("home")).content.decode()
    assert body.count("<progress") == 5
    assert len(five.captured_queries) == len(one.captured_queries)


# --- Reminder e-mails ------------------------------------------------------------------------------------


def test_nudge_runs_weekly_on_monday_morning_stockholm_time(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["directory-nudge-stale-organisations"]
    assert entry["task"] == "directory.tasks.nudge_stale_organisations"
    schedule = entry["schedule"]
    assert schedule.day_of_week == {1} and schedule.hour == {7} and schedule.minute == {0}
    assert settings.CELERY_TIMEZONE == "Europe/Stockholm"
    assert nudge_stale_organisations.name == entry["task"]


@pytest.fixture
def stale(world, tasks_inline):
    """Org A needs an update; staff_a reads Swedish, admin_a English; org B is fresh. The per-member e-mail
    tasks the weekly task enqueues run at once, here."""
    Organisation.objects.filter(pk=world.org_a.pk).update(confirmed_at=ago(days=200))
    type(world.admin_a).objects.filter(pk=world.admin_a.pk).update(preferred_language="en")
    return world


def test_members_of_a_stale_organisation_get_one_reminder_each_in_their_language(stale, settings):
    settings.SITE_URL = "https://asfnet.example.se"
    assert nudge_stale_organisations() == 1
    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {"staff.a@example.se", "admin.a@example.se"}
    confirm = "https://asfnet.example.se" + reverse("directory:confirm", kwargs={"code": stale.org_a.code})
    assert all(confirm in message.body for message in mail.outbox)
    english, swedish = by_recipient["admin.a@example.se"], by_recipient["staff.a@example.se"]
    assert "Returen Återbruk" in english.subject
    # Each message is rendered in its reader's language: Django's own catalogs show it in the date.
    org = Organisation.objects.get(pk=stale.org_a.pk)
    confirmed = timezone.localtime(org.confirmed_at)
    for message, language in ((english, "en"), (swedish, "sv")):
        with translation.override(language):
            assert formats.date_format(confirmed, "DATE_FORMAT") in message.body, language
            assert (
                translation.gettext("Are the details of %(name)s still correct?") % {"name": "Returen Återbruk"}
                == message.subject
            )
    assert org.nudged_at is not None and org.nudged_at > ago(minutes=1)


def test_second_run_sends_nothing_and_a_month_later_reminds_again(stale):
    nudge_stale_organisations()
    assert len(mail.outbox) == 2
    assert nudge_stale_organisations() == 0
    assert len(mail.outbox) == 2
    Organisation.objects.filter(pk=stale.org_a.pk).update(nudged_at=ago(days=31))
    assert nudge_stale_organisations() == 1
    assert len(mail.outbox) == 4


def test_run_that_lost_the_claim_sends_nothing(stale, monkeypatch):
    """Two overlapping runs: the other one claims the organisation between our read and our update."""
    from directory import tasks

    real_needing_update = Organisation.objects.needing_update
    calls = {"n": 0}

    def needing_update():
        calls["n"] += 1
        if calls["n"] == 2:  # our claim: the other run has just set nudged_at
            Organisation.objects.filter(pk=stale.org_a.pk).update(nudged_at=timezone.now())
        return real_needing_update()

    monkeypatch.setattr(Organisation.objects, "needing_update", needing_update)
    assert tasks.nudge_stale_organisations() == 0
    assert mail.outbox == []


def test_fresh_and_confirmed_organisations_are_not_reminded(world):
    assert nudge_stale_organisations() == 0
    assert mail.outbox == []


def test_inactive_members_are_not_reminded(stale):
    type(stale.admin_a).objects.filter(pk=stale.admin_a.pk).update(is_active=False)
    nudge_stale_organisations()
    assert [m.to for m in mail.outbox] == [["staff.a@example.se"]]


def test_each_member_gets_one_task_and_a_redelivered_or_retried_task_sends_once(stale, monkeypatch):
    """The claim stays when a send fails: that member's task is retried (on a worker: by Celery) and
    sends once; a duplicate of a task that has sent sends nothing."""
    from django.core.mail.backends.locmem import EmailBackend

    from directory import emails

    [nudge] = emails.organisation_nudges_claim()
    assert sorted(nudge.member_ids) == sorted([stale.staff_a.pk, stale.admin_a.pk])
    assert Organisation.objects.get(pk=stale.org_a.pk).nudged_at is not None
    arguments = {"organisation_id": nudge.organisation_id, "user_id": stale.admin_a.pk, "nudged_at": nudge.nudged_at}

    def broken(self, messages):
        raise ConnectionRefusedError("smtp down")

    with monkeypatch.context() as down:
        down.setattr(EmailBackend, "send_messages", broken)
        with pytest.raises(ConnectionRefusedError):
            emails.organisation_nudge_send(**arguments)
    assert emails.organisation_nudge_send(**arguments) == 1  # the retry
    assert emails.organisation_nudge_send(**arguments) == 0  # a redelivery
    assert [m.to for m in mail.outbox] == [["admin.a@example.se"]]
    assert emails.organisation_nudges_claim() == []  # nothing claimed twice


@pytest.fixture
def celery_worker(transactional_db):
    from celery.contrib.testing.worker import start_worker

    from asfnet.celery import app as celery_app

    assert not celery_app.conf.task_always_eager, "these tests need the real broker"
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)  # committed rows, so the worker thread sees them
@override_settings(SITE_URL="https://asfnet.example.se")
def test_nudge_on_a_real_worker_sends_once_even_when_enqueued_twice(celery_worker):
    from kernel.tasks import ping

    org = OrganisationFactory(confirmed_at=ago(days=200))
    MembershipFactory(organisation=org, user__email="one@example.se", user__preferred_language="en")
    MembershipFactory(organisation=org, user__email="two@example.se")
    first = nudge_stale_organisations.delay()
    second = nudge_stale_organisations.delay()
    # The solo worker runs tasks in order: once the canary answers, both runs are done, and so are the
    # per-member tasks the first one enqueued before the canary.
    assert ping.delay().get(timeout=20) == "pong"
    assert ping.delay().get(timeout=20) == "pong"
    assert Organisation.objects.get(pk=org.pk).nudged_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.se", "two@example.se"]
    assert first.id != second.id
    assert Membership.objects.filter(organisation=org).count() == 2


def test_the_profiles_facts_are_one_statement_equal_to_the_models_own_reads(world, django_assert_num_queries):
    """organisation_profile reads the municipality's name, the services, the municipalities served and the
    certifications that count in one statement: the same rows in the same order as the models' own queries."""
    org = Organisation.objects.get(pk=world.org_a.pk)
    org.services.set(ServiceCategory.objects.order_by("-pk")[:4])
    org.municipalities_served.set(["2583", "2580", "2581", "2584"])
    today = timezone.localdate()
    shown = [
        Certification.objects.create(
            organisation=org, status="approved", kind=CertificationKind.OTHER, name=name, valid_until=until
        )
        for name, until in (
            ("Sista dagen", today),
            ("Långt fram", dt.date(2099, 1, 1)),
            ("Nästa år", ago(days=-365).date()),
        )
    ]
    shown.append(CertificationFactory(organisation=org))  # Skoopi, approved, a year
    CertificationFactory(organisation=org, expired=True, kind=CertificationKind.OTHER, name="Gick ut i går")
    CertificationFactory(organisation=org, pending=True, kind=CertificationKind.OTHER, name="Väntar")
    CertificationFactory(organisation=org, refused=True, kind=CertificationKind.OTHER, name="Avslagen")
    with django_assert_num_queries(1):
        profile = organisation_profile(organisation=org)
    assert profile.municipality_name == Municipality.objects.get(code=org.kommunkod_id).name
    assert [(s.pk, s.slug, s.name) for s in profile.services] == [(s.pk, s.slug, s.name) for s in org.services.all()]
    assert [(m.code, m.name) for m in profile.municipalities_served] == [
        (m.code, m.name) for m in org.municipalities_served.all()
    ]
    valid = Certification.objects.valid().filter(organisation=org).order_by("kind", "valid_until", "pk")
    assert len(valid) == len(shown) == 4
    assert [(c.pk, str(c), c.valid_until) for c in profile.valid_certifications] == [
        (c.pk, str(c), c.valid_until) for c in valid
    ]
    Organisation.objects.filter(pk=org.pk).update(kommunkod=None)
    org.refresh_from_db()
    org.services.clear()
    with django_assert_num_queries(1):
        empty = organisation_profile(organisation=org)
    assert empty.municipality_name == "" and empty.services == []


@pytest.mark.django_db
@pytest.mark.parametrize("visitor", ["anonymous", "coordinator"])
def test_the_profile_reads_its_facts_the_same_without_json_aggregates(client, world, monkeypatch, visitor):
    """The embedded SQLite default (`make run`) has no json_agg: there the facts are read with the ORM, in the
    same orders, and the profile page shows the same facts as on PostgreSQL."""
    from directory import selectors
    from directory.models import Municipality, ServiceCategory
    from tests.factories import CertificationFactory, OrganisationFactory

    org = OrganisationFactory(name="Fakta Lika", kommunkod="2581", support_offered=["mentor"])
    org.services.set(ServiceCategory.objects.filter(slug__in=["catering", "stad", "snickeri"]))
    org.municipalities_served.set(Municipality.objects.filter(code__in=["2583", "2580", "2581"]))
    CertificationFactory(organisation=org)
    CertificationFactory(organisation=org, lou_reserved=True)
    CertificationFactory(organisation=org, expired=True, name="Utgången")
    CertificationFactory(organisation=org, pending=True, name="Väntande")

    def facts(profile) -> tuple:
        return (
            profile.municipality_name,
            [s.pk for s in profile.services],
            [m.code for m in profile.municipalities_served],
            [(c.pk, c.kind, c.valid_until) for c in profile.valid_certifications],
            profile.support_offered,
        )

    if visitor == "coordinator":
        client.force_login(world.coordinator)
    url = reverse("directory:detail", args=[org.code])
    with_json = facts(organisation_profile(organisation=org))
    page_with_json = client.get(url).content.decode()
    monkeypatch.setattr(selectors, "_json_facts", lambda: False)
    assert selectors.profile_facts_annotation() == {}
    assert facts(organisation_profile(organisation=org)) == with_json
    assert len(with_json[1]) == 3 and len(with_json[2]) == 3 and len(with_json[3]) == 2
    page = client.get(url)
    assert page.status_code == 200
    shown = page.content.decode()
    start = page_with_json.index('<dl class="facts">')
    assert shown[start : shown.index("</main>")] == page_with_json[start : page_with_json.index("</main>")]
