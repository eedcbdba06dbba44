"""The package boundaries the README promises, checked on every test run (so `.ci/run` fails on a break).

The contracts themselves live in pyproject.toml ([tool.importlinter]); these tests run import-linter on
the real tree, prove on a copy that the contracts do catch a violation, and check that no two modules
import each other (directly or round a loop), which import-linter has no contract for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]

# Module-level import cycles allowed for now (each entry one cycle, as a set of module names). Empty:
# the four cycles issue 10 found are gone. A new cycle fails the test; so does a listed one that is gone.
KNOWN_CYCLES: list[frozenset[str]] = []


def _lint_imports(package_parent: Path, cache_dir: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` in `package_parent`: its pyproject.toml's contracts on the `studio` package there."""
    env = dict(os.environ, PYTHONPATH=str(package_parent))
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    return subprocess.run(
        [sys.executable, "-c", code, "--cache-dir", str(cache_dir)],
        cwd=package_parent, env=env, capture_output=True, text=True, timeout=300,
    )


def test_import_contracts_are_kept(tmp_path: Path) -> None:
    result = _lint_imports(ROOT, tmp_path / "cache")
    assert result.returncode == 0, f"import-linter found a broken contract:\n{result.stdout}\n{result.stderr}"
    assert " KEPT" in result.stdout, result.stdout


def test_import_contracts_catch_violations(tmp_path: Path) -> None:
    """A copy of the package with one forbidden import per contract: each contract must report it."""
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "studio", copy / "studio", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    additions = {
        "core/models.py": "import PySide6.QtCore\nimport openai\n",
        "service/retry.py": "import PySide6.QtWidgets\n",
        "ui/window/status_bar.py": "import sqlite3\n",
        "emulator/runner.py": "import studio.core.models\n",
        "core/errors.py": "import studio.service.retry\nimport studio.ui.window.status_bar\n",
    }
    for rel, text in additions.items():
        path = copy / "studio" / rel
        path.write_text(path.read_text(encoding="utf-8") + "\n" + text, encoding="utf-8")
    result = _lint_imports(copy, tmp_path / "cache")
    assert result.returncode != 0, result.stdout
    broken = [line for line in result.stdout.splitlines() if line.endswith(" BROKEN")]
    expected = [
        "Layers: ui and cli on top, then service, then core",
        "core imports neither Qt nor the service SDKs",
        "service imports no Qt",
        "ui reaches SQLite and the SDK only through core and service",
        "emulator is self-contained: it imports nothing of the studio",
        "core, service and the emulator never reach up into ui or cli",
    ]
    assert sorted(b.removesuffix(" BROKEN") for b in broken) == sorted(expected), result.stdout
    assert "studio.core.models -> PySide6 (" in result.stdout
    assert "studio.ui.window.status_bar -> sqlite3 (" in result.stdout


def _cycles(graph: grimp.ImportGraph) -> list[frozenset[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[frozenset[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(frozenset(component))
    return found


def test_no_import_cycles_between_modules() -> None:
    """Imports inside functions count too: a cycle is a design knot even when it does not fail at import."""
    cycles = _cycles(grimp.build_graph("studio"))
    new = [sorted(c) for c in cycles if not any(c <= known for known in KNOWN_CYCLES)]
    assert not new, f"new import cycle(s) between modules: {new}. Move the shared definition to where it belongs."
    gone = [sorted(k) for k in KNOWN_CYCLES if not any(c & k for c in cycles)]
    assert not gone, f"these known cycles are gone: delete them from KNOWN_CYCLES in {Path(__file__).name}: {gone}"


def test_cycle_finder_sees_a_cycle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "knot"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from knot import b\n")
    (package / "b.py").write_text("from knot import c\n")
    (package / "c.py").write_text("import knot.a\n")
    (package / "d.py").write_text("import knot.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _cycles(grimp.build_graph("knot")) == [frozenset({"knot.a", "knot.b", "knot.c"})]
