"""`studio-cli` submit, jobs, watch, login, export and estimate, in-process, end to end, on the OpenAI and Azure paths."""

import io
import json

from studio.cli.main import main
from studio.core.store.project_store import ProjectStore


def run(argv, capsys):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_submit_and_watch_on_openai_with_environment_key(emulator, project_path, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "emu-key")
    code, out, err = run(["submit", project_path, "--base-url", emulator.base_url, "--epochs", 2, "--workers", 0,
                          "--suffix", "cli", "--watch", "--interval", 0.02], capsys)
    assert code == 0, err
    job_id = out.splitlines()[0]
    assert job_id in emulator.state.jobs
    assert "status: succeeded" in out and "fine-tuned model: ft:" in out
    assert "step 1/" in out and "train_loss=" in out  # metric lines as they came
    assert "submit:" in err and "warning:" in err  # progress and warnings on stderr, not stdout

    code, out, _ = run(["jobs", project_path, "--json"], capsys)
    listed = json.loads(out)
    assert code == 0 and listed[0]["id"] == job_id and listed[0]["status"] == "succeeded"
    assert len(listed[0]["checkpoints"]) == 2 and listed[0]["service"] == "openai"


def test_login_then_submit_and_watch_on_azure(emulator, project_path, capsys, monkeypatch, memory_keyring):
    monkeypatch.setattr("sys.stdin", io.StringIO("emu-key\n"))
    code, out, _ = run(["login", "azure", "--endpoint", emulator.azure_endpoint, "--api-key-stdin", "--check"], capsys)
    assert code == 0 and "system keyring" in out and "Connected" in out
    assert "emu-key" in memory_keyring.passwords.values()

    code, out, err = run(["submit", project_path, "--azure-endpoint", emulator.azure_endpoint, "--epochs", 2,
                          "--workers", 0, "--training-type", "global"], capsys)
    assert code == 0, err
    job_id = out.strip()
    assert emulator.state.jobs[job_id].training_type == "globalstandard"

    code, out, err = run(["watch", project_path, job_id, "--interval", 0.02], capsys)
    assert code == 0, err
    assert "status: succeeded" in out and "checkpoint step" in out
    with ProjectStore.open(project_path) as store:
        assert store.jobs.get_job(job_id).status == "succeeded"
        assert store.jobs.metrics(job_id) and len(store.jobs.checkpoints(job_id)) == 2
    assert {r.style for r in emulator.state.requests if r.style} == {"azure_dated"}

    code, out, _ = run(["jobs", project_path], capsys)
    assert code == 0 and job_id in out and "succeeded" in out


def test_user_errors_are_messages_not_tracebacks(project_path, capsys, monkeypatch):
    code, _, err = run(["submit", project_path, "--workers", 0], capsys)
    assert code == 2 and "Which service?" in err and "Traceback" not in err
    code, _, err = run(["submit", project_path, "--base-url", "http://127.0.0.1:9/v1", "--suffix", "Bad Suffix!"], capsys)
    assert code == 2 and "No API key" in err  # credentials are checked before anything is exported
    monkeypatch.setenv("OPENAI_API_KEY", "k")
    code, _, err = run(["submit", project_path, "--base-url", "http://127.0.0.1:9/v1", "--suffix", "Bad Suffix!"], capsys)
    assert code == 2 and "at most 18 characters" in err
    code, _, err = run(["watch", project_path, "ftjob-unknown"], capsys)
    assert code == 2 and "not recorded in this project" in err


def test_failed_submission_says_how_to_resume(emulator, project_path, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "emu-key")
    monkeypatch.setattr("studio.service.retry.sleep_cancellable", lambda seconds, cancel=None: None)  # no back-off waits
    emulator.faults.add("500", r"^/fine_tuning/jobs$", method="POST", times=None)
    code, _, err = run(["submit", project_path, "--base-url", emulator.base_url, "--workers", 0], capsys)
    assert code == 2 and "--resume 1" in err
    emulator.faults.clear()
    code, out, err = run(["submit", project_path, "--resume", 1], capsys)
    assert code == 0, err
    assert out.strip() in emulator.state.jobs and emulator.state.jobs_created == 1


def test_export_and_estimate_commands(project_path, tmp_path, capsys):
    code, out, _ = run(["export", project_path, tmp_path / "out", "--val", 0.2, "--seed", 3, "--workers", 0, "--json"], capsys)
    report = json.loads(out)
    assert code == 0 and report["examples"]["train"] + report["examples"]["validation"] + report["examples"]["test"] == 20
    assert report["examples"]["test"] > 0  # the project's stored 10 % test split, written locally
    assert (tmp_path / "out" / "train.jsonl").is_file() and (tmp_path / "out" / "manifest.jsonl").is_file()
    assert (tmp_path / "out" / "test.jsonl").is_file()
    code, out, _ = run(["estimate", project_path, "--epochs", 3, "--price-per-million", 25], capsys)
    assert code == 0 and "billed training tokens" in out and "estimated cost: $" in out


def test_jobs_refresh_finds_a_job_created_just_before_a_crash(emulator, project_path, capsys, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "emu-key")
    code, out, _ = run(["submit", project_path, "--base-url", emulator.base_url, "--workers", 0], capsys)
    job_id = out.strip()
    # the app died after the service created the job but before the project recorded it
    with ProjectStore.open(project_path) as store:
        store.jobs.update_submission(1, state="processed", job_id=None)
        store.db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
    code, out, err = run(["jobs", project_path], capsys)
    assert job_id not in out and "--resume 1" in out
    code, out, err = run(["jobs", project_path, "--refresh"], capsys)
    assert code == 0, err
    assert job_id in out and "resume with" not in out
    with ProjectStore.open(project_path) as store:
        assert store.jobs.get_submission(1).job_id == job_id
    assert emulator.state.jobs_created == 1
