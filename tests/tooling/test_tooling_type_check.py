"""mypy over studio/ on every test run, so a type error fails `.ci/run` like a failing test.

Settings are in pyproject.toml ([tool.mypy]: check_untyped_defs, unused ignores reported). The
incremental cache (.mypy_cache/ in the checkout) makes a re-run take seconds instead of a cold ~20 s.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")


def test_mypy_finds_no_errors() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"mypy found type errors (fix them; see pyproject [tool.mypy]):\n{result.stdout}{result.stderr}"


def test_every_type_ignore_names_its_code_and_reason() -> None:
    """`# type: ignore[code]  # why` on one line: a bare or unexplained ignore hides the next real error."""
    bad = []
    for path in sorted((ROOT / "studio").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _IGNORE.search(line)
            if match is None:
                continue
            reason = match.group("rest").strip().lstrip("#").strip()
            if not match.group("codes") or not match.group("rest").strip().startswith("#") or len(reason) < 10:
                bad.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bad, "type: ignore without [code] and a '# reason' after it:\n" + "\n".join(bad)
