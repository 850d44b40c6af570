"""The organiser's questions to everyone who registers (events/questions/): adding them, asking them in the
visitor's language, refusing a missing required answer with a clear message, storing the answers, the extra
columns in the attendance export, and the answers as personal data (retention purge, erasure of the account,
the person's data export)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from directory.access import actor_for
from events import answers as questions
from events import services
from events.factories import EventQuestionFactory
from events.models import EventQuestion, Registration, RegistrationAnswer, SeriesQuestion
from events.questions.forms import QuestionForm
from kernel.models import AuditLog
from tests.events.pages import SV, _field_errors, login, make_event, url
from tests.personnummer import DATE, LAST_FOUR, SWEDISH_MESSAGE

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def asked(event):
    """A required choice question, an optional yes/no and an optional free text, in that order."""
    day = EventQuestionFactory(event=event, choice=True, required=True, position=1)
    lunch = EventQuestionFactory(event=event, yes_no=True, position=2)
    text = EventQuestionFactory(event=event, position=3)
    return day, lunch, text


# --- The organiser's page ----------------------------------------------------------------------------------
def test_the_organiser_adds_a_choice_question_and_sees_it(client, world):
    event = make_event(world.org_a, capacity=10)
    login(client, world.staff_a)
    response = client.post(
        url("questions", event),
        {
            "label_sv": "Vilken dag kommer du?",
            "label_en": "Which day are you coming?",
            "kind": "choice",
            "options_sv": "Tisdag\nOnsdag\n",
            "options_en": "Tuesday\nWednesday",
            "required": "on",
            "position": "1",
        },
    )
    assert response.status_code == 302
    (question,) = event.questions.all()
    assert (question.kind, question.required, question.option_values) == ("choice", True, ["Tisdag", "Onsdag"])
    assert AuditLog.objects.filter(action="event.question_add", target_id=str(event.code)).count() == 1
    page = client.get(url("questions", event), **EN).content.decode()
    assert "Which day are you coming?" in page and "Tuesday · Wednesday" in page


def test_a_choice_question_needs_options_in_matching_numbers(client, world):
    event = make_event(world.org_a)
    login(client, world.staff_a)
    data = {"label_sv": "Vilken dag?", "kind": "choice", "options_sv": "Tisdag", "position": "1"}
    response = client.post(url("questions", event), data, **EN)
    assert response.status_code == 200
    assert _field_errors(response, "options_sv") == "List at least two options, one per line."
    data.update(options_sv="Tisdag\nOnsdag", options_en="Tuesday")
    response = client.post(url("questions", event), data, **EN)
    assert _field_errors(response, "options_en") == "Give as many English options as Swedish ones, in the same order."
    assert not event.questions.exists()


def test_a_question_with_a_personnummer_is_refused(client, world):
    event = make_event(world.org_a)
    login(client, world.staff_a)
    data = {"label_sv": f"Skriv {DATE}-{LAST_FOUR}", "kind": "text", "position": "1"}
    response = client.post(url("questions", event), data, **SV)
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in _field_errors(response, "label_sv")
    assert not event.questions.exists()


def test_removing_a_question_removes_its_answers(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    question = EventQuestionFactory(event=event)
    services.registration_create(
        actor=actor_for(world.staff_b), event=event, answers={questions.field_name(question): "Upphandling"}
    )
    login(client, world.staff_a)
    page = client.get(url("questions", event)).content.decode()
    # The question's row counts its answer and its remove button posts to the question's own address.
    assert f'<form method="post" action="{url("question_delete", event, pk=question.pk)}"' in page
    assert re.search(r"<td>(Ja|Nej)</td>\s*<td>1</td>", page)  # after "Required": the number of answers
    assert client.post(url("question_delete", event, pk=question.pk)).status_code == 302
    assert not EventQuestion.objects.filter(pk=question.pk).exists()
    assert not RegistrationAnswer.objects.exists()
    assert AuditLog.objects.get(action="event.question_delete").data == {"question": question.pk, "answers": 1}


def test_only_the_organiser_reaches_the_questions(client, world):
    event = make_event(world.org_a)
    question = EventQuestionFactory(event=event)
    login(client, world.staff_b)
    assert client.get(url("questions", event)).status_code == 404
    assert client.post(url("question_delete", event, pk=question.pk)).status_code == 404
    assert EventQuestion.objects.filter(pk=question.pk).exists()


def test_a_question_of_another_event_is_not_found(client, world):
    event = make_event(world.org_a)
    other = EventQuestionFactory(event=make_event(world.org_b))
    login(client, world.staff_a)
    assert client.post(url("question_delete", event, pk=other.pk)).status_code == 404
    assert EventQuestion.objects.filter(pk=other.pk).exists()


# --- Registering ------------------------------------------------------------------------------------------
def test_the_form_asks_the_questions_in_the_visitors_language(client, world):
    event = make_event(world.org_a, capacity=10)
    asked(event)
    login(client, world.staff_b)
    english = client.get(url("detail", event), **EN).content.decode()
    assert "Which day are you coming?" in english and "Wednesday" in english
    swedish = client.get(url("detail", event), **SV).content.decode()
    assert "Vilken dag kommer du?" in swedish and "Onsdag" in swedish
    assert "Which day are you coming?" not in swedish


def test_a_missing_required_answer_is_refused_with_the_question_named(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    day, _lunch, _text = asked(event)
    login(client, world.staff_b)
    response = client.post(url("register", event), {"dietary_needs": "Vegetarisk"}, **EN)
    assert response.status_code == 200
    name = questions.field_name(day)
    assert _field_errors(response, name, "register_form") == "Answer the question “Which day are you coming?”."
    assert not Registration.objects.filter(event=event).exists()


def test_answers_are_stored_with_the_registration(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    day, lunch, text = asked(event)
    login(client, world.staff_b)
    response = client.post(
        url("register", event),
        {
            questions.field_name(day): "Onsdag",
            questions.field_name(lunch): "yes",
            questions.field_name(text): "Hur upphandlingen går till",
        },
    )
    assert response.status_code == 302
    registration = Registration.objects.get(event=event, user=world.staff_b)
    stored = {a.question_id: a.value for a in registration.answers.all()}
    assert stored == {day.pk: "Onsdag", lunch.pk: "yes", text.pk: "Hur upphandlingen går till"}


def test_a_guest_answers_too_and_a_free_text_answer_with_a_personnummer_is_refused(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    day, _lunch, text = asked(event)
    data = {
        "guest-name": "Gun Gäst",
        "guest-email": "gun@example.se",
        f"guest-{questions.field_name(day)}": "Tisdag",
        f"guest-{questions.field_name(text)}": f"Mitt nummer {DATE}-{LAST_FOUR}",
    }
    response = client.post(url("register_guest", event), data, **SV)
    assert response.status_code == 200
    assert SWEDISH_MESSAGE in _field_errors(response, questions.field_name(text), "guest_form")
    assert not Registration.objects.filter(event=event).exists()
    data[f"guest-{questions.field_name(text)}"] = "Inget särskilt"
    assert client.post(url("register_guest", event), data).status_code == 302
    guest = Registration.objects.get(event=event, guest_email="gun@example.se")
    assert sorted(a.value for a in guest.answers.all()) == ["Inget särskilt", "Tisdag"]


def test_the_service_refuses_a_missing_or_unknown_answer(world, mails):
    event = make_event(world.org_a, capacity=10)
    day, lunch, _text = asked(event)
    with pytest.raises(ValidationError) as missing:
        services.registration_create(actor=actor_for(world.staff_b), event=event, answers={})
    assert list(missing.value.message_dict) == [questions.field_name(day)]
    with pytest.raises(ValidationError) as unknown:
        services.registration_create(
            actor=actor_for(world.staff_b),
            event=event,
            answers={questions.field_name(day): "Fredag", questions.field_name(lunch): "kanske"},
        )
    assert sorted(unknown.value.message_dict) == sorted([questions.field_name(day), questions.field_name(lunch)])
    assert not Registration.objects.filter(event=event).exists()


def test_colleagues_are_not_registered_as_a_group_when_a_question_is_required(world, mails):
    event = make_event(world.org_a, capacity=10)
    asked(event)
    with translation.override("sv"), pytest.raises(ValidationError, match="varje kollega anmäler sig själv"):
        services.registration_create_group(
            actor=actor_for(world.admin_a), event=event, organisation=world.org_a, users=[world.staff_a]
        )
    assert not Registration.objects.filter(event=event).exists()


# --- The export ---------------------------------------------------------------------------------------------
def test_the_answers_are_extra_columns_of_the_attendance_export(client, world, mails):
    event = make_event(world.org_a, capacity=10)
    day, lunch, text = asked(event)
    services.registration_create(
        actor=actor_for(world.staff_b),
        event=event,
        answers={questions.field_name(day): "Onsdag", questions.field_name(lunch): "no"},
    )
    login(client, world.staff_a)
    response = client.get(url("attendance_export", event, fmt="csv"), **EN)
    header, row = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header[-3:] == [
        "Which day are you coming?",
        "Would you like lunch?",
        "What would you like to know more about?",
    ]
    assert row[-3:] == ["Wednesday", "No", ""]
    assert row[0] == str(world.staff_b)
    assert text.label_en == header[-1]


# --- Personal data -----------------------------------------------------------------------------------------
def test_answers_are_deleted_by_the_events_retention_purge(world, mails):
    event = make_event(world.org_a, capacity=10)
    day, _lunch, text = asked(event)
    services.registration_create(
        actor=actor_for(world.staff_b),
        event=event,
        answers={questions.field_name(day): "Onsdag", questions.field_name(text): "Om upphandling"},
    )
    other_event = make_event(world.org_a, capacity=10)
    kept = EventQuestionFactory(event=other_event)
    services.registration_create(
        actor=actor_for(world.staff_b), event=other_event, answers={questions.field_name(kept): "Kvar"}
    )
    after = event.end + dt.timedelta(days=event.retention_days + 1)
    assert services.event_purge_personal_data(event=event, now=after) == 1
    assert not RegistrationAnswer.objects.filter(registration__event=event).exists()
    assert list(RegistrationAnswer.objects.values_list("value", flat=True)) == ["Kvar"]


def test_answers_are_deleted_when_the_persons_account_is_erased(world, mails):
    from directory.services import account_erase

    event = make_event(world.org_a, capacity=10)
    day, _lunch, _text = asked(event)
    registration = services.registration_create(
        actor=actor_for(world.staff_b), event=event, answers={questions.field_name(day): "Onsdag"}
    )
    other = services.registration_create(
        actor=actor_for(world.officer_x), event=event, answers={questions.field_name(day): "Tisdag"}
    )
    account_erase(user=world.staff_b, policy="request")
    registration = Registration.objects.get(pk=registration.pk)
    assert registration.user_id is None and registration.personal_data_purged
    assert not registration.answers.exists()
    assert list(other.answers.values_list("value", flat=True)) == ["Tisdag"]


def test_answers_are_in_the_persons_data_export(world, mails):
    import json
    import zipfile

    from asfnet import personal_data

    event = make_event(world.org_a, capacity=10)
    day, _lunch, _text = asked(event)
    services.registration_create(
        actor=actor_for(world.staff_b), event=event, answers={questions.field_name(day): "Onsdag"}
    )
    content = personal_data.export_zip(personal_data.user_subject(world.staff_b.email), requested_by=None)
    archive = zipfile.ZipFile(io.BytesIO(content))
    answers = json.loads(archive.read("data/events.RegistrationAnswer.json"))
    assert [a["value"] for a in answers] == ["Onsdag"]


def test_a_new_question_is_offered_the_position_after_the_last_one_asked():
    """events.questions.forms.QuestionForm(after=…), for an event's questions and a series' alike."""
    assert QuestionForm().initial == {"position": 1}
    asked = [EventQuestion(position=2), EventQuestion(position=5)]
    assert QuestionForm(after=asked).initial == {"position": 6}
    assert QuestionForm({"position": "9"}, after=[SeriesQuestion(position=3)]).initial == {"position": 4}
