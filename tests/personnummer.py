"""Personnummer writings for the end-to-end tests of the guard (issue 9): one Luhn-valid personnummer and
one samordningsnummer, computed here, in each class of writing that was reported stored."""

from __future__ import annotations

from kernel.identifiers import luhn_ok


def personnummer(ccyymmdd: str, serial: str) -> tuple[str, str]:
    """(the 8 date digits, the last four digits) of the Luhn-valid number with this date and 3-digit serial."""
    body = ccyymmdd[2:] + serial
    check = next(d for d in "0123456789" if luhn_ok(body + d))
    return ccyymmdd, serial + check


DATE, LAST_FOUR = personnummer("19850723", "123")
SHORT = DATE[2:]
S_DATE, S_LAST_FOUR = personnummer("19850783", "456")  # samordningsnummer: day 23 + 60

WRITINGS = {
    "en dash glued to ref-": f"ref-{DATE}\u2013{LAST_FOUR}",
    "minus sign with spaces glued to tel-": f"tel-{SHORT} \u2212 {LAST_FOUR}",
    "em dash": f"{DATE}\u2014{LAST_FOUR}",
    "hyphen U+2010": f"{SHORT}\u2010{LAST_FOUR}",
    "non-breaking hyphen U+2011": f"{SHORT}\u2011{LAST_FOUR}",
    "figure dash": f"{SHORT}\u2012{LAST_FOUR}",
    "dot": f"{SHORT}.{LAST_FOUR}",
    "slash": f"{DATE}/{LAST_FOUR}",
    "no-break spaces around a hyphen": f"{SHORT}\u00a0-\u00a0{LAST_FOUR}",
    "samordningsnummer with an en dash and spaces": f"{S_DATE[2:]} \u2013 {S_LAST_FOUR}",
}

# The guard's message as a Swedish visitor reads it (locale/sv).
SWEDISH_MESSAGE = "Det här ser ut som ett personnummer eller samordningsnummer"
