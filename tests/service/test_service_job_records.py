"""Job bookkeeping in a real project file: merges, dedupe, filters, and skip marks on images."""

import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from studio.core.store import job_records as jr
from studio.core.errors import ProjectOpenError, ProjectReadOnlyError
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
    sid = store.jobs.create_submission({"kind": "demo"}, {"model": "gpt-4o-2024-08-06"})
    store.jobs.update_submission(sid, state="exported", export_dir="/tmp/x")
    store.jobs.update_submission(sid, state="uploaded", training_file_id="file-1")
    sub = store.jobs.get_submission(sid)
    assert (sub.state, sub.export_dir, sub.training_file_id, sub.job_id) == ("uploaded", "/tmp/x", "file-1", None)
    assert [s.id for s in store.jobs.list_submissions(unfinished_only=True)] == [sid]
    store.jobs.update_submission(sid, state="created", job_id="ftjob-1")
    assert store.jobs.list_submissions(unfinished_only=True) == []
    # survives reopening the file
    store.close()
    again = ProjectStore.open(tmp_path / "p.studio")
    assert again.jobs.get_submission(sid).job_id == "ftjob-1"


def test_job_upsert_keeps_known_values_and_follows_status(tmp_path):
    store = make_store(tmp_path)
    store.jobs.upsert_job("ftjob-1", status="validating_files", profile={"kind": "demo"}, submission_id=None,
                  base_model="gpt-4o-2024-08-06", created_at=100.0)
    store.jobs.upsert_job("ftjob-2", status="running", created_at=200.0)
    store.jobs.upsert_job("ftjob-1", status="failed", error={"message": "boom"}, finished_at=160.0)
    job = store.jobs.get_job("ftjob-1")
    assert (job.status, job.base_model, job.profile, job.error["message"]) == ("failed", "gpt-4o-2024-08-06", {"kind": "demo"}, "boom")
    assert job.terminal and job.duration == 60.0
    assert [j.id for j in store.jobs.list_jobs()] == ["ftjob-2", "ftjob-1"]
    assert [j.id for j in store.jobs.list_jobs(active_only=True)] == ["ftjob-2"]


def test_events_dedupe_and_level_filter(tmp_path):
    store = make_store(tmp_path)
    store.jobs.upsert_job("j", status="running")
    ev = [jr.JobEvent(f"e{i}", "j", float(i), "warn" if i == 2 else "info", "message", f"m{i}") for i in range(4)]
    assert store.jobs.add_events(ev[:3]) == 3
    assert store.jobs.add_events(ev) == 1
    assert [e.id for e in store.jobs.events("j")] == ["e0", "e1", "e2", "e3"]
    assert [e.id for e in store.jobs.events("j", levels={"warn", "error"})] == ["e2"]
    assert [e.id for e in store.jobs.events("j", newest_first=True, limit=2)] == ["e3", "e2"]
    assert store.jobs.known_event_ids("j") == {"e0", "e1", "e2", "e3"}


def test_metrics_from_events_and_csv_merge_per_step(tmp_path):
    store = make_store(tmp_path)
    store.jobs.upsert_job("j", status="running")
    store.jobs.add_metrics("j", [jr.MetricPoint(1, train_loss=1.0, total_steps=4), jr.MetricPoint(2, train_loss=0.8)])
    store.jobs.add_metrics("j", [jr.MetricPoint(2, valid_loss=0.9, full_valid_accuracy=0.5), jr.MetricPoint(3, train_loss=0.5)])
    pts = {p.step: p for p in store.jobs.metrics("j")}
    assert pts[2].train_loss == 0.8 and pts[2].valid_loss == 0.9 and pts[2].full_valid_accuracy == 0.5
    assert pts[1].total_steps == 4
    assert store.jobs.metric_series("j", "train_loss") == [(1, 1.0), (2, 0.8), (3, 0.5)]
    assert store.jobs.metric_series("j", "valid_loss") == [(2, 0.9)]


def test_service_skips_mark_images_and_can_be_cleared(tmp_path):
    store = make_store(tmp_path)
    ids = store.image_ids()
    store.jobs.record_service_skips("j", [(ids[0], "contains people", 1), (ids[2], "image too large", 3)])
    assert store.image(ids[0]).service_skip == "contains people"
    assert store.image_ids(ImageFilter(service_skipped=True)) == [ids[0], ids[2]]
    assert [(s.image_id, s.reason) for s in store.jobs.service_skips("j")] == [(ids[0], "contains people"), (ids[2], "image too large")]
    store.jobs.clear_service_skip([ids[0]])
    assert store.image(ids[0]).service_skip is None
    assert len(store.jobs.image_service_skips(ids[0])) == 1


def test_a_read_only_project_refuses_job_writes_and_keeps_its_records(tmp_path):
    store = make_store(tmp_path)
    store.jobs.upsert_job("ftjob-1", status="running")
    ids = store.image_ids()
    store.jobs.record_service_skips("ftjob-1", [(ids[0], "contains people", 1)])
    store.close()
    reader = ProjectStore.open(tmp_path / "p.studio", read_only=True)
    writes = [
        lambda: reader.jobs.upsert_job("ftjob-1", status="succeeded"),
        lambda: reader.jobs.create_submission({"kind": "demo"}, {}),
        lambda: reader.jobs.add_events([jr.JobEvent("e1", "ftjob-1", 1.0, "info", None, "hello")]),
        lambda: reader.jobs.clear_service_skip([ids[0]]),
    ]
    for write in writes:
        with pytest.raises(ProjectReadOnlyError, match="read-only"):
            write()
    assert reader.jobs.get_job("ftjob-1").status == "running"
    assert reader.jobs.events("ftjob-1") == [] and reader.jobs.list_submissions() == []
    assert reader.image(ids[0]).service_skip == "contains people"


def test_a_write_while_another_program_holds_the_file_says_so_and_changes_nothing(tmp_path):
    store = make_store(tmp_path)
    store.jobs.upsert_job("ftjob-1", status="running")
    other = sqlite3.connect(tmp_path / "p.studio", timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    store.conn.execute("PRAGMA busy_timeout = 50")
    try:
        with pytest.raises(ProjectOpenError, match="another program"):
            store.jobs.upsert_job("ftjob-1", status="succeeded")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.jobs.get_job("ftjob-1").status == "running"
    assert not store.conn.in_transaction  # nothing left half-open for the next write
    store.jobs.upsert_job("ftjob-1", status="succeeded")
    assert store.jobs.get_job("ftjob-1").status == "succeeded"
