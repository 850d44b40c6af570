"""Swedish identifiers (the rules are stated in kernel/identifiers.py; docs/security-checks.md H40)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kernel.identifiers import (
    _search_form,
    find_personnummer,
    format_orgnr,
    luhn_ok,
    normalise_orgnr,
    refuse_personnummer,
)


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


@pytest.mark.security("H40")
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


# --- Every writing of a personnummer (issue 9; docs/security-checks.md K56) ------------------------------------------
def _luhn_digit(nine: str) -> str:
    """The check digit that makes `nine` + it pass the Luhn check."""
    return next(d for d in "0123456789" if luhn_ok(nine + d))


# Dashes, pluses, dots, slashes and other punctuation people (or their word processors) put between the date
# and the last four digits. The soft hyphen and the zero-width space are invisible: the number reads as joined.
_SEPARATORS = [
    "",
    "-",
    "--",
    "+",
    ".",
    "/",
    ":",
    "_",
    ",",
    "|",
    "~",
    "*",
    "\u2010",  # hyphen
    "\u2011",  # non-breaking hyphen
    "\u2012",  # figure dash
    "\u2013",  # en dash
    "\u2014",  # em dash
    "\u2015",  # horizontal bar
    "\u2043",  # hyphen bullet
    "\u2212",  # minus sign
    "\u2e3a",  # two-em dash
    "\ufe58",  # small em dash
    "\ufe63",  # small hyphen-minus
    "\uff0d",  # full-width hyphen-minus
    "\uff0b",  # full-width plus
    "\u00ad",  # soft hyphen
    "\u200b",  # zero-width space
]
_SPACES = ["", " ", "  ", "\u00a0", "\u2007", "\u2009", "\u202f", "\u3000", "\t", "\n", "\u2060"]
# How digits may reach us: typed, full-width (Japanese/Chinese input), Arabic-Indic, Devanagari.
_DIGIT_SCRIPTS = [ord("0"), 0xFF10, 0x0660, 0x0966]


def _in_script(digits: str, zero: int) -> str:
    return "".join(chr(zero + int(d)) for d in digits)


@st.composite
def personnummer_writings(draw: st.DrawFn) -> tuple[str, str]:
    """(a text with a Luhn-valid personnummer or samordningsnummer in some writing, the number's 10 digits)."""
    twelve = draw(st.booleans())
    day = draw(st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2099, 12, 31)))
    samordning = draw(st.booleans())
    yymmdd = f"{day:%y%m}{day.day + 60 if samordning else day.day:02d}"
    serial = draw(st.from_regex(r"\A[0-9]{3}\Z"))
    ten = yymmdd + serial + _luhn_digit(yymmdd + serial)
    date_part = f"{day.year // 100}{yymmdd}" if twelve else yymmdd
    zero = draw(st.sampled_from(_DIGIT_SCRIPTS))
    gap = draw(st.sampled_from(_SPACES)) + draw(st.sampled_from(_SEPARATORS)) + draw(st.sampled_from(_SPACES))
    number = _in_script(date_part, zero) + gap + _in_script(ten[6:], zero)
    # Glued to letters or punctuation on either side; never to a digit (that would make it another number).
    prefix = draw(
        st.sampled_from(["", "ref-", "tel-", "pnr:", "Personnummer ", "nr.", "(", "«", "ID/", "x", "ref\u2013"])
        | st.text(max_size=12)
    )
    suffix = draw(st.sampled_from(["", ")", ".", "-a", "x", "»", " enligt handläggaren"]) | st.text(max_size=12))
    assume(not _search_form(prefix)[-1:].isdigit() and not _search_form(suffix)[:1].isdigit())
    return prefix + number + suffix, ten


@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
@settings(max_examples=600, deadline=None)
@given(personnummer_writings())
def test_every_writing_of_a_personnummer_is_refused(writing):
    text, ten = writing
    assert find_personnummer(text), (text, ten)
    with pytest.raises(ValidationError) as error:
        refuse_personnummer(text)
    assert error.value.code == "personnummer"


# The reported bypasses, one per class: other dashes, dot, slash, spaces around the separator, a glued prefix.
@pytest.mark.security("K56")
@pytest.mark.adversarial("K")
@pytest.mark.parametrize(
    "text",
    [
        "ref-19900101\u20130017",  # en dash, glued to "ref-"
        "tel-900101-0017",  # glued to "tel-"
        "19900101\u20140017",  # em dash
        "900101\u20100017",  # Unicode hyphen
        "900101\u20110017",  # non-breaking hyphen
        "900101\u22120017",  # minus sign
        "900101\u20120017",  # figure dash
        "900101.0017",
        "900101/0017",
        "900101 - 0017",
        "19900101 \u2013 0017",
        "900101\u00a0\u20130017",
        "\uff11\uff19\uff19\uff10\uff10\uff11\uff10\uff11\uff0d\uff10\uff10\uff11\uff17",  # full-width
        "Samtycke gäller 900161\u20130014 (samordningsnummer)",
        "pnr9001010017x",
        "1990\u200b0101-0017",  # a zero-width space inside the date
    ],
)
def test_reported_writings_are_refused(text):
    assert find_personnummer(text)
    with pytest.raises(ValidationError):
        refuse_personnummer(text)


# --- Ordinary numbers are not refused ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "0920-45 67 89",
        "+46 70 123 45 67",
        "070-123 45 67",
        "Ring 08-123 456 78 eller 0920-45 30 00",
        "2026-06-30",
        "30/6 2026",
        "Mötet är 2026-06-30 kl. 14.00\u201316.00",
        "1 234 567 kr",
        "12 345,50",
        "Budget: 1\u00a0234\u00a0567 kr",
        "972 41 Luleå",
        "Diarienummer 23-051-S06",
        "Organisationsnummer 556036-0793",
        "16556036-0793",
        "5560360793",
        "212000-2742, 222000-2204",
        "Storgatan 12 B, 972 41 Luleå",
    ],
)
def test_ordinary_numbers_are_not_taken_for_a_personnummer(text):
    assert find_personnummer(text) is None
    refuse_personnummer(text)


def _digits(n: int) -> st.SearchStrategy[str]:
    return st.from_regex(rf"\A[0-9]{{{n}}}\Z")


@st.composite
def orgnr_writings(draw: st.DrawFn) -> str:
    """A valid organisationsnummer (third digit 2 or higher, Luhn), written with any separator and maybe "16"."""
    nine = draw(_digits(2)) + str(draw(st.integers(2, 9))) + draw(_digits(6))
    ten = nine + _luhn_digit(nine)
    gap = draw(st.sampled_from(_SPACES)) + draw(st.sampled_from(_SEPARATORS)) + draw(st.sampled_from(_SPACES))
    return draw(st.sampled_from(["", "16"])) + ten[:6] + gap + ten[6:]


_ordinary_numbers = st.one_of(
    # phone numbers in their written groups
    st.builds(lambda a, b, c, d: f"0{a}-{b} {c} {d}", _digits(3), _digits(2), _digits(2), _digits(2)),
    st.builds(lambda a, b, c, d: f"07{a}-{b} {c} {d}", _digits(1), _digits(3), _digits(2), _digits(2)),
    st.builds(lambda a, b, c, d: f"+46 7{a} {b} {c} {d}", _digits(1), _digits(3), _digits(2), _digits(2)),
    st.builds(lambda a, b, c: f"08-{a} {b} {c}", _digits(3), _digits(3), _digits(2)),
    # dates
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)).map(lambda d: d.isoformat()),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)).map(
        lambda d: f"{d.day}/{d.month} {d.year}"
    ),
    # amounts with thousands separators, with or without öre
    st.integers(0, 10**9).map(lambda n: f"{n:,}".replace(",", " ") + " kr"),
    st.builds(lambda n, o: f"{n:,}".replace(",", "\u00a0") + f",{o:02d}", st.integers(0, 10**7), st.integers(0, 99)),
    # postcodes, diarienummer
    st.builds(lambda a, b: f"{a} {b}", _digits(3), _digits(2)),
    st.builds(lambda a, b, c: f"{a}-{b}-S{c}", _digits(2), _digits(3), _digits(2)),
    orgnr_writings(),
)


@settings(max_examples=600, deadline=None)
@given(st.lists(_ordinary_numbers, min_size=1, max_size=4), st.sampled_from([" ", ", ", "; ", " och ", "\n"]))
def test_ordinary_numbers_in_any_combination_are_not_refused(numbers, joiner):
    text = "Uppgifter: " + joiner.join(numbers) + "."
    assert find_personnummer(text) is None, text
    refuse_personnummer(text)
