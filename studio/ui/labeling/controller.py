"""What keys do while the grid or the viewer has focus: label, clear, exclude, move.

The order of one labeling key press is the contract: (1) commit the label to SQLite, (2) let the
model drop or repaint the changed rows, (3) make the next image current. The next image is chosen
before the commit, from the rows as the user saw them, so it is the image that followed — also when
the labeled image leaves the view (filter "unlabeled").
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QObject, QTimer, Signal
from PySide6.QtGui import QKeyEvent

from studio.core.models import ImageRow
from studio.ui.grid.model import ImageGridModel
from studio.ui.grid.view import ImageGridView
from studio.ui.window.keymap import Command, class_key_for, command_for
from studio.ui.labeling.session import ProjectSession
from studio.ui.grid.thumbnails import ThumbnailCache

_Sel = QItemSelectionModel.SelectionFlag


class LabelingController(QObject):
    current_changed = Signal(object)  # ImageRow | None
    open_viewer = Signal()
    close_viewer = Signal()
    zoom = Signal(str)  # Command value for the viewer
    toast = Signal(str)  # short status-bar note

    def __init__(self, session: ProjectSession, model: ImageGridModel, view: ImageGridView, thumbs: ThumbnailCache) -> None:
        super().__init__(view)
        self.session = session
        self.model = model
        self.view = view
        self.thumbs = thumbs
        view.key_handler = self.handle_key
        self._sm: QItemSelectionModel | None = None
        self._last_emitted: tuple[int, ImageRow] | None = None
        self._prefetch_row = -1
        self._prefetch_pending = False
        self._watch_selection_model()
        model.modelReset.connect(self._watch_selection_model)

    def _watch_selection_model(self) -> None:
        sm = self.view.selectionModel()
        if sm is not None and self._sm is not sm:
            self._sm = sm
            sm.currentChanged.connect(self._on_current_changed)

    # ------------------------------------------------------------------ state

    def current_row(self) -> int:
        idx = self.view.currentIndex()
        return idx.row() if idx.isValid() else -1

    def current_image(self) -> ImageRow | None:
        r = self.current_row()
        return self.model.row_at(r) if r >= 0 else None

    def target_rows(self) -> list[int]:
        """Rows a label applies to: all selected rows when several are selected, else the current one."""
        sm = self.view.selectionModel()
        rows = sorted(i.row() for i in sm.selectedIndexes()) if sm is not None else []
        if len(rows) > 1:
            return rows
        cur = self.current_row()
        return [cur] if cur >= 0 else rows

    # ------------------------------------------------------------------ keys

    def handle_key(self, event: QKeyEvent) -> bool:
        command = command_for(event)
        if command is not None:
            return self.run(command)
        key = class_key_for(event)
        if key is None:
            return False
        info = self.session.class_for_key(key)
        if info is None:
            if key.isdigit() or key.isalpha():
                self.toast.emit(f"No class has the key '{key.upper()}'. Set keys in the Classes panel.")
                return True
            return False
        self.label(info.id)
        return True

    def run(self, command: Command) -> bool:
        if command is Command.NEXT:
            self.step(1)
        elif command is Command.PREVIOUS:
            self.step(-1)
        elif command is Command.NEXT_UNLABELED:
            self.step_unlabeled(1)
        elif command is Command.PREVIOUS_UNLABELED:
            self.step_unlabeled(-1)
        elif command is Command.CLEAR_LABEL:
            self.label(None)
        elif command is Command.TOGGLE_EXCLUDE:
            self.toggle_excluded()
        elif command is Command.OPEN_VIEWER:
            if self.current_row() >= 0:
                self.open_viewer.emit()
        elif command is Command.CLOSE_VIEWER:
            self.close_viewer.emit()
        else:
            self.zoom.emit(command.value)
        return True

    # ------------------------------------------------------------------ actions

    def label(self, class_id: int | None) -> bool:
        """Label the target rows; a class moves on to the next image, clearing (None) stays put so
        the user can type the right class at once."""
        rows = self.target_rows()
        if not rows:
            return False
        ids = [i for i in (self.model.id_at(r) for r in rows) if i is not None]
        if class_id is None:
            next_id = self.model.id_at(self.current_row())
            if self.model.filter.class_id is not None:  # the image leaves a class view: move on
                next_id = self._next_after(rows, ids, class_id)
        else:
            next_id = self._next_after(rows, ids, class_id)
        self.model.hint_row = rows[0]  # the model finds the changed rows there, not by a search
        if not self.session.label(ids, class_id):
            return False
        info = self.session.class_info(class_id)
        what = info.name if info else "unlabeled"
        self.toast.emit(f"Saved: {len(ids)} images → {what}" if len(ids) > 1 else f"Saved → {what}")
        self.go_to_id(next_id, fallback_row=rows[0])
        return True

    def _next_after(self, rows: list[int], ids: list[int], class_id: int | None) -> int | None:
        """The image to show after labeling `rows`: the one that followed them in the view."""
        flt = self.model.filter
        leaving = (flt.unlabeled and class_id is not None) or (flt.class_id is not None and flt.class_id != class_id)
        after = (max(rows) if len(rows) > 1 else self.current_row()) + 1
        taken = set(ids) if leaving else set()
        n = self.model.rowCount()
        for r in range(after, n):
            image_id = self.model.id_at(r)
            if image_id not in taken:
                return image_id
        if not leaving:
            return self.model.id_at(min(after, n) - 1) if len(rows) == 1 else self.model.id_at(n - 1)
        for r in range(min(rows) - 1, -1, -1):
            image_id = self.model.id_at(r)
            if image_id not in taken:
                return image_id
        return None

    def toggle_excluded(self) -> None:
        rows = self.target_rows()
        images = self.model.rows_at(rows)
        if not images:
            return
        exclude = not all(r.excluded for r in images)
        self.model.hint_row = rows[0]
        if self.session.set_excluded([r.id for r in images], exclude):
            n = len(images)
            self.toast.emit(("Excluded" if exclude else "Included again") + (f": {n} images" if n > 1 else ""))
            if self.current_row() < 0 and rows:
                self.go_to_row(min(rows[0], self.model.rowCount() - 1))

    def clear_service_skips(self) -> None:
        images = self.model.rows_at(self.target_rows())
        n = self.session.clear_service_skips([r.id for r in images])
        self.toast.emit(f"Cleared the service's skip mark on {n} image{'s' if n != 1 else ''}" if n
                        else "None of these images was skipped by the service")

    def step(self, delta: int) -> None:
        n = self.model.rowCount()
        if n == 0:
            return
        cur = self.current_row()
        self.go_to_row(max(0, min(n - 1, (cur if cur >= 0 else -1 if delta > 0 else n) + delta)))

    def step_unlabeled(self, direction: int) -> None:
        n = self.model.rowCount()
        r = self.current_row() + direction
        while 0 <= r < n:
            row = self.model.row_at(r)
            if row is not None and row.class_id is None:
                self.go_to_row(r)
                return
            r += direction
        self.toast.emit("No more unlabeled images in this direction.")

    def go_to_id(self, image_id: int | None, fallback_row: int = 0) -> None:
        if self.model.rowCount() == 0:
            self.current_changed.emit(None)
            return
        r = self.model.row_of(image_id, self.current_row()) if image_id is not None else -1
        if r < 0:
            r = max(0, min(fallback_row, self.model.rowCount() - 1))
        self.go_to_row(r)

    def go_to_row(self, r: int) -> None:
        idx = self.model.index(r, 0)
        if not idx.isValid():
            return
        sm = self.view.selectionModel()
        sm.setCurrentIndex(idx, _Sel.ClearAndSelect)
        if self.view.isVisible():  # the hidden grid behind the viewer scrolls when it is shown again
            self.view.scrollTo(idx)
        if self.view.currentIndex() == idx:
            # setCurrentIndex does not signal when the row number stayed the same but the image
            # changed (the labeled one left the view); tell listeners about the new image anyway.
            self._on_current_changed(idx, None)

    # ------------------------------------------------------------------ prefetch

    def _on_current_changed(self, current, previous) -> None:
        row = self.model.row_at(current.row()) if current is not None and current.isValid() else None
        if row is not None and self._last_emitted == (row.id, row):
            return
        self._last_emitted = (row.id, row) if row is not None else None
        self.current_changed.emit(row)
        if row is not None:
            self._prefetch(current.row())

    def _prefetch(self, r: int) -> None:
        """Queue thumbnails for the next screenful so moving on never waits for a decode (after the
        current frame: the press that moved here is still waiting for its paint)."""
        self._prefetch_row = r
        if not self._prefetch_pending:
            self._prefetch_pending = True
            QTimer.singleShot(0, self._do_prefetch)

    def _do_prefetch(self) -> None:
        self._prefetch_pending = False
        if not self.view.isVisible():
            return  # the viewer decodes its own images ahead; grid tiles would only compete for the CPU
        r = self._prefetch_row
        cols = self.view.columns()
        ahead = range(r + 1, min(self.model.rowCount(), r + 1 + 3 * cols))
        self.thumbs.prefetch(self.model.rows_at(ahead))
