"""The package boundaries the README promises, checked on every test run (so `.ci/run` fails on a break).

The contracts themselves live in pyproject.toml ([tool.importlinter]); these tests run import-linter on
the real tree and prove on a copy that the contracts do catch a violation. Import cycles between
modules, which import-linter has no contract for, are tests/test_import_cycles.py's job.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


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
