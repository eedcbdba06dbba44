"""The demo's needs: state kept in a folder survives a restart and jobs continue where they were
(same event ids), and the foreground runner prints working URLs."""

from __future__ import annotations

import base64

import io
import re
import threading
import time

import openai

from studio.emulator import EmulatorServer, ManualClock, main, run_emulator

BASE = "gpt-4o-2024-08-06"


def test_restart_with_data_dir_continues_the_job(tmp_path, ten_examples):
    clock = ManualClock()
    with EmulatorServer(clock=clock, step_seconds=1.0, data_dir=tmp_path) as first:
        client = openai.OpenAI(base_url=first.base_url, api_key="k", max_retries=0)
        file = client.files.create(file=("train.jsonl", ten_examples), purpose="fine-tune")
        first.advance(first.timing.file_processing_seconds)
        job = client.fine_tuning.jobs.create(model=BASE, training_file=file.id, suffix="demo")
        first.advance(first.timing.validation_seconds + first.timing.queue_seconds + 10.5)
        seen = {e.id: e.message for e in client.fine_tuning.jobs.list_events(job.id, limit=100)}
        assert client.fine_tuning.jobs.retrieve(job.id).status == "running"

    clock.advance(5)  # the app was closed for a while; the service kept training
    with EmulatorServer(clock=clock, step_seconds=1.0, data_dir=tmp_path) as second:
        client = openai.OpenAI(base_url=second.base_url, api_key="k", max_retries=0)
        again = client.fine_tuning.jobs.retrieve(job.id)
        assert again.status == "running" and again.training_file == file.id
        events = list(client.fine_tuning.jobs.list_events(job.id, limit=100))
        assert {e.id: e.message for e in events if e.id in seen} == seen  # same ids, no duplicates
        assert max(e.data["step"] for e in events if e.type == "metrics") == 15
        assert client.files.content(file.id).read() == ten_examples
        second.advance(100)
        done = client.fine_tuning.jobs.retrieve(job.id)
        assert done.status == "succeeded" and base64.b64decode(client.files.content(done.result_files[0]).read()).startswith(b"step,")
        assert second.state.jobs_created == 1

    with EmulatorServer(clock=clock, step_seconds=1.0, data_dir=tmp_path) as third:
        client = openai.OpenAI(base_url=third.base_url, api_key="k", max_retries=0)
        assert [f.purpose for f in client.files.list()] == ["fine-tune-results", "fine-tune"]
        follow_up = client.fine_tuning.jobs.create(model=done.fine_tuned_model, training_file=file.id)
        assert follow_up.model == done.fine_tuned_model


def test_run_emulator_prints_urls_that_work_and_stops_on_request():
    out, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(target=run_emulator, kwargs={"port": 0, "step_seconds": 0.01, "stop_event": stop, "out": out})
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while "Ctrl+C" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        text = out.getvalue()
        base_url = re.search(r'OpenAI\(base_url="(http://127\.0\.0\.1:\d+/v1)"', text).group(1)
        endpoint = re.search(r'azure_endpoint="(http://127\.0\.0\.1:\d+)"', text).group(1)
        assert "(255, 0, 255) -> 'contains people or faces'" in text
        assert openai.OpenAI(base_url=base_url, api_key="any", max_retries=0).files.list().data == []
        azure = openai.AzureOpenAI(azure_endpoint=endpoint, api_version="2025-04-01-preview", api_key="any", max_retries=0)
        assert azure.fine_tuning.jobs.list().data == []
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_main_reports_a_busy_port(capsys):
    with EmulatorServer() as busy:
        assert main(["--port", str(busy.port)]) == 1
    assert "Try another --port" in capsys.readouterr().err
