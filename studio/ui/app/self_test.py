"""`studio --self-test`: prove that an installed (or packaged) app has everything it needs.

A packaged executable fails in ways a source checkout never does: a Qt plugin left out (no JPEG
thumbnails, no platform), a data file not bundled, a CA bundle missing (HTTPS fails only on the
user's machine). This opens a generated demo project in a real window, headless, and checks each of
those; it prints one JSON object and exits 0 only when every check passed.
"""

from __future__ import annotations

from studio.core.wording import plural
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any, Callable

REQUIRED_IMAGE_FORMATS = ("jpeg", "png", "webp", "gif")
REQUIRED_RESOURCES = (("prompts", "system.txt"), ("prompts", "instruction.txt"), ("styles", "studio.qss"), ("app", "vision-finetune-studio.svg"))


def _check(report: dict[str, Any], name: str, fn: Callable[[], Any]) -> None:
    try:
        detail = fn()
        report["checks"][name] = {"ok": True, "detail": detail}
    except Exception as exc:  # every failure is reported, none stops the other checks
        report["checks"][name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        report["traceback"].setdefault(name, traceback.format_exc(limit=-4))


def run_self_test(report_file: Path | None = None) -> int:
    from studio import __version__

    report: dict[str, Any] = {"version": __version__, "python": sys.version.split()[0], "checks": {}, "traceback": {}}
    started = time.perf_counter()

    def resources() -> dict[str, str]:
        from studio.resource_paths import resource_path

        found = {}
        for parts in REQUIRED_RESOURCES:
            path = resource_path(*parts)
            if not path.is_file() or path.stat().st_size == 0:
                raise FileNotFoundError(str(path))
            found["/".join(parts)] = str(path)
        return found

    _check(report, "resources", resources)

    from PySide6.QtCore import QSettings

    from studio.ui.app.application import make_app

    settings_dir = tempfile.mkdtemp(prefix="studio-self-test-settings-")
    # Never touch the user's recent projects or window layout.
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
    app = make_app([])

    def platform() -> dict[str, str]:
        from PySide6.QtCore import QLibraryInfo
        from PySide6.QtGui import QGuiApplication

        return {"platform": QGuiApplication.platformName(),
                "plugins": QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)}

    _check(report, "qt_platform", platform)

    def image_formats() -> list[str]:
        from PySide6.QtGui import QImageReader

        have = {bytes(f.data()).decode().lower() for f in QImageReader.supportedImageFormats()}
        missing = [f for f in REQUIRED_IMAGE_FORMATS if f not in have]
        if missing:
            raise RuntimeError(f"Qt image format plugins missing: {', '.join(missing)}")
        return sorted(f for f in have if f in REQUIRED_IMAGE_FORMATS or f == "svg")

    _check(report, "qt_image_formats", image_formats)

    def charts() -> str:
        from PySide6 import QtCharts

        QtCharts.QChart()
        return "QtCharts"

    _check(report, "qt_charts", charts)

    def ca_bundle() -> str:
        import certifi

        path = Path(certifi.where())
        if not path.is_file():
            raise FileNotFoundError(str(path))
        return str(path)

    _check(report, "ca_bundle", ca_bundle)

    def face_detector() -> str:
        """The moderation warning's models (OpenCV's bundled cascades) load and find a known face."""
        from studio.core.curation.moderation import detect_file, models_available
        from studio.resource_paths import resource_path

        problem = models_available()
        if problem:
            raise RuntimeError(problem)
        found = detect_file(resource_path("demo", "people", "astronaut.jpg"))
        if found.likely_skipped != "face":
            raise RuntimeError(f"no face found in the sample photo ({found.error or 'nothing detected'})")
        return f"{plural(len(found.faces), 'face')} in the sample photo"

    _check(report, "face_detector", face_detector)

    with tempfile.TemporaryDirectory(prefix="studio-self-test-") as tmp:

        def demo_window() -> dict[str, Any]:
            from PySide6.QtCore import QCoreApplication

            from studio.core.demo_dataset import ensure_demo_project
            from studio.ui.window.main_window import MainWindow

            project = ensure_demo_project(Path(tmp))
            window = MainWindow(thumb_dir=Path(tmp) / "thumbs", auto_scan=False, restore_layout=False)
            window.show()
            if not window.open_path(project):
                raise RuntimeError("the demo project did not open")
            ws = window.workspace
            assert ws is not None
            deadline = time.monotonic() + 20
            ws.thumbs.wait_idle(20_000)
            while time.monotonic() < deadline:
                QCoreApplication.processEvents()
                if not ws.thumbs.pending():
                    break
            QCoreApplication.processEvents()
            from studio.ui.finetune.integration import install_finetune

            install_finetune(window)
            if not window.action_finetune.isEnabled():
                raise RuntimeError("the Fine-tune action was not enabled for the demo project")
            grabbed = window.grab()
            info: dict[str, Any] = {
                "images": window.session.counts.total if window.session else 0,
                "classes": len(window.session.classes()) if window.session else 0,
                "flagged": window.session.counts.flagged_total if window.session else 0,
                "window": [grabbed.width(), grabbed.height()],
            }
            window.close()
            if info["images"] < 50 or info["flagged"] < 3:
                raise RuntimeError(f"demo project looks wrong: {info}")
            return info

        _check(report, "demo_project", demo_window)

    app.processEvents()
    report["ok"] = all(c["ok"] for c in report["checks"].values())
    report["seconds"] = round(time.perf_counter() - started, 2)
    if not report["traceback"]:
        del report["traceback"]
    text = json.dumps(report, indent=2)
    print(text)
    if report_file is not None:
        Path(report_file).write_text(text + "\n", encoding="utf-8")
    return 0 if report["ok"] else 1
