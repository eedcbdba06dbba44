"""A small labeled project file for the service and CLI tests (20 tiny PNGs, classes 'cat' and 'dog').

At the top of tests/ (like memory_keyring) so that tests/service and tests/cli import the same one.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from studio.core.models import CheckResult, Verdict
from studio.core.store.project_store import FileRecord, ProjectStore

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
