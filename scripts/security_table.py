"""Print one table "category · tried · held · not run (reason)" for the checks of docs/security-checks.md
from the JUnit XML of a pytest run (`make security`, `make test`).

A test case proves the checks named by its `security` properties (tests/conftest.py records the ids of
`@pytest.mark.security(...)`). Per check: *tried* when at least one of its tests ran, *held* when every one
that ran passed; *not run* when all its tests were skipped (the skip reason is shown), when the run did not
include it, or when it has no test (tests/security_catalogue.NOT_RUN gives the reason). A check is never
counted as held without a test that ran and passed.

Usage: python scripts/security_table.py var/junit.xml [more.xml ...]"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.security_catalogue import NOT_RUN, categories, checks


def outcomes(paths: list[Path]) -> dict[str, list[tuple[str, str]]]:
    """Check id → [(outcome, detail)] for every test case that names it; outcome is passed/failed/skipped."""
    found: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in paths:
        # The XML is the one pytest just wrote on this machine, not input from outside.
        for case in ET.parse(path).getroot().iter("testcase"):  # noqa: S314
            ids = [p.get("value", "") for p in case.iter("property") if p.get("name") == "security"]
            if not ids:
                continue
            if case.find("failure") is not None or case.find("error") is not None:
                outcome, detail = "failed", f"{case.get('classname')}::{case.get('name')}"
            elif (skipped := case.find("skipped")) is not None:
                outcome, detail = "skipped", (skipped.get("message") or "skipped").removeprefix("Skipped: ")
            else:
                outcome, detail = "passed", ""
            for check_id in ids:
                found[check_id].append((outcome, detail))
    return found


def table(paths: list[Path]) -> tuple[str, bool]:
    """The printed table, and whether every check that was tried held."""
    catalogue = checks()
    results = outcomes(paths)
    rows = []
    totals = [0, 0, 0, 0]
    failed: list[str] = []
    for letter, name in categories().items():
        ids = [check_id for check_id, check in catalogue.items() if check.category == letter]
        tried = held = 0
        not_run: dict[str, list[str]] = defaultdict(list)  # reason → ids
        for check_id in ids:
            tests = results.get(check_id, [])
            ran = [outcome for outcome, _ in tests if outcome != "skipped"]
            if ran:
                tried += 1
                if all(outcome == "passed" for outcome in ran):
                    held += 1
                else:
                    failed.append(check_id)
            elif tests:
                not_run[tests[0][1]].append(check_id)
            else:
                not_run[NOT_RUN.get(check_id, "not part of this run")].append(check_id)
        reasons = "; ".join(f"{', '.join(ids)} ({reason})" for reason, ids in not_run.items())
        count = sum(len(ids) for ids in not_run.values())
        rows.append((f"{letter} {name}", len(ids), tried, held, f"{count}: {reasons}" if count else "0"))
        for index, value in enumerate((len(ids), tried, held, count)):
            totals[index] += value
    width = max(len(row[0]) for row in rows)
    lines = [
        f"Security checks of docs/security-checks.md, from {', '.join(map(str, paths))}",
        f"{'category':<{width}}  checks  tried  held  not run (reason)",
    ]
    lines += [f"{c:<{width}}  {n:>6}  {t:>5}  {h:>4}  {r}" for c, n, t, h, r in rows]
    lines.append(f"{'total':<{width}}  {totals[0]:>6}  {totals[1]:>5}  {totals[2]:>4}  {totals[3]}")
    if failed:
        lines.append(f"NOT HELD: {', '.join(failed)}")
    return "\n".join(lines), not failed


def main(argv: list[str]) -> int:
    paths = [Path(argument) for argument in argv] or [Path("var/junit.xml")]
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        print(f"no JUnit XML at {', '.join(missing)}: run `make security` or `make test` first", file=sys.stderr)
        return 2
    text, _held = table(paths)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
