"""The one owner of per-user app state that is not part of any project, all in QSettings.

What lives here: recent projects, window layout, last folder, where data goes, and the fine-tuning
preferences that outlive a project (which service, training prices). Stored with QSettings (the
platform's native place), never pickled into the home folder; project data (labels, class keys,
prompts) lives in the project file instead, so it travels with the project. A service account
belongs to the person, not to a dataset, hence here; a `ServiceProfile` holds no secret (keys live
in the keyring, see `studio.service.credentials`), so storing its JSON is safe. With nothing
configured the service is the demo (the local emulator), so a new user can run the whole flow
without any account.

The fine-tuning functions take an optional `store` (a QSettings) so tests can pass their own; the
default is the application's settings (the app sets its organisation and name at start-up). The fine-tuning
imports are deferred: the start screen reads recent projects and must not pay for them.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

if TYPE_CHECKING:
    from studio.service.profile import ServiceProfile

MAX_RECENT = 12


def settings() -> QSettings:
    """The app's own settings (the application sets its organisation and name at start-up)."""
    return QSettings()


def recent_projects() -> list[Path]:
    value = settings().value("recent/projects", [])
    if isinstance(value, str):
        value = [value]
    elif not isinstance(value, (list, tuple)):
        value = []
    return [Path(v) for v in value if v]


def add_recent(path: Path) -> None:
    path = Path(path).resolve()
    items = [p for p in recent_projects() if p != path]
    settings().setValue("recent/projects", [str(p) for p in [path, *items][:MAX_RECENT]])


def remove_recent(path: Path) -> None:
    settings().setValue("recent/projects", [str(p) for p in recent_projects() if p != Path(path)])


def save_window(geometry: QByteArray, state: QByteArray) -> None:
    s = settings()
    s.setValue("window/geometry", geometry)
    s.setValue("window/state", state)


def window_geometry() -> tuple[QByteArray | None, QByteArray | None]:
    s = settings()
    geometry, state = s.value("window/geometry"), s.value("window/state")
    return (geometry if isinstance(geometry, QByteArray) else None, state if isinstance(state, QByteArray) else None)


def last_folder() -> str:
    return str(settings().value("dialogs/last_folder", str(Path.home())))


def set_last_folder(folder: Path | str) -> None:
    settings().setValue("dialogs/last_folder", str(folder))


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


# -- fine-tuning preferences ------------------------------------------------------------------------

_PROFILE_KEY = "finetune/service_profile"
_PRICE_PREFIX = "finetune/prices/"


def demo_profile() -> "ServiceProfile":
    from studio.service.profile import ServiceProfile

    return ServiceProfile(kind="demo")


def is_configured(store: QSettings | None = None) -> bool:
    return bool((store or settings()).value(_PROFILE_KEY, ""))


def load_profile(store: QSettings | None = None) -> "ServiceProfile":
    """The chosen service; the demo when none was chosen or the stored one cannot be read."""
    from studio.core.errors import StudioError
    from studio.service.profile import ServiceProfile

    text = (store or settings()).value(_PROFILE_KEY, "")
    if not text:
        return demo_profile()
    try:
        return ServiceProfile.from_json(str(text))
    except (StudioError, ValueError, TypeError):
        return demo_profile()


def save_profile(profile: "ServiceProfile", store: QSettings | None = None) -> None:
    s = store or settings()
    s.setValue(_PROFILE_KEY, profile.to_json())
    s.sync()


def _price_key(model: str) -> str:
    return _PRICE_PREFIX + model.replace("/", "_")


def load_price(model: str, store: QSettings | None = None) -> float | None:
    """Training price per 1M tokens for `model`: the user's own figure, else the shipped default."""
    from studio.core.export.pricing import default_training_price

    value = (store or settings()).value(_price_key(model), None)
    if value not in (None, ""):
        try:
            return float(value)  # type: ignore[arg-type]  # QSettings returns object; float() checks it
        except (TypeError, ValueError):
            pass
    return default_training_price(model)


def save_price(model: str, price: float | None, store: QSettings | None = None) -> None:
    s = store or settings()
    if price is None:
        s.remove(_price_key(model))
    else:
        s.setValue(_price_key(model), float(price))
    s.sync()
