"""Injected faults, seen through the real SDK: 429 with retry headers, 500, dropped connections
(before and after the request took effect), slow answers, failing jobs and extra skipped images."""

from __future__ import annotations

import openai
import pytest

BASE = "gpt-4o-2024-08-06"


def test_429_then_success_when_the_client_retries(server):
    server.faults.add(429, path_pattern=r"^/files$", times=1, retry_after=0.01)
    client = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=2)
    assert list(client.files.list()) == []
    assert [r.status for r in server.state.requests_matching("GET", r"^/files$")] == [429, 200]


def test_429_carries_retry_headers_and_the_error_body(server, openai_client):
    fault = server.faults.add("429", retry_after=1.5)
    with pytest.raises(openai.RateLimitError) as err:
        openai_client.files.list()
    headers = err.value.response.headers
    assert (headers["retry-after-ms"], headers["retry-after"]) == ("1500", "2")
    assert err.value.body["code"] == "rate_limit_exceeded" and set(err.value.body) == {"message", "type", "param", "code"}
    assert fault.hits == 1 and not server.faults.pending
    assert list(openai_client.files.list()) == []  # used up


def test_500_maps_to_internal_server_error(server, openai_client):
    server.faults.add(500, path_pattern="/fine_tuning/jobs", times=2)
    for _ in range(2):
        with pytest.raises(openai.InternalServerError) as err:
            openai_client.fine_tuning.jobs.list()
        assert err.value.status_code == 500 and err.value.body["type"] == "server_error"
    assert openai_client.fine_tuning.jobs.list().data == []


def test_faults_match_method_and_path(server, openai_client):
    server.faults.add("500", path_pattern=r"^/files$", method="POST", times=None)
    assert openai_client.files.list().data == []  # GET is not affected
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            openai_client.files.create(file=("a.txt", b"x"), purpose="user_data")
    assert server.state.files_created == 0


def test_dropped_connection_is_a_connection_error(server, openai_client):
    server.faults.add("disconnect", path_pattern="/files")
    with pytest.raises(openai.APIConnectionError):
        openai_client.files.list()
    assert server.state.requests_matching("GET", "/files")[0].status == 0
    assert openai_client.files.list().data == []


def test_answer_lost_after_the_job_was_created(server, openai_client, upload_processed, ten_examples):
    """The trap for naive retries: the service did the work, the client only saw the connection drop."""
    file = upload_processed(openai_client, ten_examples)
    server.faults.add("disconnect", path_pattern=r"^/fine_tuning/jobs$", method="POST", after_processing=True)
    with pytest.raises(openai.APIConnectionError):
        openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, metadata={"submission": "s1"})
    assert server.state.jobs_created == 1
    assert [j.metadata for j in openai_client.fine_tuning.jobs.list(metadata={"submission": "s1"})] == [{"submission": "s1"}]


def test_500_after_processing_also_keeps_the_effect(server, openai_client):
    server.faults.add("500", path_pattern=r"^/files$", method="POST", after_processing=True)
    with pytest.raises(openai.InternalServerError):
        openai_client.files.create(file=("a.txt", b"x"), purpose="user_data")
    assert server.state.files_created == 1 and len(openai_client.files.list().data) == 1


def test_slow_answer_times_out_the_client(server, openai_client):
    server.faults.add("slow", delay=1.0)
    impatient = openai.OpenAI(base_url=server.base_url, api_key="test", max_retries=0, timeout=0.2)
    with pytest.raises(openai.APITimeoutError):
        impatient.files.list()
    assert openai_client.files.list().data == []  # only one request was slowed


def test_fail_job_fault_fails_training_at_the_given_step(server, openai_client, upload_processed, ten_examples):
    file = upload_processed(openai_client, ten_examples)
    server.faults.add("fail_job", at_step=4)
    job = openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id)
    healthy = openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id)
    server.advance(100)
    failed = openai_client.fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed" and failed.error.code == "internal_error" and failed.error.param is None
    assert "injected" in failed.error.message and failed.result_files == [] and failed.trained_tokens is None
    steps = [e.data["step"] for e in openai_client.fine_tuning.jobs.list_events(job.id, limit=100) if e.type == "metrics"]
    assert steps == [3, 2, 1]
    assert openai_client.fine_tuning.jobs.retrieve(healthy.id).status == "succeeded"


def test_skip_images_fault_adds_skipped_examples_to_the_summary(server, openai_client, upload_processed, ten_examples):
    from emulator_test_data import example, jsonl

    file = upload_processed(openai_client, jsonl([example() for _ in range(14)]))
    server.faults.add("skip_images", count=3, reason="inaccessible URL")
    job = openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id)
    server.advance(server.timing.validation_seconds)
    warning = next(e.message for e in openai_client.fine_tuning.jobs.list_events(job.id) if e.level == "warn")
    assert "Number of skipped multimodal examples: 3." in warning
    assert "inaccessible URL (3): Line numbers --> 1, 2, 3" in warning


def test_fault_definitions_are_checked():
    from studio.emulator import Faults

    faults = Faults()
    with pytest.raises(ValueError, match="unknown fault kind"):
        faults.add("teapot")
    with pytest.raises(ValueError, match="no option"):
        faults.add("429", delay=1)
    with pytest.raises(ValueError):
        faults.add("500", times=0)
