"""Helpers of the evaluation tests: a colour-coded project the emulator's documented models can read.

Three classes, each a plain colour (with small shade differences per image), so the emulator's
fine-tuned model answers by colour and its zero-shot base model answers the first listed class
("red") for every image: tests can compute every expected number from the labels alone.
"""

from __future__ import annotations

import time
from pathlib import Path

from PIL import Image

from studio.core.models import CheckResult, Verdict
from studio.core.store.project_store import FileRecord, ProjectStore
from studio.service.credentials import Credentials
from studio.service.profile import ServiceProfile
from studio.service.submit.params import SubmitParams

COLORS = {"red": (210, 40, 30), "green": (40, 190, 50), "blue": (30, 50, 200)}
EXPORT = {"workers": 0, "val_fraction": 0.2, "test_fraction": 0.3, "seed": 42}
KEY = Credentials.from_key("emu-key")


def make_colour_project(folder: Path, n_per_class: int = 10) -> Path:
    images = folder / "images"
    images.mkdir(parents=True)
    records = []
    for name, (r, g, b) in COLORS.items():
        for i in range(n_per_class):
            rel = f"{name}_{i:02d}.png"
            Image.new("RGB", (40, 30), (r - 2 * i, g + i, b + 2 * i)).save(images / rel)
            stat = (images / rel).stat()
            check = CheckResult(Verdict.OK, "", stat.st_size, "PNG", "RGB", 40, 30, 1, "deep")
            records.append(FileRecord(rel, stat.st_size, stat.st_mtime_ns, f"fp-{rel}", check))
    path = folder / "colours.studio"
    store = ProjectStore.create(path, [images])
    ids = store.upsert_files(store.roots()[0].id, records)
    classes = {c: store.add_class(c) for c in COLORS}
    for rel, image_id in ids.items():
        store.set_label([image_id], classes[rel.split("_")[0]].id)
    store.set_setting("split.val_fraction", EXPORT["val_fraction"])
    store.set_setting("split.test_fraction", EXPORT["test_fraction"])
    store.close()
    return path


def openai_profile(srv) -> ServiceProfile:
    return ServiceProfile(kind="openai", endpoint=srv.base_url)


def fine_tune(store: ProjectStore, srv, profile: ServiceProfile | None = None) -> str:
    """Submit the project to the emulator and wait for the tuned model; returns its name."""
    from studio.service.clients import make_client
    from studio.service.submit.submission import submit

    profile = profile or openai_profile(srv)
    params = SubmitParams.from_dict(SubmitParams(n_epochs=1, export=dict(EXPORT)).to_dict())
    job_id = submit(store, profile, KEY, params, poll_interval=0.02)
    client = make_client(profile, KEY)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.fine_tuning.jobs.retrieve(job_id)
        if job.status == "succeeded":
            return job.fine_tuned_model
        assert job.status not in ("failed", "cancelled"), job.error
        time.sleep(0.05)
    raise AssertionError("the emulated job did not finish")
