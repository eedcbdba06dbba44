"""Benchmark: how long the UI thread stalls while an evaluation runs against the emulator.

Run:  python3 benchmarks/bench_eval_ui.py [--images 240] [--concurrency 4] [--rounds 2]

What it does (offscreen Qt, one process): a project of --images labeled JPEGs (the demo's shapes,
640x480), the real main window with fine-tuning and evaluation installed, and the evaluation window
open on the Compare tab (it re-reads every run's metrics while answers arrive, the heaviest thing the
UI thread does during a run). It then starts, through the real Evaluate dialog's controller, a plan
of two runs (zero-shot and 3-shot) over all images against the local emulator with --concurrency
requests in flight, and measures the UI thread with a 5 ms timer: every gap beyond 5 ms is a stall.

The emulator runs in a separate process (as the real service is remote), so what is measured is
the studio's own UI thread: the runner's worker threads (encoding, HTTP, SQLite writes) competing
for the interpreter, the progress signals, and the window's re-reads when runs start and finish.

Reported, interleaved in the same process so machine load affects both sides alike:
  - idle:        the same window with nothing running (the floor this machine gives),
  - evaluating:  during the runs; p50 / p95 / max stall, and the evaluation's own throughput.
Goal: p95 stall during a run < 50 ms.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="bench-eval-ui-"))
for var, sub in (("HOME", "home"), ("XDG_CONFIG_HOME", "home/.config"), ("XDG_DATA_HOME", "home/.local/share"),
                 ("XDG_CACHE_HOME", "home/.cache")):
    os.environ[var] = str(TMP / sub)
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TICK_MS = 5


def make_project(n: int) -> Path:
    import random

    from PIL import Image, ImageDraw

    from studio.core.scan.project_scan import scan_project
    from studio.core.store.project_store import ProjectStore

    folder = TMP / "images"
    rng = random.Random(3)
    classes = ("circle", "square", "triangle")
    for i in range(n):
        shape = classes[i % 3]
        img = Image.new("RGB", (640, 480), tuple(rng.randint(150, 250) for _ in range(3)))
        d = ImageDraw.Draw(img)
        x, y, r = rng.randint(150, 490), rng.randint(150, 330), rng.randint(60, 140)
        color = tuple(rng.randint(0, 120) for _ in range(3))
        if shape == "circle":
            d.ellipse((x - r, y - r, x + r, y + r), fill=color)
        elif shape == "square":
            d.rectangle((x - r, y - r, x + r, y + r), fill=color)
        else:
            d.polygon([(x, y - r), (x - r, y + r), (x + r, y + r)], fill=color)
        path = folder / shape / f"{shape}_{i:04d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        img.save(path, "JPEG", quality=85)
    project = TMP / "bench.studio"
    with ProjectStore.create(project, [folder]) as store:
        scan_project(store, deep=True)
        ids = {name: store.add_class(name).id for name in classes}
        for row in store.iter_images():
            store.set_label([row.id], ids[row.rel_path.split("/")[0]])
    return project


class EmulatorProcess:
    """The emulator in a process of its own, as the real service is: its work (decoding the images
    it is sent, the emulated model) must not be counted as the studio's UI stalls."""

    def __init__(self, api_key: str) -> None:
        import socket
        import subprocess

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        code = ("import sys; from studio.emulator.runner import run_emulator; "
                f"run_emulator({self.port}, api_keys=[{api_key!r}], out=sys.stderr)")
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=str(ROOT), stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        for line in self.proc.stderr:  # wait for the URLs it prints once it listens
            if "OpenAI(" in line:
                break
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class StallMeter:
    """A 5 ms timer on the UI thread; the gaps between its ticks beyond 5 ms are stalls."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last: float | None = None
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self._last is not None:
            self.gaps.append(max(0.0, (now - self._last) * 1000 - TICK_MS))
        self._last = now

    def start(self) -> None:
        self.gaps, self._last = [], None
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.gaps


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[int(q * (len(s) - 1))] if s else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=240)
    parser.add_argument("--concurrency", type=int, default=4)  # the app's default
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from PySide6.QtCore import QCoreApplication, QStandardPaths

    QStandardPaths.setTestModeEnabled(True)
    from studio.ui.app.application import make_app

    app = make_app([])
    import keyring
    from keyring.backends.null import Keyring as NullKeyring

    keyring.set_keyring(NullKeyring())
    import studio.service.demo as demo
    from studio.service.credentials import DEMO_API_KEY
    from studio.service.profile import ServiceProfile
    from studio.ui.app import settings as app_settings
    from studio.ui.evaluation.integration import install_evaluation
    from studio.ui.evaluation.plan import FEW_SHOT, ZERO_SHOT, EvaluationPlan, PlannedRun
    from studio.ui.finetune.integration import install_finetune
    from studio.ui.window.main_window import MainWindow

    print(f"project: {args.images} images ...", flush=True)
    project = make_project(args.images)
    server = EmulatorProcess(DEMO_API_KEY)
    demo._server = server  # the app's demo profile talks to the emulator in the other process
    app_settings.save_profile(ServiceProfile(kind="demo"))
    window = MainWindow(thumb_dir=TMP / "thumbs", auto_scan=False, restore_layout=False)
    window.resize(1400, 900)
    window.show()
    window.open_path(project)
    finetune = install_finetune(window)
    evaluation = install_evaluation(window, finetune, concurrency=args.concurrency)
    results = evaluation.open_results()
    results.resize(1200, 800)
    controller = evaluation.controller
    ids = tuple(window.workspace.model.ids)
    model = "gpt-4o-2024-08-06"

    def pump(seconds: float) -> None:
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    # the app preloads scipy.stats and the service layer on a thread when a project opens; let it finish
    deadline = time.perf_counter() + 60
    while not {"scipy.stats", "studio.service.evaluation"} <= set(sys.modules) and time.perf_counter() < deadline:
        pump(0.1)
    pump(1.0)
    meter = StallMeter()
    idle: list[float] = []
    busy: list[float] = []
    throughput: list[float] = []
    for round_no in range(args.rounds):
        meter.start()
        pump(2.0)
        idle += meter.stop()
        for run in controller.runs():
            controller.delete_run(run.id)  # every round asks every image again
        plan = EvaluationPlan((PlannedRun(ZERO_SHOT, model, "zero-shot"), PlannedRun(FEW_SHOT, model, "3-shot", shots=3)),
                              split="selection", image_ids=ids)
        outcome: list[object] = []
        controller.plan_finished.connect(lambda run_ids: outcome.append(run_ids))
        controller.plan_failed.connect(lambda text: outcome.append(text))
        started = time.perf_counter()
        meter.start()
        controller.start(plan)
        while not outcome:
            app.processEvents()
            time.sleep(0.001)
        busy += meter.stop()
        elapsed = time.perf_counter() - started
        if not isinstance(outcome[0], list):
            raise SystemExit(f"evaluation failed: {outcome[0]}")
        throughput.append(2 * len(ids) / elapsed)
        controller.plan_finished.disconnect()
        controller.plan_failed.disconnect()
        print(f"round {round_no + 1}: {2 * len(ids)} answers in {elapsed:.1f} s", flush=True)
        pump(0.5)

    print()
    print(f"UI-thread stall with a {TICK_MS} ms timer ({args.images} images x 2 runs, {args.concurrency} requests "
          f"in flight, evaluation window open), {args.rounds} rounds interleaved:")
    print(f"  idle        p50 {pct(idle, .5):6.1f} ms   p95 {pct(idle, .95):6.1f} ms   max {max(idle, default=0):6.1f} ms")
    print(f"  evaluating  p50 {pct(busy, .5):6.1f} ms   p95 {pct(busy, .95):6.1f} ms   max {max(busy, default=0):6.1f} ms"
          f"   (goal p95 < 50 ms: {'PASS' if pct(busy, .95) < 50 else 'FAIL'})")
    print(f"  evaluation throughput {statistics.median(throughput):.1f} answers/s (median of rounds)")
    evaluation.project_closed()
    window.close()
    server.stop()
    shutil.rmtree(TMP, ignore_errors=True)
    QCoreApplication.processEvents()


if __name__ == "__main__":
    main()
