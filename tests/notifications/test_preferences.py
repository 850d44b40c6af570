"""The e-mail choices (/notifications/settings/): one question per kind with the kind's default until the person
chooses; a saved choice decides how later notifications of that kind are e-mailed; bad input is refused with a
message and nothing saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from directory.factories import CoordinatorFactory
from kernel.models import AuditLog
from notifications.kinds import KINDS, Delivery, emailed_kinds
from notifications.models import NotificationPreference
from notifications.services import notify
from tests.factories import UserFactory


@pytest.fixture
def person(db, client):
    user = UserFactory(preferred_language="en")
    client.force_login(user)
    return user


def all_defaults() -> dict[str, str]:
    return {kind.key: kind.default.value for kind in emailed_kinds()}


def test_the_page_asks_about_every_emailed_kind_with_its_default(client, person):
    response = client.get(reverse("notifications:preferences"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields) == [kind.key for kind in emailed_kinds(coordinator=False)]
    assert "verification_due" not in form.fields  # only coordinators receive it
    assert form["placement_started"].initial == Delivery.DAILY
    assert form["placement_proposed"].initial == Delivery.IMMEDIATE
    html = response.content.decode()
    assert "A place is offered to you" in html  # in the centre only: listed, not asked


def test_saving_a_choice_decides_later_notifications(client, person):
    data = {**all_defaults(), "outdated_report": Delivery.OFF, "placement_started": Delivery.IMMEDIATE}
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    stored = dict(NotificationPreference.objects.filter(user=person).values_list("kind", "delivery"))
    assert stored == {"outdated_report": "off", "placement_started": "immediate"}  # defaults are not stored
    audit = AuditLog.objects.get(action="notifications.preferences")
    assert audit.data == {"kinds": ["outdated_report", "placement_started"]}
    (notification,) = notify(kind="outdated_report", recipients=[person], url="/", params={"organisation": "A"})
    assert notification.delivery == Delivery.OFF
    page = client.get(reverse("notifications:preferences"))
    assert page.context["form"]["outdated_report"].initial == Delivery.OFF


def test_saving_the_same_choices_again_changes_nothing(client, person):
    client.post(reverse("notifications:preferences"), {**all_defaults(), "outdated_report": Delivery.DAILY})
    client.post(reverse("notifications:preferences"), {**all_defaults(), "outdated_report": Delivery.DAILY})
    assert AuditLog.objects.filter(action="notifications.preferences").count() == 1


def test_an_unknown_answer_is_refused_with_a_message_and_nothing_saved(client, person):
    data = {**all_defaults(), "outdated_report": "weekly"}
    response = client.post(reverse("notifications:preferences"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert 'class="error-summary"' in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_an_empty_form_is_refused_not_saved(client, person):
    response = client.post(reverse("notifications:preferences"), {})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not NotificationPreference.objects.exists()


def test_one_persons_choice_does_not_touch_anothers(client, person):
    other = UserFactory()
    client.post(reverse("notifications:preferences"), {**all_defaults(), "outdated_report": Delivery.OFF})
    (notification,) = notify(kind="outdated_report", recipients=[other], url="/", params={"organisation": "A"})
    assert notification.delivery == KINDS["outdated_report"].default


def test_only_coordinators_are_asked_about_the_coordinators_kinds(db):
    from django.core.exceptions import ValidationError

    from notifications.selectors import preference_choices
    from notifications.services import preferences_set

    coordinator = CoordinatorFactory()
    asked = {kind.key for kind, _current in preference_choices(user=coordinator)}
    assert {"verification_due", "verification_expired", "certification_pending"} <= asked
    with pytest.raises(ValidationError):
        preferences_set(user=UserFactory(), choices={"verification_due": Delivery.OFF})
    assert preferences_set(user=coordinator, choices={"verification_due": Delivery.OFF}) == ["verification_due"]
