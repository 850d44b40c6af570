"""Comments, docstrings, templates and documents cite the rule itself or a file of this repository, never a
document outside it (the `shared/` reference folder the project was started from is not part of the
repository: a reader of the code cannot open it)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()

# `shared/…`, `../shared/…` — any path into the reference folder outside the repository.
OUTSIDE_PATH = re.compile(r"\.\./shared\b|(?<![\w./-])shared/")
# "security-checks C11" or "esf-indicators.md" by bare name: the catalogues are docs/security-checks.md and
# docs/esf-indicators.md.
BARE_CATALOGUE = re.compile(r"(?<![\w./-])(?:security-checks|esf-indicators)\b(?!\.md)")
# Any path to a Markdown document: it must be a file of the repository (from the root or the citing file).
MARKDOWN_PATH = re.compile(r"(?<![\w/.-])((?:\.\.?/)*[\w./-]*[\w-]\.md)\b")


def _tracked_text_files() -> dict[str, str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    texts = {}
    for name in listed.decode().split("\0"):
        path = ROOT / name
        if not name or name == THIS_FILE or not path.is_file():
            continue
        try:
            texts[name] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary (images, fonts, compiled catalogues)
    return texts


@pytest.fixture(scope="module")
def tracked() -> dict[str, str]:
    texts = _tracked_text_files()
    assert len(texts) > 100  # the listing worked
    return texts


def _hits(texts: dict[str, str], pattern: re.Pattern[str]) -> list[str]:
    return [
        f"{name}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}"
        for name, text in sorted(texts.items())
        for match in pattern.finditer(text)
    ]


def test_no_tracked_file_points_into_shared(tracked):
    hits = _hits(tracked, OUTSIDE_PATH)
    assert not hits, "state the rule or cite a file under docs/ instead of:\n" + "\n".join(hits)


def test_the_catalogues_are_cited_by_their_path_in_docs(tracked):
    hits = _hits(tracked, BARE_CATALOGUE)
    assert not hits, "cite docs/security-checks.md or docs/esf-indicators.md:\n" + "\n".join(hits)


def test_every_markdown_document_named_is_in_the_repository(tracked):
    missing = [
        f"{name}: {match.group(1)}"
        for name, text in sorted(tracked.items())
        for match in MARKDOWN_PATH.finditer(text)
        if not ((ROOT / match.group(1)).is_file() or (ROOT / name).parent.joinpath(match.group(1)).is_file())
    ]
    assert not missing, "documents named but not in the repository:\n" + "\n".join(missing)


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("Definitions: shared/esf-indicators.md", OUTSIDE_PATH),
        ("see ../shared/security-checks.md", OUTSIDE_PATH),
        ("(shared/data/kommuner_norrbotten.csv)", OUTSIDE_PATH),
        ("mass assignment (security-checks C15)", BARE_CATALOGUE),
        ('(esf-indicators, "Identifiers")', BARE_CATALOGUE),
        ("as esf-indicators.md defines", MARKDOWN_PATH),
        ("Rules (product.md)", MARKDOWN_PATH),
    ],
)
def test_the_patterns_catch_the_forms_that_were_used(text, pattern):
    assert pattern.search(text)


@pytest.mark.parametrize(
    "text",
    ["(docs/security-checks.md C15)", "docs/esf-indicators.md", "a shared cache", "shared by all workers"],
)
def test_the_patterns_leave_citations_of_the_repository_alone(text):
    assert not OUTSIDE_PATH.search(text)
    assert not BARE_CATALOGUE.search(text)
