"""The moderation stage over a real project file: cached per fingerprint, resumable after a cancel,
dismissals kept in the project, the image filter, and `studio-cli check --moderation`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from studio.cli.main import main
from studio.core.checks.pool import CheckPool
from studio.core.curation.moderation import DETECTOR_VERSION
from studio.core.curation.moderation_stage import run_moderation
from studio.core.models import ImageFilter
from studio.core.scan.project_scan import scan_project
from studio.core.store.moderation_flags import ModerationRepository
from studio.core.store.project_store import ProjectStore
from studio.core.tasks import CancelToken
from studio.resource_paths import resource_path

PEOPLE = resource_path("demo", "people")


def _plain(path: Path, shade: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.linear_gradient("L").resize((320, 240)).convert("RGB")
    Image.blend(im, Image.new("RGB", im.size, (shade, 90, 200 - shade)), 0.5).save(path, quality=90)
    return path


@pytest.fixture()
def project(tmp_path: Path):
    photos = tmp_path / "photos"
    photos.mkdir()
    shutil.copy(PEOPLE / "astronaut.jpg", photos / "astronaut.jpg")
    shutil.copy(PEOPLE / "astronaut.jpg", photos / "copy of astronaut.jpg")  # same content
    shutil.copy(PEOPLE / "astronaut-portrait.jpg", photos / "portrait.jpg")
    for i in range(3):
        _plain(photos / f"plain{i}.jpg", 40 * i)
    (photos / "broken.jpg").write_bytes((PEOPLE / "astronaut.jpg").read_bytes()[:2000])  # fails the checks
    store = ProjectStore.create(tmp_path / "p.studio", [photos])
    scan_project(store, deep=True)
    yield store
    store.close()


def _ids(store: ProjectStore, *names: str) -> list[int]:
    by_name = {r.rel_path: r.id for r in store.iter_images()}
    return [by_name[n] for n in names]


def test_stage_flags_faces_caches_per_fingerprint_and_filters(project):
    batches: list[list[int]] = []
    report = run_moderation(project, on_batch=batches.append)
    repo = ModerationRepository(project)
    # Six passing files, five distinct contents (the copy shares the original's fingerprint).
    assert report.analysed == 5 and report.faces == 2 and not report.cancelled
    flagged = _ids(project, "astronaut.jpg", "copy of astronaut.jpg", "portrait.jpg")
    assert repo.flagged_ids() == sorted(flagged, key=lambda i: project.image(i).rel_path)
    assert sorted(i for b in batches for i in b) == sorted(set(i for b in batches for i in b))
    assert set(flagged) <= {i for b in batches for i in b}
    assert project.count(ImageFilter(moderation=True)) == 3
    counts = repo.counts()
    assert (counts.face, counts.person, counts.dismissed, counts.pending) == (3, 0, 0, 0)
    flag = repo.flag(flagged[0])
    assert flag is not None and flag.kind == "face" and flag.boxes and not flag.dismissed
    assert flag.size == (512, 512)
    assert project.image(flagged[0]).moderation == "face"
    assert project.image(_ids(project, "plain0.jpg")[0]).moderation is None
    assert project.status().likely_skipped == {"face": 3}
    # The broken file fails the rule checks: no prediction, no flag.
    assert repo.flag(_ids(project, "broken.jpg")[0]) is None
    # Cached: nothing left to analyse.
    assert run_moderation(project).analysed == 0


def test_dismissing_a_flag_is_kept_in_the_project_and_covers_copies(project, tmp_path):
    run_moderation(project)
    repo = ModerationRepository(project)
    original, copy = _ids(project, "astronaut.jpg", "copy of astronaut.jpg")
    changed = repo.set_dismissed([original], True)
    assert set(changed) == {original, copy}
    assert repo.counts().dismissed == 2 and repo.counts().face == 1
    assert project.count(ImageFilter(moderation=True)) == 1
    assert project.image(original).moderation is None and project.status().likely_skipped == {"face": 1}
    project.close()
    reopened = ProjectStore.open(tmp_path / "p.studio")
    try:
        again = ModerationRepository(reopened)
        assert again.flag(original).dismissed and again.flag(copy).dismissed
        again.set_dismissed([copy], False)
        assert again.counts().dismissed == 0 and again.counts().face == 3
    finally:
        reopened.close()


def test_cancel_keeps_what_was_stored_and_a_new_run_resumes(project):
    cancel = CancelToken()
    seen: list[int] = []

    def progress(done, total, message=""):
        seen.append(done)
        if done >= 2:
            cancel.cancel()

    with CheckPool(workers=1) as pool:
        first = run_moderation(project, pool=pool, cancel=cancel, progress=progress)
    assert first.cancelled and 2 <= first.analysed < 5
    repo = ModerationRepository(project)
    assert len(repo.pending(DETECTOR_VERSION)) == 5 - first.analysed
    second = run_moderation(project)
    assert second.analysed == 5 - first.analysed
    assert repo.pending(DETECTOR_VERSION) == []


def test_an_older_detector_result_is_recomputed(project):
    repo = ModerationRepository(project)
    repo.record("old-detector", [(r.fingerprint, None, [], (1, 1)) for r in project.iter_images() if r.fingerprint])
    assert len(repo.pending(DETECTOR_VERSION)) == 5
    assert run_moderation(project).faces == 2


def test_cli_check_moderation_adds_likely_skipped_and_boxes(project, tmp_path, capsys):
    folder = tmp_path / "photos"
    assert main(["check", str(folder), "--json", "--moderation"]) == 0
    data = json.loads(capsys.readouterr().out)
    files = data["files"]
    assert files["astronaut.jpg"]["likely_skipped"] == "face"
    boxes = files["astronaut.jpg"]["boxes"]
    assert boxes and all(len(b) == 4 and all(isinstance(v, int) for v in b) for b in boxes)
    assert files["plain0.jpg"]["likely_skipped"] is None and files["plain0.jpg"]["boxes"] == []
    assert files["broken.jpg"]["ok"] is False
    assert files["broken.jpg"]["likely_skipped"] is None and files["broken.jpg"]["boxes"] == []
    assert data["summary"]["likely_skipped"] == 3
    # Without the option the output keeps its old shape.
    assert main(["check", str(folder), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "likely_skipped" not in plain["files"]["astronaut.jpg"] and "likely_skipped" not in plain["summary"]


def test_cli_moderation_lists_flags_and_marks_them_wrong(project, capsys):
    path = str(project.path)
    project.close()
    assert main(["moderation", path, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {i["image"] for i in data["images"]} == {"astronaut.jpg", "copy of astronaut.jpg", "portrait.jpg"}
    assert all(i["likely_skipped"] == "face" and i["boxes"] for i in data["images"])
    assert data["stage"]["analysed"] == 5 and data["dismissed"] == 0
    assert main(["moderation", path, "--wrong", "portrait.jpg"]) == 0
    assert "marked 1 image as wrong" in capsys.readouterr().out
    assert main(["moderation", path, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert {i["image"] for i in again["images"]} == {"astronaut.jpg", "copy of astronaut.jpg"}
    assert again["dismissed"] == 1 and again["stage"]["analysed"] == 0  # cached
    assert main(["moderation", path, "--right", "portrait.jpg"]) == 0
    capsys.readouterr()
    with ProjectStore.open(path) as store:
        assert ModerationRepository(store).counts().face == 3
