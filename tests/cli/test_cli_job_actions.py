"""Pause, resume and cancel from the command line: a job submitted with `studio-cli submit`, on the
emulator through the real SDK, recorded in the project as the app records it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from studio.emulator import EmulatorServer, ManualClock
from studio.core.store.project_store import ProjectStore


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    """Manual clock: the job stays in the state the test moved it to, however loaded the machine is."""
    with EmulatorServer(clock=ManualClock(), step_seconds=1.0, api_keys=["emu-key"]) as srv:
        yield srv


def _submit(run_cli, project: Path, server: EmulatorServer, *where: str) -> str:
    """`studio-cli submit`, with emulated time moving only until the job exists (files get processed)."""
    done = threading.Event()

    def tick() -> None:
        while not done.wait(0.01):
            if server.state.jobs:
                return
            server.advance(0.5)

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        code, out, err = run_cli("submit", project, *where, "--epochs", 2, "--workers", 0)
    finally:
        done.set()
        ticker.join(5)
    assert code == 0, err
    return out.strip().splitlines()[-1]


def _recorded_status(project: Path, job_id: str) -> str:
    with ProjectStore.open(project, read_only=True) as store:
        job = store.jobs.get_job(job_id)
        assert job is not None
        return job.status


@pytest.mark.parametrize("style", ["openai", "azure"])
def test_pause_resume_cancel(project_path, run_cli, server, monkeypatch, style):
    if style == "openai":
        monkeypatch.setenv("OPENAI_API_KEY", "emu-key")
        where = ("--base-url", server.base_url)
    else:
        monkeypatch.setenv("AZURE_OPENAI_API_KEY", "emu-key")
        where = ("--azure-endpoint", server.azure_endpoint)
    job_id = _submit(run_cli, project_path, server, *where)
    t = server.timing
    server.advance(t.validation_seconds + t.queue_seconds + 2.5 * t.step_seconds)

    code, out, err = run_cli("pause", project_path, job_id)
    assert code == 0, err
    assert out == f"{job_id}: paused\n"
    assert _recorded_status(project_path, job_id) == "paused"
    server.advance(30)
    assert run_cli("jobs", project_path, "--refresh")[0] == 0
    assert _recorded_status(project_path, job_id) == "paused"  # a paused job does not train

    code, out, err = run_cli("resume", project_path, job_id, "--json")
    assert code == 0, err
    assert '"status": "' in out and _recorded_status(project_path, job_id) in ("running", "queued", "resuming")

    code, out, err = run_cli("cancel", project_path, job_id)
    assert code == 0, err
    assert out == f"{job_id}: cancelled\n" and _recorded_status(project_path, job_id) == "cancelled"


def test_pausing_a_finished_job_says_so(project_path, run_cli, server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "emu-key")
    job_id = _submit(run_cli, project_path, server, "--base-url", server.base_url)
    server.advance(10_000)
    code, out, err = run_cli("pause", project_path, job_id)
    assert code == 2 and out == "" and "Traceback" not in err
    assert "pause" in err.lower()


def test_actions_need_a_job_of_this_project(project_path, run_cli):
    code, _, err = run_cli("cancel", project_path, "ftjob-nope")
    assert code == 2 and "not recorded in this project" in err and "studio-cli jobs" in err
