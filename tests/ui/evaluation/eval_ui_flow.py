"""The new user's path through the demo, shared by the end-to-end test and the screenshot script:
the demo project with the rest of its images labeled, the demo service (the emulator) on a manual
clock, fine-tuning through the real controller, then evaluation.

Planted mistakes: the demo itself labels one test image of each shape as another shape
(`studio.core.demo_dataset.planted_mistakes`); a tuned model that learned the shapes contradicts
exactly those labels, which is what the "model disagrees with label" filter is for.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QCoreApplication

def pump(until: Callable[[], bool], timeout: float = 30.0, step: Callable[[], object] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        if step is not None:
            step()
        QCoreApplication.processEvents()
        time.sleep(0.01)


def demo_project(folder: Path) -> tuple[Path, list[str]]:
    """The demo project as the app creates it (its test share set, its label mistakes planted in the
    test split), with every image it left unlabeled labeled with its shape, as a new user would
    before fine-tuning. Returns (project, the demo's planted rel paths)."""
    from studio.core.demo_dataset import create_demo_project, generate_demo_images, planted_mistakes
    from studio.core.store.project_store import ProjectStore

    project = create_demo_project(folder / "Demo shapes.studio", folder / "demo-shapes")
    shapes = {d.rel_path: d.shape for d in generate_demo_images(folder / "scratch")}
    with ProjectStore.open(project) as store:
        ids = {c.name: c.id for c in store.classes()}
        for row in store.iter_images():
            shape = shapes.get(row.rel_path)
            if shape and row.class_id is None:
                store.set_label([row.id], ids[shape])
        planted = planted_mistakes(store)
    return project, planted


def demo_service(step_seconds: float = 10.0):  # type: ignore[no-untyped-def]
    """The demo service on a manual clock (tests move it); the app's demo profile talks to it."""
    import studio.service.demo as demo
    from studio.emulator import EmulatorServer, ManualClock
    from studio.service.credentials import DEMO_API_KEY
    from studio.service.profile import ServiceProfile
    from studio.ui.app import settings as app_settings

    clock = ManualClock(start=time.time())
    server = EmulatorServer(step_seconds=step_seconds, clock=clock, api_keys=[DEMO_API_KEY]).start()
    demo._server = server
    app_settings.save_profile(ServiceProfile(kind="demo"))
    return server, clock


def fine_tune(finetune, clock) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Submit through the real controller (export, upload, create), then move the emulated clock
    until the job has its model. Returns (job id, fine-tuned model)."""
    from studio.service.profile import ServiceProfile
    from studio.service.submit.params import SubmitParams

    controller = finetune.controller
    export = {"workers": 0}  # the project's stored splits (the test split is never uploaded)
    run = controller.new_submission(ServiceProfile(kind="demo"), SubmitParams(n_epochs=2, export=export))
    created: list[str] = []
    run.created.connect(created.append)
    failed: list[str] = []
    run.failed.connect(lambda text, *_: failed.append(text))
    run.start()
    pump(lambda: bool(created or failed), timeout=60, step=lambda: clock.advance(1.0))
    assert not failed, failed
    job_id = created[0]
    controller.watch(job_id)

    def tuned() -> bool:
        job = controller.job(job_id)
        return job is not None and bool(job.fine_tuned_model)

    pump(tuned, timeout=90, step=lambda: clock.advance(20.0))
    job = controller.job(job_id)
    return job_id, job.fine_tuned_model
