"""Fine-tuning jobs through the real SDK: lifecycle over emulated time, events, checkpoints, results
CSV, listing, model names on OpenAI and Azure, continuous fine-tuning and parameter checks."""

from __future__ import annotations

import base64
import csv
import io
import math

import openai
import pytest
from emulator_test_data import example, jsonl

BASE = "gpt-4o-2024-08-06"
SYSTEM = "Classify the image. Answer with one label: cat, dog."


def results_text(client, file_id: str) -> str:
    """[facts §5 results base64] the emulator's /v1 serves the results CSV base64-encoded (UNVERIFIED field behaviour)."""
    return base64.b64decode(client.files.content(file_id).read()).decode()


def tokens_per_example() -> int:
    """The emulator's documented estimate: 3 per example, 3 per message, text chars/4, 85 per low image."""
    text = [SYSTEM, "Which class is this?", "cat"]
    return 3 + 3 * 3 + sum(math.ceil(len(t) / 4) for t in text) + 85


def test_openai_job_walks_through_every_status_to_succeeded(server, openai_client, upload_processed, ten_examples):
    t = server.timing
    file = upload_processed(openai_client, ten_examples)
    job = openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, suffix="pets", seed=7)
    assert (job.status, job.object, job.model, job.seed) == ("validating_files", "fine_tuning.job", BASE, 7)
    assert job.hyperparameters.n_epochs == "auto" and job.fine_tuned_model is None and job.result_files == []
    assert job.organization_id and job.id.startswith("ftjob-")

    server.advance(t.validation_seconds)
    assert openai_client.fine_tuning.jobs.retrieve(job.id).status == "queued"
    server.advance(t.queue_seconds + 0.5)
    running = openai_client.fine_tuning.jobs.retrieve(job.id)
    assert running.status == "running" and running.estimated_finish is not None
    assert (running.hyperparameters.n_epochs, running.hyperparameters.batch_size) == (3, 1)
    server.advance(5 * t.step_seconds)
    metrics = [e for e in openai_client.fine_tuning.jobs.list_events(job.id) if e.type == "metrics"]
    assert [e.data["step"] for e in metrics] == [5, 4, 3, 2, 1]  # newest first
    assert all(e.data["total_steps"] == 30 for e in metrics)

    server.advance(30 * t.step_seconds)
    done = openai_client.fine_tuning.jobs.retrieve(job.id)
    assert done.status == "succeeded" and done.error is None and done.estimated_finish is None
    assert done.fine_tuned_model == f"ft:{BASE}:emulator:pets:{job.id[-8:]}"
    assert done.trained_tokens == tokens_per_example() * 10 * 3
    assert done.finished_at == job.created_at + t.validation_seconds + t.queue_seconds + 30 * t.step_seconds

    rows = list(csv.DictReader(io.StringIO(results_text(openai_client, done.result_files[0]))))
    assert list(rows[0]) == ["step", "train_loss", "train_mean_token_accuracy", "valid_loss",
                             "validation_mean_token_accuracy", "full_valid_loss", "full_valid_mean_token_accuracy"]
    assert [int(r["step"]) for r in rows] == list(range(1, 31))
    losses = [float(r["train_loss"]) for r in rows]
    accuracies = [float(r["train_mean_token_accuracy"]) for r in rows]
    assert sum(losses[-5:]) < sum(losses[:5]) / 3 and sum(accuracies[-5:]) > sum(accuracies[:5])
    result_file = openai_client.files.retrieve(done.result_files[0])
    assert (result_file.purpose, result_file.status) == ("fine-tune-results", "processed")


def test_events_page_newest_first_and_sdk_auto_paginates(server, openai_client, upload_processed, ten_examples):
    file = upload_processed(openai_client, ten_examples)
    job = openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id)
    server.advance(100)
    everything = list(openai_client.fine_tuning.jobs.list_events(job.id, limit=7))  # SDK follows has_more
    first = openai_client.fine_tuning.jobs.list_events(job.id, limit=7)
    assert first.has_more is True and [e.id for e in first.data] == [e.id for e in everything[:7]]
    older = openai_client.fine_tuning.jobs.list_events(job.id, after=first.data[-1].id, limit=3)
    assert [e.id for e in older.data] == [e.id for e in everything[7:10]]
    assert len({e.id for e in everything}) == len(everything)
    assert everything[0].message == "The job has successfully completed"
    assert everything[-1].message == f"Created fine-tuning job: {job.id}"
    assert [e.created_at for e in everything] == sorted((e.created_at for e in everything), reverse=True)
    assert sum(e.type == "metrics" for e in everything) == 30


def test_one_checkpoint_per_epoch_with_metrics(server, openai_client, upload_processed, ten_examples):
    file = upload_processed(openai_client, ten_examples)
    job = openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, method={
        "type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2, "batch_size": 2}}})
    server.advance(100)
    checkpoints = list(openai_client.fine_tuning.jobs.checkpoints.list(job.id))
    assert [c.step_number for c in checkpoints] == [10, 5]
    assert checkpoints[0].fine_tuned_model_checkpoint == f"ft:{BASE}:emulator::{job.id[-8:]}:ckpt-step-10"
    assert checkpoints[0].fine_tuning_job_id == job.id and checkpoints[0].metrics.train_loss > 0


def test_validation_file_adds_valid_and_full_valid_metrics(server, openai_client, upload_processed, ten_examples):
    train = upload_processed(openai_client, ten_examples)
    valid = upload_processed(openai_client, jsonl([example() for _ in range(3)]), "valid.jsonl")
    job = openai_client.fine_tuning.jobs.create(model=BASE, training_file=train.id, validation_file=valid.id)
    server.advance(100)
    steps = {e.data["step"]: e.data for e in openai_client.fine_tuning.jobs.list_events(job.id, limit=100) if e.type == "metrics"}
    assert "valid_loss" in steps[5] and "valid_loss" not in steps[4]
    assert "full_valid_loss" in steps[10] and "full_valid_loss" not in steps[5]
    checkpoint = openai_client.fine_tuning.jobs.checkpoints.list(job.id).data[0]
    assert checkpoint.metrics.full_valid_mean_token_accuracy is not None
    rows = list(csv.DictReader(io.StringIO(results_text(openai_client, openai_client.fine_tuning.jobs.retrieve(job.id).result_files[0]))))
    assert rows[4]["validation_mean_token_accuracy"] and not rows[3]["validation_mean_token_accuracy"]


def test_same_seed_gives_the_same_curve(server, openai_client, upload_processed, ten_examples):
    file = upload_processed(openai_client, ten_examples)
    jobs = [openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, seed=s) for s in (5, 5, 6)]
    server.advance(100)
    curves = [[e.data["train_loss"] for e in openai_client.fine_tuning.jobs.list_events(j.id, limit=100) if e.type == "metrics"] for j in jobs]
    assert curves[0] == curves[1] != curves[2]


def test_azure_job_pending_then_running_with_azure_names(server, azure_client, upload_processed, ten_examples):
    file = upload_processed(azure_client, ten_examples)
    job = azure_client.fine_tuning.jobs.create(model="gpt-4.1-2025-04-14", training_file=file.id, extra_body={"trainingType": "developerTier"})
    # [facts §1, §2] dated create: 201 + Location, status pending, -1 for defaults, method {type} only, no metadata
    assert job.http_status == 201 and job.http_headers["location"].endswith(f"/openai/fine_tuning/jobs/{job.id}?api-version=2025-04-01-preview")
    assert job.status == "pending" and job.hyperparameters == {"n_epochs": -1, "batch_size": -1, "learning_rate_multiplier": -1}
    assert job.method == {"type": "supervised"}
    for absent in ("metadata", "organization_id", "user_provided_suffix", "trainingType", "fine_tuned_model", "finished_at"):
        assert absent not in job
    server.advance(server.timing.validation_seconds)
    assert azure_client.fine_tuning.jobs.retrieve(job.id).status == "pending"  # [facts §2] the dated enum has no `queued`
    server.advance(server.timing.queue_seconds + 1.5)
    assert azure_client.fine_tuning.jobs.retrieve(job.id).status == "running"
    server.advance(100)
    done = azure_client.fine_tuning.jobs.retrieve(job.id)
    hex_id = job.id.removeprefix("ftjob-")
    assert done.status == "succeeded" and done.fine_tuned_model == f"gpt-4.1-2025-04-14.ft-{hex_id}"
    page = azure_client.fine_tuning.jobs.checkpoints.list(job.id)
    assert set(page.keys()) == {"object", "data", "has_more"}  # [facts §4] dated list: no first_id/last_id
    checkpoint = page.data[-1]  # [facts §4] dated: oldest first
    assert [c.step_number for c in page.data] == [10, 20, 30]
    assert checkpoint.fine_tuned_model_checkpoint == f"gpt-4.1-2025-04-14.ft-{hex_id}:ckpt-step-30"
    assert checkpoint.id.startswith("ftchkpt-")


def test_entra_token_and_azure_v1_clients_run_jobs_too(server, azure_ad_client, azure_v1_client, upload_processed, ten_examples):
    file = upload_processed(azure_ad_client, ten_examples)
    job = azure_ad_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, extra_body={"trainingType": "globalstandard"})
    assert job.status == "pending" and job.http_status == 201
    file = upload_processed(azure_v1_client, ten_examples)
    # [facts §1, §2] v1: 200, OpenAI's statuses and echo forms, metadata required in the answer
    job = azure_v1_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, metadata={"k": "v"})
    assert job.http_status == 200 and job.status == "validating_files" and job.metadata == {"k": "v"}
    assert job.hyperparameters.n_epochs == "auto" and job.method.supervised.hyperparameters.n_epochs == "auto"
    assert server.state.jobs_created == 2
    assert {r.style for r in server.state.requests_matching("POST", r"^/fine_tuning/jobs$")} == {"azure_dated", "azure_v1"}


def test_continuous_fine_tuning_from_a_model_this_emulator_produced(server, openai_client, azure_client, upload_processed, ten_examples):
    for client in (openai_client, azure_client):
        file = upload_processed(client, ten_examples)
        first = client.fine_tuning.jobs.create(model=BASE, training_file=file.id)
        with pytest.raises(openai.BadRequestError):  # not produced yet
            client.fine_tuning.jobs.create(model=f"ft:{BASE}:emulator::{first.id[-8:]}", training_file=file.id)
        server.advance(100)
        model = client.fine_tuning.jobs.retrieve(first.id).fine_tuned_model
        second = client.fine_tuning.jobs.create(model=model, training_file=file.id, suffix="v2")
        assert second.model == model
        server.advance(100)
        assert BASE in client.fine_tuning.jobs.retrieve(second.id).fine_tuned_model


@pytest.mark.parametrize(
    ("changes", "param", "code"),
    [
        ({"model": "gpt-3.5-turbo"}, "model", "model_not_available"),
        ({"suffix": "x" * 65}, "suffix", "invalid_suffix"),
        ({"training_file": "file-missing"}, "training_file", "invalid_file_id"),
        ({"method": {"type": "dpo", "dpo": {}}}, "method.type", "unsupported_method"),
        ({"hyperparameters": {"n_epochs": 0}}, "hyperparameters.n_epochs", None),
        ({"extra_body": {"trainingType": "standard"}}, "trainingType", "unknown_parameter"),  # Azure-only field on /v1
    ],
)
def test_create_refuses_bad_parameters(server, openai_client, upload_processed, ten_examples, changes, param, code):
    file = upload_processed(openai_client, ten_examples)
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.fine_tuning.jobs.create(**{"model": BASE, "training_file": file.id, **changes})
    assert err.value.status_code == 400
    assert (err.value.body["param"], err.value.body["code"]) == (param, code)
    assert set(err.value.body) == {"message", "type", "param", "code"}
    assert server.state.jobs_created == 0


def test_azure_refuses_an_unknown_training_type(azure_client, upload_processed, ten_examples):
    file = upload_processed(azure_client, ten_examples)
    with pytest.raises(openai.BadRequestError) as err:
        azure_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, extra_body={"trainingType": "Developer"})
    assert err.value.body == {"code": "invalidPayload", "message": err.value.body["message"], "target": "trainingType"}


def test_file_still_processing_or_wrong_purpose_is_refused(openai_client, ten_examples):
    file = openai_client.files.create(file=("train.jsonl", ten_examples), purpose="fine-tune")
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id)
    assert err.value.body["code"] == "file_not_ready"
    other = openai_client.files.create(file=("a.jsonl", ten_examples), purpose="batch")
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.fine_tuning.jobs.create(model=BASE, training_file=other.id)
    assert err.value.body["code"] == "invalid_file_purpose"


def test_list_jobs_pages_newest_first_and_filters_by_metadata(server, openai_client, upload_processed, ten_examples):
    file = upload_processed(openai_client, ten_examples)
    ids = []
    for i in range(5):
        ids.append(openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, metadata={"project": "p" if i % 2 else "q"}).id)
        server.advance(1)
    page = openai_client.fine_tuning.jobs.list(limit=2)
    assert [j.id for j in page.data] == ids[::-1][:2] and page.has_more
    assert [j.id for j in openai_client.fine_tuning.jobs.list(limit=2)] == ids[::-1]
    assert [j.id for j in openai_client.fine_tuning.jobs.list(metadata={"project": "p"})] == [ids[3], ids[1]]
    assert [j.metadata for j in openai_client.fine_tuning.jobs.list(limit=1).data] == [{"project": "q"}]


def test_unknown_job_is_not_found(openai_client):
    with pytest.raises(openai.NotFoundError) as err:
        openai_client.fine_tuning.jobs.retrieve("ftjob-nope")
    assert err.value.body["code"] == "fine_tune_not_found"
