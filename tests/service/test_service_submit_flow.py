"""A labeled project goes to a succeeded job on every client path, with everything recorded."""

import pytest

from studio.core.models import ImageFilter
from studio.core.store.project_store import ProjectStore
from studio.service.credentials import Credentials
from studio.service.jobs import monitor as job_monitor
from studio.service.jobs.monitor import JobMonitor
from studio.service.profile import ServiceProfile
from studio.service.submit.submission import submit

from service_helpers import fast_params, make_labeled_project


def client_paths(srv):
    key = Credentials.from_key("emu-key")
    token = Credentials(token_provider=lambda: "tok", source="entra")
    return {
        "openai": (ServiceProfile(kind="openai", endpoint=srv.base_url), key, "openai"),
        "azure-key": (ServiceProfile(kind="azure", endpoint=srv.azure_endpoint), key, "azure_dated"),
        "azure-entra": (ServiceProfile(kind="azure", endpoint=srv.azure_endpoint, auth="entra"), token, "azure_dated"),
        "azure-v1": (ServiceProfile(kind="azure_v1", endpoint=srv.azure_endpoint), key, "azure_v1"),
    }


@pytest.mark.parametrize("path", ["openai", "azure-key", "azure-entra", "azure-v1"])
def test_submit_and_monitor_until_succeeded(path, tmp_path, emulator, monkeypatch):
    monkeypatch.setattr(job_monitor, "EVENT_PAGE", 3)  # force paging through events on every poll
    project = make_labeled_project(tmp_path / "p", magenta=("dog_03.png",))
    profile, creds, style = client_paths(emulator)[path]
    warnings = []
    with ProjectStore.open(project) as store:
        job_id = submit(store, profile, creds, fast_params(suffix="pets"), poll_interval=0.02, warn=warnings.append)
        assert any("50" in w for w in warnings)  # the "label more images" warning reached the caller
        sub = store.jobs.list_submissions()[0]
        assert (sub.state, sub.job_id) == ("created", job_id)
        assert (tmp_path / "p" / "project.exports").is_dir() and sub.export_dir.startswith(str(tmp_path / "p" / "project.exports"))

        updates = []
        final = JobMonitor(store, profile, creds).watch(job_id, updates.append, interval=0.02)
        assert final.status == "succeeded" and final.job.fine_tuned_model
        assert final.job.trained_tokens and final.job.trained_tokens > 0
        assert all(not u.reconnecting for u in updates)

        # events: each stored once, in order, with the service's messages
        events = store.jobs.events(job_id)
        assert len({e.id for e in events}) == len(events) == sum(len(u.new_events) for u in updates)
        assert any(e.type == "metrics" for e in events)
        # metrics: one point per step up to the total, validation values present somewhere
        points = store.jobs.metrics(job_id)
        assert [p.step for p in points] == list(range(1, points[-1].total_steps + 1))
        assert store.jobs.metric_series(job_id, "valid_accuracy")
        assert final.step == final.total_steps
        # the results CSV alone restores the whole series (events are known, so they add nothing)
        store.db.execute("DELETE FROM job_metrics WHERE job_id = ?", (job_id,))
        again = JobMonitor(store, profile, creds).poll(job_id)
        assert again.new_events == [] and [p.step for p in store.jobs.metrics(job_id)] == [p.step for p in points]
        assert store.jobs.metric_series(job_id, "valid_accuracy")
        # checkpoints: one per epoch (2), each with a model id
        ckpts = store.jobs.checkpoints(job_id)
        assert len(ckpts) == 2 and all(c.model_id for c in ckpts)
        # the magenta image was skipped by the service and is marked on the image
        skipped = store.image_ids(ImageFilter(service_skipped=True))
        assert [store.image(i).rel_path for i in skipped] == ["dog_03.png"]
        assert "people" in store.image(skipped[0]).service_skip

    styles = {r.style for r in emulator.state.requests if r.style}
    assert styles == {style}
    assert emulator.state.jobs_created == 1


def test_training_type_and_hyperparameters_reach_the_service(tmp_path, emulator, project_path):
    profile, creds, _ = client_paths(emulator)["azure-key"]
    with ProjectStore.open(project_path) as store:
        job_id = submit(store, profile, creds, fast_params(training_type="developer", batch_size=2,
                                                          learning_rate_multiplier=0.5, seed=9),
                        poll_interval=0.02)
        raw = store.jobs.get_job(job_id).raw
    assert emulator.state.jobs[job_id].training_type == "developerTier"
    # [facts §2] the dated job object echoes no trainingType, method {type} only, hyperparameters at top level
    assert "trainingType" not in raw and raw["method"] == {"type": "supervised"}
    hp = raw["hyperparameters"]
    assert (hp["n_epochs"], hp["batch_size"], hp["learning_rate_multiplier"], raw["seed"]) == (2, 2, 0.5, 9)


def test_large_files_go_through_the_uploads_api(tmp_path, emulator, project_path):
    profile, creds, _ = client_paths(emulator)["openai"]
    with ProjectStore.open(project_path) as store:
        submit(store, profile, creds, fast_params(chunk_threshold=1000, part_size=4096), poll_interval=0.02)
    assert emulator.state.uploads_created == 2
    assert any(r.resource_path and r.resource_path.endswith("/parts") for r in emulator.state.requests)
    assert not any(r.method == "POST" and r.resource_path == "/files" for r in emulator.state.requests)
