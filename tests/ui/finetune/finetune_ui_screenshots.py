"""Make the fine-tune screenshots in docs/screenshots from a real run against the demo emulator.

    QT_QPA_PLATFORM=offscreen python3 tests/ui/finetune/finetune_ui_screenshots.py docs/screenshots

Not a test (pytest collects only test_*.py): it drives the real wizard and job view on the demo
project with a local emulator whose clock it moves, so the curves, checkpoints and skipped images in
the pictures are what the app really shows. Everything it writes except the PNGs goes to a
temporary folder (settings and keyring included).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

TMP = Path(tempfile.mkdtemp(prefix="finetune-shots-"))
for var, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "home/.config"), ("XDG_DATA_HOME", "home/.local/share"),
                 ("XDG_CACHE_HOME", "home/.cache")):
    os.environ[var] = str(TMP / sub)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from PySide6.QtCore import QCoreApplication, QEvent, QStandardPaths  # noqa: E402
from PySide6.QtWidgets import QWidget  # noqa: E402

STEP_SECONDS = 10.0  # a 72-step demo job takes 12 minutes of (emulated) time: realistic times on screen
AHEAD = 100 + 60 + 44 * STEP_SECONDS  # emulated seconds moved before the "running" picture


def pump(until: Callable[[], bool], timeout: float = 20.0, step: Callable[[], None] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        if step is not None:
            step()
        QCoreApplication.processEvents()
        time.sleep(0.02)


def save(widget: QWidget, out: Path, name: str) -> None:
    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # as a return to the event loop would
    QCoreApplication.processEvents()
    path = out / f"finetune_{name}.png"
    widget.grab().save(str(path), "PNG")
    print(f"{path}  {path.stat().st_size // 1024} KB")


def label_everything(project: Path) -> None:
    """The demo pre-labels 10 per class; a user going to fine-tune has labeled them all, and the
    window's face/person check has run (so the wizard counts the examples at risk)."""
    from studio.core.curation.moderation_stage import run_moderation
    from studio.core.demo_dataset import generate_demo_images
    from studio.core.store.project_store import ProjectStore

    shapes = {d.rel_path: d.shape for d in generate_demo_images(TMP / "scratch")}
    with ProjectStore.open(project) as store:
        run_moderation(store)
        ids = {c.name: c.id for c in store.classes()}
        for row in store.iter_images():
            shape = shapes.get(row.rel_path)
            if shape and row.class_id is None:
                store.set_label([row.id], ids[shape])


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    QStandardPaths.setTestModeEnabled(True)
    from studio.ui.app.application import make_app

    app = make_app([])
    import keyring
    from keyring.backends.null import Keyring as NullKeyring

    keyring.set_keyring(NullKeyring())

    import studio.service.demo as demo
    from studio.core.demo_dataset import create_demo_project
    from studio.emulator import EmulatorServer, ManualClock
    from studio.service.credentials import DEMO_API_KEY
    from studio.core.store.project_store import ProjectStore
    from studio.ui.finetune.controller import FinetuneConfig, FinetuneController
    from studio.ui.labeling.session import ProjectSession
    from studio.ui.finetune.wizard.wizard import FinetuneWizard
    from studio.ui.finetune.jobs.job_view import JobView

    project = create_demo_project(TMP / "Demo shapes.studio", TMP / "demo-shapes")
    label_everything(project)
    clock = ManualClock(start=time.time() - AHEAD)
    server = EmulatorServer(step_seconds=STEP_SECONDS, clock=clock, api_keys=[DEMO_API_KEY]).start()
    server.faults.add("skip_images", count=2)  # as if moderation found people in two photos
    demo._server = server
    config = FinetuneConfig(poll_interval=0.1, file_poll_interval=0.05, export_workers=0)
    session = ProjectSession(ProjectStore.open(project))
    controller = FinetuneController(session, config=config)
    try:
        wizard = FinetuneWizard(controller)
        wizard.resize(920, 760)
        wizard.show()
        pump(wizard.dataset_page.isComplete)
        save(wizard, out, "wizard_1_dataset")
        wizard.next()
        pump(lambda: "base64," in wizard.prompts_page.example_text())
        save(wizard, out, "wizard_2_prompts")
        wizard.next()
        wizard.service_page.suffix_edit.setText("shapes")
        wizard.service_page.epochs_spin.setValue(3)
        save(wizard, out, "wizard_3_service")
        wizard.next()
        pump(wizard.estimate_page.isComplete)
        save(wizard, out, "wizard_4_estimate")
        wizard.next()
        pump(lambda: wizard.submit_page.state == "created", timeout=60, step=lambda: clock.advance(1.0))
        save(wizard, out, "wizard_5_submitted")
        job_id = wizard.submit_page.job_id
        wizard.close()

        view = JobView(controller, job_id, confirm=lambda *a: False)
        view.resize(1180, 780)
        view.show()
        created = clock()
        # move emulated time to 60% of the run, letting the view poll as it goes
        target = created + 100 + 60 + 44 * STEP_SECONDS
        pump(lambda: clock() >= target and view.charts.loss.point_count("train_loss") >= 44, timeout=60,
             step=lambda: clock() < target and clock.advance(min(20.0, target - clock())))
        save(view, out, "job_running")
        pump(lambda: view.status_text == "Succeeded", timeout=60, step=lambda: clock.advance(20.0))
        view.tabs.setCurrentIndex(1)
        save(view, out, "job_checkpoints")
        view.tabs.setCurrentIndex(0)
        view.charts.log_box.setChecked(True)
        save(view, out, "job_succeeded")
        view.close()
        controller.close()
        session.close()  # the main window opens the project itself
        main_window_shot(project, config, out)
    finally:
        controller.close()
        session.close()
        server.stop()
    del app


def main_window_shot(project: Path, config, out: Path) -> None:
    """The labeling window after the run: Jobs dock, and the grid filtered to the skipped images."""
    from studio.ui.finetune.integration import install_finetune
    from studio.ui.window.main_window import MainWindow

    window = MainWindow(thumb_dir=TMP / "thumbs", auto_scan=False, restore_layout=False)
    integration = install_finetune(window, config=config)
    window.resize(1300, 800)
    window.show()
    assert window.open_path(project)
    pump(lambda: window.moderation.last_report is not None, timeout=120)  # face/person check done: no progress bar
    integration.show_skipped()
    _wait(2.0)
    save(window, out, "main_window_jobs")
    window.close()


def _wait(seconds: float) -> None:
    """Let background thumbnails arrive."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        QCoreApplication.processEvents()
        time.sleep(0.02)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
