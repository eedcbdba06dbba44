"""Take the README screenshots of the real app with the demo project.

Run under a virtual X server so the real xcb platform plugin draws the window, and the screen is
captured from outside the app (ImageMagick's `import -window root`), exactly as a user would see it:

    xvfb-run -s "-screen 0 1400x900x24" python3 docs/screenshots/capture.py

Writes main-window.png, viewer-flagged.png and class-panel.png next to this file. Uses a throwaway
HOME so the user's settings, recent projects and caches are never touched. With --grab, the window is
rendered with QWidget.grab() instead (no X server needed; used to check layouts quickly); with --dark,
the app runs in dark mode and the files get a "-dark" suffix.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def main() -> int:
    use_grab = "--grab" in sys.argv
    dark = "--dark" in sys.argv
    home = Path(tempfile.mkdtemp(prefix="studio-shots-"))
    for var, sub in (("HOME", ""), ("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"),
                     ("XDG_DATA_HOME", ".local/share")):
        os.environ[var] = str(home / sub)
    if use_grab:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest

    from studio.core.demo_dataset import ensure_demo_project
    from studio.ui.app.application import make_app
    from studio.ui.window.main_window import MainWindow

    app = make_app([])
    if dark:
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        if app.styleHints().colorScheme() != Qt.ColorScheme.Dark:
            app.setPalette(_dark_palette())  # a bare X server has no theme to switch: do what it would
    project = ensure_demo_project(home / "demo")
    window = MainWindow(thumb_dir=home / "thumbs", auto_scan=False, restore_layout=False)
    screen = QGuiApplication.primaryScreen().availableGeometry()
    window.setGeometry(screen)
    window.show()
    window.open_path(project)
    ws = window.workspace
    assert ws is not None

    def settle(seconds: float = 1.0) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.01)

    def shot(name: str, *widgets) -> None:  # type: ignore[no-untyped-def]
        settle(0.8)
        out = HERE / (name if not dark else name.replace(".png", "-dark.png"))
        area = None
        for w in widgets:  # the union of the widgets' rectangles, in window coordinates
            r = w.rect().translated(w.mapTo(window, w.rect().topLeft()))
            area = r if area is None else area.united(r)
        if use_grab:
            window.grab(area).save(str(out)) if area is not None else window.grab().save(str(out))
        else:
            cmd = ["import", "-window", "root"]
            if area is not None:
                origin = window.mapToGlobal(area.topLeft())
                cmd += ["-crop", f"{area.width()}x{area.height()}+{origin.x()}+{origin.y()}", "+repage"]
            subprocess.run([*cmd, str(out)], check=True)
        # Keep the files small: 256 colours are plenty for UI chrome and small thumbnails.
        subprocess.run(["convert", str(out), "-strip", "-colors", "256", f"PNG8:{out}"], check=True)
        print(f"{out} ({out.stat().st_size // 1024} KB)")

    settle(2.0)
    deadline = time.monotonic() + 120
    while window.moderation.last_report is None and time.monotonic() < deadline:  # face/person check: its banner
        settle(0.2)
    # A class with too few examples, so the panel shows its warning.
    few = window.session.add_class("hexagon")
    # A little labeling by keyboard so the grid shows the states a user meets.
    grid = ws.grid
    grid.setFocus()
    for key in (Qt.Key.Key_Space, Qt.Key.Key_1, Qt.Key.Key_Space, Qt.Key.Key_2):
        QTest.keyClick(grid, key)
    QTest.keyClick(grid, Qt.Key.Key_4)
    QTest.keyClick(grid, Qt.Key.Key_Home)
    shot("main-window.png")

    ws.show_filter("flagged")
    ws.controller.go_to_row(0)
    ws.show_viewer()
    shot("viewer-flagged.png")
    ws.show_grid()
    ws.show_filter("all")

    tree = window.class_dock.widget().tree
    tree.setCurrentItem(tree.topLevelItem(3))
    shot("class-panel.png", window.class_dock, window.checks_dock)
    assert few is not None
    window.close()
    return 0


def _dark_palette():  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    role = QPalette.ColorRole
    for r, c in ((role.Window, "#2d2d2d"), (role.WindowText, "#e6e6e6"), (role.Base, "#1f1f1f"),
                 (role.AlternateBase, "#2a2a2a"), (role.Text, "#e6e6e6"), (role.Button, "#353535"),
                 (role.ButtonText, "#e6e6e6"), (role.Highlight, "#3d7bd9"), (role.HighlightedText, "#ffffff"),
                 (role.PlaceholderText, "#9a9a9a"), (role.Mid, "#404040"), (role.Dark, "#1a1a1a"),
                 (role.ToolTipBase, "#353535"), (role.ToolTipText, "#e6e6e6")):
        p.setColor(r, QColor(c))
    return p


if __name__ == "__main__":
    sys.exit(main())
