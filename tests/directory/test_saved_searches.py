"""Saved searches: save (normalised, once, at most 20), list, delete own only; the weekly digest lists only
organisations that are new and match, in the user's language, once — also on a real Celery worker."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import quote

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from asfnet.celery import app as celery_app
from directory.models import Organisation, OrganisationKind, SavedSearch
from directory.saved_searches import services as saved_searches
from directory.saved_searches.services import MAX_PER_USER, normalise_query, saved_search_digest_send
from directory.search import reindex
from directory.tasks import send_saved_search_digest, send_saved_search_digests
from kernel import mail as kernel_mail
from kernel.models import AuditLog
from tests.factories import OrganisationFactory, UserFactory
from tests.personnummer import SWEDISH_MESSAGE, WRITINGS

CREATE_URL = "/directory/saved/new/"
LIST_URL = "/directory/saved/"


@pytest.fixture(autouse=True)
def _english(client):
    """The assertions read the English texts; Swedish is the site's default language."""
    client.cookies["django_language"] = "en"


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def _save(client, query: str, name: str = "", follow: bool = True):
    return client.post(CREATE_URL, {"query": query, "name": name}, follow=follow)


def ago(**delta) -> dt.datetime:
    return timezone.now() - dt.timedelta(**delta)


def _created(org: Organisation, when: dt.datetime) -> Organisation:
    Organisation.objects.filter(pk=org.pk).update(created_at=when)
    org.refresh_from_db()
    return org


# --- Normalising --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        "municipality=2581&kind=asf&q=café",
        "kind=asf&q=café&municipality=2581&page=3",
        "q=++café++&kind=asf&kind=asf&municipality=2581&municipality=&service=",
        "kind=asf&municipality=2581&q=café&sort=relevance&utm_source=newsletter",
    ],
)
def test_one_search_written_several_ways_is_stored_the_same_way(spelling):
    assert normalise_query(QueryDict(spelling)) == "kind=asf&municipality=2581&q=caf%C3%A9"


def test_normalising_keeps_what_changes_the_search():
    assert normalise_query(QueryDict("sort=updated&placements=true&certified=on")) == (
        "certified=true&placements=true&sort=updated"
    )
    assert normalise_query(QueryDict("placements=false&sort=name")) == ""
    assert normalise_query(QueryDict("sort=relevance")) == ""  # no search words: relevance means name
    assert normalise_query(QueryDict("q=a&q=b")) == "q=b"  # the value the search reads


# --- Saving -----------------------------------------------------------------------------------------------


def test_logged_in_user_saves_the_search_normalised(client, world):
    client.force_login(world.officer_x)
    response = _save(client, "q=café&municipality=2581&page=2&kind=asf", name="Caféer i Piteå")
    assert response.redirect_chain[-1][0] == LIST_URL
    saved = SavedSearch.objects.get(user=world.officer_x)
    assert saved.name == "Caféer i Piteå"
    assert saved.query_string == "kind=asf&municipality=2581&q=caf%C3%A9"
    assert saved.last_notified_at > ago(minutes=1)
    assert "Caféer i Piteå" in response.content.decode()
    assert AuditLog.objects.filter(action="saved_search.create", actor=world.officer_x).count() == 1


def test_the_name_defaults_to_the_search_text(client, world):
    client.force_login(world.staff_a)
    _save(client, "q=catering&kind=asf")
    assert SavedSearch.objects.get(user=world.staff_a).name == "catering"
    _save(client, "kind=business")  # no search words: a dated name
    assert SavedSearch.objects.filter(user=world.staff_a).count() == 2


def test_saving_the_same_search_again_is_refused_with_a_clear_message(client, world):
    client.force_login(world.staff_a)
    _save(client, "kind=asf&municipality=2580", name="ASF i Luleå")
    response = _save(client, "municipality=2580&kind=asf&page=4", name="Igen")
    assert SavedSearch.objects.filter(user=world.staff_a).count() == 1
    assert "You have already saved this search as “ASF i Luleå”." in _messages(response)
    # Back on the same search, not on an error page.
    assert response.redirect_chain[-1][0] == "/directory/?kind=asf&municipality=2580"


def test_two_users_may_save_the_same_search(client, world):
    for user in (world.staff_a, world.staff_b):
        client.force_login(user)
        _save(client, "kind=asf")
    assert SavedSearch.objects.filter(query_string="kind=asf").count() == 2


def test_a_user_can_save_at_most_twenty_searches(client, world):
    for n in range(MAX_PER_USER):
        SavedSearch.objects.create(user=world.staff_a, name=f"S{n}", query_string=f"q=ord{n}")
    client.force_login(world.staff_a)
    response = _save(client, "q=en+till")
    assert SavedSearch.objects.filter(user=world.staff_a).count() == MAX_PER_USER
    assert any("You can save at most 20 searches." in m for m in _messages(response))


@pytest.mark.security("H40")
@pytest.mark.adversarial("H")
def test_a_personnummer_in_the_search_words_is_not_saved(client, world):
    client.force_login(world.staff_a)
    response = _save(client, "q=19900101-0017")
    assert not SavedSearch.objects.exists()
    assert any("personal identity number" in m for m in _messages(response))


@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize(
    "query",
    [
        "q=" + quote(WRITINGS["en dash glued to ref-"]),
        "q=kaffe&kind=" + quote(WRITINGS["no-break spaces around a hyphen"]),
        "service=" + quote(WRITINGS["dot"]),
        "municipality=" + quote(WRITINGS["samordningsnummer with an en dash and spaces"]),
    ],
)
def test_a_personnummer_in_any_search_parameter_is_not_saved(client, world, query):
    client.cookies["django_language"] = "sv"
    client.force_login(world.staff_a)
    response = client.post(CREATE_URL, {"query": query, "name": ""}, follow=True)
    assert not SavedSearch.objects.exists()
    assert any(SWEDISH_MESSAGE in m for m in _messages(response))


@pytest.mark.security("E26")
@pytest.mark.adversarial("E")
@pytest.mark.parametrize(
    "data",
    [
        {"query": "kind=asf", "name": "x" * 10_000},
        {"query": "q=" + "x" * 3900 + "&" + "&".join(f"kind=k{n}" for n in range(20))},
        {"query": "&".join(f"service=s{n:04d}" for n in range(200))},  # longer than can be stored
        {"query": "q=%00%00&kind=%ff", "name": "\x00"},
    ],
)
def test_bad_input_gives_a_message_never_a_500_and_nothing_half_saved(client, world, data):
    client.force_login(world.staff_a)
    response = client.post(CREATE_URL, data)
    assert response.status_code == 302
    assert SavedSearch.objects.filter(user=world.staff_a).count() <= 1
    for saved in SavedSearch.objects.all():
        assert len(saved.query_string) <= 1000 and "\x00" not in saved.name + saved.query_string


@pytest.mark.security("C15")
@pytest.mark.adversarial("C")
def test_extra_fields_cannot_save_a_search_for_someone_else(client, world):
    client.force_login(world.staff_a)
    client.post(CREATE_URL, {"query": "kind=asf", "user": world.staff_b.pk, "user_id": world.staff_b.pk})
    assert SavedSearch.objects.get().user == world.staff_a


@pytest.mark.security("D20")
@pytest.mark.adversarial("D")
def test_saving_without_a_csrf_token_is_refused(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff_a)
    assert client.post(CREATE_URL, {"query": "kind=asf"}).status_code == 403
    assert not SavedSearch.objects.exists()


@pytest.mark.security("D22")
@pytest.mark.adversarial("D")
def test_get_never_saves_or_deletes(client, world):
    saved = SavedSearch.objects.create(user=world.staff_a, name="ASF", query_string="kind=asf")
    client.force_login(world.staff_a)
    assert client.get(CREATE_URL, {"query": "kind=business"}).status_code == 405
    assert client.get(reverse("directory:saved_search_delete", kwargs={"code": saved.code})).status_code == 405
    assert list(SavedSearch.objects.values_list("query_string", flat=True)) == ["kind=asf"]


def test_search_page_offers_saving_only_to_logged_in_users(client, world):
    url = "/directory/?q=café&kind=asf&page=2"
    assert 'id="save-search-form"' not in client.get(url).content.decode()
    client.force_login(world.staff_a)
    html = client.get(url).content.decode()
    assert 'id="save-search-form"' in html
    assert '<input type="hidden" name="query" value="q=caf%C3%A9&amp;kind=asf">' in html
    assert 'value="café"' in html  # the name defaults to the search text
    assert 'src="/static/js/saved-search.js"' in html


# --- Listing and deleting -------------------------------------------------------------------------------


def test_the_list_shows_only_the_users_own_searches_with_links_to_run_them(client, world):
    SavedSearch.objects.create(user=world.staff_a, name="Mina ASF", query_string="kind=asf&municipality=2580")
    SavedSearch.objects.create(user=world.staff_b, name="Bs sökning", query_string="kind=business")
    client.force_login(world.staff_a)
    html = client.get(LIST_URL).content.decode()
    assert "Mina ASF" in html and "Bs sökning" not in html
    assert 'href="/directory/?kind=asf&amp;municipality=2580"' in html
    assert "Municipality: Luleå" in html


def test_the_list_says_so_when_there_are_none(client, world):
    client.force_login(world.staff_a)
    assert "You have no saved searches yet." in client.get(LIST_URL).content.decode()


def test_user_deletes_their_own_saved_search(client, world):
    saved = SavedSearch.objects.create(user=world.staff_a, name="ASF", query_string="kind=asf")
    client.force_login(world.staff_a)
    response = client.post(reverse("directory:saved_search_delete", kwargs={"code": saved.code}), follow=True)
    assert response.redirect_chain[-1][0] == LIST_URL
    assert not SavedSearch.objects.exists()
    assert AuditLog.objects.filter(action="saved_search.delete", target_id=str(saved.code)).exists()


@pytest.mark.security("C11")
@pytest.mark.adversarial("C")
@pytest.mark.parametrize("role", ["staff_b", "admin_a", "coordinator"])
def test_someone_elses_saved_search_is_a_404_and_stays(client, world, role):
    saved = SavedSearch.objects.create(user=world.staff_a, name="ASF", query_string="kind=asf")
    client.force_login(world.user(role))
    response = client.post(reverse("directory:saved_search_delete", kwargs={"code": saved.code}))
    assert response.status_code == 404
    assert SavedSearch.objects.filter(pk=saved.pk).exists()


def test_deleting_an_unknown_saved_search_is_a_404(client, world):
    client.force_login(world.staff_a)
    url = reverse("directory:saved_search_delete", kwargs={"code": "00000000-0000-0000-0000-000000000000"})
    assert client.post(url).status_code == 404


# --- The digest --------------------------------------------------------------------------------------------


@pytest.fixture
def subscriber(world):
    """staff_a (English) saved "ASF in Piteå" and "businesses" a week ago; one old and several new organisations."""
    user = world.staff_a
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    week_ago = ago(days=7)
    pitea = SavedSearch.objects.create(
        user=user, name="ASF in Piteå", query_string="kind=asf&municipality=2581", last_notified_at=week_ago
    )
    business = SavedSearch.objects.create(
        user=user, name="Businesses", query_string="kind=business", last_notified_at=week_ago
    )
    _created(world.org_b, ago(days=30))  # Café Kvarnen (Piteå) was there before the search was saved
    for org in Organisation.objects.exclude(pk=world.org_b.pk):
        _created(org, ago(days=30))
    new = {
        "pitea_asf": _created(OrganisationFactory(name="Nya Återbruket", kommunkod="2581"), ago(days=2)),
        "lulea_asf": _created(OrganisationFactory(name="Luleå Snickeri", kommunkod="2580"), ago(days=2)),
        "business": _created(
            OrganisationFactory(name="Ny Bygg AB", kind=OrganisationKind.BUSINESS, kommunkod="2580"), ago(days=1)
        ),
        "hidden": _created(
            OrganisationFactory(name="Opublicerade ASF", kommunkod="2581", published=False), ago(days=1)
        ),
    }
    return {"user": user, "pitea": pitea, "business": business, "new": new, "world": world}


def test_digest_lists_new_matching_organisations_per_saved_search(subscriber, settings):
    settings.SITE_URL = "https://asfnet.example.se"
    assert saved_search_digest_send(user_id=subscriber["user"].pk) == 2
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [subscriber["user"].email]
    body = message.body
    assert "“ASF in Piteå”: 1 new organisation" in body
    assert "“Businesses”: 1 new organisation" in body
    assert "Nya Återbruket" in body and "Ny Bygg AB" in body
    new = subscriber["new"]
    assert f"https://asfnet.example.se/directory/org/{new['pitea_asf'].code}/" in body
    assert "https://asfnet.example.se/directory/?kind=asf&municipality=2581" in body
    assert "https://asfnet.example.se/directory/saved/" in body
    # Not new, not matching, or not visible to this user: not listed.
    assert "Café Kvarnen" not in body
    assert "Luleå Snickeri" not in body
    assert "Opublicerade ASF" not in body
    assert "testserver" not in body


def test_digest_is_written_in_the_users_language(subscriber, monkeypatch):
    rendered: list[tuple[str, str]] = []
    real = kernel_mail._render

    def spy(template, context, **kwargs):
        rendered.append((template, translation.get_language()))
        return real(template, context, **kwargs)

    monkeypatch.setattr(kernel_mail, "_render", spy)
    with translation.override("sv"):
        saved_search_digest_send(user_id=subscriber["user"].pk)
    assert rendered and all(language == "en" for _, language in rendered)
    assert mail.outbox[0].subject == "New organisations matching your saved searches on asfnet"

    subscriber["user"].preferred_language = "sv"
    subscriber["user"].save(update_fields=["preferred_language"])
    rendered.clear()
    OrganisationFactory(name="Ännu en ASF", kommunkod="2581")
    with translation.override("en"):
        saved_search_digest_send(user_id=subscriber["user"].pk)
        assert translation.get_language() == "en"  # the user's language was only for the e-mail
    assert rendered and all(language == "sv" for _, language in rendered)


def test_digest_lists_only_what_is_new_since_the_last_one(subscriber):
    user_id = subscriber["user"].pk
    saved_search_digest_send(user_id=user_id)
    later = OrganisationFactory(name="Senare ASF", kommunkod="2581")
    reindex([later.pk])
    assert saved_search_digest_send(user_id=user_id) == 1
    assert len(mail.outbox) == 2
    second = mail.outbox[1].body
    assert "Senare ASF" in second and "Nya Återbruket" not in second
    assert "Businesses" not in second  # nothing new there: that search is left out


def test_a_second_run_sends_nothing_twice(subscriber):
    user_id = subscriber["user"].pk
    assert saved_search_digest_send(user_id=user_id) == 2
    assert saved_search_digest_send(user_id=user_id) == 0
    assert len(mail.outbox) == 1


@pytest.mark.chaos
def test_a_run_that_lost_the_race_for_a_search_sends_nothing_for_it(subscriber, monkeypatch):
    """Compare-and-swap: another run advanced last_notified_at between our read and our claim."""
    real = saved_searches.saved_search_list

    def racing(*, user):
        rows = list(real(user=user))
        SavedSearch.objects.filter(user=user).update(last_notified_at=timezone.now())
        return rows

    monkeypatch.setattr(saved_searches, "saved_search_list", racing)
    assert saved_search_digest_send(user_id=subscriber["user"].pk) == 0
    assert mail.outbox == []


@pytest.mark.chaos
def test_a_failed_send_gives_the_claims_back_so_a_retry_sends_the_same_list(subscriber, monkeypatch):
    before = dict(SavedSearch.objects.values_list("pk", "last_notified_at"))

    def down(*args, **kwargs):
        raise ConnectionRefusedError("SMTP unreachable")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    with pytest.raises(ConnectionRefusedError, match="SMTP unreachable"):
        saved_search_digest_send(user_id=subscriber["user"].pk)
    assert dict(SavedSearch.objects.values_list("pk", "last_notified_at")) == before
    monkeypatch.undo()
    assert saved_search_digest_send(user_id=subscriber["user"].pk) == 2
    assert len(mail.outbox) == 1


def test_a_long_list_is_cut_with_a_count_of_the_rest(subscriber, monkeypatch):
    monkeypatch.setattr(saved_searches, "DIGEST_LIMIT", 1)
    OrganisationFactory(name="Tredje Bygg AB", kind=OrganisationKind.BUSINESS)
    OrganisationFactory(name="Fjärde Bygg AB", kind=OrganisationKind.BUSINESS)
    assert saved_search_digest_send(user_id=subscriber["user"].pk) == 4
    body = mail.outbox[0].body
    assert "“Businesses”: 3 new organisations" in body
    assert "… and 2 more." in body
    assert sum(name in body for name in ("Ny Bygg AB", "Tredje Bygg AB", "Fjärde Bygg AB")) == 1


def test_no_email_when_nothing_new_matches(world):
    SavedSearch.objects.create(user=world.staff_b, name="Skog", query_string="kind=agency")
    assert saved_search_digest_send(user_id=world.staff_b.pk) == 0
    assert mail.outbox == []


def test_inactive_users_get_no_digest(subscriber):
    user = subscriber["user"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert saved_searches.users_with_saved_searches() == []
    assert saved_search_digest_send(user_id=user.pk) == 0
    assert mail.outbox == []


def test_digest_search_words_match_the_way_the_search_does(world):
    user = UserFactory(preferred_language="en")
    SavedSearch.objects.create(
        user=user, name="trädgård", query_string="q=tr%C3%A4dg%C3%A5rd", last_notified_at=ago(days=1)
    )
    garden = OrganisationFactory(name="Trädgårdarna i Boden", kommunkod="2582")
    reindex([garden.pk])
    assert saved_search_digest_send(user_id=user.pk) == 1
    assert "Trädgårdarna i Boden" in mail.outbox[0].body


def test_digest_runs_weekly_on_monday_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["directory-saved-search-digests"]
    assert entry["task"] == send_saved_search_digests.name == "directory.tasks.send_saved_search_digests"
    schedule = entry["schedule"]
    assert schedule.day_of_week == {1} and schedule.hour == {8} and schedule.minute == {0}


# --- On a real worker ------------------------------------------------------------------------------------


@pytest.fixture
def celery_worker(transactional_db):
    assert not celery_app.conf.task_always_eager, "these tests need the real broker"
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING") as worker:
        yield worker


def _wait_for(predicate, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)  # committed rows, so the worker thread sees them
def test_weekly_task_sends_each_subscriber_one_digest_on_the_real_worker(celery_worker):
    anna = UserFactory(email="anna@example.se", preferred_language="en")
    bo = UserFactory(email="bo@example.se", preferred_language="sv")
    SavedSearch.objects.create(user=anna, name="ASF", query_string="kind=asf", last_notified_at=ago(days=7))
    SavedSearch.objects.create(user=bo, name="Företag", query_string="kind=business", last_notified_at=ago(days=7))
    SavedSearch.objects.create(user=bo, name="Myndighet", query_string="kind=agency", last_notified_at=ago(days=7))
    OrganisationFactory(name="Veckans ASF")
    OrganisationFactory(name="Veckans Bygg", kind=OrganisationKind.BUSINESS)

    send_saved_search_digests.delay()
    assert _wait_for(lambda: len(mail.outbox) >= 2), mail.outbox
    by_address = {message.to[0]: message.body for message in mail.outbox}
    assert "Veckans ASF" in by_address["anna@example.se"] and "Veckans Bygg" not in by_address["anna@example.se"]
    assert "Veckans Bygg" in by_address["bo@example.se"]

    # A duplicate run (beat fired twice, a redelivery) finds nothing left to send.
    assert send_saved_search_digest.apply_async((bo.pk,), ignore_result=False).get(timeout=20) == 0
    assert len(mail.outbox) == 2


# --- Several förbund: a search is saved on a portal, and its e-mail searches and links as that portal does ---
@pytest.fixture
def on_two_portals(world, portals, settings):
    """staff_a saves "kind=asf" on Jämtland's portal; ASF made since: one in Östersund (Jämtland's area), one
    in Luleå (Södra Norrbotten's)."""
    settings.SITE_URL = "https://asfnet.example.se"
    for org in Organisation.objects.all():
        _created(org, ago(days=30))
    ostersund = OrganisationFactory(name="Östersunds Återbruk", kommunkod="2380")
    lulea = OrganisationFactory(name="Luleå Snickeri", kommunkod="2580")
    return {"south": portals[0], "jamtland": portals[1], "ostersund": ostersund, "lulea": lulea}


def _save_on(client, host: str, query: str):
    return client.post(CREATE_URL, {"query": query, "name": query}, headers={"host": host})


def _digest_after_saving(saved: SavedSearch) -> str:
    SavedSearch.objects.filter(pk=saved.pk).update(last_notified_at=ago(days=7))
    mail.outbox.clear()
    saved_search_digest_send(user_id=saved.user_id)
    return mail.outbox[0].body if mail.outbox else ""


def test_a_search_saved_on_a_forbunds_portal_emails_that_areas_new_organisations_with_links_there(
    client, world, on_two_portals
):
    client.force_login(world.staff_a)
    assert _save_on(client, "b.testserver", "kind=asf").status_code == 302
    saved = SavedSearch.objects.get(user=world.staff_a)

    body = _digest_after_saving(saved)

    assert saved.forbund == on_two_portals["jamtland"] and saved.query_string == "kind=asf"
    assert "Östersunds Återbruk" in body and "Luleå Snickeri" not in body
    assert f"https://b.testserver/directory/org/{on_two_portals['ostersund'].code}/" in body
    assert "https://b.testserver/directory/?kind=asf" in body


def test_a_search_of_the_whole_country_saved_on_a_portal_keeps_the_whole_country(client, world, on_two_portals):
    client.force_login(world.staff_a)
    _save_on(client, "b.testserver", "kind=asf&area=all")
    saved = SavedSearch.objects.get(user=world.staff_a)

    body = _digest_after_saving(saved)

    assert saved.query_string == "area=all&kind=asf"
    assert "Östersunds Återbruk" in body and "Luleå Snickeri" in body


def test_the_same_search_on_two_portals_is_two_searches_and_the_list_says_where_each_looks(
    client, world, on_two_portals
):
    client.force_login(world.staff_a)
    _save_on(client, "a.testserver", "kind=asf")
    _save_on(client, "b.testserver", "kind=asf")
    _save_on(client, "b.testserver", "kind=asf&area=all")

    page = client.get(LIST_URL, headers={"host": "testserver"})

    assert SavedSearch.objects.filter(user=world.staff_a).count() == 3
    descriptions = sorted(tuple(row["description"]) for row in page.context["rows"])
    assert descriptions == [
        ("In Jämtland", "Type: Work-integration social enterprise (ASF)"),
        ("In Södra Norrbotten", "Type: Work-integration social enterprise (ASF)"),
        ("Whole country", "Type: Work-integration social enterprise (ASF)"),
    ]
