"""Screenshot of the Duplicates window on real photos (scikit-image's samples and edited copies).

    pip install scikit-image
    xvfb-run -s "-screen 0 1400x900x24" python3 docs/screenshots/capture_duplicates.py

Writes duplicates-mixed-labels.png and duplicates-copies.png next to this file. Uses a throwaway HOME
and project folder.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def make_project(root: Path) -> Path:
    import skimage
    from PIL import Image, ImageEnhance

    from studio.core.label_io import apply_import, plan_folder_import
    from studio.core.scan.project_scan import scan_project
    from studio.core.store.project_store import ProjectStore

    data = Path(skimage.__file__).parent / "data"
    photos = root / "photos"
    for cls, names in (("animals", ("chelsea", "astronaut", "horse")), ("objects", ("coffee", "rocket", "clock_motion"))):
        (photos / cls).mkdir(parents=True)
        for name in names:
            Image.open(next(data.glob(name + ".*"))).convert("RGB").save(photos / cls / f"{name}.jpg", quality=92)
    cat = Image.open(photos / "animals" / "chelsea.jpg")
    cat.resize((int(cat.width * 0.8), int(cat.height * 0.8))).save(photos / "animals" / "chelsea-resized.jpg", quality=85)
    buf = io.BytesIO()
    cat.save(buf, "JPEG", quality=70)
    (photos / "animals" / "chelsea-q70.jpg").write_bytes(buf.getvalue())
    coffee = Image.open(photos / "objects" / "coffee.jpg")
    ImageEnhance.Brightness(coffee).enhance(1.05).save(photos / "animals" / "cup-brighter.jpg", quality=90)
    path = root / "curation.studio"
    store = ProjectStore.create(path, [photos])
    scan_project(store)
    apply_import(store, plan_folder_import(store))
    store.close()
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
    window.resize(1180, 560)
    window.show()

    def pump(until, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while not until() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.02)
        for _ in range(20):
            app.processEvents()
            time.sleep(0.02)

    pump(lambda: window.group_list.count() >= 2)
    window.group_list.setCurrentRow(0)
    pump(lambda: True, 0.5)
    window.grab().save(str(HERE / "duplicates-mixed-labels.png"), "PNG")
    window.group_list.setCurrentRow(1)
    pump(lambda: True, 0.5)
    window.grab().save(str(HERE / "duplicates-copies.png"), "PNG")
    window.close()
    session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
