"""The new user's path through the demo, shared by the end-to-end test and the screenshot script:
the demo project fully labeled with a few planted label mistakes in the test split, the demo service
(the emulator) on a manual clock, fine-tuning through the real controller, then evaluation.

Planted mistakes: the images the demo labels wrongly on purpose are test-split images of one shape
labeled as another; a tuned model that learned the shapes contradicts exactly those labels, which is
what the "model disagrees with label" filter is for.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QCoreApplication

VAL_FRACTION, TEST_FRACTION = 0.2, 0.3
PLANTED = 3


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
    """The demo project, every image labeled with its shape, test fraction set, and PLANTED test
    images relabeled as another shape. Returns (project, planted rel paths)."""
    from studio.core.demo_dataset import DEMO_CLASSES, create_demo_project, generate_demo_images
    from studio.core.store.project_store import ProjectStore
    from studio.core.splits.project_splits import image_splits, set_split_fractions

    project = create_demo_project(folder / "Demo shapes.studio", folder / "demo-shapes")
    shapes = {d.rel_path: d.shape for d in generate_demo_images(folder / "scratch")}
    with ProjectStore.open(project) as store:
        set_split_fractions(store, VAL_FRACTION, TEST_FRACTION)  # what the wizard's fraction controls store
        ids = {c.name: c.id for c in store.classes()}
        rows = {row.rel_path: row for row in store.iter_images()}
        for rel, row in rows.items():
            if shapes.get(rel) and row.class_id is None:
                store.set_label([row.id], ids[shapes[rel]])
        splits = {i: s.value for i, s in image_splits(store).items()}
        by_id = {row.id: rel for rel, row in rows.items()}
        test = [by_id[i] for i, s in sorted(splits.items()) if s == "test"]
        planted: list[str] = []
        for rel in test:  # one per shape first, so each class row of the matrix shows one
            shape = shapes[rel]
            if shape and not rows[rel].flagged and len(planted) < PLANTED and all(shapes[p] != shape for p in planted):
                wrong = DEMO_CLASSES[(DEMO_CLASSES.index(shape) + 1) % len(DEMO_CLASSES)]
                store.set_label([rows[rel].id], ids[wrong])
                planted.append(rel)
        splits = {i: s.value for i, s in image_splits(store).items()}
        still = [p for p in planted if splits.get(rows[p].id) == "test"]
    return project, still


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
