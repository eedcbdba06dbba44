"""The open project as the widgets see it: store calls, change signals, undo, counts.

Widgets never hold the `ProjectStore`; they call this object, which commits through the store first
and only then tells every view what changed (a label is in SQLite before any view moves on). Routine
errors (read-only file, duplicate class name, locked project) become `message` signals that the window
shows as a non-blocking banner, never as an exception in a slot.

The session is the one owner of the project file on the UI thread: other features get typed access
from it (`jobs` for the fine-tuning records, `stores` to open a worker thread's own connection)
instead of opening the file a second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from studio.core.errors import StudioError
from studio.core.models import ClassInfo, ImageFilter, ImageRow, LabelChange, Root
from studio.ui.labeling.undo_commands import (
    ClassEditCommand,
    DeleteClassCommand,
    ExcludeCommand,
    LabelCommand,
    MergeClassesCommand,
)

if TYPE_CHECKING:  # the store module imports sqlite-utils (and numpy): not needed to draw a window
    from studio.core.store.evaluations import EvaluationRepository
    from studio.core.store.job_records import JobRepository
    from studio.core.store.moderation_flags import ModerationFlag
    from studio.core.store.project_store import ProjectStore, StoreFactory

T = TypeVar("T")


@dataclass(slots=True)
class Counts:
    """Numbers the status bar, filters and class panel show; updated by deltas while labeling.

    Recounting with SQL after every key press would cost a table scan per press at 100,000 images;
    a label change tells us exactly which counts move, so only open and scans recount.
    """

    total: int = 0
    labeled: int = 0
    excluded: int = 0
    missing: int = 0
    pending: int = 0
    service_skipped: int = 0
    flagged: dict[str, int] = field(default_factory=dict)  # verdict value -> count
    per_class: dict[int, int] = field(default_factory=dict)  # class id -> count
    likely_skipped: dict[str, int] = field(default_factory=dict)  # moderation warning: "face"/"person" -> n

    @property
    def unlabeled(self) -> int:
        return self.total - self.labeled

    @property
    def flagged_total(self) -> int:
        return sum(self.flagged.values())

    @property
    def likely_skipped_total(self) -> int:
        return sum(self.likely_skipped.values())


class ProjectSession(QObject):
    labels_changed = Signal(object)  # list[int]: images whose label changed
    excluded_changed = Signal(object)  # list[int]
    classes_changed = Signal()
    images_changed = Signal()  # images added, removed, moved or re-checked: views query again
    counts_changed = Signal()
    roots_changed = Signal()
    message = Signal(str, str)  # level ('info' | 'warning' | 'error'), text

    def __init__(self, store: "ProjectStore", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._evaluations: "EvaluationRepository | None" = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(1000)
        self._classes: list[ClassInfo] = []
        self._class_alias: dict[int, int] = {}
        self.counts = Counts()
        self._reload_classes()
        self.recount()

    # ------------------------------------------------------------------ identity

    @property
    def path(self) -> Path:
        return self._store.path

    @property
    def read_only(self) -> bool:
        return self._store.read_only

    @property
    def name(self) -> str:
        return self._store.path.stem

    def close(self) -> None:
        self.undo_stack.clear()
        self._store.close()

    # ------------------------------------------------------------------ typed access for other features

    @property
    def jobs(self) -> "JobRepository":
        """The project's fine-tuning records, on this (the UI thread's) connection."""
        return self._store.jobs

    @property
    def evaluations(self) -> "EvaluationRepository":
        """The project's evaluation runs and answers, on this (the UI thread's) connection."""
        if self._evaluations is None:
            from studio.core.store.evaluations import EvaluationRepository

            self._evaluations = EvaluationRepository(self._store)
        return self._evaluations

    @property
    def stores(self) -> "StoreFactory":
        """Opens a worker thread's own connection to this project (the session keeps the UI thread's)."""
        return self._store.factory

    # ------------------------------------------------------------------ reads

    def image_ids(self, flt: ImageFilter, order: str = "path") -> list[int]:
        return self._store.image_ids(flt, order)

    def rows(self, image_ids: Sequence[int]) -> list[ImageRow]:
        return self._store.images(image_ids)

    def row(self, image_id: int) -> ImageRow | None:
        try:
            return self._store.image(image_id)
        except KeyError:
            return None

    def count(self, flt: ImageFilter) -> int:
        return self._store.count(flt)

    def folders(self) -> list[str]:
        return self._store.folders()

    def roots(self) -> list[Root]:
        return self._store.roots()

    def missing_roots(self) -> list[Root]:
        return [r for r in self._store.roots() if not r.exists]

    def classes(self) -> list[ClassInfo]:
        return list(self._classes)

    def class_info(self, class_id: int | None) -> ClassInfo | None:
        if class_id is None:
            return None
        class_id = self.resolve_class(class_id)
        return next((c for c in self._classes if c.id == class_id), None)

    def class_for_key(self, key: str) -> ClassInfo | None:
        return next((c for c in self._classes if c.shortcut == key), None)

    def resolve_class(self, class_id: int) -> int:
        """A class's current id: undoing a delete re-creates the class under a new id."""
        seen = set()
        while class_id in self._class_alias and class_id not in seen:
            seen.add(class_id)
            class_id = self._class_alias[class_id]
        return class_id

    def get_setting(self, key: str, default: object = None) -> object:
        return self._store.get_setting(key, default)

    def set_setting(self, key: str, value: object) -> None:
        """A project setting (e.g. the fine-tune prompts); raises StudioError when it cannot be saved."""
        self._store.set_setting(key, value)

    def label_history(self, image_id: int) -> list[dict]:
        return self._store.label_history(image_id)

    # ------------------------------------------------------------------ counts

    def recount(self) -> None:
        st = self._store.status()
        by_name = {c.name: c.id for c in self._classes}
        self.counts = Counts(
            total=st.total,
            labeled=st.labeled,
            excluded=st.excluded,
            missing=st.missing,
            pending=st.pending_checks,
            service_skipped=st.service_skipped,
            flagged=dict(st.flagged),
            per_class={by_name[n]: k for n, k in st.per_class.items() if n in by_name},
            likely_skipped=dict(st.likely_skipped),
        )
        self.counts_changed.emit()

    def _count_label_delta(self, before: dict[int, int | None], after: dict[int, int | None]) -> None:
        c = self.counts
        for image_id, old in before.items():
            new = after.get(image_id)
            if old == new:
                continue
            if old is not None:
                c.per_class[old] = c.per_class.get(old, 0) - 1
                c.labeled -= 1
            if new is not None:
                c.per_class[new] = c.per_class.get(new, 0) + 1
                c.labeled += 1

    # ------------------------------------------------------------------ error handling

    def _try(self, fn: Callable[..., T], *args: object) -> tuple[bool, T | None]:
        """Run a store call; a user-actionable error becomes a banner and the change did not happen."""
        try:
            return True, fn(*args)
        except StudioError as exc:
            self.report_error(str(exc))
            return False, None

    def report_error(self, text: str) -> None:
        """Show a refusal as a banner (also used by undo commands whose undo could not be saved)."""
        self.message.emit("error", text)

    # ------------------------------------------------------------------ labels (undoable)

    def label(self, image_ids: Sequence[int], class_id: int | None) -> bool:
        """Label images (None clears); committed before this returns. False if it was refused."""
        ids = list(dict.fromkeys(image_ids))
        if not ids:
            return True
        if class_id is not None:
            class_id = self.resolve_class(class_id)
        after: dict[int, int | None] = dict.fromkeys(ids, class_id)
        ok, change = self._try(self.commit_labels, after, "user")
        if not ok or change is None:
            return False
        if any(change.before.get(i) != class_id for i in ids):
            self.undo_stack.push(LabelCommand(self, change.before, after, self._label_text(len(ids), class_id)))
        return True

    def _label_text(self, n: int, class_id: int | None) -> str:
        what = f"{n} image{'s' if n != 1 else ''}"
        info = self.class_info(class_id)
        return f"Clear label of {what}" if info is None else f"Label {what} as '{info.name}'"

    # The commit_* methods and restore_class are the public API of the undo commands: each commits
    # one change without pushing an undo step (the command doing the undo/redo is already on the
    # stack), updates the counts and notifies the views. They raise StudioError; widgets call the
    # undoable methods (label, set_excluded, merge_classes, delete_class, the class edits) instead.

    def commit_labels(self, labels: dict[int, int | None], source: str = "undo") -> LabelChange:
        """Commit labels (ids already resolved), update counts, notify views. Raises StudioError."""
        labels = {i: (None if c is None else self.resolve_class(c)) for i, c in labels.items()}
        values = set(labels.values())
        if len(values) == 1:
            change = self._store.set_label(list(labels), values.pop(), source=source)
        else:
            change = self._store.apply_labels(labels, source=source)
        self._count_label_delta(change.before, labels)
        changed = [i for i, old in change.before.items() if old != labels.get(i)]
        if changed:
            self.labels_changed.emit(changed)
            self.counts_changed.emit()
        return change

    def set_excluded(self, image_ids: Sequence[int], excluded: bool) -> bool:
        ids = list(dict.fromkeys(image_ids))
        if not ids:
            return True
        ok, before = self._try(self.commit_excluded, ids, excluded)
        if not ok or before is None:
            return False
        what = f"{len(ids)} image{'s' if len(ids) != 1 else ''}"
        text = f"Exclude {what}" if excluded else f"Include {what} again"
        self.undo_stack.push(ExcludeCommand(self, before, excluded, text))
        return True

    def commit_excluded(self, ids: Sequence[int], excluded: bool) -> dict[int, bool]:
        before = self._store.set_excluded(ids, excluded)
        moved = [i for i, was in before.items() if was != excluded]
        self.counts.excluded += len(moved) if excluded else -len(moved)
        if moved:
            self.excluded_changed.emit(moved)
            self.counts_changed.emit()
        return before

    def apply_import(self, plan) -> bool:
        """Apply a previewed label import as one undoable step."""
        from studio.core.label_io import apply_import
        ok, change = self._try(apply_import, self._store, plan)
        if not ok or change is None:
            return False
        self._reload_classes()
        self.recount()
        ids = {c.name: c.id for c in self._classes}
        after = {i: (ids.get(name) if name is not None else None) for i, name in plan.labels.items()}
        changed = [i for i, old in change.before.items() if old != after.get(i)]
        if changed:
            self.labels_changed.emit(changed)
            self.undo_stack.push(LabelCommand(self, change.before, after, f"Import labels ({len(changed)} changed)"))
        return True

    # ------------------------------------------------------------------ classes

    def _reload_classes(self) -> None:
        self._classes = self._store.classes()

    def _classes_changed(self) -> None:
        self._reload_classes()
        self.classes_changed.emit()
        self.counts_changed.emit()

    def add_class(self, name: str, shortcut: str | None = None, color: str | None = None) -> ClassInfo | None:
        ok, info = self._try(self._store.add_class, name, shortcut, color)
        if ok and info is not None:
            self.counts.per_class.setdefault(info.id, 0)
            self._classes_changed()
        return info

    def rename_class(self, class_id: int, name: str) -> bool:
        return self._edit_class(class_id, "name", name, self._store.rename_class, "Rename class")

    def set_class_color(self, class_id: int, color: str) -> bool:
        return self._edit_class(class_id, "color", color, self._store.set_class_color, "Change class colour")

    def set_class_shortcut(self, class_id: int, key: str | None) -> bool:
        """Persisted in the project, so the same keys work on every machine that opens it."""
        return self._edit_class(class_id, "shortcut", key, self._store.set_class_shortcut, "Change class key")

    def _edit_class(self, class_id: int, field: str, value: object, setter: Callable[..., None], text: str) -> bool:
        """Apply one class attribute change and put it on the undo stack (by class id, so an undo
        still finds a class that was deleted and restored in between)."""
        cid = self.resolve_class(class_id)
        info = self.class_info(cid)
        ok, _ = self._try(setter, cid, value)
        self._classes_changed()
        after = self.class_info(cid)
        if ok and info is not None and after is not None and getattr(info, field) != getattr(after, field):

            def apply(v: object) -> None:
                setter(self.resolve_class(cid), v)
                self._classes_changed()

            label = f"{text} '{after.name}'"
            self.undo_stack.push(ClassEditCommand(self, label, apply, getattr(info, field), getattr(after, field)))
        return ok

    def move_class(self, class_id: int, delta: int) -> None:
        ids = [c.id for c in self._classes]
        class_id = self.resolve_class(class_id)
        if class_id not in ids:
            return
        i = ids.index(class_id)
        j = max(0, min(len(ids) - 1, i + delta))
        if i == j:
            return
        before = list(ids)
        ids.insert(j, ids.pop(i))
        ok, _ = self._try(self._store.reorder_classes, ids)
        self._classes_changed()
        if ok:
            def apply(order: object) -> None:
                assert isinstance(order, list)
                self._store.reorder_classes([self.resolve_class(c) for c in order])
                self._classes_changed()

            self.undo_stack.push(ClassEditCommand(self, "Reorder classes", apply, before, list(ids)))

    def merge_classes(self, source_id: int, target_id: int) -> bool:
        source = self.class_info(source_id)
        target = self.class_info(target_id)
        if source is None or target is None:
            return False
        ok, change = self._try(self.commit_merge, source.id, target.id)
        if not ok or change is None:
            return False
        self.undo_stack.push(MergeClassesCommand(self, source, target.id, change))
        return True

    def commit_merge(self, source_id: int, target_id: int) -> LabelChange:
        source_id, target_id = self.resolve_class(source_id), self.resolve_class(target_id)
        change = self._store.merge_classes(source_id, target_id)
        self._after_class_removed(source_id, change, target_id)
        return change

    def delete_class(self, class_id: int, reassign_to: int | None = None) -> bool:
        info = self.class_info(class_id)
        if info is None:
            return False
        ok, change = self._try(self.commit_delete, info.id, reassign_to)
        if not ok or change is None:
            return False
        self.undo_stack.push(DeleteClassCommand(self, info, reassign_to, change))
        return True

    def commit_delete(self, class_id: int, reassign_to: int | None) -> LabelChange:
        class_id = self.resolve_class(class_id)
        target = None if reassign_to is None else self.resolve_class(reassign_to)
        change = self._store.delete_class(class_id, target)
        self._after_class_removed(class_id, change, target)
        return change

    def _after_class_removed(self, class_id: int, change: LabelChange, target: int | None) -> None:
        self._count_label_delta(change.before, dict.fromkeys(change.before, target))
        self.counts.per_class.pop(class_id, None)
        self._classes_changed()
        if change.before:
            self.labels_changed.emit(list(change.before))

    def restore_class(self, info: ClassInfo) -> int:
        """Re-create a deleted class (for undo) at its old place; returns its new id."""
        shortcut = info.shortcut if self.class_for_key(info.shortcut or "") is None else None
        created = self._store.add_class(info.name, shortcut, info.color)
        self._class_alias[info.id] = created.id
        order = [c.id for c in self._store.classes() if c.id != created.id]
        order.insert(min(info.position, len(order)), created.id)
        self._store.reorder_classes(order)
        self.counts.per_class.setdefault(created.id, 0)
        self._classes_changed()
        return created.id

    # ------------------------------------------------------------------ roots

    def add_root(self, folder: Path | str) -> Root | None:
        ok, root = self._try(self._store.add_root, folder)
        if ok:
            self.roots_changed.emit()
        return root

    def relink_root(self, root_id: int, folder: Path | str) -> int | None:
        ok, found = self._try(self._store.relink_root, root_id, folder)
        if ok:
            self.roots_changed.emit()
            self.images_changed.emit()
        return found

    def clear_service_skips(self, image_ids: Sequence[int]) -> int:
        """Unmark images the service skipped (the user fixed or checked them); returns how many."""
        ids = [r.id for r in self.rows(list(dict.fromkeys(image_ids))) if r.service_skip]
        if ids and self._try(self._store.jobs.clear_service_skip, ids)[0]:
            self.notify_images_changed()
        return len(ids)

    def moderation_flag(self, image_id: int) -> "ModerationFlag | None":
        """The moderation prediction (boxes included, dismissed or not) for one image."""
        from studio.core.store.moderation_flags import ModerationRepository

        return ModerationRepository(self._store).flag(image_id)

    def set_moderation_dismissed(self, image_ids: Sequence[int], dismissed: bool) -> bool:
        """Mark moderation flags as wrong (or right again); identical copies follow. Views requery."""
        from studio.core.store.moderation_flags import ModerationRepository

        ok, _ = self._try(ModerationRepository(self._store).set_dismissed, list(image_ids), dismissed)
        if ok:
            self.notify_images_changed()
        return ok

    def notify_images_changed(self) -> None:
        """Called after a scan committed (through its own connection): requery and recount."""
        self.recount()
        self.images_changed.emit()

    def export_labels(self, csv_path: Path | str) -> int | None:
        from studio.core.label_io import export_csv

        return self._try(export_csv, self._store, csv_path)[1]

    def plan_csv_import(self, csv_path: Path | str):
        from studio.core.label_io import plan_csv_import

        return self._try(plan_csv_import, self._store, csv_path)[1]

    def plan_folder_import(self):
        from studio.core.label_io import plan_folder_import

        return self._try(plan_folder_import, self._store)[1]

    def class_names(self) -> dict[int, str]:
        return {c.id: c.name for c in self._classes}
