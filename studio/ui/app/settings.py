"""Per-user app state that is not part of any project: recent projects, window layout, folders.

Stored with QSettings (the platform's native place), never pickled into the home folder; project
data (labels, class keys) lives in the project file instead, so it travels with the project.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths


MAX_RECENT = 12


def _settings() -> QSettings:
    return QSettings()


def recent_projects() -> list[Path]:
    value = _settings().value("recent/projects", [])
    if isinstance(value, str):
        value = [value]
    return [Path(v) for v in (value or []) if v]


def add_recent(path: Path) -> None:
    path = Path(path).resolve()
    items = [p for p in recent_projects() if p != path]
    _settings().setValue("recent/projects", [str(p) for p in [path, *items][:MAX_RECENT]])


def remove_recent(path: Path) -> None:
    _settings().setValue("recent/projects", [str(p) for p in recent_projects() if p != Path(path)])


def save_window(geometry: QByteArray, state: QByteArray) -> None:
    s = _settings()
    s.setValue("window/geometry", geometry)
    s.setValue("window/state", state)


def window_geometry() -> tuple[QByteArray | None, QByteArray | None]:
    s = _settings()
    geometry, state = s.value("window/geometry"), s.value("window/state")
    return (geometry if isinstance(geometry, QByteArray) else None, state if isinstance(state, QByteArray) else None)


def last_folder() -> str:
    return str(_settings().value("dialogs/last_folder", str(Path.home())))


def set_last_folder(folder: Path | str) -> None:
    _settings().setValue("dialogs/last_folder", str(folder))


def data_dir() -> Path:
    """Where projects go when the image folder's parent is not writable, and the demo lives."""
    path = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    path.mkdir(parents=True, exist_ok=True)
    return path


def project_path_for_folder(folder: Path, fallback_dir: Path | None = None) -> Path:
    """`<folder>.studio` next to the folder when that is writable, else in the user's data folder.

    An existing project next to the folder is reused (opening the same folder twice must not create
    a second project with its own labels).
    """
    from studio.core.models import PROJECT_SUFFIX

    folder = Path(folder).resolve()
    beside = folder.with_name(folder.name + PROJECT_SUFFIX)
    if beside.is_file() or os.access(folder.parent, os.W_OK):
        return beside
    base = (fallback_dir or data_dir()) / "projects"
    base.mkdir(parents=True, exist_ok=True)
    # The folder's path is in the name so two read-only folders called "images" get two projects.
    tag = hashlib.sha1(str(folder).encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return base / f"{folder.name}-{tag}{PROJECT_SUFFIX}"
