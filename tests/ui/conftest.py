"""Fixtures for the UI tests: real projects on disk, the real main window, and a second connection
to the project file so tests assert on what was committed, not on widget internals."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from qt_isolation import qt_settings_in_tmp  # noqa: F401 - autouse fixture
from PIL import Image

from studio.core.scan.project_scan import scan_project
from studio.core.store.project_store import ProjectStore

CLASSES = ("cat", "dog", "bird")


def write_images(folder: Path, names: list[str], size: tuple[int, int] = (64, 48)) -> None:
    for i, name in enumerate(names):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        color = ((i * 47) % 256, (i * 91) % 256, (i * 13) % 256)
        img = Image.new("RGB", size, color)
        if name.endswith(".gif"):
            img.convert("P").save(path, "GIF")
        elif name.endswith(".png") and "gray" in name:
            img.convert("L").save(path, "PNG")
        elif name.endswith(".png"):
            img.save(path, "PNG")
        else:
            img.save(path, "JPEG", quality=80)


def make_project(tmp: Path, n: int = 12, extra: tuple[str, ...] = (), classes: tuple[str, ...] = CLASSES) -> Path:
    """A project of `n` JPEGs img_000.jpg.. (plus `extra` files) with `classes`, header-checked."""
    folder = tmp / "images"
    write_images(folder, [f"img_{i:03d}.jpg" for i in range(n)] + list(extra))
    path = tmp / "test.studio"
    with ProjectStore.create(path, [folder]) as store:
        scan_project(store, deep=False)
        for name in classes:
            store.add_class(name)
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path)


class Db:
    """Reads the project file through its own connection, like another process would."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _q(self, sql: str, args: tuple = ()) -> list[tuple]:
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def labels(self) -> dict[str, str | None]:
        """File name -> class name (None when unlabeled)."""
        rows = self._q(
            "SELECT i.rel_path, c.name FROM images i LEFT JOIN classes c ON c.id = i.class_id ORDER BY i.rel_path"
        )
        return {r[0].rsplit("/", 1)[-1]: r[1] for r in rows}

    def label(self, name: str) -> str | None:
        return self.labels()[name]

    def excluded(self) -> set[str]:
        return {r[0].rsplit("/", 1)[-1] for r in self._q("SELECT rel_path FROM images WHERE excluded = 1")}

    def classes(self) -> list[tuple[str, str | None, str]]:
        return self._q("SELECT name, shortcut, color FROM classes ORDER BY position, id")


@pytest.fixture
def db(project) -> Db:
    return Db(project)


@pytest.fixture
def window(qtbot, tmp_path, project):
    from studio.ui.window.main_window import MainWindow

    w = MainWindow(thumb_dir=tmp_path / "thumbs", auto_scan=False, restore_layout=False)
    qtbot.addWidget(w)
    w.resize(1100, 760)
    w.show()
    qtbot.waitExposed(w)
    assert w.open_path(project)
    yield w
    w.close()
