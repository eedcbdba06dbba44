"""Job bookkeeping in a real project file: merges, dedupe, filters, and skip marks on images."""

from pathlib import Path

from PIL import Image

from studio.core.store import job_records as jr
from studio.core.models import ImageFilter
from studio.core.store.project_store import ProjectStore


def make_store(tmp_path: Path, n: int = 3) -> ProjectStore:
    root = tmp_path / "imgs"
    root.mkdir()
    for i in range(n):
        Image.new("RGB", (8, 8), (i * 40, 0, 0)).save(root / f"{i}.png")
    store = ProjectStore.create(tmp_path / "p.studio", [root])
    from studio.core.store.project_store import FileRecord

    store.upsert_files(store.roots()[0].id, [FileRecord(f"{i}.png", 10, 1, None) for i in range(n)])
    return store


def test_submission_steps_are_recorded_and_read_back(tmp_path):
    store = make_store(tmp_path)
    sid = jr.create_submission(store, {"kind": "demo"}, {"model": "gpt-4o-2024-08-06"})
    jr.update_submission(store, sid, state="exported", export_dir="/tmp/x")
    jr.update_submission(store, sid, state="uploaded", training_file_id="file-1")
    sub = jr.get_submission(store, sid)
    assert (sub.state, sub.export_dir, sub.training_file_id, sub.job_id) == ("uploaded", "/tmp/x", "file-1", None)
    assert [s.id for s in jr.list_submissions(store, unfinished_only=True)] == [sid]
    jr.update_submission(store, sid, state="created", job_id="ftjob-1")
    assert jr.list_submissions(store, unfinished_only=True) == []
    # survives reopening the file
    store.close()
    again = ProjectStore.open(tmp_path / "p.studio")
    assert jr.get_submission(again, sid).job_id == "ftjob-1"


def test_job_upsert_keeps_known_values_and_follows_status(tmp_path):
    store = make_store(tmp_path)
    jr.upsert_job(store, "ftjob-1", status="validating_files", profile={"kind": "demo"}, submission_id=None,
                  base_model="gpt-4o-2024-08-06", created_at=100.0)
    jr.upsert_job(store, "ftjob-2", status="running", created_at=200.0)
    jr.upsert_job(store, "ftjob-1", status="failed", error={"message": "boom"}, finished_at=160.0)
    job = jr.get_job(store, "ftjob-1")
    assert (job.status, job.base_model, job.profile, job.error["message"]) == ("failed", "gpt-4o-2024-08-06", {"kind": "demo"}, "boom")
    assert job.terminal and job.duration == 60.0
    assert [j.id for j in jr.list_jobs(store)] == ["ftjob-2", "ftjob-1"]
    assert [j.id for j in jr.list_jobs(store, active_only=True)] == ["ftjob-2"]


def test_events_dedupe_and_level_filter(tmp_path):
    store = make_store(tmp_path)
    jr.upsert_job(store, "j", status="running")
    ev = [jr.JobEvent(f"e{i}", "j", float(i), "warn" if i == 2 else "info", "message", f"m{i}") for i in range(4)]
    assert jr.add_events(store, ev[:3]) == 3
    assert jr.add_events(store, ev) == 1
    assert [e.id for e in jr.events(store, "j")] == ["e0", "e1", "e2", "e3"]
    assert [e.id for e in jr.events(store, "j", levels={"warn", "error"})] == ["e2"]
    assert [e.id for e in jr.events(store, "j", newest_first=True, limit=2)] == ["e3", "e2"]
    assert jr.known_event_ids(store, "j") == {"e0", "e1", "e2", "e3"}


def test_metrics_from_events_and_csv_merge_per_step(tmp_path):
    store = make_store(tmp_path)
    jr.upsert_job(store, "j", status="running")
    jr.add_metrics(store, "j", [jr.MetricPoint(1, train_loss=1.0, total_steps=4), jr.MetricPoint(2, train_loss=0.8)])
    jr.add_metrics(store, "j", [jr.MetricPoint(2, valid_loss=0.9, full_valid_accuracy=0.5), jr.MetricPoint(3, train_loss=0.5)])
    pts = {p.step: p for p in jr.metrics(store, "j")}
    assert pts[2].train_loss == 0.8 and pts[2].valid_loss == 0.9 and pts[2].full_valid_accuracy == 0.5
    assert pts[1].total_steps == 4
    assert jr.metric_series(store, "j", "train_loss") == [(1, 1.0), (2, 0.8), (3, 0.5)]
    assert jr.metric_series(store, "j", "valid_loss") == [(2, 0.9)]


def test_service_skips_mark_images_and_can_be_cleared(tmp_path):
    store = make_store(tmp_path)
    ids = store.image_ids()
    jr.record_service_skips(store, "j", [(ids[0], "contains people", 1), (ids[2], "image too large", 3)])
    assert store.image(ids[0]).service_skip == "contains people"
    assert store.image_ids(ImageFilter(service_skipped=True)) == [ids[0], ids[2]]
    assert [(s.image_id, s.reason) for s in jr.service_skips(store, "j")] == [(ids[0], "contains people"), (ids[2], "image too large")]
    jr.clear_service_skip(store, [ids[0]])
    assert store.image(ids[0]).service_skip is None
    assert len(jr.image_service_skips(store, ids[0])) == 1
