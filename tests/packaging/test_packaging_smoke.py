"""Build the packaged app and run its smoke test: `pytest -m slow tests/packaging` (minutes, not seconds).

Excluded from the default run (addopts `-m 'not slow'`). It drives `packaging/build.sh --test` rather
than importing the smoke test, so what is tested is exactly what a release build runs: the isolated
venv, the spec, and the frozen executables.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Taken at collection, before the root conftest points HOME at a temporary folder for each test: the build
# should reuse pip's real cache instead of downloading PySide6 again. The app itself is still run with
# throwaway user folders (smoke_test.py sets its own).
_BUILD_ENV = dict(os.environ)


@pytest.mark.slow
@pytest.mark.timeout(3600)
@pytest.mark.skipif(sys.platform == "win32", reason="build.sh is bash; on Windows follow packaging/INSTALL.md")
def test_packaged_app_passes_smoke_test() -> None:
    proc = subprocess.run(
        ["nice", "-n", "10", "bash", str(REPO / "packaging" / "build.sh"), "--test"],
        cwd=REPO, env=_BUILD_ENV, capture_output=True, text=True,
    )
    report = proc.stdout[-6000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, report
    assert " 0 failed" in proc.stdout, report
