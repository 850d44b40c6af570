"""Swedish first, English complete: every user-facing string has a Swedish translation, and the
committed catalogue is up to date with the source (no string added without being translated)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "locale" / "sv" / "LC_MESSAGES" / "django.po"


def _msgids(po_text: str) -> set[str]:
    ids = set()
    for block in re.findall(r'^msgid ((?:".*"\n)+)', po_text, flags=re.M):
        text = "".join(re.findall(r'"(.*)"', block))
        if text:
            ids.add(text)
    return ids


def test_swedish_catalogue_has_no_untranslated_or_fuzzy_entries():
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "gettext's msgfmt is needed (make test installs it)"
    result = subprocess.run(
        [msgfmt, "--statistics", "--check", "-o", "/dev/null", str(PO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_compiled_catalogue_is_current():
    from django.utils import translation

    with translation.override("sv"):
        assert translation.gettext("Skip to main content") != "Skip to main content"


@pytest.mark.slow
def test_every_source_string_is_in_the_catalogue(tmp_path):
    """Run makemessages on a copy of the source and compare its msgids with the committed catalogue."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "var", "staticfiles", "node_modules", "__pycache__", "tests"),
    )
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "true", "ASFNET_VAR_DIR": str(tmp_path / "var")}
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "sv",
            "--no-obsolete",
            "--ignore=staticfiles",
            "--ignore=var",
        ],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    fresh = _msgids((copy / "locale/sv/LC_MESSAGES/django.po").read_text(encoding="utf-8"))
    committed = _msgids(PO.read_text(encoding="utf-8"))
    missing = sorted(fresh - committed)
    assert not missing, f"strings not in locale/sv (run `make messages` and translate): {missing}"


# --- Choice labels: each in one language, in both languages ---------------------------------------------
# Labels that are the same word in Swedish and English (a name, an abbreviation, a loan word).
SAME_IN_BOTH = {"Region", "Man", "Workshop"}


def _choice_labels():
    """(where, Swedish label, English label) for every choice of every field of the project's models."""
    from django.apps import apps
    from django.utils import translation

    project = {"asfnet", "directory", "matchmaking", "events", "reports"}
    for model in apps.get_models():
        if model._meta.app_label not in project:
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "choices", None) or ():
                with translation.override("sv"):
                    sv = str(label)
                with translation.override("en"):
                    en = str(label)
                yield f"{model._meta.label}.{field.name}={value}", sv, en


def test_every_choice_label_is_translated_and_in_one_language():
    """No label glues the two languages together ("Stöd i arbete (supported employment)", "Internship
    (praktik)"), and every label has a Swedish text of its own."""
    problems = []
    for where, sv, en in _choice_labels():
        if sv == en:
            if sv not in SAME_IN_BOTH:
                problems.append(f"{where}: no Swedish translation of {en!r}")
            continue
        if en.lower() in sv.lower():
            problems.append(f"{where}: the Swedish label {sv!r} carries the English {en!r}")
        if sv.lower() in en.lower():
            problems.append(f"{where}: the English label {en!r} carries the Swedish {sv!r}")
        if re.search(r"[åäöÅÄÖ]", en):
            problems.append(f"{where}: the English label {en!r} has Swedish words")
    assert not problems, "\n".join(problems)


# --- Plurals: a count beside a noun is translated with its plural forms ------------------------------------
# Placeholders that hold a number. A message that puts one before a noun ("%(count)s rows") must be a plural
# entry (ngettext / blocktranslate count), or Swedish shows "1 kollegor", "1 organisationer".
COUNT_PLACEHOLDER = re.compile(
    r"%\((count|counter|created|updated|failed|days|valid_days|max|total|shown|hours|age|weeks|months|n|left|"
    r"taken|size|mb)\)[sd] (?:more |new |of \S+ )?(?P<word>[a-zA-Z-]+)"
)
NOT_A_NOUN = {"of", "MB", "per", "and", "or", "to"}
# A range: always more than one ("%(low)s–%(high)s hours a week").
RANGES = re.compile(r"%\(low\)s–%\(high\)s")


def _singular_entries(po_text: str):
    for entry in po_text.split("\n\n"):
        if "msgid_plural" in entry:
            continue
        match = re.search(r'^msgid ((?:".*"\n)+)msgstr', entry, flags=re.M)
        if match:
            yield "".join(re.findall(r'"(.*)"', match.group(1)))


def test_every_count_beside_a_noun_has_plural_forms():
    offenders = []
    for msgid in _singular_entries(PO.read_text(encoding="utf-8")):
        if RANGES.search(msgid):
            continue
        for match in COUNT_PLACEHOLDER.finditer(msgid):
            if match.group("word") not in NOT_A_NOUN:
                offenders.append(msgid)
                break
    assert not offenders, "use ngettext / {% blocktranslate count %}:\n" + "\n".join(offenders)
