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
