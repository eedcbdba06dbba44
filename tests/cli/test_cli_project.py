"""`studio-cli` project commands, invoked as a user would (in-process, real files, real SQLite)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from studio.cli.main import main


def _img(path: Path, color=(200, 30, 30), mode="RGB", fmt=None, size=(40, 30)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path, fmt)
    return path


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "photos dir"
    for i in range(3):
        _img(root / "cats" / f"cat {i}.jpg", (200, 30 + i, 30))
    for i in range(2):
        _img(root / "dogs" / f"dög{i}.png", (30, 30, 200 + i))
    _img(root / "odd" / "gray.png", 128, mode="L")
    (root / "odd" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    _img(root / "odd" / "anim.gif", 5, mode="P", fmt="GIF")
    (root / "notes.txt").write_text("not an image")
    (root / ".hidden.jpg").write_bytes((root / "cats" / "cat 0.jpg").read_bytes())
    return root


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_json_reports_every_image_with_its_reason(folder, capsys):
    code, out, _ = _run(capsys, "check", folder, "--json")
    assert code == 0
    data = json.loads(out)
    files = data["files"]
    assert set(files) == {
        "cats/cat 0.jpg", "cats/cat 1.jpg", "cats/cat 2.jpg", "dogs/dög0.png", "dogs/dög1.png",
        "odd/gray.png", "odd/broken.jpg", "odd/anim.gif",
    }
    assert files["cats/cat 0.jpg"]["ok"] is True and files["cats/cat 0.jpg"]["format"] == "JPEG"
    assert files["odd/gray.png"]["reason"] == "mode"
    assert files["odd/broken.jpg"]["reason"] == "corrupt"
    assert files["odd/anim.gif"]["reason"] == "format"
    assert all(isinstance(f["message"], str) and isinstance(f["bytes"], int) for f in files.values())
    assert data["summary"] == {"total": 8, "ok": 5, "mode": 1, "corrupt": 1, "format": 1}


def test_check_unusable_path_is_a_clear_error(tmp_path, capsys):
    code, out, err = _run(capsys, "check", tmp_path / "nowhere", "--json")
    assert code == 2 and out == ""
    assert "does not exist" in err and "Traceback" not in err


def test_project_lifecycle(folder, tmp_path, capsys):
    project = tmp_path / "work.studio"
    code, out, _ = _run(capsys, "new", project, folder)
    assert code == 0 and project.exists()

    code, out, _ = _run(capsys, "classes", project, "--add", "cat", "--add", "dog", "--json")
    assert [c["name"] for c in json.loads(out)] == ["cat", "dog"]

    assert _run(capsys, "label", project, "cats/cat 0.jpg", "cat")[0] == 0
    code, _, err = _run(capsys, "label", project, "cats/cat 1.jpg", "lion")
    assert code == 2 and "--add \"lion\"" in err
    code, _, err = _run(capsys, "label", project, "cats/none.jpg", "cat")
    assert code == 2 and "No image" in err

    code, out, _ = _run(capsys, "import-labels", project, "--folders", "--dry-run")
    assert "get a label" in out
    code, out, _ = _run(capsys, "status", project, "--json")
    assert json.loads(out)["labeled"] == 1  # a dry run changes nothing

    assert _run(capsys, "import-labels", project, "--folders")[0] == 0
    code, out, _ = _run(capsys, "status", project, "--json")
    status = json.loads(out)
    assert status["total"] == 8
    assert status["per_class"] == {"cat": 0, "dog": 0, "cats": 3, "dogs": 2, "odd": 3}
    assert status["flagged"] == {"corrupt": 1, "format": 1, "mode": 1}
    assert status["unlabeled"] == 0

    csv_path = tmp_path / "labels.csv"
    assert _run(capsys, "export-labels", project, "--csv", csv_path)[0] == 0
    text = csv_path.read_text(encoding="utf-8")
    assert "dogs/dög0.png,dogs" in text

    # Relabel through CSV and check the database itself.
    csv_path.write_text("path,label\ncats/cat 1.jpg,cat\n", encoding="utf-8")
    assert _run(capsys, "import-labels", project, "--csv", csv_path)[0] == 0
    conn = sqlite3.connect(project)
    row = conn.execute(
        "SELECT c.name FROM images i JOIN classes c ON c.id = i.class_id WHERE i.rel_path = 'cats/cat 1.jpg'"
    ).fetchone()
    conn.close()
    assert row == ("cat",)


def test_rescan_detects_new_changed_deleted_and_moved(folder, tmp_path, capsys):
    project = tmp_path / "p.studio"
    _run(capsys, "new", project, folder)
    _run(capsys, "classes", project, "--add", "cat")
    _run(capsys, "label", project, "cats/cat 2.jpg", "cat")

    _img(folder / "cats" / "new.jpg", (1, 2, 3))
    (folder / "dogs" / "dög1.png").unlink()
    (folder / "moved").mkdir()
    (folder / "cats" / "cat 2.jpg").rename(folder / "moved" / "cat 2 renamed.jpg")
    _img(folder / "cats" / "cat 0.jpg", (9, 9, 9), size=(41, 30))

    code, out, _ = _run(capsys, "scan", project)
    report = json.loads(out.strip().splitlines()[-1])
    assert (report["new"], report["changed"], report["moved"], report["missing"]) == (1, 1, 1, 1)
    code, out, _ = _run(capsys, "status", project, "--json")
    status = json.loads(out)
    assert status["per_class"] == {"cat": 1}  # the label followed the moved file
    assert status["missing"] == 1


def test_moved_folder_is_relinked_and_labels_follow(folder, tmp_path, capsys):
    project = tmp_path / "p.studio"
    _run(capsys, "new", project, folder)
    _run(capsys, "import-labels", project, "--folders")
    moved = tmp_path / "renamed photos"
    folder.rename(moved)

    code, out, _ = _run(capsys, "status", project)
    assert "missing folder" in out
    code, _, err = _run(capsys, "scan", project)
    assert "relink" in err
    code, out, _ = _run(capsys, "status", project, "--json")
    assert json.loads(out)["labeled"] == 8  # nothing lost while the folder was away

    code, out, _ = _run(capsys, "relink", project, folder, moved)
    assert code == 0 and "8 known images" in out
    code, out, _ = _run(capsys, "status", project, "--json")
    status = json.loads(out)
    assert status["missing"] == 0 and status["labeled"] == 8
    assert status["folders"] == [{"path": str(moved.resolve()), "exists": True}]


def test_bad_arguments_exit_nonzero_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "studio.cli.main", "label"], capture_output=True, text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "--help" in proc.stderr
    not_project = tmp_path / "x.studio"
    not_project.write_text("hello")
    proc = subprocess.run(
        [sys.executable, "-m", "studio.cli.main", "status", str(not_project)], capture_output=True, text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 2 and "not a studio project" in proc.stderr and "Traceback" not in proc.stderr
