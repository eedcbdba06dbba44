"""No secret reaches any file the app writes: project, exports, settings, caches, logs."""

import io
import os
from pathlib import Path

import keyring
import keyring.backends.fail

from studio.cli.main import main
from studio.core.store.project_store import ProjectStore
from studio.emulator import EmulatorServer
from studio.service.credentials import CredentialStore, Credentials
from studio.service.jobs.monitor import JobMonitor
from studio.service.clients import test_connection
from studio.service.profile import ServiceProfile
from studio.service.submit.submission import submit

from service_helpers import fast_params, make_labeled_project

SECRET = "sk-live-7c1e9Qx4SECRETzz0918"


def files_containing(secret: str, *roots: Path) -> list[Path]:
    needle = secret.encode()
    hits = []
    for root in roots:
        for dirpath, _, names in os.walk(root):
            for name in names:
                path = Path(dirpath) / name
                try:
                    if needle in path.read_bytes():
                        hits.append(path)
                except OSError:
                    pass
    return hits


def user_dirs() -> list[Path]:
    return [Path(os.environ[v]) for v in ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")
            if Path(os.environ[v]).exists()]


def test_full_flow_leaves_no_secret_on_disk(tmp_path, capsys, monkeypatch, memory_keyring):
    project = make_labeled_project(tmp_path / "proj", magenta=("cat_02.png",))
    with EmulatorServer(step_seconds=0.005, api_keys=[SECRET]) as srv:
        monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
        assert main(["login", "azure", "--endpoint", srv.azure_endpoint, "--api-key-stdin"]) == 0
        assert main(["submit", str(project), "--azure-endpoint", srv.azure_endpoint, "--epochs", "2",
                     "--workers", "0", "--watch", "--interval", "0.02"]) == 0
        assert main(["jobs", str(project), "--refresh"]) == 0
        # the library path too, including an error path whose message could quote the key
        store = ProjectStore.open(project)
        profile = ServiceProfile(kind="openai", endpoint=srv.base_url)
        creds = Credentials.from_key(SECRET)
        job_id = submit(store, profile, creds, fast_params(), poll_interval=0.02)
        JobMonitor(store, profile, creds).watch(job_id, lambda s: None, interval=0.02)
        bad = test_connection(profile, Credentials.from_key(SECRET + "-wrong"))
        assert not bad.ok and SECRET not in bad.message
        # scanned while the project is open, so the WAL file is checked as it is, before a checkpoint
        assert Path(str(project) + "-wal").exists()
        scanned = files_containing(SECRET, tmp_path, *user_dirs())
        store.close()
    out, err = capsys.readouterr()
    assert SECRET in memory_keyring.passwords.values()  # it was used, and kept where it belongs
    assert scanned == [], scanned
    assert files_containing(SECRET, tmp_path, *user_dirs()) == []
    assert SECRET not in out and SECRET not in err
    assert list((tmp_path / "proj" / "project.exports").rglob("train.jsonl"))  # exports were written and scanned


def test_without_a_keyring_the_cli_says_so_and_writes_nothing(tmp_path, capsys, monkeypatch):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    assert main(["login", "openai", "--api-key-stdin"]) == 0
    _, err = capsys.readouterr()
    assert "session only" in err and "OPENAI_API_KEY" in err
    assert not CredentialStore().persistent
    assert files_containing(SECRET, tmp_path, *user_dirs()) == []
