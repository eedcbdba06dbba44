#!/usr/bin/env python3
"""Benchmark: evaluation throughput against the emulator vs a bare SDK loop, same calls, same concurrency.

    python3 benchmarks/bench_evaluation.py                       # 120 images, 4 in flight, 3 rounds
    python3 benchmarks/bench_evaluation.py --images 300 --concurrency 8 --latency 0.1

Goal (issue 12): the studio's evaluation runs at >= 0.9x the throughput of the bare loop.

Both sides send exactly the same chat completions (system message, instruction, the image as a data
URI, temperature 0, the same max_tokens) through the same `openai` client to the same emulator, with
`--concurrency` requests in flight. The bare loop is the floor: messages built beforehand, a thread
pool, answers thrown away. The studio side is `service.evaluation.run_evaluation` doing everything a
real run does: reading the project, encoding each image from its file, parsing each answer, committing
it to the project file (SQLite, synchronous=FULL) the moment it arrives, and progress callbacks.

The emulator runs in a separate process (as the real service is remote), on the same 2 cores.
Latency: the emulator answers in about a millisecond, a real service in hundreds; `--latency` adds a
fixed per-request server delay (the emulator's "slow" fault) so the figure is about overlapping
requests, as in real use. `--latency 0` measures pure client overhead (the harshest case).
Rounds are interleaved (studio, bare, studio, bare, ...) so load from other processes hits both.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from studio.core.evaluation.records import EvalRunSpec  # noqa: E402
from studio.core.export.image_encoding import EncodeRequest, encode_image  # noqa: E402
from studio.core.export.prompts import Prompts  # noqa: E402
from studio.core.models import CheckResult, Verdict  # noqa: E402
from studio.core.store.evaluations import EvaluationRepository  # noqa: E402
from studio.core.store.project_store import FileRecord, ProjectStore  # noqa: E402
from studio.service.clients import make_client  # noqa: E402
from studio.service.credentials import Credentials  # noqa: E402
from studio.service.evaluation import create_run, run_evaluation  # noqa: E402
from studio.service.evaluation.prompting import build_messages  # noqa: E402
from studio.service.profile import ServiceProfile  # noqa: E402

CLASSES = ("red", "green", "blue")
# The emulator runs in its own process, as a real service would: its CPU work (decoding each image it
# is sent) must not compete with the client for one interpreter's lock.
SERVER = """
import sys
from studio.emulator import EmulatorServer
srv = EmulatorServer(port=0, api_keys=["bench-key"])
if float(sys.argv[1]) > 0:
    srv.faults.add("slow", "/chat/completions", times=None, delay=float(sys.argv[1]))
srv.start()
print(srv.base_url, flush=True)
sys.stdin.read()
srv.stop()
"""
KEY = Credentials.from_key("bench-key")


def make_project(folder: Path, n: int) -> Path:
    images = folder / "images"
    images.mkdir(parents=True)
    records = []
    for i in range(n):
        name = CLASSES[i % 3]
        rel = f"{name}_{i:05d}.jpg"
        colour = [(200, 40, 30), (40, 190, 50), (30, 50, 200)][i % 3]
        Image.new("RGB", (480, 360), tuple(c + (i % 7) for c in colour)).save(images / rel, quality=90)
        stat = (images / rel).stat()
        check = CheckResult(Verdict.OK, "", stat.st_size, "JPEG", "RGB", 480, 360, 1, "deep")
        records.append(FileRecord(rel, stat.st_size, stat.st_mtime_ns, f"fp-{rel}", check))
    path = folder / "bench.studio"
    store = ProjectStore.create(path, [images])
    ids = store.upsert_files(store.roots()[0].id, records)
    classes = {c: store.add_class(c) for c in CLASSES}
    for rel, image_id in ids.items():
        store.set_label([image_id], classes[rel.split("_")[0]].id)
    store.set_setting("split.val_fraction", 0.0)
    store.set_setting("split.test_fraction", 0.8)
    store.close()
    return path


def studio_round(store: ProjectStore, profile: ServiceProfile, concurrency: int) -> tuple[float, int]:
    run_id = create_run(store, EvalRunSpec(kind="zero_shot", model="gpt-4o-2024-08-06"), profile)
    started = time.perf_counter()
    run_evaluation(store, run_id, KEY, concurrency=concurrency)
    elapsed = time.perf_counter() - started
    return elapsed, EvaluationRepository(store).run(run_id).answered


def bare_round(store: ProjectStore, profile: ServiceProfile, concurrency: int, run_id: int) -> tuple[float, int]:
    """The same requests as the studio's run `run_id`, built beforehand, sent from a plain thread pool."""
    run = EvaluationRepository(store).run(run_id)
    prompts = Prompts(run.spec.system_prompt or "", run.spec.instruction or "")
    messages = [
        build_messages(prompts, run.spec.detail, encode_image(EncodeRequest(str(r.abs_path), r.verdict.value, "low", True)))
        for r in store.images(run.image_ids)
    ]
    client = make_client(profile, KEY)

    def ask(m):
        return client.chat.completions.create(model=run.spec.target, messages=m, temperature=0,
                                              max_tokens=run.max_tokens).choices[0].message.content

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        answers = list(pool.map(ask, messages))
    return time.perf_counter() - started, len(answers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=150, help="images in the project (80 %% are evaluated)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the emulator waits per request")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import scipy.stats  # noqa: F401 - a one-time import the studio pays once per process, not per run

    server = subprocess.Popen([sys.executable, "-c", SERVER, str(args.latency)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, cwd=str(Path(__file__).resolve().parents[1]))
    assert server.stdout is not None and server.stdin is not None
    base_url = server.stdout.readline().strip()
    with tempfile.TemporaryDirectory() as tmp:
        path = make_project(Path(tmp), args.images)
        profile = ServiceProfile(kind="openai", endpoint=base_url)
        studio_times, bare_times = [], []
        with ProjectStore.open(path) as store:
            warm_id = create_run(store, EvalRunSpec(kind="zero_shot", model="gpt-4o-2024-08-06"), profile)
            n = EvaluationRepository(store).run(warm_id).total
            for _ in range(args.rounds):
                t, answered = studio_round(store, profile, args.concurrency)
                assert answered == n
                studio_times.append(t)
                t, answered = bare_round(store, profile, args.concurrency, warm_id)
                assert answered == n
                bare_times.append(t)
    server.stdin.close()
    server.wait(timeout=30)
    s, b = statistics.median(studio_times), statistics.median(bare_times)
    print(f"images per round: {n}, concurrency {args.concurrency}, server latency {args.latency * 1000:.0f} ms, "
          f"{args.rounds} interleaved rounds")
    print(f"studio run_evaluation: median {s:.2f} s  ({n / s:.1f} images/s)   rounds: "
          + ", ".join(f"{t:.2f}" for t in studio_times))
    print(f"bare SDK thread pool:  median {b:.2f} s  ({n / b:.1f} images/s)   rounds: "
          + ", ".join(f"{t:.2f}" for t in bare_times))
    ratio = b / s
    print(f"throughput ratio studio / bare: {ratio:.2f}x  (goal >= 0.9x: {'met' if ratio >= 0.9 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
