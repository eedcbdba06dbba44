"""Fixtures for the service layer: an in-memory keyring so no test touches a real one."""

from __future__ import annotations

import keyring
import keyring.backend
import pytest

from studio.service.credentials import forget_session_secrets


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that keeps passwords in a dict: a 'system keyring' that cannot touch disk."""

    priority = 10

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.passwords.get((service, username))

    def set_password(self, service, username, password):
        self.passwords[(service, username)] = password

    def delete_password(self, service, username):
        self.passwords.pop((service, username), None)


@pytest.fixture(autouse=True)
def memory_keyring():
    """Every service test runs against a fresh in-memory keyring and no session secrets."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    forget_session_secrets()
    yield backend
    forget_session_secrets()
    keyring.set_keyring(previous)


# -- a small labeled project and a running emulator -------------------------------------------------

from pathlib import Path  # noqa: E402

from PIL import Image  # noqa: E402

from studio.core.models import CheckResult, Verdict  # noqa: E402
from studio.core.project_store import FileRecord, ProjectStore  # noqa: E402
from studio.emulator import EmulatorServer  # noqa: E402
from studio.service.submit_params import SubmitParams  # noqa: E402

MAGENTA = (255, 0, 255)


def make_labeled_project(folder: Path, n_per_class: int = 10, magenta: tuple[str, ...] = ()) -> Path:
    """A project with `2 * n_per_class` tiny PNGs labeled 'cat'/'dog'; names in `magenta` carry the
    emulator's moderation marker (skipped as people/faces)."""
    images = folder / "images"
    images.mkdir(parents=True)
    records = []
    for cls_index, cls in enumerate(("cat", "dog")):
        for i in range(n_per_class):
            name = f"{cls}_{i:02d}.png"
            img = Image.new("RGB", (64, 48), (40 + 100 * cls_index, 20 * i % 255, 90))
            if name in magenta:
                img.paste(MAGENTA, (0, 0, 8, 8))
            img.save(images / name)
            size = (images / name).stat().st_size
            check = CheckResult(Verdict.OK, "", size, "PNG", "RGB", 64, 48, 1, "deep")
            records.append(FileRecord(name, size, (images / name).stat().st_mtime_ns, f"fp-{name}", check))
    path = folder / "project.studio"
    store = ProjectStore.create(path, [images])
    ids = store.upsert_files(store.roots()[0].id, records)
    classes = {c: store.add_class(c) for c in ("cat", "dog")}
    for rel, image_id in ids.items():
        store.set_label([image_id], classes[rel.split("_")[0]].id)
    store.close()
    return path


@pytest.fixture
def project_path(tmp_path) -> Path:
    return make_labeled_project(tmp_path / "proj")


@pytest.fixture
def emulator():
    with EmulatorServer(step_seconds=0.005, api_keys=["emu-key", "tok"]) as srv:
        yield srv


def fast_params(**changes) -> SubmitParams:
    """Export in-process (no worker pool: 2 shared cores) with a seeded split."""
    base = SubmitParams(n_epochs=2, export={"workers": 0, "val_fraction": 0.2, "seed": 1})
    return SubmitParams.from_dict(base.to_dict() | changes)
