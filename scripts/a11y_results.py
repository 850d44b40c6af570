"""Join the browser registry's per-role results into docs/accessibility/results.json (`make a11y`).

Usage: python scripts/a11y_results.py PARTS_DIR [OUT]
PARTS_DIR holds results.<role>.<language>.json written by tests/browser/test_a11y_registry.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import axe_playwright_python

ROOT = Path(__file__).resolve().parent.parent


def axe_version() -> str:
    head = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")[:200]
    found = re.search(r"axe v([\d.]+)", head)
    return found.group(1) if found else "unknown"


def main(parts_dir: str, out: str = str(ROOT / "docs" / "accessibility" / "results.json")) -> int:
    parts = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(parts_dir).glob("results.*.*.json"))]
    if not parts:
        print(f"no results in {parts_dir}: run the registry with A11Y_RESULTS set", file=sys.stderr)
        return 1
    roles: dict[str, dict] = {}
    for part in parts:
        role = roles.setdefault(part["role"], {"pages": set(), "not_pages": set(), "checks": {}})
        role["pages"] |= {visit["page"] for visit in part["visited"]}
        role["not_pages"] |= set(part["not_pages"])
        role["checks"][part["language"]] = len(part["visited"])
    serious = sum(visit["serious"] for part in parts for visit in part["visited"])
    results = {
        "checked_on": dt.date.today().isoformat(),
        "standard": "WCAG 2.1 AA",
        "tool": f"axe-core {axe_version()} in Chromium",
        "languages": sorted({part["language"] for part in parts}),
        "checks": sum(len(part["visited"]) for part in parts),
        "pages": len({visit["page"] for part in parts for visit in part["visited"]}),
        "serious": serious,
        "roles": {
            name: {"pages": sorted(r["pages"]), "not_pages": sorted(r["not_pages"]), "checks": r["checks"]}
            for name, r in sorted(roles.items())
        },
    }
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{results['checks']} checks of {results['pages']} pages, {serious} serious or critical -> {out}")
    return 0 if serious == 0 else 2


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
