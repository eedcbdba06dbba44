"""The Duplicates window on a real project: groups found, different labels marked, keep one and label
the group through the labeling session (Ctrl+Z undoes both), threshold stored, "not duplicates"."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter
from PySide6.QtWidgets import QLabel

from studio.core.curation.project_duplicates import find_duplicates
from studio.core.label_io import plan_folder_import
from studio.core.scan.project_scan import scan_project
from studio.core.splits.project_splits import duplicate_threshold
from studio.core.store.project_store import ProjectStore
from studio.ui.curation.duplicates_view import DuplicatesWindow
from studio.ui.labeling.session import ProjectSession


def natural(seed: int, size=(320, 240)) -> Image.Image:
    rng = random.Random(seed)
    im = Image.linear_gradient("L").resize(size).rotate(rng.randrange(360)).convert("RGB")
    draw = ImageDraw.Draw(im)
    for _ in range(12):
        x, y, r = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(15, 90)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    return im.filter(ImageFilter.GaussianBlur(6))


@pytest.fixture
def session(tmp_path: Path, qtbot):
    folder = tmp_path / "photos"
    for cls, base in (("oak", 0), ("pine", 50)):
        (folder / cls).mkdir(parents=True)
        for i in range(6):
            natural(base + i).save(folder / cls / f"{cls}{i}.jpg", quality=92)
    buf = io.BytesIO()
    Image.open(folder / "oak" / "oak0.jpg").convert("RGB").resize((256, 192)).save(buf, "JPEG", quality=70)
    (folder / "oak" / "oak0-small.jpg").write_bytes(buf.getvalue())
    natural(52).resize((300, 225)).save(folder / "oak" / "stray.jpg", quality=85)  # a pine filed under oak
    store = ProjectStore.create(tmp_path / "p.studio", [folder])
    scan_project(store)
    from studio.core.label_io import apply_import

    apply_import(store, plan_folder_import(store))
    store.close()
    s = ProjectSession(ProjectStore.open(tmp_path / "p.studio"))
    yield s
    s.close()


def open_window(qtbot, session) -> DuplicatesWindow:
    window = DuplicatesWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.group_list.count() == 2, timeout=10000)
    return window


def test_groups_are_listed_with_different_labels_first_and_marked(qtbot, session) -> None:
    window = open_window(qtbot, session)
    first = window.group_list.item(0)
    assert "different labels" in first.text()
    assert first.foreground().color().name() == "#c62828"
    assert "Different labels" in window.group_title.text()
    assert window.cards_layout.count() == 2  # side by side
    assert "2 groups" in window.summary_label.text() and "1 with different labels" in window.summary_label.text()


def test_keep_one_excludes_the_rest_and_undo_brings_them_back(qtbot, session) -> None:
    window = open_window(qtbot, session)
    window.group_list.setCurrentRow(1)  # oak0 and its small JPEG copy
    group = window.current_group()
    assert group is not None and {im.rel_path for im in group.images} == {"oak/oak0.jpg", "oak/oak0-small.jpg"}
    kept = group.images[0]
    window.keep_group.button(0).setChecked(True)
    window.keep_button.click()
    other = group.images[1].image_id
    assert session.row(other).excluded and not session.row(kept.image_id).excluded
    qtbot.waitUntil(lambda: window.group_list.count() == 1, timeout=10000)  # the group is resolved
    session.undo_stack.undo()
    assert not session.row(other).excluded
    qtbot.waitUntil(lambda: window.group_list.count() == 2, timeout=10000)


def test_label_the_group_at_once_is_one_undo_step(qtbot, session) -> None:
    window = open_window(qtbot, session)
    window.group_list.setCurrentRow(0)
    group = window.current_group()
    assert group is not None and group.mixed_labels
    window.class_combo.setCurrentIndex(window.class_combo.findText("pine"))
    window.label_button.click()
    names = {c.id: c.name for c in session.classes()}
    assert {names[session.row(im.image_id).class_id] for im in group.images} == {"pine"}
    qtbot.waitUntil(lambda: window.group_list.count() == 2 and "different labels" not in window.group_list.item(0).text()
                    and "different labels" not in window.group_list.item(1).text(), timeout=10000)
    session.undo_stack.undo()
    assert {names[session.row(im.image_id).class_id] for im in group.images} == {"oak", "pine"}


def test_threshold_is_the_projects_and_not_duplicates_leaves_the_groups(qtbot, session) -> None:
    window = open_window(qtbot, session)
    window.threshold_spin.setValue(0)
    qtbot.waitUntil(lambda: window.group_list.count() < 2, timeout=10000)  # only pictures with equal hashes
    assert duplicate_threshold(session) == 0  # stored: the split groups at the same threshold
    window.threshold_spin.setValue(8)
    qtbot.waitUntil(lambda: window.group_list.count() == 2, timeout=10000)
    window.group_list.setCurrentRow(0)
    window.distinct_button.click()
    qtbot.waitUntil(lambda: window.group_list.count() == 1, timeout=10000)
    store = session.stores.open()
    try:
        assert len(find_duplicates(store, 8)) == 1
    finally:
        store.close()


def test_on_the_demo_each_group_shows_the_one_split_it_is_held_out_in(qtbot, tmp_path) -> None:
    """The demo's copies: four groups, the mixed one first; each card says its split and the title
    says the whole group shares it (here a group held out in test: no copy of it is trained on)."""
    from studio.core.demo_dataset import create_demo_project, generate_demo_images
    from studio.core.splits.project_splits import refresh_splits

    project = create_demo_project(tmp_path / "demo.studio", tmp_path / "shapes")
    shapes = {d.rel_path: d.shape for d in generate_demo_images(tmp_path / "again")}
    with ProjectStore.open(project) as store:  # the user labels the rest, as before fine-tuning
        ids = {c.name: c.id for c in store.classes()}
        for row in store.iter_images():
            if row.class_id is None and shapes.get(row.rel_path):
                store.set_label([row.id], ids[shapes[row.rel_path]])
        splits = refresh_splits(store).by_image
    session = ProjectSession(ProjectStore.open(project))
    try:
        window = DuplicatesWindow(session)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: window.group_list.count() == 4, timeout=10000)
        assert "different labels" in window.group_list.item(0).text()
        assert "4 groups, 5 extra copies; 1 with different labels" == window.summary_label.text()
        held_out = 0
        for row in range(4):
            window.group_list.setCurrentRow(row)
            group = window.current_group()
            assert group is not None
            (split,) = {splits[im.image_id].value for im in group.images}  # one split per group
            name = {"train": "training"}.get(split, split)
            assert f"The whole group is in the <b>{name}</b> split." in window.group_title.text()
            cards = [window.cards_layout.itemAt(i).widget() for i in range(window.cards_layout.count())]
            assert len(cards) == len(group.images)
            for card in cards:
                assert any(label.text() == f"Split: {name}" for label in card.findChildren(QLabel))
            held_out += split != "train"
        assert held_out >= 1
        window.close()
    finally:
        session.close()
