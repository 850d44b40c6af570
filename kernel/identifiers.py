"""Swedish identifiers: organisationsnummer (validated and normalised) and personnummer /
samordningsnummer (recognised only in order to refuse them — asfnet never stores one).

* Organisationsnummer: 10 digits written NNNNNN-NNNN (a 12-digit form is prefixed 16); the third digit is 2 or
  higher (lower, it would be a personnummer's month); the last digit is the Luhn check digit of the first nine.
  Valid: 222000-2204, 212000-2742 (Luleå kommun); invalid: 222000-2205.
* Personnummer: YYMMDD-NNNC or 12 digits (CCYYMMDDNNNC); the date is a real date and C is the Luhn check
  digit of the 10-digit form. A samordningsnummer is written the same way with 60 added to the day.
* Kommunkod: 4 digits (Norrbotten, län 25: 2505 … 2584). SNI 2007: 2–5 digits, `47.111` ≡ `47111`."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import parse_qsl

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
# People write a personnummer in many ways: 10 or 12 digits; the date and the last four digits joined by any
# dash (-, –, —, ‐, ‑, ‒, −), a plus, dot, slash, colon or space (also a no-break or thin space), with spaces
# around the separator, or by nothing; inside any text, glued to letters or punctuation ("ref-19900101–0017",
# "pnr:9001010017"); sometimes in full-width digits. So the text is first brought to one form (NFKC: full-width
# digits → 0-9, no-break and thin spaces → space; every other decimal digit → 0-9; invisible format and
# combining characters such as the soft hyphen or a zero-width space dropped). In that form a candidate is
#   * a run of exactly 10 or 12 digits, or
#   * a run of exactly 6 or 8 digits, then at most _MAX_SEPARATOR characters that are neither letters nor
#     digits, then a run of exactly 4 digits;
# and it is a personnummer when the date (YYMMDD, or CCYYMMDD with century 18, 19 or 20) is a real date, or a
# real date with 60 added to the day (samordningsnummer), and the Luhn check over the last 10 digits holds.
# Numbers written in groups are never candidates: phone numbers (070-123 45 67, 0920-45 67 89), amounts
# (1 234 567), postcodes (972 41), dates (2026-06-30) and diarienummer (23-051-S06) have no 6- or 8-digit run
# followed by a 4-digit run. An organisationsnummer (NNNNNN-NNNN) is a candidate, but its third digit is 2 or
# higher, so its "month" is 20 or more and it is never a date.
_MAX_SEPARATOR = 6
_DIGIT_RUN = re.compile(r"[0-9]+")
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})  # format (soft hyphen, zero-width space), combining marks
_CENTURIES = frozenset({"18", "19", "20"})


def _search_form(text: str) -> str:
    """The text in the one form that find_personnummer searches (see above)."""
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text
    chars = []
    for ch in text:
        if ch.isascii():
            chars.append(ch)
            continue
        category = unicodedata.category(ch)
        if category == "Nd":
            chars.append(str(unicodedata.decimal(ch)))
        elif category not in _DROPPED_CATEGORIES:
            chars.append(ch)
    return "".join(chars)


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


def _is_personnummer(date_part: str, last_four: str) -> bool:
    century = date_part[:2] if len(date_part) == 8 else None
    if century is not None and century not in _CENTURIES:
        return False
    yymmdd = date_part[-6:]
    return _valid_date(yymmdd, century) and luhn_ok(yymmdd + last_four)


def _is_separator(gap: str) -> bool:
    return len(gap) <= _MAX_SEPARATOR and not any(ch.isalnum() for ch in gap)


def find_personnummer(text: str) -> str | None:
    """Return the first part of `text` (in its normalised form) that is a Swedish personnummer or
    samordningsnummer in any of the writings described above, else None."""
    normalised = _search_form(text or "")
    runs = list(_DIGIT_RUN.finditer(normalised))
    for index, run in enumerate(runs):
        digits = run.group()
        if len(digits) in (10, 12) and _is_personnummer(digits[:-4], digits[-4:]):
            return digits
        if len(digits) in (6, 8) and index + 1 < len(runs):
            following = runs[index + 1]
            if (
                len(following.group()) == 4
                and _is_separator(normalised[run.end() : following.start()])
                and _is_personnummer(digits, following.group())
            ):
                return normalised[run.start() : following.end()]
    return None


def refuse_personnummer(value: str) -> None:
    """Validator for every free-text field: refuse anything that looks like a personal identity number
    (find_personnummer), with a message in the user's language."""
    if find_personnummer(value or ""):
        raise ValidationError(
            _(
                "This looks like a Swedish personal identity number (personnummer or samordningsnummer). "
                "Remove it: asfnet never stores them."
            ),
            code="personnummer",
        )


def refuse_personnummer_in_query(value: str) -> None:
    """Validator for a stored URL query string (a saved search): the guard runs on every decoded name and
    value, since percent-encoding (`%E2%80%93` for an en dash) would hide the number from the plain guard."""
    for name, item in parse_qsl(value or "", keep_blank_values=True):
        refuse_personnummer(name)
        refuse_personnummer(item)
