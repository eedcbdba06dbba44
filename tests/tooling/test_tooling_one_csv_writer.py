"""One CSV writer: every CSV file the studio writes goes through `studio.core.label_io.write_csv`
(temporary file then rename, one encoding and quoting, one error text). The emulator is exempt: it
imports nothing of the studio by contract and builds the service's results file in memory."""

from __future__ import annotations

import re
from pathlib import Path

STUDIO = Path(__file__).resolve().parents[2] / "studio"
OWNER = STUDIO / "core" / "label_io.py"
EXEMPT = STUDIO / "emulator"


def test_only_label_io_makes_csv_writers() -> None:
    pattern = re.compile(r"csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(STUDIO.parent)) for path in STUDIO.rglob("*.py")
        if path != OWNER and EXEMPT not in path.parents and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], f"write CSV through studio.core.label_io.write_csv instead: {offenders}"
