#!/usr/bin/env bash
# Test the lowest versions pyproject.toml allows: a fresh venv with every direct dependency at its lower
# bound (packaging/constraints-lowest.txt; transitive ones resolve as usual), then the full suite.
# Separate from `.ci/run` because it builds a second environment (a few minutes more).
#   packaging/test-lowest.sh [pytest args]        e.g. packaging/test-lowest.sh -x -q
# The venv is .venv-lowest/ (LOWEST_VENV=DIR to choose another), rebuilt on every run.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${LOWEST_VENV:-.venv-lowest}"
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -c packaging/constraints-lowest.txt -e '.[test]'
"$venv/bin/python" - <<'PY'
"""Say which versions are under test, and stop if pip installed anything but the pins."""
import sys
from importlib.metadata import version

wrong = []
for line in open("packaging/constraints-lowest.txt", encoding="utf-8"):
    line = line.split("#")[0].strip()
    if line:
        name, pin = line.split("==")
        print(f"lowest: {name} {version(name)}")
        if version(name) != pin:
            wrong.append(f"{name}: pinned {pin}, installed {version(name)}")
sys.exit("\n".join(wrong) or None)
PY
# The type check is left out here: it is held to the stubs of the versions CI installs (PySide6's and
# Pillow's stubs describe their own release), so on the oldest ones it reports API differences, not bugs.
QT_QPA_PLATFORM=offscreen "$venv/bin/python" -m pytest \
    --deselect tests/tooling/test_tooling_type_check.py::test_mypy_finds_no_errors "$@"
