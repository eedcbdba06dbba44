"""Screenshots of the Duplicates window on the demo project, after a new user labeled the rest.

    xvfb-run -s "-screen 0 1400x900x24" python3 docs/screenshots/capture_duplicates.py

Writes duplicates-mixed-labels.png (a copy filed under another class), duplicates-copies.png (a shot
with a resized and a re-encoded copy) and duplicates-held-out.png (a shot and its cropped copy, held
out together in the test split) next to this file. Uses a throwaway HOME and project folder.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def make_project(root: Path) -> Path:
    """The demo project with every image it left unlabeled labeled with its shape."""
    from studio.core.demo_dataset import create_demo_project, generate_demo_images
    from studio.core.store.project_store import ProjectStore

    path = create_demo_project(root / "Demo shapes.studio", root / "demo-shapes")
    shapes = {d.rel_path: d.shape for d in generate_demo_images(root / "scratch")}
    with ProjectStore.open(path) as store:
        ids = {c.name: c.id for c in store.classes()}
        for row in store.iter_images():
            if row.class_id is None and shapes.get(row.rel_path):
                store.set_label([row.id], ids[shapes[row.rel_path]])
    return path


def main() -> int:
    home = Path(tempfile.mkdtemp(prefix="studio-shots-"))
    os.environ["HOME"] = str(home)
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    from PySide6.QtWidgets import QApplication

    from studio.core.store.project_store import ProjectStore
    from studio.ui.curation.duplicates_view import DuplicatesWindow
    from studio.ui.labeling.session import ProjectSession

    project = make_project(home)
    app = QApplication.instance() or QApplication([])
    session = ProjectSession(ProjectStore.open(project))
    window = DuplicatesWindow(session)
    window.resize(1260, 560)
    window.show()

    def pump(until, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while not until() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)
        for _ in range(20):
            app.processEvents()
            time.sleep(0.02)

    pump(lambda: window.group_list.count() >= 4)

    def shoot(name: str, members: int, split: str) -> None:
        row = next(i for i, g in enumerate(window.groups) if len(g.images) == members
                   and all(window.splits.get(im.image_id) == split for im in g.images))
        window.group_list.setCurrentRow(row)
        pump(lambda: True, 0.5)
        window.grab().save(str(HERE / name), "PNG")
        print(HERE / name)

    window.group_list.setCurrentRow(0)  # groups with different labels come first
    pump(lambda: True, 0.5)
    window.grab().save(str(HERE / "duplicates-mixed-labels.png"), "PNG")
    shoot("duplicates-copies.png", 3, "train")
    shoot("duplicates-held-out.png", 2, "test")
    window.close()
    session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
