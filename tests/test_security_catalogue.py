"""Every check of docs/security-checks.md has a test that proves it (`@pytest.mark.security("<id>")`), or a
reason in tests/security_catalogue.NOT_RUN; markers name only real ids. Read from the source, so the
meta-test needs no collection of the whole suite."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.security_catalogue import NOT_RUN, categories, checks

TESTS = Path(__file__).resolve().parent


def _marked_ids() -> dict[str, set[str]]:
    """Id → the test files that mark it, from every `pytest.mark.security("…")` in tests/."""
    found: dict[str, set[str]] = {}
    for path in TESTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "security"
                and ast.unparse(node.func.value) == "pytest.mark"
            ):
                for argument in node.args:
                    assert isinstance(argument, ast.Constant), f"{path}: security ids must be literal strings"
                    found.setdefault(argument.value, set()).add(str(path.relative_to(TESTS)))
    return found


def test_the_catalogue_reads_as_sixty_two_checks_in_eleven_categories():
    catalogue = checks()
    assert list(catalogue) == [f"{check.category}{number}" for number, check in enumerate(catalogue.values(), 1)]
    assert len(catalogue) == 62
    assert set(categories()) == set("ABCDEFGHIJK") == {check.category for check in catalogue.values()}
    assert all(len(check.text) > 20 for check in catalogue.values())


def test_every_check_has_a_test_or_a_reason_it_is_not_run():
    marked = _marked_ids()
    missing = sorted(set(checks()) - set(marked) - set(NOT_RUN), key=lambda i: int(i[1:]))
    assert not missing, f"checks of docs/security-checks.md without a @pytest.mark.security test: {missing}"


def test_markers_and_not_run_name_only_real_checks():
    catalogue = checks()
    marked = _marked_ids()
    assert not set(marked) - set(catalogue), f"unknown ids in markers: {sorted(set(marked) - set(catalogue))}"
    assert not set(NOT_RUN) - set(catalogue)
    assert not set(NOT_RUN) & set(marked), "a check with a test is not 'not run'"
    assert all(reason.strip() for reason in NOT_RUN.values())
    assert len(NOT_RUN) <= 6, "NOT_RUN stays small: write the test instead"
