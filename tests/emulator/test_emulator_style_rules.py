"""The emulator answers each URL style as its published spec says (issue 11), through the real SDK.

Each test names the fact it pins in /work/shared/reference/api-spec-facts.md as [facts §n].
OpenAI-style answers go through the SDK's own types with strict validation; Azure answers are read
as JSON (see wire_client) because the SDK's OpenAI types cannot hold Azure's documented values.
"""

from __future__ import annotations

import openai
import pytest
from emulator_test_data import MAGENTA, example, image_data_uri, jsonl

BASE = "gpt-4o-2024-08-06"


@pytest.fixture
def warned_examples() -> bytes:
    """12 usable examples and one the service skips (people/faces): the job warns, then trains."""
    return jsonl([example() for _ in range(12)] + [example([image_data_uri(MAGENTA)])])


def _job(server, client, upload_processed, data, **kwargs):
    file = upload_processed(client, data)
    return client.fine_tuning.jobs.create(model=BASE, training_file=file.id, **kwargs)


# -- job create: body keys, hyperparameters, echo forms ---------------------------------------------


def test_dated_create_refuses_metadata_with_the_dated_error_body(server, azure_client, upload_processed, ten_examples):
    """[facts §1] FineTuningJobCreation defines no metadata; [facts §7] dated error body {code, message, target}."""
    file = upload_processed(azure_client, ten_examples)
    with pytest.raises(openai.BadRequestError) as err:
        azure_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, metadata={"studio": "x"})
    assert err.value.body == {"code": "invalidPayload", "message": "Unrecognized request argument supplied: metadata",
                              "target": "metadata"}
    assert server.state.jobs_created == 0


@pytest.mark.parametrize("method", [
    {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 2}}},
    {"type": "supervised", "supervised": {}},
])
def test_dated_create_refuses_a_supervised_sub_object(server, azure_client, upload_processed, ten_examples, method):
    """[facts §1 method] the dated SupervisedMethodRequest defines only `type`."""
    file = upload_processed(azure_client, ten_examples)
    with pytest.raises(openai.BadRequestError) as err:
        azure_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, method=method)
    assert err.value.body["target"] == "method.supervised" and "top-level 'hyperparameters'" in err.value.body["message"]


def test_dated_hyperparameters_are_numbers_only_and_auto_echoes_minus_one(server, azure_client, upload_processed, ten_examples):
    """[facts §1 hyperparameter types, "auto" echo] numbers only; a key left out is echoed as -1."""
    file = upload_processed(azure_client, ten_examples)
    with pytest.raises(openai.BadRequestError) as err:
        azure_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, hyperparameters={"n_epochs": "auto"})
    assert err.value.body["target"] == "hyperparameters.n_epochs" and "numbers only" in err.value.body["message"]
    job = azure_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, method={"type": "supervised"},
                                               hyperparameters={"n_epochs": 2})
    assert job.hyperparameters == {"n_epochs": 2, "batch_size": -1, "learning_rate_multiplier": -1}
    assert job.method == {"type": "supervised"}


def test_openai_style_echoes_auto_and_metadata(server, openai_client, upload_processed, ten_examples):
    """[facts §1, §2] OAI: "auto" until resolved, metadata and user_provided_suffix echoed (strict SDK types)."""
    job = _job(server, openai_client, upload_processed, ten_examples, suffix="pets", metadata={"studio_submission": "t"},
               method={"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": "auto", "batch_size": 1}}})
    assert job.hyperparameters.n_epochs == "auto" and job.hyperparameters.batch_size == 1
    assert job.metadata == {"studio_submission": "t"} and job.user_provided_suffix == "pets"
    assert job.method.supervised.hyperparameters.n_epochs == "auto"


def test_openai_refuses_minus_one(server, openai_client, upload_processed, ten_examples):
    """[facts §1] OAI n_epochs is "auto" or 1..50: -1 is the dated API's echo, not an OpenAI value."""
    file = upload_processed(openai_client, ten_examples)
    with pytest.raises(openai.BadRequestError):
        openai_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, hyperparameters={"n_epochs": -1})


def test_v1_refuses_training_type_with_the_v1_error_body(server, azure_v1_client, upload_processed, ten_examples):
    """[facts §1] trainingType is not in the v1 schema; [facts §7] v1 body {code, message, param, type: "error"}."""
    file = upload_processed(azure_v1_client, ten_examples)
    with pytest.raises(openai.BadRequestError) as err:
        azure_v1_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, extra_body={"trainingType": "globalstandard"})
    assert err.value.body == {"code": "unknown_parameter", "message": "Unrecognized request argument supplied: trainingType",
                              "param": "trainingType", "type": "error"}


def test_dated_suffix_is_at_most_40_characters(server, azure_client, upload_processed, ten_examples):
    """[facts §1 suffix] dated: up to 40 characters of a-z, A-Z, 0-9, - and _."""
    file = upload_processed(azure_client, ten_examples)
    with pytest.raises(openai.BadRequestError):
        azure_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, suffix="x" * 41)
    assert azure_client.fine_tuning.jobs.create(model=BASE, training_file=file.id, suffix="x" * 40).suffix == "x" * 40


# -- statuses ---------------------------------------------------------------------------------------


def _until_running(server, steps: float = 1.5) -> None:
    t = server.timing
    server.advance(t.validation_seconds + t.queue_seconds + steps * t.step_seconds)


@pytest.mark.parametrize("style", ["openai", "azure_v1"])
def test_resume_answers_queued_on_openai_and_v1(server, openai_json, azure_v1_client, upload_processed, ten_examples, style):
    """[facts §6 status after resume] OAI example: `queued` (AZ1: INFER the same), then running again."""
    client = openai_json if style == "openai" else azure_v1_client
    job = _job(server, client, upload_processed, ten_examples)
    _until_running(server)
    assert client.fine_tuning.jobs.pause(job.id).status == "paused"
    assert client.fine_tuning.jobs.resume(job.id).status == "queued"
    server.advance(server.timing.step_seconds)
    assert client.fine_tuning.jobs.retrieve(job.id).status == "running"


def test_azure_pause_needs_one_trained_step(server, azure_client, upload_processed, ten_examples):
    """[facts §6 when pause is allowed] MSDOC: only after one step, in Running state."""
    job = _job(server, azure_client, upload_processed, ten_examples)
    _until_running(server, steps=0.5)
    with pytest.raises(openai.BadRequestError) as err:
        azure_client.fine_tuning.jobs.pause(job.id)
    assert err.value.body["code"] == "unexpectedEntityState"
    server.advance(server.timing.step_seconds)
    assert azure_client.fine_tuning.jobs.pause(job.id).status == "paused"


def test_dated_delete_job_answers_204_and_other_styles_have_no_such_path(server, azure_client, openai_client, upload_processed, ten_examples):
    """[facts §6] DELETE /fine_tuning/jobs/{id}: dated only, 204."""
    job = _job(server, azure_client, upload_processed, ten_examples)
    with pytest.raises(openai.BadRequestError):  # still active
        azure_client.sdk.delete(f"/fine_tuning/jobs/{job.id}", cast_to=object)
    server.advance(200)
    assert azure_client.sdk.delete(f"/fine_tuning/jobs/{job.id}", cast_to=bytes) == b""
    assert [r.status for r in server.state.requests_matching("DELETE")][-1] == 204
    with pytest.raises(openai.NotFoundError):
        azure_client.fine_tuning.jobs.retrieve(job.id)
    with pytest.raises(openai.NotFoundError):
        openai_client.delete("/fine_tuning/jobs/ftjob-x", cast_to=object)


# -- events and checkpoints -------------------------------------------------------------------------


def test_event_order_and_warning_level_per_style(server, openai_client, azure_client, azure_v1_client, upload_processed, warned_examples):
    """[facts §3] OAI/AZ1 newest first with level `warn`; dated oldest first with `warning`."""
    jobs = {name: _job(server, c, upload_processed, warned_examples) for name, c in
            (("openai", openai_client), ("azure_dated", azure_client), ("azure_v1", azure_v1_client))}
    server.advance(200)
    oai = list(openai_client.fine_tuning.jobs.list_events(jobs["openai"].id, limit=100))
    dated = list(azure_client.fine_tuning.jobs.list_events(jobs["azure_dated"].id, limit=100))
    v1 = list(azure_v1_client.fine_tuning.jobs.list_events(jobs["azure_v1"].id, limit=100))
    assert [e.created_at for e in oai] == sorted((e.created_at for e in oai), reverse=True)
    assert [e.created_at for e in v1] == sorted((e.created_at for e in v1), reverse=True)
    assert [e.created_at for e in dated] == sorted(e.created_at for e in dated)
    assert {e.level for e in oai} >= {"warn"} and "warning" not in {e.level for e in oai}
    assert {e.level for e in v1} >= {"warn"} and "warning" not in {e.level for e in v1}
    assert {e.level for e in dated} >= {"warning"} and "warn" not in {e.level for e in dated}
    # [facts §3 after] continues in list order: on the dated API, after the last event there is nothing newer
    assert azure_client.fine_tuning.jobs.list_events(jobs["azure_dated"].id, after=dated[-1].id).data == []
    page = azure_client.fine_tuning.jobs.list_events(jobs["azure_dated"].id, after=dated[2].id, limit=2)
    assert [e.id for e in page.data] == [e.id for e in dated[3:5]]


def test_checkpoint_lists_per_style(server, openai_client, azure_client, upload_processed, ten_examples):
    """[facts §4] OAI newest first with first_id/last_id; dated oldest first, object/data/has_more only."""
    oai = _job(server, openai_client, upload_processed, ten_examples)
    dated = _job(server, azure_client, upload_processed, ten_examples)
    server.advance(200)
    page = openai_client.fine_tuning.jobs.checkpoints.list(oai.id)
    assert [c.step_number for c in page.data] == [30, 20, 10]
    raw = openai_client.fine_tuning.jobs.checkpoints.with_raw_response.list(oai.id).http_response.json()
    assert (raw["first_id"], raw["last_id"]) == (page.data[0].id, page.data[-1].id)
    dated_page = azure_client.fine_tuning.jobs.checkpoints.list(dated.id)
    assert [c.step_number for c in dated_page.data] == [10, 20, 30] and set(dated_page.keys()) == {"object", "data", "has_more"}


# -- files ------------------------------------------------------------------------------------------


def test_file_create_status_codes_and_statuses_per_style(server, openai_client, azure_client, azure_v1_client, ten_examples):
    """[facts §5] POST /files: 201 + Location on dated, 200 elsewhere; OAI uploaded, Azure pending -> running -> processed."""
    oai = openai_client.files.with_raw_response.create(file=("t.jsonl", ten_examples), purpose="fine-tune")
    assert oai.status_code == 200 and oai.http_response.json()["status"] == "uploaded"
    dated = azure_client.files.create(file=("t.jsonl", ten_examples), purpose="fine-tune")
    assert dated.http_status == 201 and dated.http_headers["location"].endswith(f"/openai/files/{dated.id}?api-version=2025-04-01-preview")
    v1 = azure_v1_client.files.create(file=("t.jsonl", ten_examples), purpose="fine-tune")
    assert v1.http_status == 200
    assert (dated.status, v1.status) == ("pending", "pending")
    assert "status_details" not in dated and "expires_at" not in dated  # [facts §5] dated examples omit absent values
    server.advance(server.timing.file_processing_seconds * 0.6)
    assert azure_client.files.retrieve(dated.id).status == "running"
    server.advance(server.timing.file_processing_seconds)
    assert {azure_client.files.retrieve(dated.id).status, azure_v1_client.files.retrieve(v1.id).status} == {"processed"}


@pytest.mark.parametrize(("style", "purpose"), [("azure_dated", "vision"), ("azure_v1", "user_data"), ("openai", "fine-tune-results")])
def test_upload_purposes_per_style(openai_client, azure_client, azure_v1_client, ten_examples, style, purpose):
    """[facts §5 upload purposes] each style's purpose list."""
    client = {"openai": openai_client, "azure_dated": azure_client, "azure_v1": azure_v1_client}[style]
    with pytest.raises(openai.BadRequestError):
        client.files.create(file=("t.jsonl", ten_examples), purpose=purpose)


def test_file_lists_per_style(server, openai_client, azure_client, azure_v1_client, ten_examples):
    """[facts §5 list files] dated: object+data only; v1: purpose is the only query parameter."""
    azure_client.files.create(file=("t.jsonl", ten_examples), purpose="fine-tune")
    dated = azure_client.files.list(purpose="fine-tune", limit=5, order="desc")
    assert set(dated.keys()) == {"object", "data"} and len(dated.data) == 1
    assert len(azure_v1_client.files.list(purpose="fine-tune").data) == 1
    with pytest.raises(openai.BadRequestError) as err:
        azure_v1_client.files.list(purpose="fine-tune", limit=5)
    assert err.value.body["param"] == "limit"


def test_files_import_exists_only_on_the_dated_api(server, azure_client, azure_v1_client, openai_client):
    """[facts §5 /files/import] dated only: 201, status pending."""
    import base64

    body = {"purpose": "fine-tune", "filename": "t.jsonl",
            "content_url": "data:application/jsonl;base64," + base64.b64encode(jsonl([example() for _ in range(10)])).decode()}
    imported = azure_client.sdk.post("/files/import", body=body, cast_to=object)
    assert imported["status"] == "pending" and server.state.requests_matching("POST", "^/files/import$")[-1].status == 201
    for client in (azure_v1_client.sdk, openai_client):
        with pytest.raises(openai.NotFoundError):
            client.post("/files/import", body=body, cast_to=object)


# -- error bodies -----------------------------------------------------------------------------------


def test_not_found_bodies_per_style(openai_client, azure_client, azure_v1_client):
    """[facts §7] the same refusal in each style's error body."""
    with pytest.raises(openai.NotFoundError) as oai:
        openai_client.fine_tuning.jobs.retrieve("ftjob-none")
    with pytest.raises(openai.NotFoundError) as dated:
        azure_client.fine_tuning.jobs.retrieve("ftjob-none")
    with pytest.raises(openai.NotFoundError) as v1:
        azure_v1_client.fine_tuning.jobs.retrieve("ftjob-none")
    assert set(oai.value.body) == {"message", "type", "param", "code"}
    assert dated.value.body["code"] == "notFound" and set(dated.value.body) == {"code", "message", "target"}
    assert v1.value.body["type"] == "error" and v1.value.body["code"] == "fine_tune_not_found"
