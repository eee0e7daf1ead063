"""The layering rules of DESIGN §3, checked over every module of the package.

The modules are found by walking the package (pkgutil), so a new module is
checked the day it is added.  Imports are read from the source (ast), at any
depth: an import inside a function or behind ``TYPE_CHECKING`` is an import
all the same.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import triage

# Layers that may use Textual: the window, and the command line that opens it.
UI_PACKAGES = ("triage.ui", "triage.web")
TOP_PACKAGES = ("triage.cli", *UI_PACKAGES)
STORE = "triage.store"
# Calls and attributes that talk to SQLite directly.
SQL_CALLS = {"execute", "executemany", "executescript", "create_function", "connect"}


def _within(module: str, packages: tuple[str, ...] | str) -> bool:
    if isinstance(packages, str):
        packages = (packages,)
    return any(module == p or module.startswith(p + ".") for p in packages)


@cache
def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    root = Path(triage.__file__).parent
    found = {"triage": root / "__init__.py"}
    for info in pkgutil.walk_packages([str(root)], prefix="triage."):
        spec = info.module_finder.find_spec(info.name, None)  # type: ignore[call-arg]
        assert spec is not None and spec.origin is not None
        found[info.name] = Path(spec.origin)
    return found


@cache
def tree(module: str) -> ast.Module:
    return ast.parse(modules()[module].read_text(encoding="utf-8"))


def imports(module: str) -> set[str]:
    """The modules ``module`` imports (of any package), resolved to modules:
    ``from triage.ingest import phones`` is ``triage.ingest.phones``."""
    known = modules()
    is_package = known[module].name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree(module)):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package
                parts = module.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in known else base)
    return out


def own_imports(module: str) -> set[str]:
    return {m for m in imports(module) if m in modules() and m != module}


def cycles() -> list[list[str]]:
    """Strongly connected groups of modules that import each other (Tarjan)."""
    graph = {m: sorted(own_imports(m)) for m in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for m in graph:
        if m not in index:
            visit(m)
    return found


def sql_uses(module: str) -> list[str]:
    """Where ``module`` talks to SQLite itself: execute-like calls and any
    use of a ``.conn`` attribute (the store's connection)."""
    out = []
    for node in ast.walk(tree(module)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in SQL_CALLS and not (
                node.func.attr == "connect" and _name(node.func.value) != "sqlite3"
            ):
                out.append(f"{module}:{node.lineno}: .{node.func.attr}()")
        elif isinstance(node, ast.Attribute) and node.attr == "conn":
            out.append(f"{module}:{node.lineno}: .conn")
    return out


def _core() -> list[str]:
    """Every module below the command line and the UI (``__main__`` runs the
    program when imported)."""
    return sorted(m for m in modules() if not _within(m, TOP_PACKAGES) and m != "triage.__main__")


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else ""


# -- the rules -------------------------------------------------------------------


def test_the_package_walk_finds_every_layer() -> None:
    """The checks below see the whole package, not a hand-kept list."""
    found = modules()
    for expected in (
        "triage.model",
        "triage.vocab",
        "triage.walk",
        "triage.cli.main",
        "triage.ingest.run",
        "triage.ingest.formats.vcard",
        "triage.store.database",
        "triage.export.plan",
        "triage.ui.review_screen",
    ):
        assert expected in found
    files = {p.resolve() for p in Path(triage.__file__).parent.rglob("*.py")}
    assert files == {p.resolve() for p in found.values()}


def test_no_import_cycles() -> None:
    assert cycles() == []


def test_the_core_never_imports_textual() -> None:
    """Statically: no core module imports Textual at any depth."""
    bad = [
        f"{m} imports {name}"
        for m in modules()
        if not _within(m, TOP_PACKAGES)
        for name in imports(m)
        if _within(name, ("textual", "textual_serve", "rich"))
    ]
    assert bad == []


def test_the_core_loads_without_textual() -> None:
    """Dynamically: importing every core module leaves Textual unloaded."""
    code = (
        "import importlib, sys\n"
        f"for m in {_core()!r}: importlib.import_module(m)\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_only_the_store_talks_to_sqlite() -> None:
    """Every SQL statement lives in triage/store/: nothing else executes one
    or reaches for the store's connection (the window least of all)."""
    bad = [use for m in modules() if not _within(m, STORE) for use in sql_uses(m)]
    assert bad == []


def test_the_store_and_the_core_never_import_upwards() -> None:
    """Arrows point down: the store knows nothing of ingest, export, the walk
    or the UI; nothing below the command line imports it or the UI."""
    rules = {
        "triage.model": ("triage.",),
        "triage.store": (
            "triage.ingest",
            "triage.export",
            "triage.walk",
            "triage.cli",
            "triage.ui",
        ),
        "triage.ingest": ("triage.export", "triage.walk", "triage.cli", "triage.ui"),
        "triage.export": ("triage.ingest", "triage.walk", "triage.cli", "triage.ui"),
        "triage.walk": ("triage.ingest", "triage.export", "triage.cli", "triage.ui"),
        "triage.ui": ("triage.cli",),
    }
    allowed_in_model = {"triage.model"}
    bad = []
    for m in modules():
        for layer, forbidden in rules.items():
            if not _within(m, layer):
                continue
            for name in own_imports(m):
                if layer == "triage.model" and name in allowed_in_model:
                    continue
                if any(
                    name.startswith(f) if f.endswith(".") else _within(name, f) for f in forbidden
                ):
                    bad.append(f"{m} imports {name}")
    assert bad == []


def test_importing_the_package_opens_nothing(tmp_path: Path) -> None:
    """Nothing creates folders or databases at import time."""
    code = (
        "import importlib, os, sys\n"
        "os.environ['HOME'] = sys.argv[1]\n"
        f"for m in {_core()!r}:\n"
        "    importlib.import_module(m)\n"
        "import triage.cli.main, triage.cli.commands\n"
        "print(os.listdir(sys.argv[1]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
