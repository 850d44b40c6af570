"""Structure figures of the code base, for the architecture notes: first-party import cycles (module and
package level), imports placed inside functions, uses of `Any`, and lines of code. Tests, migrations and
the virtualenv are left out.

    python scripts/structure_metrics.py [--json]
"""

from __future__ import annotations

import ast
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP_PARTS = {".venv", "tests", "migrations", "node_modules", "staticfiles", "var", "__pycache__", ".git"}


def first_party() -> set[str]:
    return {p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name not in SKIP_PARTS}


def python_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if not SKIP_PARTS & set(p.relative_to(ROOT).parts))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def resolve(module: str, node: ast.ImportFrom, current: str, is_pkg: bool) -> str:
    if not node.level:
        return node.module or ""
    base = current.split(".") if is_pkg else current.split(".")[:-1]
    base = base[: len(base) - node.level + 1] if node.level > 1 else base
    return ".".join([*base, node.module] if node.module else base)


def scc(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10000)

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(graph):
        if v not in index:
            visit(v)
    return out


def main() -> None:
    fp = first_party()
    files = python_files()
    modules = {module_name(p): p for p in files}
    graph: dict[str, set[str]] = defaultdict(set)
    pkg_graph: dict[str, set[str]] = defaultdict(set)
    inner_imports = 0
    any_count = 0
    loc = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        loc += sum(1 for line in text.splitlines() if line.strip() and not line.strip().startswith("#"))
        tree = ast.parse(text)
        current = module_name(path)
        is_pkg = path.name == "__init__.py"
        func_nodes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        inside = {id(n) for f in func_nodes for n in ast.walk(f) if isinstance(n, ast.Import | ast.ImportFrom)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id == "Any":
                any_count += 1
            if isinstance(node, ast.Attribute) and node.attr == "Any":
                any_count += 1
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = resolve(current, node, current, is_pkg)
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                if target.split(".")[0] not in fp:
                    continue
                if id(node) in inside:
                    inner_imports += 1
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != current:
                    graph[current].add(target)
                    if target.split(".")[0] != current.split(".")[0]:
                        pkg_graph[current.split(".")[0]].add(target.split(".")[0])
    # Function-level imports break cycles for Python but not for the design: count them as edges too.
    module_cycles = scc(graph)
    package_cycles = scc(pkg_graph)
    result = {
        "python_files": len(files),
        "lines_of_code": loc,
        "module_import_cycles": len(module_cycles),
        "modules_in_cycles": sum(len(c) for c in module_cycles),
        "package_import_cycles": package_cycles,
        "imports_inside_functions": inner_imports,
        "any_uses": any_count,
        "package_edges": {k: sorted(v) for k, v in sorted(pkg_graph.items())},
    }
    if "--json" in sys.argv:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key}: {value}")
    for comp in module_cycles:
        print("  cycle:", " ↔ ".join(comp))


if __name__ == "__main__":
    main()
