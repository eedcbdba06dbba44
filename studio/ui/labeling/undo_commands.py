"""Undo/redo steps: single and bulk labels, exclude, class merge and delete, and class edits
(rename, recolour, shortcut, order).

Each command is pushed after its change was already committed (so a refused change never reaches
the stack); the first `redo()` that `QUndoStack.push` triggers is therefore skipped. Undo and redo
commit through the store like any other change, so they are as durable as the original press.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

from PySide6.QtGui import QUndoCommand

from studio.core.errors import StudioError
from studio.core.models import ClassInfo, LabelChange


class UndoTarget(Protocol):
    """The public session API the commands use (`ProjectSession` implements it).

    A protocol here, not the session class, because the session imports these commands: each
    method commits one change without pushing another undo step.
    """

    def commit_labels(self, labels: dict[int, int | None], source: str = ...) -> LabelChange: ...
    def commit_excluded(self, ids: Sequence[int], excluded: bool) -> dict[int, bool]: ...
    def commit_merge(self, source_id: int, target_id: int) -> LabelChange: ...
    def commit_delete(self, class_id: int, reassign_to: int | None) -> LabelChange: ...
    def restore_class(self, info: ClassInfo) -> int: ...
    def class_info(self, class_id: int | None) -> ClassInfo | None: ...
    def report_error(self, text: str) -> None: ...


class _SessionCommand(QUndoCommand):
    def __init__(self, session: UndoTarget, text: str) -> None:
        super().__init__(text)
        self.session = session
        self._pushed = False

    def redo(self) -> None:
        if not self._pushed:
            self._pushed = True
            return
        self._run(self.do)

    def undo(self) -> None:
        self._run(self.revert)

    def _run(self, step) -> None:
        """A failed undo/redo (e.g. the file became read-only) is reported, never raised into Qt."""
        try:
            step()
        except StudioError as exc:
            self.session.report_error(str(exc))
            self.setObsolete(True)

    def do(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError


class ClassEditCommand(_SessionCommand):
    """A change to how a class is named, coloured, keyed or ordered: its labels are untouched."""

    def __init__(self, session: UndoTarget, text: str, apply: Callable[[object], None], before: object, after: object) -> None:
        super().__init__(session, text)
        self.apply, self.before, self.after = apply, before, after

    def do(self) -> None:
        self.apply(self.after)

    def revert(self) -> None:
        self.apply(self.before)


class LabelCommand(_SessionCommand):
    def __init__(
        self,
        session: UndoTarget,
        before: dict[int, int | None],
        after: dict[int, int | None],
        text: str,
    ) -> None:
        super().__init__(session, text)
        self.before = dict(before)
        self.after = {i: after[i] for i in before if i in after}

    def do(self) -> None:
        self.session.commit_labels(self.after, "redo")

    def revert(self) -> None:
        self.session.commit_labels(self.before, "undo")


class ExcludeCommand(_SessionCommand):
    def __init__(self, session: UndoTarget, before: dict[int, bool], excluded: bool, text: str) -> None:
        super().__init__(session, text)
        self.before = dict(before)
        self.excluded = excluded

    def do(self) -> None:
        self.session.commit_excluded(list(self.before), self.excluded)

    def revert(self) -> None:
        for state in (True, False):
            ids = [i for i, was in self.before.items() if was is state]
            if ids:
                self.session.commit_excluded(ids, state)


class _ClassRemovalCommand(_SessionCommand):
    """Merge and delete both remove a class and move its images; undo re-creates it and moves them back."""

    def __init__(self, session: UndoTarget, removed: ClassInfo, target: int | None, change: LabelChange, text: str) -> None:
        super().__init__(session, text)
        self.removed = removed
        self.target = target
        self.images = list(change.before)

    def revert(self) -> None:
        new_id = self.session.restore_class(self.removed)
        if self.images:
            self.session.commit_labels(dict.fromkeys(self.images, new_id), "undo")


class MergeClassesCommand(_ClassRemovalCommand):
    def __init__(self, session: UndoTarget, source: ClassInfo, target_id: int, change: LabelChange) -> None:
        target = session.class_info(target_id)
        name = target.name if target else "?"
        super().__init__(session, source, target_id, change, f"Merge '{source.name}' into '{name}'")

    def do(self) -> None:
        assert self.target is not None
        self.session.commit_merge(self.removed.id, self.target)


class DeleteClassCommand(_ClassRemovalCommand):
    def __init__(self, session: UndoTarget, info: ClassInfo, reassign_to: int | None, change: LabelChange) -> None:
        super().__init__(session, info, reassign_to, change, f"Delete class '{info.name}'")

    def do(self) -> None:
        self.session.commit_delete(self.removed.id, self.target)
