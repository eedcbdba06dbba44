"""Where the studio keeps per-user data, for code that must not import Qt.

The layout matches what `QStandardPaths.AppDataLocation` gives the GUI (organisation, then
application name), so the CLI, the service layer and the GUI share one folder per user: the demo
service's state written by `studio-cli submit --demo` is the same one the app shows.
Projects themselves live wherever the user saves them; only app-owned data goes here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from studio import APP_ID, ORG_NAME


def user_data_dir() -> Path:
    """Per-user data folder: XDG data home on Linux, Application Support on macOS, AppData on Windows."""
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / ORG_NAME / APP_ID
