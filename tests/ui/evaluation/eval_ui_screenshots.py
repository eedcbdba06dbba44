"""Make the evaluation screenshots in docs/screenshots from a real run against the demo service.

    xvfb-run -s "-screen 0 1600x1000x24" python3 tests/ui/evaluation/eval_ui_screenshots.py docs/screenshots

Not a test (pytest collects only test_*.py): it walks the new user's path of the end-to-end test
(demo project with a test fraction and planted label mistakes, fine-tune, evaluate base zero-shot
and tuned) in the real windows and saves what they show. Everything it writes except the PNGs goes
to a temporary folder (settings and keyring included).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

TMP = Path(tempfile.mkdtemp(prefix="eval-shots-"))
for var, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "home/.config"), ("XDG_DATA_HOME", "home/.local/share"),
                 ("XDG_CACHE_HOME", "home/.cache")):
    os.environ[var] = str(TMP / sub)
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))
sys.path.insert(0, str(HERE))

from PySide6.QtCore import QCoreApplication, QEvent, QStandardPaths  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

from eval_ui_flow import demo_project, demo_service, fine_tune, pump  # noqa: E402


def save(widget: QWidget, out: Path, name: str) -> None:
    for _ in range(3):
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        time.sleep(0.05)
    path = out / f"evaluation_{name}.png"
    widget.grab().save(str(path), "PNG")
    print(f"{path}  {path.stat().st_size // 1024} KB")


def wait(seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.02)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    QStandardPaths.setTestModeEnabled(True)
    from studio.ui.app.application import make_app

    app = make_app([])
    import keyring
    from keyring.backends.null import Keyring as NullKeyring

    keyring.set_keyring(NullKeyring())
    from studio.ui.evaluation.integration import install_evaluation
    from studio.ui.finetune.controller import FinetuneConfig
    from studio.ui.finetune.integration import install_finetune
    from studio.ui.window.main_window import MainWindow

    server, clock = demo_service()
    project, planted = demo_project(TMP)
    window = MainWindow(thumb_dir=TMP / "thumbs", auto_scan=False, restore_layout=False)
    window.resize(1300, 820)
    window.show()
    config = FinetuneConfig(poll_interval=0.05, file_poll_interval=0.02, export_workers=0)
    finetune = install_finetune(window, config=config, confirm=lambda *a: True)
    evaluation = install_evaluation(window, finetune, concurrency=1)
    assert window.open_path(project)
    pump(lambda: window.moderation.last_report is not None, timeout=120)  # face/person check done: its banner on screen
    try:
        fine_tune(finetune, clock)
        finetune.dock.hide()
        dialog = evaluation.open_dialog()
        assert dialog is not None
        dialog.confirm_stop = lambda parent: True
        dialog.price_in.setValue(2.50)
        dialog.price_out.setValue(10.00)
        pump(dialog.start_button.isEnabled, timeout=30)
        save(dialog, out, "dialog")
        server.faults.add("slow", "/chat/completions", times=12, delay=0.2)  # so the shot is taken mid-run
        dialog.start_button.click()
        pump(lambda: dialog.progress.value() >= 4, timeout=60)
        save(dialog, out, "running")
        finished: list[object] = []
        evaluation.controller.plan_finished.connect(finished.append)
        pump(lambda: bool(finished), timeout=120)
        dialog.results_button.click()
        results = evaluation.results
        assert results is not None
        results.resize(1250, 800)
        wait(0.5)
        save(results, out, "compare")
        base_run, tuned_run = finished[0]  # type: ignore[misc]
        results.select_run(base_run)
        save(results, out, "details_base")
        results.select_run(tuned_run)
        save(results, out, "details_tuned")
        results.details.disagree_button.click()
        wait(2.0)  # thumbnails
        save(window, out, "disagreements")
        ws = window.workspace
        ws.controller.go_to_row(0)
        ws.show_viewer()
        wait(1.5)
        save(window, out, "viewer")
    finally:
        evaluation.project_closed()
        window.close()
        server.stop()
    del app


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
