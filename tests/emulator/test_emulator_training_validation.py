"""What the service does with a training file's content: skipped images reported as text with
counts and 1-based line numbers, failure past 200 skipped examples, too few examples, malformed lines."""

from __future__ import annotations

import base64

import pytest
from emulator_test_data import CYAN, MAGENTA, example, image_data_uri, jsonl

BASE = "gpt-4o-2024-08-06"


def _run_job(server, client, upload_processed, data, **create):
    file = upload_processed(client, data)
    job = client.fine_tuning.jobs.create(model=BASE, training_file=file.id, **create)
    server.advance(server.timing.validation_seconds)
    return job


def _lines_of(text: str, reason: str) -> str:
    return text.split(f"{reason} (")[-1].split("Line numbers --> ")[1].split(";")[0]


def test_unusable_images_are_skipped_and_reported_as_text_with_line_numbers(server, openai_client, upload_processed):
    lines = [example() for _ in range(20)]
    lines[2] = example([image_data_uri(MAGENTA)])
    lines[7] = example([image_data_uri(MAGENTA, fmt="JPEG", size=(32, 24))])  # marker survives JPEG
    lines[4] = example([image_data_uri(CYAN)])
    lines[9] = example(["data:image/png;base64,not*base64"])
    lines[10] = example([image_data_uri(fmt="GIF")])
    lines[11] = example([image_data_uri(mode="L")])
    lines[13] = example([image_data_uri()] * 11)
    lines[14] = example(["https://example.com/cat.jpg"])
    lines[15] = example(["data:image/png;base64," + base64.b64encode(b"not an image").decode()])
    job = _run_job(server, openai_client, upload_processed, jsonl(lines))

    warnings = [e for e in openai_client.fine_tuning.jobs.list_events(job.id, limit=100) if e.level == "warn"]
    assert len(warnings) == 1
    text = warnings[0].message
    assert text.startswith("Training file: Preprocessing Summary: Number of examples processed: 11. "
                           "Number of skipped multimodal examples: 9.")
    assert "Details - Samples of lines per error type: " in text
    assert "contains people or faces (2): Line numbers --> 3, 8" in text
    assert "contains CAPTCHAs (1): Line numbers --> 5" in text
    assert "invalid image format (3): Line numbers --> 10, 11, 16" in text
    assert "image is not RGB or RGBA (1): Line numbers --> 12" in text
    assert "too many images in example (1): Line numbers --> 14" in text
    assert "inaccessible URL (1): Line numbers --> 15" in text

    server.advance(100)
    done = openai_client.fine_tuning.jobs.retrieve(job.id)
    assert done.status == "succeeded"
    assert done.hyperparameters.batch_size == 1 and openai_client.fine_tuning.jobs.list_events(job.id, limit=1).data
    first_metrics = [e for e in openai_client.fine_tuning.jobs.list_events(job.id, limit=100) if e.type == "metrics"][0]
    assert first_metrics.data["total_steps"] == 11 * 3  # skipped examples are not trained on


def test_more_than_200_skipped_examples_fail_the_job(server, azure_client, upload_processed):
    lines = [example([image_data_uri(MAGENTA)]) for _ in range(210)] + [example() for _ in range(10)]
    job = _run_job(server, azure_client, upload_processed, jsonl(lines))
    failed = azure_client.fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed" and "fine_tuned_model" not in failed
    assert (failed.error.param, failed.error.code) == ("training_file", "invalid_training_file")
    message = failed.error.message
    assert message.startswith("Training file: Preprocessing Summary: The provided data failed validation. Number of "
                              "skipped multimodal examples exceed the maximum allowed 200 limit: contains people or faces (210).")
    sample = _lines_of(message, "contains people or faces")
    assert sample == ", ".join(str(n) for n in range(1, 101)) + ", ..."
    newest = list(azure_client.fine_tuning.jobs.list_events(job.id, limit=100))[-1]  # [facts §3] dated: oldest first
    assert newest.level == "error" and newest.message == message
    assert newest.data == {"error_code": "invalid_training_file", "error_param": "training_file"}


def test_exactly_200_skipped_examples_only_warn(server, openai_client, upload_processed):
    lines = [example([image_data_uri(MAGENTA)]) for _ in range(200)] + [example() for _ in range(10)]
    job = _run_job(server, openai_client, upload_processed, jsonl(lines))
    assert openai_client.fine_tuning.jobs.retrieve(job.id).status == "queued"


@pytest.mark.parametrize(("usable", "skipped"), [(5, 0), (9, 3)])
def test_fewer_than_ten_usable_examples_fail_with_invalid_n_examples(server, openai_client, upload_processed, usable, skipped):
    lines = [example() for _ in range(usable)] + [example([image_data_uri(MAGENTA)]) for _ in range(skipped)]
    job = _run_job(server, openai_client, upload_processed, jsonl(lines))
    failed = openai_client.fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed" and failed.error.code == "invalid_n_examples"
    assert failed.error.message == f"Training file has {usable} example(s), but must have at least 10 examples"
    event = openai_client.fine_tuning.jobs.list_events(job.id, limit=1).data[0]
    assert event.data == {"error_code": "invalid_n_examples", "error_param": "training_file"}


def test_job_on_a_malformed_file_fails_naming_the_lines(server, openai_client, upload_processed):
    lines = [example() for _ in range(12)]
    lines[4] = {"messages": [{"role": "wizard", "content": "hi"}]}
    job = _run_job(server, openai_client, upload_processed, jsonl(lines))
    failed = openai_client.fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed" and failed.error.param == "training_file"
    assert failed.error.code == "invalid_file_format"
    assert "line numbers: 5" in failed.error.message and "invalid role 'wizard'" in failed.error.message


def test_skips_in_the_validation_file_are_reported_for_that_file(server, openai_client, upload_processed, ten_examples):
    train = upload_processed(openai_client, ten_examples)
    valid = upload_processed(openai_client, jsonl([example(), example([image_data_uri(MAGENTA)])]), "valid.jsonl")
    job = openai_client.fine_tuning.jobs.create(model=BASE, training_file=train.id, validation_file=valid.id)
    server.advance(server.timing.validation_seconds)
    warnings = [e.message for e in openai_client.fine_tuning.jobs.list_events(job.id) if e.level == "warn"]
    assert len(warnings) == 1 and warnings[0].startswith("Validation file: Preprocessing Summary:")
    assert "contains people or faces (1): Line numbers --> 2" in warnings[0]
