"""The notification centre (/notifications/): each person sees their own notifications only, opens one (read,
then to the object), marks one or all read; the header shows the unread count in one query whatever the
number of notifications. Anyone else's notification is 404 (also in tests/test_access_table.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notify
from tests.factories import UserFactory


def report_for(user, organisation="Returen Återbruk", url="/directory/"):
    return notify(kind="outdated_report", recipients=[user], url=url, params={"organisation": organisation})[0]


@pytest.fixture
def reader(db, client):
    user = UserFactory(preferred_language="en")
    client.force_login(user)
    return user


def test_the_centre_lists_the_readers_notifications_and_no_one_elses(client, reader):
    report_for(reader, "Returen Återbruk")
    report_for(UserFactory(), "Someone Else AB")
    response = client.get(reverse("notifications:centre"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone reported that information on the profile of Returen Återbruk is out of date." in html
    assert "Someone Else AB" not in html
    assert 'class="badge nav-badge">1<span class="visually-hidden"> unread</span>' in html


def test_opening_a_notification_marks_it_read_and_goes_to_the_object(client, reader):
    notification = report_for(reader, url="/directory/some-org/")
    response = client.get(reverse("notifications:open", kwargs={"code": notification.code}))
    assert response.status_code == 302
    assert response["Location"] == "/directory/some-org/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_marking_one_read_leaves_the_others_unread(client, reader):
    first, second = report_for(reader), report_for(reader)
    response = client.post(reverse("notifications:mark_read", kwargs={"code": first.code}))
    assert response.status_code == 302
    assert Notification.objects.get(pk=first.pk).read_at is not None
    assert Notification.objects.get(pk=second.pk).read_at is None


def test_mark_all_read_marks_only_the_readers_own(client, reader):
    report_for(reader)
    report_for(reader)
    other = report_for(UserFactory())
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.filter(recipient=reader, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=other.pk).read_at is None
    html = client.get(reverse("notifications:centre")).content.decode()
    assert "nav-badge" not in html


def test_someone_elses_notification_is_404_and_stays_unread(client, reader):
    other = report_for(UserFactory())
    assert client.get(reverse("notifications:open", kwargs={"code": other.code})).status_code == 404
    assert client.post(reverse("notifications:mark_read", kwargs={"code": other.code})).status_code == 404
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_marking_read_is_post_only(client, reader):
    notification = report_for(reader)
    assert client.get(reverse("notifications:mark_read", kwargs={"code": notification.code})).status_code == 405
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405


def test_the_list_pages_through_many_notifications(client, reader):
    for n in range(30):
        report_for(reader, f"Organisation {n:02d}")
    html = client.get(reverse("notifications:centre")).content.decode()
    assert "Organisation 29" in html and "Organisation 04" not in html  # newest first, 25 a page
    html = client.get(reverse("notifications:centre") + "?page=2").content.decode()
    assert "Organisation 04" in html


def test_the_header_count_costs_one_query_however_many_notifications(client, reader):
    def count_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("events:index"))
        assert response.status_code == 200
        counts = [q["sql"] for q in captured.captured_queries if "notifications_notification" in q["sql"]]
        return len(captured.captured_queries), len(counts)

    report_for(reader)
    count_queries()  # the first request of a session pays for things of its own
    few_total, few_counts = count_queries()
    for _ in range(40):
        report_for(reader)
    many_total, many_counts = count_queries()
    assert few_counts == many_counts == 1
    assert many_total == few_total


def test_a_visitor_pays_no_query_for_the_header(client, db):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("events:index")).status_code == 200
    assert not [q for q in captured.captured_queries if "notifications_notification" in q["sql"]]


def test_the_centre_costs_the_same_queries_for_a_page_of_5_or_25(client, reader):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("notifications:centre")).status_code == 200
        return len(captured.captured_queries)

    for _ in range(5):
        report_for(reader)
    queries()  # the first request of a session pays for things of its own
    few = queries()
    for _ in range(40):
        report_for(reader)
    assert queries() == few


# --- Several förbund: a portal lists its förbund's notifications and the national ones ------------------------
def _placement_for(user, forbund, participant: str):
    return notify(
        kind="placement_proposed",
        recipients=[user],
        url="/matchmaking/matches/x/",
        params={"participant": participant, "opportunity": "Butik", "host": "Returen", "proposer": "AF"},
        site=f"https://{forbund.host}",
        forbund_id=forbund.pk,
    )[0]


def _codes(response) -> set:
    return {n.code for n in response.context["page"].object_list}


def test_each_portal_lists_its_forbunds_and_the_national_notifications(client, reader, portals):
    south, jamtland = portals
    national = report_for(reader)
    in_south, in_jamtland = _placement_for(reader, south, "P-S"), _placement_for(reader, jamtland, "P-J")
    centre = reverse("notifications:centre")

    on_south = client.get(centre, headers={"host": "a.testserver"})
    on_jamtland = client.get(centre, headers={"host": "b.testserver"})
    every = client.get(centre, {"all": "1"}, headers={"host": "a.testserver"})
    on_national = client.get(centre, headers={"host": "testserver"})

    assert _codes(on_south) == {national.code, in_south.code} and on_south.context["elsewhere"] == 1
    assert _codes(on_jamtland) == {national.code, in_jamtland.code} and on_jamtland.context["elsewhere"] == 1
    assert _codes(every) == _codes(on_national) == {national.code, in_south.code, in_jamtland.code}
    assert on_national.context["elsewhere"] == 0
    assert on_south.context["unread_notifications"] == 2 and on_national.context["unread_notifications"] == 3


def test_mark_all_read_on_a_portal_marks_what_it_lists_and_with_every_forbund_all(client, reader, portals):
    south, jamtland = portals
    national, in_south = report_for(reader), _placement_for(reader, south, "P-S")
    in_jamtland = _placement_for(reader, jamtland, "P-J")
    url = reverse("notifications:mark_all_read")

    response = client.post(url, headers={"host": "a.testserver"})

    assert response.status_code == 302 and response["Location"] == reverse("notifications:centre")
    unread = set(Notification.objects.filter(recipient=reader, read_at__isnull=True).values_list("code", flat=True))
    assert unread == {in_jamtland.code} and national.code not in unread and in_south.code not in unread
    response = client.post(url, {"all": "1"}, headers={"host": "a.testserver"})
    assert response["Location"] == reverse("notifications:centre") + "?all=1"
    assert not Notification.objects.filter(recipient=reader, read_at__isnull=True).exists()


def test_the_centre_says_how_many_concern_other_forbund_in_the_readers_language(client, reader, portals):
    _south, jamtland = portals
    _placement_for(reader, jamtland, "P-J1")
    _placement_for(reader, jamtland, "P-J2")

    english = client.get(reverse("notifications:centre"), headers={"host": "a.testserver", "accept-language": "en"})
    reader.preferred_language = "sv"
    reader.save()
    swedish = client.get(reverse("notifications:centre"), headers={"host": "a.testserver", "accept-language": "sv"})

    assert "2 more notifications concern other förbund." in english.content.decode()
    assert "2 notiser till gäller andra förbund." in swedish.content.decode()
