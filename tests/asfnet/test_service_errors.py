"""A service's ValidationError onto a form (kernel/forms.py errors_to_form): every message lands on the
field it names when the form has it, else on the default field or at the top — never a 500, none lost."""

from __future__ import annotations

import pytest
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from directory.models import Invitation
from kernel.forms import errors_to_form


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
