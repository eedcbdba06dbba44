"""Issue 11, CLI: submit -> monitor -> pause -> resume -> finish on every API style, against the strict
emulator with strict SDK clients (STUDIO_STRICT_SDK=1), through `studio-cli` in-process."""

from __future__ import annotations

import json
import threading
import time

import pytest

from studio.cli.main import main
from studio.core.store.project_store import ProjectStore
from studio.emulator import EmulatorServer, ManualClock

STYLES = {
    # style: (submit flag, env var with the key, status a resume answers with [facts §6])
    "openai": ("--base-url", "OPENAI_API_KEY", "queued"),
    "azure_dated": ("--azure-endpoint", "AZURE_OPENAI_API_KEY", "resuming"),
    "azure_v1": ("--azure-v1", "AZURE_OPENAI_API_KEY", "queued"),
}


class Clock:
    """Moves the emulator's manual clock `rate` emulated seconds per real second until held."""

    def __init__(self, clock: ManualClock, rate: float = 40.0) -> None:
        self.clock, self.rate = clock, rate
        self.running = threading.Event()
        self.running.set()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        last = time.monotonic()
        while not self.stopped.wait(0.01):
            now = time.monotonic()
            if self.running.is_set():
                self.clock.advance((now - last) * self.rate)
            last = now


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("style", list(STYLES))
def test_cli_submit_pause_resume_finish(style, project_path, capsys, monkeypatch):
    flag, env, resumed_status = STYLES[style]
    monkeypatch.setenv(env, "emu-key")
    manual = ManualClock()
    with EmulatorServer(step_seconds=1.0, clock=manual, api_keys=["emu-key"]) as srv:
        ticker = Clock(manual)
        try:
            where = srv.base_url if style == "openai" else srv.azure_endpoint
            code, out, err = run(["submit", project_path, flag, where, "--epochs", 3, "--workers", 0], capsys)
            assert code == 0, err
            job_id = out.strip()

            deadline = time.monotonic() + 60
            while True:  # monitor until it trains (one step done: Azure allows a pause only then [facts §6])
                code, out, err = run(["jobs", project_path, "--refresh", "--json"], capsys)
                assert code == 0, err
                job = next(j for j in json.loads(out) if j["id"] == job_id)
                if job["status"] == "running" and job["metrics_steps"] >= 1:
                    break
                assert job["status"] not in ("failed", "cancelled", "succeeded") and time.monotonic() < deadline, job
                time.sleep(0.02)
            ticker.running.clear()

            code, out, err = run(["pause", project_path, job_id], capsys)
            assert (code, out.strip()) == (0, f"{job_id}: paused"), err
            manual.advance(500)  # long enough to finish, were it not paused
            code, out, _ = run(["jobs", project_path, "--refresh", "--json"], capsys)
            assert next(j for j in json.loads(out) if j["id"] == job_id)["status"] == "paused"

            code, out, err = run(["resume", project_path, job_id], capsys)
            assert (code, out.strip()) == (0, f"{job_id}: {resumed_status}"), err
            ticker.running.set()
            code, out, err = run(["watch", project_path, job_id, "--interval", 0.02], capsys)
            assert code == 0, err
            assert "status: succeeded" in out and "checkpoint step" in out
        finally:
            ticker.stopped.set()
        assert {r.style for r in srv.state.requests if r.style} == {style}
        assert srv.state.jobs_created == 1
    with ProjectStore.open(project_path) as store:
        record = store.jobs.get_job(job_id)
        events = store.jobs.events(job_id)
        assert record.status == "succeeded" and record.fine_tuned_model
        assert (".ft-" in record.fine_tuned_model) == style.startswith("azure")  # [facts §2] model names
        assert len({e.id for e in events}) == len(events)
        messages = " ".join(e.message for e in events).lower()
        assert "paused" in messages and "resumed" in messages
        steps = [p.step for p in store.jobs.metrics(job_id)]
        assert steps == list(range(1, steps[-1] + 1))


def test_cli_pause_of_an_unknown_job_says_what_to_do(project_path, capsys):
    code, _, err = run(["pause", project_path, "ftjob-nope"], capsys)
    assert code == 2 and "not recorded in this project" in err and "studio-cli jobs" in err
