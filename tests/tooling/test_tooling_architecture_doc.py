"""docs/ARCHITECTURE.md is true of the tree: its module map is the one the code's docstrings give,
every package has a docstring, every path it names exists, and tests/ mirrors studio/."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ARCHITECTURE.md"
SCRIPT = ROOT / "docs" / "architecture_map.py"


def load_generator():
    spec = importlib.util.spec_from_file_location("architecture_map", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_module_map_is_up_to_date() -> None:
    run = subprocess.run([sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_the_generator_reports_a_module_without_docstring_and_a_package_without_init(tmp_path) -> None:
    generator = load_generator()
    package = tmp_path / "studio"
    (package / "feature").mkdir(parents=True)
    (package / "__init__.py").write_text('"""The package."""\n')
    (package / "ok.py").write_text('"""Does one job,\nwrapped over two lines.\n\nDetails."""\n')
    (package / "bare.py").write_text("x = 1\n")
    (package / "feature" / "view.py").write_text('"""A view."""\n')
    text, problems = generator.build_map(package)
    assert "- `ok.py` — Does one job, wrapped over two lines." in text
    assert "Details" not in text
    assert problems == ["studio/bare.py has no docstring",
                        "studio/feature/ has no __init__.py (a package needs one, with a docstring)"]


def test_every_path_the_document_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:studio|tests|docs|packaging|benchmarks|resources)/[^`<>*\s]*)`", text))
    named |= {f"studio/{p}" for p in re.findall(r"`((?:core|service|ui|cli|emulator)/[^`<>*\s]*)`", text)}
    assert len(named) > 30
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == [], f"docs/ARCHITECTURE.md names paths that do not exist: {missing}"


def test_tests_mirror_the_package() -> None:
    """A test folder under tests/ui, tests/core or tests/service names a package of studio/."""
    strays = []
    for layer in ("core", "service", "ui"):
        for folder in (ROOT / "tests" / layer).iterdir():
            if folder.is_dir() and folder.name != "__pycache__" and not (ROOT / "studio" / layer / folder.name).is_dir():
                strays.append(f"tests/{layer}/{folder.name}")
    assert strays == [], f"test folders with no package of that name in studio/: {strays}"
    loose = sorted(p.name for p in (ROOT / "tests" / "ui").glob("test_*.py"))
    assert loose == [], f"UI tests belong in the folder of the feature they test: {loose}"
