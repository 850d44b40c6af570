"""Registration forms: a member, a group of colleagues, a guest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.models import Organisation
from events.models import EventQuestion
from events.questions.forms import QuestionsMixin
from kernel.identifiers import refuse_personnummer


def _needs_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=300,
        validators=[refuse_personnummer],
        help_text=_("Optional. Deleted after the event according to our retention rules."),
    )


class RegistrationForm(QuestionsMixin, forms.Form):
    """One-click registration of the logged-in member; the optional needs, the event's questions and, for
    people in several organisations, which one they come from."""

    organisation = forms.ChoiceField(label=_("I come from"), choices=[], required=False)
    dietary_needs = _needs_field(_("Dietary needs"))
    accessibility_needs = _needs_field(_("Accessibility needs"))

    def __init__(
        self,
        *args: Any,
        organisations: list[Organisation],
        questions: list[EventQuestion] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_questions(questions or [])
        self.organisations = {str(o.code): o for o in organisations}
        self.fields["organisation"].choices = [(code, o.name) for code, o in self.organisations.items()]
        if len(organisations) < 2:
            self.fields["organisation"].widget = forms.HiddenInput()

    def clean_organisation(self) -> Organisation | None:
        code = self.cleaned_data.get("organisation") or ""
        if code and code not in self.organisations:
            raise forms.ValidationError(_("Choose one of your organisations."))
        return self.organisations.get(code)


class GroupRegistrationForm(forms.Form):
    """Register several colleagues of one organisation at once."""

    colleagues = forms.MultipleChoiceField(label=_("Colleagues"), choices=[], widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, colleagues: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {str(u.code): u for u in colleagues}
        self.fields["colleagues"].choices = [(code, str(u)) for code, u in self.people.items()]
        self.fields["colleagues"].error_messages["required"] = _("Choose at least one colleague.")

    def clean_colleagues(self) -> list[Any]:
        return [self.people[code] for code in self.cleaned_data["colleagues"]]


class GuestRegistrationForm(QuestionsMixin, forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150, validators=[refuse_personnummer])
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("We send a link there: your registration counts once you have followed it."),
    )
    dietary_needs = _needs_field(_("Dietary needs"))
    accessibility_needs = _needs_field(_("Accessibility needs"))

    def __init__(self, *args: Any, questions: list[EventQuestion] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "guest")
        super().__init__(*args, **kwargs)
        self.add_questions(questions or [])
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
