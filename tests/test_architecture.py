"""The intended dependency graph, held against the code.

Python imports: the contracts in pyproject.toml ([tool.importlinter]) — the site layer `asfnet` on top, then
`reports`, then `matchmaking | events` (independent of each other), then `directory`, then `notifications`,
then `kernel` at the bottom. Templates: the same layers for `{% extends %}`, `{% include %}` and `{% load %}`
across apps, which no import checker sees."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"

# Layer of each package, highest first; matchmaking and events share a layer but may not use each other.
LAYERS = [{"asfnet"}, {"reports"}, {"matchmaking", "events"}, {"directory"}, {"notifications"}, {"kernel"}]
RANK = {package: len(LAYERS) - i for i, layer in enumerate(LAYERS) for package in layer}
# Templates under templates/ that are not an app's belong to the site (base, errors, allauth overrides,
# shared includes, static pages). Every app extends base.html and uses the shared includes: they are the
# page frame, part of the kernel's place in the graph.
SHARED_TEMPLATE_DIRS = {"includes", "account", "allauth", "mfa", "usersessions"}
SHARED_ROOT_TEMPLATES = {"base.html", "400.html", "403.html", "404.html", "500.html"}
TAG_FILE = re.compile(r"\{%\s*(extends|include)\s+[\"']([^\"']+)[\"']")
LOAD = re.compile(r"\{%\s*load\s+([^%]+?)\s*%\}")


def _owner_of_template(name: str) -> str | None:
    """The package a template belongs to (by its folder under templates/), or None for a shared one."""
    first = name.split("/", 1)[0]
    if "/" not in name:
        return None if name in SHARED_ROOT_TEMPLATES else "asfnet"
    if first in SHARED_TEMPLATE_DIRS:
        return None
    if first == "pages":
        return "asfnet"
    return first


def _library_packages() -> dict[str, str]:
    from django.template.backends.django import get_installed_libraries

    return {name: path.split(".", 1)[0] for name, path in get_installed_libraries().items()}


def _may_use(user: str, used: str) -> bool:
    if user == used:
        return True
    if {user, used} == {"matchmaking", "events"}:
        return False
    return RANK[user] > RANK[used]


def template_violations() -> list[str]:
    libraries = _library_packages()
    problems = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        owner = _owner_of_template(name)
        if owner is None or owner not in RANK:
            continue
        text = path.read_text(encoding="utf-8")
        for _tag, target in TAG_FILE.findall(text):
            used = _owner_of_template(target)
            if used in RANK and not _may_use(owner, used):
                problems.append(f"{name} ({owner}) uses template {target} ({used})")
        for group in LOAD.findall(text):
            for library in group.split():
                used = libraries.get(library)
                if used in RANK and not _may_use(owner, used):
                    problems.append(f"{name} ({owner}) loads {library} ({used})")
    return problems


def test_templates_respect_the_layers():
    assert template_violations() == []


def test_the_template_check_sees_a_cross_app_include(tmp_path, monkeypatch):
    fake = tmp_path / "templates"
    (fake / "directory").mkdir(parents=True)
    (fake / "directory" / "x.html").write_text(
        '{% include "events/_organiser_events_list.html" %}{% load matchmaking_tags %}', encoding="utf-8"
    )
    monkeypatch.setattr(__import__(__name__, fromlist=["TEMPLATES"]), "TEMPLATES", fake)
    assert template_violations() == [
        "directory/x.html (directory) uses template events/_organiser_events_list.html (events)",
        "directory/x.html (directory) loads matchmaking_tags (matchmaking)",
    ]


@pytest.mark.slow
def test_python_imports_keep_the_contracts():
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def test_no_template_loads_the_builtin_i18n_library():
    """`{% translate %}` is a builtin (settings TEMPLATES builtins): a template that still loads i18n repeats
    the setting, and a template that forgets it would break only if the setting went away."""
    from django.conf import settings

    assert "django.templatetags.i18n" in settings.TEMPLATES[0]["OPTIONS"]["builtins"]
    loading = sorted(
        path.relative_to(TEMPLATES).as_posix()
        for path in TEMPLATES.rglob("*")
        if path.is_file() and any("i18n" in group.split() for group in LOAD.findall(path.read_text("utf-8")))
    )
    assert loading == []


APPS = ["asfnet", "kernel", "directory", "matchmaking", "events", "reports", "notifications"]
HAND_BINDING = re.compile(r"request\.POST\s+or\s+None|request\.POST\s+if\s+request\.method")


def hand_bound_forms(root: Path = ROOT) -> list[str]:
    """Places that bind a form by hand instead of through kernel.forms.posted (which says why in its own
    docstring, the one place allowed to name the old spelling)."""
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if path.relative_to(root).as_posix() == "kernel/forms.py":
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
                if HAND_BINDING.search(line):
                    found.append(f"{path.relative_to(root).as_posix()}:{number}")
    return found


def test_every_form_is_bound_through_posted():
    """`request.POST or None` leaves an empty POST unbound: the form came back blank, without a word about
    what was missing. Every form is bound with kernel.forms.posted(request)."""
    assert hand_bound_forms() == []


def test_the_binding_check_sees_both_hand_spellings(tmp_path):
    views = tmp_path / "events" / "views.py"
    views.parent.mkdir()
    views.write_text('form = F(request.POST or None)\nform = G(request.POST if request.method == "POST" else None)\n')
    assert hand_bound_forms(tmp_path) == ["events/views.py:1", "events/views.py:2"]


# --- Names: a reader finds the test of a view by its name (docs/architecture.md "one stem") ---------------------
APPS = ("asfnet", "kernel", "directory", "matchmaking", "events", "reports", "notifications")
# The site layer's own pages (home, to-do lists, accessibility, privacy, health, error pages) are tested page by
# page: tests/asfnet/test_home.py, test_home_todos.py, test_accessibility_statement.py, test_health_and_sessions.py.
TESTED_PAGE_BY_PAGE = {"asfnet/views.py"}


def expected_test_module(views: Path, root: Path = ROOT) -> Path:
    """`<app>/views.py` → tests/<app>/test_views.py; `<app>/<feature>/views.py` → tests/<app>/test_<feature>.py."""
    parts = views.relative_to(root).parts
    if len(parts) == 2:
        return root / "tests" / parts[0] / "test_views.py"
    return root / "tests" / parts[0] / f"test_{parts[-2]}.py"


def views_without_their_test(root: Path = ROOT) -> list[str]:
    missing = []
    for app in APPS:
        for views in sorted((root / app).rglob("views.py")):
            name = views.relative_to(root).as_posix()
            if name not in TESTED_PAGE_BY_PAGE and not expected_test_module(views, root).exists():
                missing.append(f"{name}: no {expected_test_module(views, root).relative_to(root).as_posix()}")
    return missing


def test_every_views_module_has_a_test_module_of_its_stem():
    assert views_without_their_test() == []


def test_the_stem_check_sees_a_feature_without_its_test(tmp_path):
    (tmp_path / "events" / "badges").mkdir(parents=True)
    (tmp_path / "events" / "badges" / "views.py").write_text("")
    (tmp_path / "events" / "views.py").write_text("")
    (tmp_path / "tests" / "events").mkdir(parents=True)
    (tmp_path / "tests" / "events" / "test_views.py").write_text("")
    assert views_without_their_test(tmp_path) == ["events/badges/views.py: no tests/events/test_badges.py"]
