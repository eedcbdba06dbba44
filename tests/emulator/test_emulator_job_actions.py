"""Pause, resume and cancel through the real SDK: allowed states, the training clock stopping while
paused, and refusals for jobs that are already finished."""

from __future__ import annotations

import openai
import pytest
from emulator_test_data import AZURE_VERSION

BASE = "gpt-4o-2024-08-06"


@pytest.fixture
def running_job(server, azure_client, upload_processed, ten_examples):
    file = upload_processed(azure_client, ten_examples)
    job = azure_client.fine_tuning.jobs.create(model=BASE, training_file=file.id)
    t = server.timing
    server.advance(t.validation_seconds + t.queue_seconds + 3.5 * t.step_seconds)  # 3 steps done
    assert azure_client.fine_tuning.jobs.retrieve(job.id).status == "running"
    return job


def _steps(client, job_id):
    return [e.data["step"] for e in client.fine_tuning.jobs.list_events(job_id, limit=100) if e.type == "metrics"]


def _events(client, job_id):
    return list(client.fine_tuning.jobs.list_events(job_id, limit=100))


def test_pause_stops_training_and_resume_continues(server, azure_client, running_job):
    paused = azure_client.fine_tuning.jobs.pause(running_job.id)
    assert paused.status == "paused" and "estimated_finish" not in paused
    server.advance(50)
    assert azure_client.fine_tuning.jobs.retrieve(running_job.id).status == "paused"
    assert max(_steps(azure_client, running_job.id)) == 3
    checkpoints = azure_client.fine_tuning.jobs.checkpoints.list(running_job.id).data
    assert [c.step_number for c in checkpoints] == [3]  # pausing leaves a deployable checkpoint

    resumed = azure_client.fine_tuning.jobs.resume(running_job.id)
    assert resumed.status == "resuming"  # [facts §6] the dated API answers a resume with `resuming`
    server.advance(server.timing.step_seconds)
    assert azure_client.fine_tuning.jobs.retrieve(running_job.id).status == "running"
    server.advance(2)
    assert max(_steps(azure_client, running_job.id)) == 5
    server.advance(100)
    job = azure_client.fine_tuning.jobs.retrieve(running_job.id)
    assert job.status == "succeeded"
    messages = [e.message for e in azure_client.fine_tuning.jobs.list_events(running_job.id, limit=100)]
    assert "Job paused." in messages and "Job resumed." in messages
    assert _steps(azure_client, running_job.id) == list(range(1, 31))  # [facts §3] dated: oldest first


def test_pause_and_resume_only_in_the_right_state(server, azure_client, running_job):
    with pytest.raises(openai.BadRequestError) as err:
        azure_client.fine_tuning.jobs.resume(running_job.id)
    assert err.value.body["code"] == "unexpectedEntityState" and "running" in err.value.message  # [facts §7]
    azure_client.fine_tuning.jobs.pause(running_job.id)
    with pytest.raises(openai.BadRequestError):
        azure_client.fine_tuning.jobs.pause(running_job.id)


def test_pause_needs_a_recent_azure_api_version(server, running_job):
    old = openai.AzureOpenAI(azure_endpoint=server.azure_endpoint, api_version="2024-10-21", api_key="k", max_retries=0)
    with pytest.raises(openai.BadRequestError) as err:
        old.fine_tuning.jobs.pause(running_job.id)
    assert err.value.body["target"] == "api-version" and AZURE_VERSION in err.value.message
    assert old.with_raw_response.fine_tuning.jobs.retrieve(running_job.id).http_response.json()["status"] == "running"


def test_cancel_while_paused_ends_the_job(server, azure_client, running_job):
    azure_client.fine_tuning.jobs.pause(running_job.id)
    cancelled = azure_client.fine_tuning.jobs.cancel(running_job.id)
    assert cancelled.status == "cancelled" and cancelled.finished_at == int(server.clock())
    server.advance(100)
    job = azure_client.fine_tuning.jobs.retrieve(running_job.id)
    assert job.status == "cancelled" and job.fine_tuned_model is None and job.result_files == []
    assert _events(azure_client, running_job.id)[-1].message == "Job cancelled."


def test_cancel_while_validating_on_openai(server, openai_client, upload_processed, ten_examples):
    file = upload_processed(openai_client, ten_examples)
    job = openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id)
    assert openai_client.fine_tuning.jobs.cancel(job.id).status == "cancelled"
    server.advance(100)
    assert openai_client.fine_tuning.jobs.retrieve(job.id).status == "cancelled"
    assert not [e for e in openai_client.fine_tuning.jobs.list_events(job.id) if e.type == "metrics"]


def test_finished_jobs_cannot_be_cancelled(server, openai_client, upload_processed, ten_examples):
    file = upload_processed(openai_client, ten_examples)
    job = openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id)
    server.advance(100)
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.fine_tuning.jobs.cancel(job.id)
    assert "already succeeded" in err.value.message
    assert openai_client.fine_tuning.jobs.retrieve(job.id).status == "succeeded"
