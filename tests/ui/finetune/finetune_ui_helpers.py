"""Shared helpers for the fine-tune UI tests: a small labeled project, a fast emulator clock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from PIL import Image

from studio.core.scan.fingerprint import fingerprint
from studio.core.checks.image_check import check_deep
from studio.core.store.project_store import FileRecord, ProjectStore
from studio.emulator import ManualClock
from studio.service.retry import RetryPolicy
from studio.ui.finetune.controller import FinetuneConfig

MAGENTA = (255, 0, 255)
API_KEY = "sk-emulator-test-key"

# Short timings for tests: quick polls and back-off, one retry, export in this process (2 shared cores).
FAST = FinetuneConfig(
    poll_interval=0.05,
    reconnect_backoff=RetryPolicy(base_delay=0.1, max_delay=0.3, jitter=0.0),
    submit_policy=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.05, jitter=0.0),
    file_poll_interval=0.02,
    request_timeout=5.0,
    export_workers=0,
)


def make_project(
    folder: Path,
    per_class: dict[str, int] | None = None,
    *,
    magenta: tuple[str, ...] = (),
    grayscale: tuple[str, ...] = (),
    damaged: tuple[str, ...] = (),
) -> Path:
    """A project of tiny JPEGs, labeled by class, checked with the real checker.

    Names in `magenta` carry the emulator's moderation marker (skipped as people/faces); `grayscale`
    ones are saved as 'L' PNGs (flagged: colour mode, fixable); `damaged` ones are cut in half
    (flagged: damaged, never fixable). Names are "<class>_<nn>.jpg" (".png" for grayscale).
    """
    per_class = per_class or {"circle": 8, "square": 8}
    images = folder / "images"
    images.mkdir(parents=True)
    records = []
    labels: dict[str, str] = {}
    for c_index, cls in enumerate(per_class):
        for i in range(per_class[cls]):
            stem = f"{cls}_{i:02d}"
            img = Image.new("RGB", (64, 48), (30 + 70 * c_index, (37 * i) % 255, 120))
            if f"{stem}.jpg" in magenta:
                img.paste(MAGENTA, (0, 0, 16, 16))
            if f"{stem}.png" in grayscale:
                name = f"{stem}.png"
                img.convert("L").save(images / name)
            else:
                name = f"{stem}.jpg"
                img.save(images / name, quality=95, subsampling=0)
                if name in damaged:
                    data = (images / name).read_bytes()
                    (images / name).write_bytes(data[: len(data) // 2])
            path = images / name
            check, _ = check_deep(path)
            st = path.stat()
            records.append(FileRecord(name, st.st_size, st.st_mtime_ns, fingerprint(path, st.st_size), check))
            labels[name] = cls
    project = folder / "project.studio"
    store = ProjectStore.create(project, [images])
    try:
        ids = store.upsert_files(store.roots()[0].id, records)
        classes = {c: store.add_class(c) for c in per_class}
        for cls in per_class:
            store.set_label([ids[n] for n, c in labels.items() if c == cls], classes[cls].id)
    finally:
        store.close()
    return project


class FastClock:
    """Drives the emulator's ManualClock from a thread: `rate` emulated seconds per real second.

    `hold()` freezes emulated time (a job stays mid-run as long as the test needs), `go()` resumes.
    """

    def __init__(self, clock: ManualClock, rate: float = 50.0, tick: float = 0.01) -> None:
        self.clock = clock
        self.rate = rate
        self.tick = tick
        self._running = threading.Event()
        self._running.set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="fast-clock", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.tick):
            now = time.monotonic()
            if self._running.is_set():
                self.clock.advance((now - last) * self.rate)
            last = now

    def hold(self) -> None:
        self._running.clear()

    def go(self) -> None:
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def open_wizard(qtbot, controller, *, at_service_page: bool = False, **kwargs):
    """The real fine-tune wizard, shown; with `at_service_page`, moved past the dataset and prompts."""
    from studio.ui.finetune.wizard.wizard import FinetuneWizard

    wizard = FinetuneWizard(controller, **kwargs)
    qtbot.addWidget(wizard)
    wizard.show()
    if at_service_page:
        qtbot.waitUntil(wizard.dataset_page.isComplete, timeout=5000)
        wizard.next()
        wizard.next()
    return wizard
