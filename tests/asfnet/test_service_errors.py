"""A service's ValidationError onto a form (kernel/forms.py errors_to_form): every message lands on the
field it names when the form has it, else on the default field or at the top — never a 500, none lost."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from directory.models import Invitation
from kernel.forms import Saved, act, errors_to_form, form_page, posted, submit, valid_or_flash


class TwoFields(forms.Form):
    email = forms.CharField(required=False)
    document = forms.CharField(required=False)


def _validated_form() -> TwoFields:
    form = TwoFields({"email": "a@example.se", "document": "x"})
    assert form.is_valid()
    return form


words = st.text(alphabet=st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=20)
keys = st.sampled_from(["email", "document", "orgnr", "places_available", NON_FIELD_ERRORS])
errors = st.one_of(
    words.map(ValidationError),
    st.lists(words, min_size=1, max_size=3).map(ValidationError),
    st.dictionaries(keys, st.lists(words, min_size=1, max_size=2), min_size=1).map(ValidationError),
)


@given(error=errors, default=st.sampled_from([None, "document"]))
def test_every_message_lands_on_its_field_or_the_fallback_and_none_is_lost(error, default):
    form = _validated_form()
    errors_to_form(form, error, default_field=default)
    fallback = default or NON_FIELD_ERRORS
    expected: dict[str, list[str]] = {}
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            target = name if name in form.fields else fallback
            expected.setdefault(target, []).extend(messages)
    else:
        expected[fallback] = list(error.messages)
    assert {name: sorted(messages) for name, messages in form.errors.items()} == {
        name: sorted(messages) for name, messages in expected.items()
    }
    assert not form.is_valid()


def test_a_default_field_the_form_does_not_have_is_a_programming_error():
    with pytest.raises(ValueError, match="no field 'upload'"):
        errors_to_form(_validated_form(), ValidationError("x"), default_field="upload")


def test_inviting_someone_who_is_already_a_member_says_so_on_the_address_field(client, world):
    """The service names the field ({"email": …}); the members page once passed that dict to
    form.add_error("email", …), which Django refuses with a TypeError: a 500."""
    client.force_login(world.admin_a)
    response = client.post(
        reverse("directory:members", kwargs={"code": world.org_a.code}),
        {"email": world.staff_a.email, "role": "member", "language": "sv"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["email"] == ["Personen är redan medlem i organisationen."]
    assert not Invitation.objects.filter(email=world.staff_a.email).exists()


# --- submit: the POST half of a form page --------------------------------------------------------------------
class _Calls:
    def __init__(self, result=None, error: ValidationError | None = None) -> None:
        self.result, self.error, self.count = result, error, 0

    def __call__(self):
        self.count += 1
        if self.error is not None:
            raise self.error
        return self.result


def _request(rf, method: str):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = rf.post("/") if method == "POST" else rf.get("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_submit_calls_nothing_on_a_get(rf):
    save = _Calls()
    assert submit(_request(rf, "GET"), TwoFields(), save, success="Saved.") is None
    assert save.count == 0


def test_submit_calls_nothing_for_an_invalid_form(rf):
    class Required(forms.Form):
        email = forms.EmailField()

    form, save = Required({"email": "not an address"}), _Calls()
    assert submit(_request(rf, "POST"), form, save, success="Saved.") is None
    assert save.count == 0 and form.errors["email"]


def test_a_refusal_lands_on_the_form_and_nothing_is_flashed(rf):
    request, form = _request(rf, "POST"), TwoFields({"email": "a@example.se", "document": "x"})
    save = _Calls(error=ValidationError({"email": "Already invited."}))
    assert submit(request, form, save, success="Saved.") is None
    assert form.errors == {"email": ["Already invited."]}
    assert [str(m) for m in request._messages] == []


def test_a_save_is_flashed_and_returned_even_when_the_service_returns_none(rf):
    request, form = _request(rf, "POST"), TwoFields({"email": "a@example.se", "document": "x"})
    saved = submit(request, form, _Calls(result=None), success="Saved.")
    assert saved == Saved(None) and bool(saved) is True
    assert [str(m) for m in request._messages] == ["Saved."]
    assert submit(request, TwoFields({"email": "b@example.se"}), _Calls(result=7)) == Saved(7)


def test_a_refused_document_error_goes_on_its_field(rf):
    form = TwoFields({"email": "a@example.se", "document": "x"})
    save = _Calls(error=ValidationError("Not a PDF."))
    assert submit(_request(rf, "POST"), form, save, default_field="document") is None
    assert form.errors == {"document": ["Not a PDF."]}


def test_a_button_action_flashes_success_and_returns_what_the_service_did(rf):
    request = _request(rf, "POST")
    assert act(request, _Calls(result=3), success="Published.") == Saved(3)
    assert [(m.level_tag, str(m)) for m in request._messages] == [("success", "Published.")]


def test_a_refused_button_action_flashes_every_message_and_no_success(rf):
    request = _request(rf, "POST")
    refusal = ValidationError({"start": "The start has passed.", "title": "A title is needed."})
    assert act(request, _Calls(error=refusal), success="Published.") is None
    assert [(m.level_tag, str(m)) for m in request._messages] == [("error", "The start has passed. A title is needed.")]


def test_a_form_from_a_page_without_one_is_valid_or_each_of_its_errors_is_flashed(rf):
    class Note(forms.Form):
        email = forms.EmailField()
        note = forms.CharField(max_length=3)

    request = _request(rf, "POST")
    assert valid_or_flash(request, Note({"email": "a@example.se", "note": "ok"})) is True
    assert [str(m) for m in request._messages] == []
    with translation.override("en"):
        assert valid_or_flash(request, Note({"email": "nope", "note": "too long"})) is False
        flashed = [(m.level_tag, str(m)) for m in request._messages]
    assert [level for level, _text in flashed] == ["error", "error"]
    assert "valid email" in flashed[0][1] and "3 characters" in flashed[1][1]


class _Page:
    def __init__(self):
        self.drawn = 0

    def __call__(self):
        self.drawn += 1
        return HttpResponse("the page")


def test_posted_binds_an_empty_post_and_leaves_a_get_unbound(rf):
    assert posted(rf.get("/", {"email": "a@example.se"})) is None
    empty = posted(rf.post("/"))
    assert empty is not None and TwoFields(empty).is_bound
    assert posted(rf.post("/", {"email": "a@example.se"}))["email"] == "a@example.se"


def test_a_form_page_draws_the_page_on_a_get_and_saves_nothing(rf):
    page, save = _Page(), _Calls()
    response = form_page(_request(rf, "GET"), TwoFields(), save, then="/done/", page=page)
    assert (response.status_code, response.content, page.drawn, save.count) == (200, b"the page", 1, 0)


def test_a_refused_form_page_shows_the_page_with_the_errors_and_does_not_redirect(rf):
    form, page = TwoFields({"email": "a@example.se"}), _Page()
    save = _Calls(error=ValidationError({"email": "Already invited."}))
    response = form_page(_request(rf, "POST"), form, save, then="/done/", success="Saved.", page=page)
    assert (response.status_code, page.drawn) == (200, 1)
    assert form.errors == {"email": ["Already invited."]}


def test_a_saved_form_page_flashes_and_redirects_where_then_says(rf):
    request, page = _request(rf, "POST"), _Page()
    response = form_page(
        request, TwoFields({"email": "a@example.se"}), _Calls(), then="/done/", success="Saved.", page=page
    )
    assert (response.status_code, response["Location"], page.drawn) == (302, "/done/", 0)
    assert [str(m) for m in request._messages] == ["Saved."]


def test_then_is_given_what_the_service_returned(rf):
    to_url = form_page(_request(rf, "POST"), TwoFields({}), _Calls(result=7), then=lambda n: f"/n/{n}/", page=_Page())
    assert to_url["Location"] == "/n/7/"
    own = form_page(
        _request(rf, "POST"), TwoFields({}), _Calls(result=7), then=lambda n: HttpResponse(status=204), page=_Page()
    )
    assert own.status_code == 204


def test_without_then_a_save_leads_to_the_page_of_what_the_service_returned(rf):
    class Thing:
        def get_absolute_url(self) -> str:
            return "/things/7/"

    response = form_page(_request(rf, "POST"), TwoFields({}), _Calls(result=Thing()), page=_Page())
    assert (response.status_code, response["Location"]) == (302, "/things/7/")
    with pytest.raises(TypeError, match="returns an object with a page"):
        form_page(_request(rf, "POST"), TwoFields({}), _Calls(result=7), page=_Page())


def test_a_form_page_renders_its_template_with_the_form_in_the_context(rf, db):
    form = TwoFields({"email": "a@example.se"})
    save = _Calls(error=ValidationError("Refused."))
    response = form_page(_request(rf, "POST"), form, save, then="/", template="includes/form.html", context={})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Refused." in page and 'value="a@example.se"' in page


def test_a_form_page_takes_a_template_or_a_page_not_both_nor_neither(rf):
    with pytest.raises(ValueError, match="one of them"):
        form_page(_request(rf, "GET"), TwoFields(), _Calls(), then="/")
    with pytest.raises(ValueError, match="one of them"):
        form_page(_request(rf, "GET"), TwoFields(), _Calls(), then="/", template="x.html", page=_Page())
