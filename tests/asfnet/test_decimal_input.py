"""Decimal numbers as people write them (kernel.forms.DecimalField): a Swedish decimal comma and spaces
between thousands in Swedish, a point in both languages, on every form of the project that asks for one."""

from __future__ import annotations

import importlib
import pkgutil
from decimal import Decimal

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from directory.models import Organisation
from kernel.forms import DecimalField

PROJECT_PACKAGES = ("kernel", "directory", "matchmaking", "events", "reports", "asfnet")


def _project_forms() -> list[type[forms.BaseForm]]:
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, package_name + "."):
            if module.name.rsplit(".", 1)[-1] == "forms":
                importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_PACKAGES and hasattr(cls, "base_fields"):
            found.append(cls)
    return found


def test_the_walk_finds_the_forms_with_decimal_numbers():
    names = {cls.__name__ for cls in _project_forms()}
    assert {"OrganisationForm", "AgreementForm"} <= names


def test_every_decimal_number_on_a_form_of_the_project_reads_a_swedish_decimal_comma():
    plain = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls in _project_forms()
        for name, field in cls.base_fields.items()
        if isinstance(field, forms.DecimalField | forms.FloatField) and not isinstance(field, DecimalField)
    ]
    assert not plain, f"use kernel.forms.DecimalField: {plain}"


@pytest.mark.parametrize(
    ("language", "typed", "value"),
    [
        ("sv", "65,5848", Decimal("65.5848")),
        ("sv", "65.5848", Decimal("65.5848")),
        ("sv", "1 250 000,50", Decimal("1250000.50")),
        ("sv", "1\u00a0250\u00a0000,50", Decimal("1250000.50")),
        ("sv", " -22,15 ", Decimal("-22.15")),
        ("en", "65.5848", Decimal("65.5848")),
        ("en", "1 250 000.50", Decimal("1250000.50")),
    ],
)
def test_the_field_reads_what_people_type(language, typed, value):
    with translation.override(language):
        assert DecimalField(max_digits=12).clean(typed) == value


@pytest.mark.parametrize(("language", "typed"), [("sv", "65,58,1"), ("sv", "sextio"), ("en", "65,5848")])
def test_what_is_not_a_number_gets_the_usual_message(language, typed):
    with translation.override(language), pytest.raises(forms.ValidationError):
        DecimalField(max_digits=12).clean(typed)


class _Place(forms.Form):
    latitude = DecimalField(max_digits=12, decimal_places=6)


def test_the_box_is_text_with_a_decimal_keyboard_and_shows_the_readers_separator():
    for language, shown in (("sv", "65,584800"), ("en", "65.584800")):
        with translation.override(language):
            html = str(_Place(initial={"latitude": Decimal("65.584800")})["latitude"])
        assert 'type="text"' in html and 'inputmode="decimal"' in html
        assert f'value="{shown}"' in html


def test_a_swedish_editor_types_coordinates_with_a_decimal_comma_and_sees_them_back(client, world):
    client.force_login(world.staff_a)
    org = world.org_a
    url = reverse("directory:edit", kwargs={"code": org.code})
    data = {"name": org.name, "kommunkod": org.kommunkod_id, "published": "on"}
    response = client.post(url, {**data, "latitude": "65,5848", "longitude": "22,1547"}, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 302
    org = Organisation.objects.get(pk=org.pk)
    assert (org.latitude, org.longitude) == (Decimal("65.584800"), Decimal("22.154700"))
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert 'value="65,584800"' in page and 'inputmode="decimal"' in page
