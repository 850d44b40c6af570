"""The checks of docs/security-checks.md as data: id ("B9") → category letter and text, read from the
document itself so the catalogue has one source. A test proves a check with `@pytest.mark.security("B9")`
(several ids allowed); tests/test_security_catalogue.py fails when an id has no test and is not in NOT_RUN,
and `make security` / `make test` print "tried · held · not run" per category (scripts/security_table.py).

NOT_RUN lists the checks that have no automated test, each with the reason. Keep it short and true: a
check listed here is reported as "not run", never as held."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parents[1] / "docs/security-checks.md"

NOT_RUN: dict[str, str] = {}

_HEADING = re.compile(r"^## ([A-K])\. (.+)$")
# "6. Session key…" at the start of a line or after a sentence ("…login. 7. Logout…"); not "5.0" or "2.1".
_ITEM = re.compile(r"(?:^|(?<=\. ))(\d{1,2})\. (?=\S)")


@dataclass(frozen=True)
class Check:
    id: str
    category: str
    text: str


def categories(document: Path = DOCUMENT) -> dict[str, str]:
    """Letter → category name, in document order."""
    found: dict[str, str] = {}
    for line in document.read_text(encoding="utf-8").splitlines():
        if match := _HEADING.match(line):
            found[match[1]] = match[2].split(" (")[0].strip()
    return found


def checks(document: Path = DOCUMENT) -> dict[str, Check]:
    """Id → check, numbered as in the document (the numbers run on across categories)."""
    found: dict[str, Check] = {}
    letter = ""
    texts: dict[tuple[str, int], list[str]] = {}
    current: tuple[str, int] | None = None
    for line in document.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = _HEADING.match(line)
            letter = heading[1] if heading else letter
            current = None
            continue
        if not letter:
            continue
        if not line.strip():
            current = None
            continue
        position = 0
        for match in _ITEM.finditer(line):
            if current is not None:
                texts[current].append(line[position : match.start()])
            current = (letter, int(match[1]))
            texts[current] = []
            position = match.end()
        if current is not None:
            texts[current].append(line[position:])
    for (letter, number), parts in texts.items():
        check_id = f"{letter}{number}"
        found[check_id] = Check(check_id, letter, " ".join(" ".join(parts).split()))
    return found
