"""Faults the emulator injects are survived, and a retried submission never submits twice."""

import pytest

from studio.core.errors import ServiceError
from studio.core.store.project_store import ProjectStore
from studio.core.tasks import CancelToken, Cancelled
from studio.emulator import EmulatorServer, ManualClock
from studio.service.credentials import Credentials
from studio.service.jobs.monitor import JobMonitor
from studio.service.profile import ServiceProfile
from studio.service.retry import RetryPolicy
from studio.service.submit.submission import retry_submission, submit

from service_helpers import fast_params

KEY = Credentials.from_key("emu-key")
FAST = RetryPolicy(max_attempts=5, base_delay=0.01, max_delay=0.05)


def fine_tune_files(srv):
    return [f for f in srv.state.files.values() if f.purpose == "fine-tune"]


def test_rate_limits_server_errors_and_drops_during_submit_are_survived(emulator, project_path):
    emulator.faults.add("429", r"^/files$", method="POST", times=2, retry_after=0.01)
    emulator.faults.add("500", r"^/files/", method="GET", times=1)
    emulator.faults.add("disconnect", r"^/fine_tuning/jobs$", method="GET", times=1)
    emulator.faults.add("disconnect", r"^/fine_tuning/jobs$", method="POST", times=1)
    profile = ServiceProfile(kind="azure", endpoint=emulator.azure_endpoint)
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, KEY, fast_params(), policy=FAST, poll_interval=0.02)
    assert emulator.faults.pending == []  # every fault fired
    assert emulator.state.jobs_created == 1 and list(emulator.state.jobs) == [job_id]
    assert len(fine_tune_files(emulator)) == 2


def test_lost_responses_do_not_upload_or_create_twice(emulator, project_path):
    # The service does the work, then the answer is lost: a blind retry would duplicate it.
    emulator.faults.add("disconnect", r"^/files$", method="POST", times=1, after_processing=True)
    emulator.faults.add("500", r"^/fine_tuning/jobs$", method="POST", times=1, after_processing=True)
    profile = ServiceProfile(kind="openai", endpoint=emulator.base_url)
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, KEY, fast_params(), policy=FAST, poll_interval=0.02)
    assert emulator.faults.pending == []
    assert emulator.state.jobs_created == 1 and list(emulator.state.jobs) == [job_id]
    assert len(fine_tune_files(emulator)) == 2


def test_failure_in_the_middle_then_retry_resumes_where_it_stopped(emulator, project_path):
    emulator.faults.add("500", r"^/fine_tuning/jobs$", method="POST", times=None)
    profile = ServiceProfile(kind="azure_v1", endpoint=emulator.azure_endpoint)
    with ProjectStore.open(project_path) as store:
        with pytest.raises(ServiceError, match="internal error") as info:
            submit(store, profile, KEY, fast_params(), policy=RetryPolicy(max_attempts=2, base_delay=0.01),
                   poll_interval=0.02)
        assert "Traceback" not in str(info.value)
        sub = store.jobs.list_submissions()[0]
        assert sub.state == "failed" and sub.training_file_id and sub.validation_file_id and not sub.job_id
        assert "internal error" in sub.error
        export_dir = sub.export_dir

        emulator.faults.clear()
        job_id = retry_submission(store, sub.id, KEY, policy=FAST, poll_interval=0.02)
        again = store.jobs.get_submission(sub.id)
        assert (again.state, again.job_id, again.export_dir) == ("created", job_id, export_dir)
        # a second retry is a no-op
        assert retry_submission(store, sub.id, KEY) == job_id
    assert emulator.state.jobs_created == 1
    assert len(fine_tune_files(emulator)) == 2  # uploaded once, not again on retry


def test_cancel_during_upload_then_resume(emulator, project_path):
    token = CancelToken()

    def progress(done, total, message=""):
        if message.startswith("Uploaded") and "validation" in message:
            token.cancel()

    profile = ServiceProfile(kind="openai", endpoint=emulator.base_url)
    with ProjectStore.open(project_path) as store:
        with pytest.raises(Cancelled):
            submit(store, profile, KEY, fast_params(), progress, token, policy=FAST, poll_interval=0.02)
        sub = store.jobs.list_submissions()[0]
        assert sub.state == "cancelled" and sub.validation_file_id and not sub.job_id
        job_id = retry_submission(store, sub.id, KEY, policy=FAST, poll_interval=0.02)
    assert emulator.state.jobs_created == 1 and job_id in emulator.state.jobs
    assert len(fine_tune_files(emulator)) == 2


def test_monitor_reports_reconnecting_then_recovers(emulator, project_path):
    profile = ServiceProfile(kind="openai", endpoint=emulator.base_url)
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, KEY, fast_params(), poll_interval=0.02)
        monitor = JobMonitor(store, profile, KEY, backoff=RetryPolicy(base_delay=0.01, max_delay=0.05, jitter=0))
        emulator.faults.add("disconnect", r"/events$", times=2)
        down = monitor.poll(job_id)
        assert down.reconnecting and down.retry_in and "Could not reach" in down.message
        assert down.job.id == job_id  # the last known record is still shown
        emulator.faults.add("429", r"^/fine_tuning/jobs/[^/]+$", times=2, retry_after=0.2)
        limited = monitor.poll(job_id)
        assert limited.reconnecting and limited.retry_in >= 0.2
        seen = []
        final = monitor.watch(job_id, seen.append, interval=0.02)
        assert final.status == "succeeded"
        assert monitor.poll(job_id).new_events == []  # nothing is stored twice
        on_service = {e.id for e in monitor.client.fine_tuning.jobs.list_events(job_id, limit=7)}  # auto-pages
        assert {e.id for e in store.jobs.events(job_id)} == on_service
        assert len(store.jobs.events(job_id)) == len(on_service)


def test_wrong_key_is_an_error_not_a_reconnect(emulator, project_path):
    profile = ServiceProfile(kind="openai", endpoint=emulator.base_url)
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, KEY, fast_params(), poll_interval=0.02)
        with pytest.raises(ServiceError, match="rejected the credentials"):
            JobMonitor(store, profile, Credentials.from_key("wrong-key")).poll(job_id)


def test_failed_job_keeps_its_error(emulator, project_path):
    emulator.faults.add("fail_job", message="Training diverged", code="training_error")
    profile = ServiceProfile(kind="azure", endpoint=emulator.azure_endpoint)
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, KEY, fast_params(), poll_interval=0.02)
        final = JobMonitor(store, profile, KEY).watch(job_id, lambda s: None, interval=0.02)
        assert final.status == "failed" and final.terminal
        assert "diverged" in store.jobs.get_job(job_id).error["message"]


def test_pause_resume_cancel_and_reattach_after_restart(tmp_path, project_path):
    clock = ManualClock()
    with EmulatorServer(step_seconds=1.0, clock=clock, api_keys=["emu-key"]) as srv:
        profile = ServiceProfile(kind="azure", endpoint=srv.azure_endpoint)
        store = ProjectStore.open(project_path)
        # file processing only advances with the emulated clock: move it on while we wait
        job_id = submit(store, profile, KEY, fast_params(), lambda *a: clock.advance(1.0), poll_interval=0.001)
        monitor = JobMonitor(store, profile, KEY)
        assert monitor.poll(job_id).status in ("pending", "validating_files", "queued")
        clock.advance(20)
        running = monitor.poll(job_id)
        assert running.status == "running" and running.step and running.step < running.total_steps
        assert monitor.pause(job_id).status in ("paused", "pausing")
        clock.advance(1000)
        paused = monitor.poll(job_id)
        assert paused.status == "paused" and paused.step <= running.step + 1
        store.close()

        # the app restarts: a fresh store and monitor find the job and carry on
        store = ProjectStore.open(project_path)
        monitor = JobMonitor(store, profile, KEY)
        assert [j.id for j in monitor.attach_all()] == [job_id]
        assert monitor.resume(job_id).status in ("running", "queued", "resuming")
        clock.advance(2)
        assert monitor.poll(job_id).status == "running"
        assert monitor.cancel(job_id).status in ("cancelled", "cancelling")
        clock.advance(5)
        assert monitor.poll(job_id).status == "cancelled"
        assert monitor.attach_all() == []
        store.close()


def test_lost_create_response_is_found_again_by_refresh(emulator, project_path):
    emulator.faults.add("500", r"^/fine_tuning/jobs$", method="POST", times=1, after_processing=True)
    profile = ServiceProfile(kind="openai", endpoint=emulator.base_url)
    with ProjectStore.open(project_path) as store:
        with pytest.raises(ServiceError):
            submit(store, profile, KEY, fast_params(), policy=RetryPolicy(max_attempts=1), poll_interval=0.02)
        sub = store.jobs.list_submissions()[0]
        assert sub.job_id is None and emulator.state.jobs_created == 1
        found = JobMonitor(store, profile, KEY).refresh_from_service()
        assert [j.id for j in found] == list(emulator.state.jobs)
        assert store.jobs.get_submission(sub.id).job_id == found[0].id
        assert retry_submission(store, sub.id, KEY) == found[0].id
    assert emulator.state.jobs_created == 1


def test_a_file_the_service_rejects_is_reported_with_its_reason(emulator, tmp_path):
    from studio.service.submit.file_upload import upload_file, wait_until_processed
    from studio.service.clients import make_client

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n' * 6)
    client = make_client(ServiceProfile(kind="openai", endpoint=emulator.base_url), KEY)
    file_id = upload_file(client, bad, "studio-x-train.jsonl", policy=FAST)
    with pytest.raises(ServiceError, match="rejected studio-x-train.jsonl") as info:
        wait_until_processed(client, file_id, "studio-x-train.jsonl", poll_interval=0.01, policy=FAST)
    assert "not valid JSON" in str(info.value) and "Fix the dataset" in str(info.value)


def test_emulator_command_reports_a_busy_port(emulator, capsys):
    from studio.cli.main import main

    assert main(["emulator", "--port", str(emulator.port)]) == 2
    assert "Try another --port" in capsys.readouterr().err


def test_a_rejected_dataset_is_exported_and_uploaded_afresh_on_retry(emulator, project_path, monkeypatch):
    from studio.service.submit import submission
    from studio.service.submit.file_upload import FileRejected

    real_wait = submission.wait_until_processed
    calls = []

    def reject_first(client, file_id, name, **kw):
        calls.append(file_id)
        if len(calls) == 1:
            raise FileRejected(f"The service rejected {name} (error): image too large.")
        return real_wait(client, file_id, name, **kw)

    monkeypatch.setattr(submission, "wait_until_processed", reject_first)
    profile = ServiceProfile(kind="openai", endpoint=emulator.base_url)
    with ProjectStore.open(project_path) as store:
        with pytest.raises(FileRejected):
            submit(store, profile, KEY, fast_params(), policy=FAST, poll_interval=0.02)
        sub = store.jobs.list_submissions()[0]
        assert (sub.state, sub.export_dir, sub.training_file_id) == ("failed", None, None)
        job_id = retry_submission(store, sub.id, KEY, policy=FAST, poll_interval=0.02)
        assert store.jobs.get_submission(sub.id).training_file_id != calls[0]
    assert emulator.state.jobs_created == 1 and emulator.state.jobs[job_id].training_file != calls[0]
    assert len(fine_tune_files(emulator)) == 4
