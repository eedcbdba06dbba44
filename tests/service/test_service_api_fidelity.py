"""Issue 11: the service layer speaks each API style as its published spec says.

One test (or group) per defect of the issue, each against the strict emulator with strict SDK
clients (STUDIO_STRICT_SDK=1, tests/conftest.py). Facts cited as [facts §n] are in
/work/shared/reference/api-spec-facts.md.
"""

from __future__ import annotations

import base64
import os

import openai
import pytest
from PIL import Image

from studio.core.errors import ServiceError, StudioError
from studio.core.store.project_store import ProjectStore
from studio.emulator import EmulatorServer, ManualClock
from studio.service.credentials import Credentials
from studio.service.jobs.monitor import JobMonitor
from studio.service.jobs.training_metrics import parse_results_csv
from studio.service.model_names import base_model_of, parse_model_name
from studio.service.clients import list_fine_tuned_models, make_client
from studio.service.profile import ServiceProfile
from studio.service.styles import ApiStyle, job_create_kwargs, job_hyperparameters
from studio.service.submit.file_upload import upload_file
from studio.service.submit.params import InvalidParameter
from studio.service.submit.submission import submit

from service_helpers import fast_params

KEY = Credentials.from_key("emu-key")
BASE = "gpt-4o-2024-08-06"


def profiles(srv) -> dict[str, ServiceProfile]:
    return {
        "openai": ServiceProfile(kind="openai", endpoint=srv.base_url),
        "azure": ServiceProfile(kind="azure", endpoint=srv.azure_endpoint),
        "azure_v1": ServiceProfile(kind="azure_v1", endpoint=srv.azure_endpoint),
    }


def test_clients_validate_strictly_in_tests(emulator):
    """Every SDK client the studio builds here validates answers against the SDK's types."""
    assert os.environ.get("STUDIO_STRICT_SDK") == "1"
    for profile in profiles(emulator).values():
        assert make_client(profile, KEY)._strict_response_validation is True


# -- 1. per-style create body; -1 read back as "auto" -----------------------------------------------


@pytest.mark.parametrize("kind", ["openai", "azure", "azure_v1"])
def test_create_sends_only_what_the_style_defines(emulator, project_path, kind):
    """[facts §1] dated: no metadata, no method.supervised, numbers only at top level; others: metadata + "auto"."""
    profile = profiles(emulator)[kind]
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, KEY, fast_params(n_epochs=2, batch_size="auto"), poll_interval=0.02)
        token = store.jobs.list_submissions()[0].params["submission_token"]
        record = store.jobs.get_job(job_id)
    job = emulator.state.jobs[job_id]
    assert job.requested_hyperparameters == ({"n_epochs": 2} if kind == "azure" else
                                             {"n_epochs": 2, "batch_size": "auto", "learning_rate_multiplier": "auto"})
    assert job.metadata == (None if kind == "azure" else {"studio_submission": token})
    # read back: the dated API's -1 (not started yet) is "auto", like OpenAI's "auto"
    assert job_hyperparameters(record.raw) == {"n_epochs": 2, "batch_size": "auto", "learning_rate_multiplier": "auto"}
    if kind == "azure":
        assert record.raw["hyperparameters"]["batch_size"] == -1


def test_create_kwargs_per_style():
    hp = {"n_epochs": "auto", "batch_size": 4, "learning_rate_multiplier": "auto"}
    common = dict(model=BASE, training_file="file-1", validation_file=None, suffix=None, seed=None, hyperparameters=hp,
                  metadata={"studio_submission": "t"}, training_type="developerTier")
    dated = job_create_kwargs("azure", **common)
    assert dated == {"model": BASE, "training_file": "file-1", "method": {"type": "supervised"},
                     "hyperparameters": {"batch_size": 4}, "extra_body": {"trainingType": "developerTier"}}
    v1 = job_create_kwargs("azure_v1", **common)
    assert "extra_body" not in v1 and v1["metadata"] == {"studio_submission": "t"}
    assert v1["method"]["supervised"]["hyperparameters"] == hp


# -- 2. re-attach and de-duplicate without metadata -------------------------------------------------


def _forget_job(store, job_id: str, *, lose_file_id: bool) -> None:
    """As if the create answer was lost (and, optionally, the upload answer too)."""
    store.db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
    fields = "job_id = NULL, state = 'processed'" + (", training_file_id = NULL" if lose_file_id else "")
    store.db.execute(f"UPDATE submissions SET {fields}")
    store.db.commit() if hasattr(store.db, "commit") else None


@pytest.mark.parametrize("lose_file_id", [False, True])
def test_refresh_from_service_finds_dated_jobs_by_training_file(emulator, project_path, lose_file_id):
    """[facts §1] the dated API returns no metadata: the job is recognised by its training file."""
    profile = profiles(emulator)["azure"]
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, KEY, fast_params(), poll_interval=0.02)
        train_id = store.jobs.list_submissions()[0].training_file_id
        _forget_job(store, job_id, lose_file_id=lose_file_id)
        assert store.jobs.get_job(job_id) is None
        found = JobMonitor(store, profile, KEY).refresh_from_service()
        assert [j.id for j in found] == [job_id]
        sub = store.jobs.list_submissions()[0]
        assert (sub.job_id, sub.training_file_id) == (job_id, train_id)


def test_resumed_dated_submission_does_not_create_a_second_job(emulator, project_path):
    """A create whose answer was lost is found again (no metadata on the dated API) instead of repeated."""
    profile = profiles(emulator)["azure"]
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, KEY, fast_params(), poll_interval=0.02)
        _forget_job(store, job_id, lose_file_id=False)
        sub_id = store.jobs.list_submissions()[0].id
        assert submit(store, profile, KEY, submission_id=sub_id, poll_interval=0.02) == job_id
    assert emulator.state.jobs_created == 1


# -- 3. v1 has no /uploads --------------------------------------------------------------------------


def test_v1_sends_a_large_file_through_files_create(emulator, project_path):
    """[facts §5 /uploads] no /uploads on v1: above the chunk threshold the file still goes to files.create."""
    with ProjectStore.open(project_path) as store:
        submit(store, profiles(emulator)["azure_v1"], KEY, fast_params(chunk_threshold=1000), poll_interval=0.02)
    assert emulator.state.uploads_created == 0
    assert not emulator.state.requests_matching(path_pattern=r"^/uploads")
    assert len(emulator.state.requests_matching("POST", r"^/files$")) == 2 and emulator.state.jobs_created == 1


def test_v1_file_above_the_limit_says_to_use_the_dated_api(emulator, tmp_path):
    big = tmp_path / "train.jsonl"
    with open(big, "wb") as fh:  # sparse: 513 MB on paper, nothing on disk
        fh.truncate(513 * 1024 * 1024)
    client = make_client(profiles(emulator)["azure_v1"], KEY)
    with pytest.raises(ServiceError) as err:
        upload_file(client, big, "studio-x-train.jsonl", style=ApiStyle.AZURE_V1)
    assert "dated Azure API" in str(err.value) and "512 MB" in str(err.value)
    assert emulator.state.files_created == 0 and not emulator.state.requests_matching(path_pattern=r"^/uploads")


# -- 4. trainingType only on the dated API ----------------------------------------------------------


def test_training_type_is_refused_on_v1_before_anything_is_sent(emulator, project_path):
    with ProjectStore.open(project_path) as store:
        with pytest.raises(InvalidParameter) as err:
            submit(store, profiles(emulator)["azure_v1"], KEY, fast_params(training_type="developer"))
    assert "dated Azure API" in str(err.value)
    assert not emulator.state.requests


def test_standard_tier_on_v1_sends_no_training_type(emulator, project_path):
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profiles(emulator)["azure_v1"], KEY, fast_params(training_type="standard"), poll_interval=0.02)
    assert emulator.state.jobs[job_id].training_type is None


# -- 5. polling costs requests in proportion to the new events --------------------------------------


def _training_jsonl(n: int) -> bytes:
    import io
    import json

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (40, 160, 90)).save(buf, "PNG")
    url = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    line = lambda label: json.dumps({"messages": [  # noqa: E731
        {"role": "system", "content": "Classify the image: cat or dog."},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url, "detail": "low"}}]},
        {"role": "assistant", "content": label}]})
    return ("\n".join(line("cat" if i % 2 else "dog") for i in range(n)) + "\n").encode()


def _manual_job(srv, profile: ServiceProfile, n_examples: int = 10, hp: dict | None = None) -> str:
    """A job created straight through the SDK on a manual-clock emulator (the test moves time)."""
    raw = make_client(profile, KEY).with_raw_response
    file = raw.files.create(file=("studio-manual-train.jsonl", _training_jsonl(n_examples)), purpose="fine-tune").http_response.json()
    srv.advance(srv.timing.file_processing_seconds)
    body = job_create_kwargs(profile, model=BASE, training_file=file["id"], validation_file=None, suffix=None, seed=1,
                             hyperparameters=hp or {}, metadata=None, training_type=None)
    return raw.fine_tuning.jobs.create(**body).http_response.json()["id"]


def _long_job(srv, profile: ServiceProfile) -> str:
    """A job of 2,000 training steps (2,000+ events): 40 examples x 50 epochs, batch size 1."""
    return _manual_job(srv, profile, 40, {"n_epochs": 50, "batch_size": 1})


@pytest.mark.parametrize("kind", ["openai", "azure", "azure_v1"])
def test_polling_a_2000_event_job_costs_requests_in_proportion_to_new_events(tmp_path, project_path, kind):
    """[facts §3] dated events come oldest first: polls page forward from the last one recorded."""
    with EmulatorServer(clock=ManualClock(), step_seconds=1.0, api_keys=["emu-key"]) as srv:
        profile = profiles(srv)[kind]
        job_id = _long_job(srv, profile)
        t = srv.timing
        with ProjectStore.open(project_path) as store:
            monitor = JobMonitor(store, profile, KEY)

            def events_requests(poll_after: float) -> int:
                srv.advance(poll_after)
                before = len(srv.state.requests_matching("GET", r"/events$"))
                monitor.poll(job_id)
                return len(srv.state.requests_matching("GET", r"/events$")) - before

            assert events_requests(t.validation_seconds + t.queue_seconds + 1000 * t.step_seconds) >= 10
            assert events_requests(0) == 1  # nothing new: one request
            assert events_requests(30 * t.step_seconds) == 1  # 30 new events: one page
            assert events_requests(250 * t.step_seconds) <= 4  # 250 new: three pages (+ the empty end)
            assert events_requests(2000 * t.step_seconds) >= 8  # the rest of the job
            assert events_requests(0) == 1
            # a monitor started later (after a restart) continues from the stored events
            later = JobMonitor(store, profile, KEY)
            before = len(srv.state.requests_matching("GET", r"/events$"))
            later.poll(job_id)
            assert len(srv.state.requests_matching("GET", r"/events$")) - before == 1
            events = store.jobs.events(job_id)
            assert len(events) == len({e.id for e in events}) > 2000
            assert store.jobs.get_job(job_id).status == "succeeded"


# -- 6. statuses, event levels, error bodies and messages ------------------------------------------


def test_dated_warnings_are_stored_as_warn_and_statuses_are_kept(emulator, tmp_path):
    """[facts §3 level] the dated `warning` and OpenAI's `warn` are one level in the project."""
    from service_helpers import make_labeled_project

    project = make_labeled_project(tmp_path / "p", magenta=("dog_03.png",))
    profile = profiles(emulator)["azure"]
    with ProjectStore.open(project) as store:
        job_id = submit(store, profile, KEY, fast_params(), poll_interval=0.02)
        statuses = []
        JobMonitor(store, profile, KEY).watch(job_id, lambda s: statuses.append(s.status), interval=0.02)
        levels = {e.level for e in store.jobs.events(job_id)}
    assert "warn" in levels and "warning" not in levels
    assert statuses[-1] == "succeeded" and "queued" not in statuses and "validating_files" not in statuses


@pytest.mark.parametrize("kind", ["openai", "azure", "azure_v1"])
def test_refusals_name_the_problem_and_what_to_do_on_every_style(emulator, project_path, kind):
    """[facts §7] each style's error body is read; the message quotes the service and says what to do."""
    with ProjectStore.open(project_path) as store:
        with pytest.raises(StudioError) as err:
            submit(store, profiles(emulator)[kind], KEY, fast_params(model="gpt-3.5-turbo"), poll_interval=0.02)
    text = str(err.value)
    assert "gpt-3.5-turbo is not available for fine-tuning" in text
    assert "(field: model)" in text and "Choose a base model" in text


def test_pause_refused_before_the_first_step_says_to_wait(project_path):
    """[facts §6, §7] dated `unexpectedEntityState`: the message says what happened and what to do."""
    with EmulatorServer(clock=ManualClock(), step_seconds=1.0, api_keys=["emu-key"]) as srv:
        profile = profiles(srv)["azure"]
        job_id = _manual_job(srv, profile)
        with ProjectStore.open(project_path) as store:
            monitor = JobMonitor(store, profile, KEY)
            with pytest.raises(ServiceError) as err:
                monitor.pause(job_id)
            assert "is pending; only a running job can be paused" in str(err.value)
            srv.advance(srv.timing.validation_seconds + srv.timing.queue_seconds + 0.5)
            with pytest.raises(ServiceError) as err:
                monitor.pause(job_id)
            assert "first training step" in str(err.value) and "try again" in str(err.value)
            srv.advance(1)
            assert monitor.pause(job_id).status == "paused"
            assert monitor.resume(job_id).status == "resuming"  # [facts §6] dated answer to a resume


# -- 7. results file plain or base64 ----------------------------------------------------------------


def test_results_csv_is_read_plain_or_base64():
    """[facts §5 results] documented columns, with or without base64 encoding and a BOM."""
    csv_text = ("step,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy,"
                "full_valid_loss,full_valid_mean_token_accuracy\n1,0.9,0.5,,,,\n2,0.5,0.7,0.6,0.65,0.61,0.66\n")
    plain = parse_results_csv(csv_text.encode())
    assert parse_results_csv(base64.b64encode(csv_text.encode())) == plain
    assert parse_results_csv(b"\xef\xbb\xbf" + csv_text.encode()) == plain
    encoded_lines = base64.encodebytes(csv_text.encode())  # wrapped at 76 columns
    assert parse_results_csv(encoded_lines) == plain
    assert [p.step for p in plain] == [1, 2]
    assert (plain[1].valid_accuracy, plain[1].full_valid_loss, plain[1].full_valid_accuracy) == (0.65, 0.61, 0.66)


# -- 8. model names of both families ----------------------------------------------------------------


def test_model_names_of_both_families():
    assert parse_model_name(f"ft:{BASE}:org:pets:abc123").base == BASE
    assert parse_model_name(f"ft:{BASE}:org::abc123").suffix is None
    azure = parse_model_name("gpt-4.1-2025-04-14.ft-b044a9d3cf9c4228b5d393567f693b83")
    assert (azure.base, azure.family) == ("gpt-4.1-2025-04-14", "azure")
    assert parse_model_name("gpt-4.1-2025-04-14.ft-b044a9d3cf9c4228b5d393567f693b83:ckpt-step-30").checkpoint_step == 30
    assert base_model_of(f"ft:{BASE}:org:pets:abc123:ckpt-step-10") == BASE
    assert not parse_model_name(BASE).fine_tuned


@pytest.mark.parametrize("kind", ["openai", "azure", "azure_v1"])
def test_continuous_fine_tuning_lists_the_original_base(emulator, project_path, kind):
    """[facts §2] `ft:<base>:...` and `<base>.ft-<hex>`: a model tuned from a tuned model still names its base."""
    profile = profiles(emulator)[kind]
    with ProjectStore.open(project_path) as store:
        first = submit(store, profile, KEY, fast_params(), poll_interval=0.02)
        JobMonitor(store, profile, KEY).watch(first, lambda s: None, interval=0.02)
        tuned = store.jobs.get_job(first).fine_tuned_model
        assert (".ft-" in tuned) == (kind != "openai")
        second = submit(store, profile, KEY, fast_params(model=tuned), poll_interval=0.02)
        JobMonitor(store, profile, KEY).watch(second, lambda s: None, interval=0.02)
        retuned = store.jobs.get_job(second).fine_tuned_model
    models = {m.model_id: m for m in list_fine_tuned_models(profile, KEY)}
    assert models[tuned].base_model == models[retuned].base_model == BASE
    assert list(models)[0] == retuned  # newest first


@pytest.mark.parametrize(("kind", "expected"), [
    ("azure", ["waiting to be checked", "being checked"]),  # [facts §5] Azure: pending -> running -> processed
    ("openai", ["uploaded, waiting to be checked"]),  # OAI: uploaded -> processed
])
def test_file_statuses_read_as_words_while_the_service_checks_the_upload(tmp_path, kind, expected):
    from studio.service.submit.file_upload import wait_until_processed

    with EmulatorServer(step_seconds=0.1, api_keys=["emu-key"]) as srv:
        profile = profiles(srv)[kind]
        client = make_client(profile, KEY)
        path = tmp_path / "train.jsonl"
        path.write_bytes(_training_jsonl(10))
        style = ApiStyle.AZURE_DATED if kind == "azure" else ApiStyle.OPENAI
        file_id = upload_file(client, path, "studio-t-train.jsonl", style=style)
        messages: list[str] = []
        wait_until_processed(client, file_id, "train.jsonl", poll_interval=0.01,
                             progress=lambda done, total, text: messages.append(text))
    seen = [m for m in messages if "Waiting for the service" in m]
    for words in expected:
        assert any(f"({words})" in m for m in seen), seen
