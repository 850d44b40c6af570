"""Swedish identifiers: organisationsnummer (validated and normalised) and personnummer /
samordningsnummer (recognised only in order to refuse them — asfnet never stores one).
Definitions: shared/esf-indicators.md, "Identifiers"."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def luhn_ok(digits: str) -> bool:
    """Luhn check over a string of digits (the last digit is the check digit)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


# --- Organisationsnummer -------------------------------------------------------------------------------
_ORGNR_RE = re.compile(r"^(?:16)?(\d{6})-?(\d{4})$")


def normalise_orgnr(value: str) -> str:
    """Return the 10-digit form of a valid orgnr (`222000-2204`, `2220002204` and `16222000-2204` all give
    `2220002204`), or raise ValidationError with a message in the user's language."""
    raw = (value or "").strip().replace(" ", "")
    match = _ORGNR_RE.match(raw)
    if not match:
        raise ValidationError(_("Enter an organisation number as NNNNNN-NNNN (10 digits)."), code="orgnr_format")
    digits = match.group(1) + match.group(2)
    if int(digits[2]) < 2:
        raise ValidationError(
            _("This is not an organisation number (the third digit must be 2 or higher)."),
            code="orgnr_third_digit",
        )
    if not luhn_ok(digits):
        raise ValidationError(
            _("The organisation number's check digit is wrong. Check for a typo."), code="orgnr_checksum"
        )
    return digits


def format_orgnr(digits: str) -> str:
    return f"{digits[:6]}-{digits[6:]}" if len(digits) == 10 else digits


def validate_orgnr(value: str) -> None:
    normalise_orgnr(value)


# --- Kommunkod -------------------------------------------------------------------------------------------
def validate_kommunkod(value: str) -> None:
    if not re.fullmatch(r"\d{4}", value or ""):
        raise ValidationError(_("A municipality code has exactly four digits, e.g. 2580."), code="kommunkod")


# --- SNI 2007 -----------------------------------------------------------------------------------------------
def normalise_sni(value: str) -> str:
    """`47.111`, `47111`, `G 47.111` → `47111` (2–5 digits; the section letter is implied by the digits)."""
    raw = re.sub(r"[\s.]", "", (value or "").upper())
    raw = re.sub(r"^[A-U](?=\d)", "", raw)
    if not re.fullmatch(r"\d{2,5}", raw):
        raise ValidationError(
            _("%(value)s is not an SNI 2007 code (2–5 digits, e.g. 47.111).") % {"value": value}, code="sni"
        )
    return raw


# --- Personnummer / samordningsnummer (refuse only) -------------------------------------------------------
# 6 or 8 date digits, an optional separator (-, + or space), 4 digits; not part of a longer number.
# A lookahead, so overlapping candidates are all tried ("19900101-0017" is also "900101-0017"-ish).
_PNR_CANDIDATE = re.compile(r"(?<![\d-])(?=((\d{8}|\d{6})[-+ ]?(\d{4}))(?!\d))")


def _valid_date(yymmdd: str, century: str | None) -> bool:
    year = int(yymmdd[:2])
    month = int(yymmdd[2:4])
    day = int(yymmdd[4:6])
    if day > 60:  # samordningsnummer: day + 60
        day -= 60
    full_years = [int(century) * 100 + year] if century else [1900 + year, 2000 + year]
    for y in full_years:
        try:
            dt.date(y, month, day)
            return True
        except ValueError:
            continue
    return False


def find_personnummer(text: str) -> str | None:
    """Return the first substring of `text` that looks like a Swedish personnummer or samordningsnummer
    (a valid date, or date + 60, and a correct Luhn check digit), in 10- or 12-digit form, else None."""
    for match in _PNR_CANDIDATE.finditer(text or ""):
        date_part, tail = match.group(2), match.group(3)
        century = date_part[:2] if len(date_part) == 8 else None
        if century is not None and century not in {"18", "19", "20"}:
            continue
        yymmdd = date_part[-6:]
        if _valid_date(yymmdd, century) and luhn_ok(yymmdd + tail):
            return match.group(1)
    return None


def refuse_personnummer(value: str) -> None:
    """Validator for every free-text field: refuse anything that looks like a personal identity number."""
    if find_personnummer(value or ""):
        raise ValidationError(
            _(
                "This looks like a Swedish personal identity number (personnummer or samordningsnummer). "
                "Remove it: asfnet never stores them."
            ),
            code="personnummer",
        )
