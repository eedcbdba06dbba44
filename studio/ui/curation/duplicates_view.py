"""The Duplicates window: groups of exact and near-duplicate images, previewed side by side, and the
two decisions a curator makes about them.

- Keep one, exclude the rest: the copies leave the dataset (the original files are never touched).
- Label the whole group at once, which is what a group with different labels (marked in red: one of
  its labels is probably a mistake) usually needs.
- "Not duplicates": the images leave every group (and the split's grouping) for good.

Labels and exclusions go through the labeling session, so Ctrl+Z undoes them like any other edit.
The threshold is the project's: the same number keeps each group inside one split, so changing it
here changes which images are held out together; each card and the group's title say which split
that is (as the next export, submit or evaluation will draw it, without storing anything). Finding
the groups runs on a worker thread (it may first hash images checked by an older version), with
progress and cancel.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImageReader, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from studio.core.curation.perceptual_hash import MAX_THRESHOLD, hamming
from studio.core.curation.project_duplicates import DuplicateSet
from studio.core.splits.project_splits import SETTING_DUP_THRESHOLD, duplicate_threshold
from studio.core.wording import plural
from studio.ui.common.tasks import BackgroundTask

PREVIEW_PX = 260
MIXED = QColor("#c62828")
SPLIT_NAMES = {"train": "training", "validation": "validation", "test": "test"}


def _find_work(stores: Any, threshold: int) -> Any:
    """The worker: hash what has no hash yet, then group, then the split of each member (a preview:
    nothing is stored). Own connection, closed when done."""

    def work(progress: Any, cancel: Any) -> tuple[list[DuplicateSet], dict[int, int], dict[int, str]]:
        from studio.core.curation.hash_backfill import hash_missing
        from studio.core.curation.project_duplicates import find_duplicates
        from studio.core.splits.project_splits import refresh_splits
        from studio.core.store.splits import SplitRepository

        store = stores.open()
        try:
            def hashing(done: int, total: int | None, message: str = "") -> None:
                progress(done, total or -1, "Hashing images")

            if not store.read_only:
                hash_missing(store, hashing, cancel)
            groups = find_duplicates(store, threshold)
            ids = [im.image_id for g in groups for im in g.images]
            splits: dict[int, str] = {}
            if groups:
                try:
                    by_image = refresh_splits(store, persist=False).by_image
                except Exception:  # noqa: BLE001 - e.g. fractions a hand-edited project made invalid
                    by_image = {}
                splits = {i: by_image[i].value for i in ids if i in by_image}
            return groups, SplitRepository(store).hashes(ids), splits
        finally:
            store.close()

    return work


class _Card(QFrame):
    """One image of the selected group: preview, name, label, size, distance to the first one, split."""

    def __init__(self, image: Any, path: str, distance: int | None, split: str | None, keep: QRadioButton) -> None:
        super().__init__()
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        picture = QLabel()
        picture.setFixedSize(PREVIEW_PX, PREVIEW_PX)
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        reader = QImageReader(path)
        reader.setAutoTransform(True)  # EXIF orientation, as the grid shows it
        size = reader.size()
        if size.isValid():
            reader.setScaledSize(size.scaled(QSize(PREVIEW_PX, PREVIEW_PX), Qt.AspectRatioMode.KeepAspectRatio))
        loaded = reader.read()
        if loaded.isNull():
            picture.setText("(cannot show this file)")
        else:
            picture.setPixmap(QPixmap.fromImage(loaded))
        layout.addWidget(picture)
        name = QLabel(image.rel_path)
        name.setWordWrap(True)
        name.setMaximumWidth(PREVIEW_PX)
        layout.addWidget(name)
        dims = f"{image.width} x {image.height} px, " if image.width and image.height else ""
        facts = f"{dims}{image.bytes / 1024:,.0f} KB"
        if distance is not None:
            facts += f" \u00b7 {plural(distance, 'bit')} from the first"
        layout.addWidget(QLabel(facts))
        label = QLabel(f"Label: <b>{image.label}</b>" if image.label else "Label: <i>unlabeled</i>")
        layout.addWidget(label)
        if split:
            layout.addWidget(QLabel(f"Split: {SPLIT_NAMES.get(split, split)}"))
        else:
            # labeled but in no split: its file breaks a rule no repair fixes, so the export leaves it out
            layout.addWidget(QLabel("Split: <i>none (left out: see its flag)</i>" if image.label
                                    else "Split: <i>none (unlabeled)</i>"))
        layout.addWidget(keep)


class DuplicatesWindow(QWidget):
    """A window of its own (it sits beside the grid while the user works through the groups)."""

    def __init__(self, session: Any, run_task: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.session = session
        self.run_task = run_task
        self.groups: list[DuplicateSet] = []
        self.hashes: dict[int, int] = {}
        self.splits: dict[int, str] = {}  # image id -> split name, for the members of the groups shown
        self._task: BackgroundTask | None = None
        self._running: list[BackgroundTask] = []  # superseded ones too, until they have stopped
        self._shut = False  # closed: results that still arrive are dropped (the session may be gone)
        self.setWindowTitle(f"Duplicates \u2014 {session.name}")
        self.setObjectName("duplicatesWindow")
        self.resize(1100, 640)

        self.threshold_spin = QSpinBox()
        self.threshold_spin.setRange(0, MAX_THRESHOLD)
        self.threshold_spin.setSuffix(" bits")
        self.threshold_spin.setValue(duplicate_threshold(session))
        self.threshold_spin.setToolTip(
            "How different two images may be and still count as copies (0 = identical pictures). 8 finds "
            "copies that were resized, re-encoded, slightly cropped or brightened. The same threshold keeps "
            "every group inside one split, so no copy of a test image ends up in training.")
        self.summary_label = QLabel("Looking for duplicates\u2026")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self._cancel)
        self.cancel_button.hide()
        top = QHBoxLayout()
        top.addWidget(QLabel("Copies differ by at most"))
        top.addWidget(self.threshold_spin)
        top.addSpacing(16)
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.cancel_button)

        self.group_list = QListWidget()
        self.group_list.setObjectName("duplicateGroups")
        self.group_list.currentRowChanged.connect(self._show_group)
        self.cards = QWidget()
        self.cards_layout = QHBoxLayout(self.cards)
        self.cards_layout.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.cards)
        self.keep_group = QButtonGroup(self)

        self.keep_button = QPushButton("Keep the chosen one, exclude the rest")
        self.keep_button.setToolTip("The other copies leave the dataset; the files stay as they are. Ctrl+Z undoes it.")
        self.keep_button.clicked.connect(self.keep_chosen)
        self.class_combo = QComboBox()
        self.label_button = QPushButton("Label the group as")
        self.label_button.clicked.connect(self.label_group)
        self.distinct_button = QPushButton("Not duplicates")
        self.distinct_button.setToolTip("These images are different pictures: leave them out of every group.")
        self.distinct_button.clicked.connect(self.mark_distinct)
        actions = QHBoxLayout()
        actions.addWidget(self.keep_button)
        actions.addSpacing(16)
        actions.addWidget(self.label_button)
        actions.addWidget(self.class_combo)
        actions.addStretch(1)
        actions.addWidget(self.distinct_button)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.group_title = QLabel()
        self.group_title.setTextFormat(Qt.TextFormat.RichText)
        right_layout.addWidget(self.group_title)
        right_layout.addWidget(scroll, 1)
        right_layout.addLayout(actions)
        splitter = QSplitter()
        splitter.addWidget(self.group_list)
        splitter.addWidget(right)
        splitter.setSizes([300, 800])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.refresh)
        self.threshold_spin.valueChanged.connect(self._threshold_changed)
        self._hooks = [(session.labels_changed, self._changed), (session.excluded_changed, self._changed),
                       (session.images_changed, self._changed), (session.classes_changed, self._fill_classes)]
        for signal, slot in self._hooks:
            signal.connect(slot)
        self._fill_classes()
        self._update_buttons()
        self.refresh()

    # -- finding ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Group again on a worker thread; a newer request supersedes an older one."""
        if self._shut:
            return
        if self._task is not None:
            self._task.cancel()
        self.summary_label.setText("Looking for duplicates\u2026")
        self.cancel_button.show()
        task = BackgroundTask(_find_work(self.session.stores, self.threshold_spin.value()), self,
                              title="Finding duplicates")
        task.progress.connect(self._progress)
        task.finished.connect(lambda result, t=task: self._show(result) if t is self._task else None)
        task.failed.connect(lambda text: self.summary_label.setText(text))
        task.cancelled.connect(lambda: self.summary_label.setText("Stopped. Change the threshold to look again."))
        task.ended.connect(lambda t=task: self.cancel_button.hide() if t is self._task else None)
        self._task = task
        self._running.append(task)
        task.ended.connect(lambda t=task: self._running.remove(t) if t in self._running else None)
        if self.run_task is not None:
            self.run_task(task)
        else:
            task.start()

    def _changed(self, *_args: object) -> None:
        """Labels, exclusions or images changed: group again shortly (many changes, one pass)."""
        if self.isVisible():
            self._debounce.start()

    def _progress(self, done: int, total: int, message: str) -> None:
        if total > 0:
            self.summary_label.setText(f"{message or 'Working'}: {done} of {total}\u2026")

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _threshold_changed(self, value: int) -> None:
        if not self.session.read_only:
            self.session.set_setting(SETTING_DUP_THRESHOLD, int(value))
        self._debounce.start()

    def _show(self, result: tuple[list[DuplicateSet], dict[int, int], dict[int, str]]) -> None:
        if self._shut:
            return
        groups, self.hashes, self.splits = result
        previous = self.current_group()
        keep = {im.image_id for im in previous.images} if previous else set()
        self.groups = groups
        self.group_list.clear()
        for g in groups:
            if g.exact:
                kind = "exact copies"
            elif g.max_distance == 0:
                kind = "same picture"
            else:
                kind = f"up to {plural(g.max_distance, 'bit')} apart"
            text = f"{plural(len(g.images), 'image')} \u00b7 {kind}"
            if g.mixed_labels:
                text += " \u00b7 different labels"
            item = QListWidgetItem(text)
            item.setToolTip("\n".join(im.rel_path for im in g.images))
            if g.mixed_labels:
                item.setForeground(MIXED)
            self.group_list.addItem(item)
        mixed = sum(1 for g in groups if g.mixed_labels)
        copies = sum(len(g.images) - 1 for g in groups)
        if groups:
            self.summary_label.setText(
                f"{plural(len(groups), 'group')}, {plural(copies, 'extra copy', 'extra copies')}; "
                f"{mixed} with different labels")
        else:
            self.summary_label.setText("No duplicates at this threshold.")
        row = next((i for i, g in enumerate(groups) if keep & {im.image_id for im in g.images}), 0)
        self.group_list.setCurrentRow(row if groups else -1)
        if not groups:
            self._show_group(-1)

    # -- the selected group -----------------------------------------------------------------------

    def current_group(self) -> DuplicateSet | None:
        row = self.group_list.currentRow()
        return self.groups[row] if 0 <= row < len(self.groups) else None

    def _show_group(self, row: int) -> None:
        while self.cards_layout.count():
            item = self.cards_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # gone now, not at the next event-loop turn
                widget.setParent(None)
                widget.deleteLater()
        for button in self.keep_group.buttons():
            self.keep_group.removeButton(button)
        group = self.groups[row] if 0 <= row < len(self.groups) else None
        if group is None:
            self.group_title.setText("")
            self._update_buttons()
            return
        first = self.hashes.get(group.images[0].image_id)
        rows = {r.id: r for r in self.session.rows([im.image_id for im in group.images])}
        for i, image in enumerate(group.images):
            h = self.hashes.get(image.image_id)
            distance = hamming(first, h) if i and first is not None and h is not None else None
            keep = QRadioButton("Keep this one")
            self.keep_group.addButton(keep, i)
            path = str(rows[image.image_id].abs_path) if image.image_id in rows else ""
            self.cards_layout.addWidget(_Card(image, path, distance, self.splits.get(image.image_id), keep))
        self.keep_group.button(0).setChecked(True)  # the largest file comes first
        labels = sorted({im.label for im in group.images if im.label})
        if group.mixed_labels:
            title = (f"<span style='color:{MIXED.name()}'><b>Different labels:</b> {', '.join(labels)}</span> "
                     "\u2014 one of them is probably a mistake.")
        elif labels:
            title = f"All labeled <b>{labels[0]}</b>."
        else:
            title = "Unlabeled."
        title += " " + self._split_sentence(group)
        self.group_title.setText(title)
        if labels:
            index = self.class_combo.findText(labels[0])
            if index >= 0:
                self.class_combo.setCurrentIndex(index)
        self._update_buttons()

    def _split_sentence(self, group: DuplicateSet) -> str:
        """Where the group is held out: the split keeps all its labeled members together."""
        placed = [self.splits[im.image_id] for im in group.images if im.image_id in self.splits]
        names = sorted({SPLIT_NAMES.get(s, s) for s in placed})
        if not placed:
            return "Not in any split yet: only labeled images take part."
        if len(names) > 1:  # a read-only project at another threshold than the one its splits used
            return f"Its images are in the {' and '.join(names)} splits."
        if len(placed) == len(group.images):
            return f"The whole group is in the <b>{names[0]}</b> split."
        return f"Its labeled images are in the <b>{names[0]}</b> split; the others join them once labeled."

    def _fill_classes(self) -> None:
        current = self.class_combo.currentText()
        self.class_combo.clear()
        for info in self.session.classes():
            self.class_combo.addItem(info.name, info.id)
        index = self.class_combo.findText(current)
        if index >= 0:
            self.class_combo.setCurrentIndex(index)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.current_group() is not None and not self.session.read_only
        self.keep_button.setEnabled(has)
        self.distinct_button.setEnabled(has)
        self.label_button.setEnabled(has and self.class_combo.count() > 0)
        self.class_combo.setEnabled(has and self.class_combo.count() > 0)

    # -- decisions ----------------------------------------------------------------------------------

    def keep_chosen(self) -> None:
        group = self.current_group()
        if group is None:
            return
        chosen = max(0, self.keep_group.checkedId())
        rest = [im.image_id for i, im in enumerate(group.images) if i != chosen]
        self.session.set_excluded(rest, True)

    def label_group(self) -> None:
        group = self.current_group()
        class_id = self.class_combo.currentData()
        if group is None or class_id is None:
            return
        self.session.label([im.image_id for im in group.images], int(class_id))

    def mark_distinct(self) -> None:
        group = self.current_group()
        if group is None:
            return
        from studio.core.curation.project_duplicates import mark_not_duplicate

        store = self.session.stores.open()
        try:
            mark_not_duplicate(store, [im.image_id for im in group.images])
        finally:
            store.close()
        self.refresh()

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self._shut = True
        self._debounce.stop()
        for signal, slot in self._hooks:  # the session outlives this window
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self._hooks = []
        for task in list(self._running):
            task.cancel()
        for task in list(self._running):
            task.wait(5.0)  # grouping stops between steps; never leave it reporting to a dead window
        super().closeEvent(event)


__all__ = ["DuplicatesWindow"]
