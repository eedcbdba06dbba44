"""Where the app's bundled read-only files (prompts, icons, styles) live.

One function so that running from a source checkout and running from a PyInstaller bundle find the
same files: PyInstaller unpacks data into `sys._MEIPASS`, a checkout keeps them in `<repo>/resources`.
"""

from __future__ import annotations

import sys
from pathlib import Path


def resource_path(*parts: str) -> Path:
    """Path of a bundled resource, e.g. `resource_path("prompts", "system.txt")`."""
    bundle = getattr(sys, "_MEIPASS", None)
    base = Path(bundle) if bundle else Path(__file__).resolve().parents[1]
    return base.joinpath("resources", *parts)
