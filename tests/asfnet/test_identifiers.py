"""Swedish identifiers (shared/esf-indicators.md, "Identifiers"; security-checks H40)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from asfnet.identifiers import find_personnummer, format_orgnr, normalise_orgnr, refuse_personnummer


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("222000-2204", "2220002204"),
        ("2220002204", "2220002204"),
        ("16222000-2204", "2220002204"),
        ("162220002204", "2220002204"),
        (" 212000-2742 ", "2120002742"),
        ("556036-0793", "5560360793"),
    ],
)
def test_valid_orgnr_is_normalised_to_ten_digits(raw, normalised):
    assert normalise_orgnr(raw) == normalised
    assert format_orgnr(normalised) == f"{normalised[:6]}-{normalised[6:]}"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("222000-2205", "orgnr_checksum"),
        ("212000-2743", "orgnr_checksum"),
        ("556036-0794", "orgnr_checksum"),
        ("191000-0005", "orgnr_third_digit"),  # third digit 1: a personnummer shape, never an orgnr
        ("22200-2204", "orgnr_format"),
        ("abc", "orgnr_format"),
        ("", "orgnr_format"),
        ("17222000-2204", "orgnr_format"),
    ],
)
def test_invalid_orgnr_is_refused_with_its_reason(raw, code):
    with pytest.raises(ValidationError) as error:
        normalise_orgnr(raw)
    assert error.value.code == code


@pytest.mark.adversarial("H")
@pytest.mark.parametrize(
    "text",
    [
        "Personen har 19900101-0017 enligt handläggaren",  # 12 digits with hyphen
        "pnr 900101-0017",  # 10 digits with hyphen
        "9001010017",  # 10 digits
        "199001010017",  # 12 digits
        "900101+0017",  # over 100 years old
        "samordningsnummer 900161-0014",  # day + 60
    ],
)
def test_personnummer_shapes_are_found_and_refused(text):
    assert find_personnummer(text)
    with pytest.raises(ValidationError) as error:
        refuse_personnummer(text)
    assert error.value.code == "personnummer"


@pytest.mark.parametrize(
    "text",
    [
        "Ring 0920-45 30 00 för mer information",  # a phone number
        "900101-0018",  # wrong check digit
        "901301-0013",  # month 13
        "Organisationsnummer 222000-2204",  # an orgnr: not a date
        "Vi har 25 platser från 2026-03-01",
        "",
    ],
)
def test_ordinary_text_is_not_taken_for_a_personnummer(text):
    assert find_personnummer(text) is None
    refuse_personnummer(text)
