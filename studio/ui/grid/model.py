"""The grid's model: only image ids, rows fetched lazily in blocks and kept in a bounded cache.

Like Anki's browser table, holding ids (one Python int per image) is what lets 100,000 images open at
once: a row (`ImageRow`) is read from SQLite only when a view asks for it, a screenful at a time, and
a change touches only the rows it changed. Membership changes (a labeled image leaving the
"unlabeled" view, a scan adding files) are applied as row removals and insertions, never as a full
reset, so the current image and the scroll position survive.

Why a QStringListModel underneath: Qt's own per-row loops (QListView's layout, which the grid no
longer uses; selection and persistent-index bookkeeping) call `index()` -> `rowCount()` per row; with
`rowCount` written in Python that was 200,000 calls into Python per key press at 100,000 images
(~140 ms). Here the row *count* is kept by the C++ base class (a list of empty strings, ~8 bytes a
row), so `rowCount` and `index` never leave C++; only `data()` is Python, and the grid calls it for
visible rows only. `_ids` is updated in
slots connected to the model's own row signals before any view connects, so views always see ids
and row count agree.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QStringListModel, Qt

from studio.core.models import ImageFilter, ImageRow
from studio.ui.labeling.session import ProjectSession

IdRole = Qt.ItemDataRole.UserRole + 1
RowRole = Qt.ItemDataRole.UserRole + 2

_ITEM_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
_ROLES = [RowRole, Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole]  # never SizeHintRole: no relayout
_BLOCK = 256
_CACHE_ROWS = 4096

_Index = QModelIndex | QPersistentModelIndex


class ImageGridModel(QStringListModel):
    def __init__(self, session: ProjectSession, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self.filter = ImageFilter()
        self.order = "path"
        self._ids: list[int] = []
        self._rows: OrderedDict[int, ImageRow] = OrderedDict()
        self._pending: tuple[str, Any] | None = None
        self.hint_row = -1  # where the next change probably is (the labeling controller's current row)
        # Connected before any view exists, so these run before views hear about the change.
        self.rowsRemoved.connect(self._apply_pending)
        self.rowsInserted.connect(self._apply_pending)
        self.modelReset.connect(self._apply_pending)
        session.labels_changed.connect(self._on_labels_changed)
        session.excluded_changed.connect(self._on_excluded_changed)
        session.images_changed.connect(self.refresh)
        session.classes_changed.connect(self._on_classes_changed)

    # ------------------------------------------------------------------ Qt model API

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == IdRole:
            return self._ids[index.row()]
        if role not in (RowRole, Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == RowRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return row.rel_path.rsplit("/", 1)[-1]
        return self._tooltip(row)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _ITEM_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    # ------------------------------------------------------------------ row bookkeeping

    def _apply_pending(self, *args: object) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        kind, value = pending
        if kind == "reset":
            self._ids = value
        elif kind == "remove":
            first, last = value
            del self._ids[first : last + 1]
        else:
            pos, run = value
            self._ids[pos:pos] = run

    def _reset(self, ids: list[int]) -> None:
        self._pending = ("reset", ids)
        QStringListModel.setStringList(self, [""] * len(ids))

    def _remove(self, first: int, last: int) -> None:
        self._pending = ("remove", (first, last))
        QStringListModel.removeRows(self, first, last - first + 1)

    def _insert(self, pos: int, run: list[int]) -> None:
        self._pending = ("insert", (pos, run))
        QStringListModel.insertRows(self, pos, len(run))

    def _tooltip(self, row: ImageRow) -> str:
        info = self.session.class_info(row.class_id)
        lines = [row.rel_path, f"Class: {info.name if info else 'unlabeled'}"]
        if row.flagged:
            lines.append(row.message)
        if row.excluded:
            lines.append("Excluded from the dataset (press X to include it again).")
        if row.service_skip:
            lines.append(f"Skipped by the service: {row.service_skip}")
        if row.moderation:
            lines.append(f"Likely skipped by the service's moderation: a {row.moderation} was found "
                         "(a warning; open it to see where, or to mark the flag as wrong).")
        return "\n".join(lines)

    # ------------------------------------------------------------------ ids and rows

    @property
    def ids(self) -> Sequence[int]:
        return self._ids

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, image_id: int, hint: int = -1) -> int:
        """Row of an image id, or -1; checks near `hint` first (changes happen near the cursor)."""
        ids = self._ids
        for r in (hint, hint + 1, hint - 1):
            if 0 <= r < len(ids) and ids[r] == image_id:
                return r
        try:
            return ids.index(image_id)
        except ValueError:
            return -1

    def row_at(self, row: int) -> ImageRow | None:
        image_id = self.id_at(row)
        if image_id is None:
            return None
        cached = self._rows.get(image_id)
        if cached is not None:
            self._rows.move_to_end(image_id)
            return cached
        start = max(0, row - _BLOCK // 4)
        block = [i for i in self._ids[start : start + _BLOCK] if i not in self._rows]
        for fetched in self.session.rows(block):
            self._rows[fetched.id] = fetched
        while len(self._rows) > _CACHE_ROWS:
            self._rows.popitem(last=False)
        return self._rows.get(image_id)

    def rows_at(self, rows: Sequence[int]) -> list[ImageRow]:
        return [r for r in (self.row_at(i) for i in rows) if r is not None]

    # ------------------------------------------------------------------ queries

    def set_query(self, flt: ImageFilter, order: str = "path") -> None:
        """Show another filter or sort order (a reset: the whole list changes)."""
        self.filter, self.order = flt, order
        self._rows.clear()
        self._reset(self.session.image_ids(flt, order))

    def refresh(self) -> None:
        """Query again and apply the difference as removals and insertions (no reset)."""
        self._rows.clear()
        self.apply_ids(self.session.image_ids(self.filter, self.order))
        self._all_changed()

    def _all_changed(self) -> None:
        if self._ids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._ids) - 1, 0), _ROLES)

    def apply_ids(self, new_ids: list[int]) -> None:
        old_set = set(self._ids)
        new_set = set(new_ids)
        # Removals, as contiguous runs from the end so earlier row numbers stay valid.
        gone = [r for r, i in enumerate(self._ids) if i not in new_set]
        for first, last in reversed(_runs(gone)):
            self._remove(first, last)
        kept = [i for i in new_ids if i in old_set]
        if kept != self._ids:
            # The sort order of kept rows changed (e.g. sort by class after relabeling).
            self.layoutAboutToBeChanged.emit()
            self._ids[:] = kept
            self.layoutChanged.emit()
        # Insertions: walk the new list; every id missing at its position is part of a new run.
        pos = 0
        j = 0
        while j < len(new_ids):
            if pos < len(self._ids) and self._ids[pos] == new_ids[j]:
                pos += 1
                j += 1
                continue
            start = j
            while j < len(new_ids) and new_ids[j] not in old_set:
                j += 1
            run = new_ids[start:j]
            self._insert(pos, run)
            pos += len(run)

    # ------------------------------------------------------------------ change handling

    def _emit_rows_changed(self, ids: Sequence[int], hint: int = -1) -> None:
        if len(ids) > 32:  # bulk change: one signal; views repaint only what is visible
            self._all_changed()
            return
        for image_id in ids:
            r = self.row_of(image_id, hint)
            if r >= 0:
                idx = self.index(r, 0)
                self.dataChanged.emit(idx, idx, _ROLES)

    def _drop_cached(self, ids: Sequence[int]) -> None:
        for i in ids:
            self._rows.pop(i, None)

    def _on_labels_changed(self, ids: list[int]) -> None:
        self._drop_cached(ids)
        flt = self.filter
        if not (flt.unlabeled or flt.class_id is not None or self.order == "class"):
            self._emit_rows_changed(ids)
            return
        if self.order == "class":
            self.refresh()
            return
        self._apply_membership(ids, lambda row: (row.class_id is None) if flt.unlabeled else row.class_id == flt.class_id)

    def _on_excluded_changed(self, ids: list[int]) -> None:
        self._drop_cached(ids)
        if self.filter.excluded is None:
            self._emit_rows_changed(ids)
            return
        want = self.filter.excluded
        self._apply_membership(ids, lambda row: row.excluded == want)

    def _apply_membership(self, ids: list[int], still_matches: Callable[[ImageRow], bool]) -> None:
        """Fast path for a change of the one field the filter tests: drop rows that stopped matching.

        Rows that started matching may also fail the filter's other criteria, and their position is
        unknown, so that case (undo, clearing a label) queries again. A few changed images are found
        from `hint_row` (where the user is) instead of indexing all ids: at 100,000 images building a
        set of every id costs milliseconds on each key press.
        """
        rows = self.session.rows(ids)
        if len(rows) <= 32:
            where = {r.id: self.row_of(r.id, self.hint_row) for r in rows}
        else:
            wanted = {r.id for r in rows}
            where = dict.fromkeys(wanted, -1) | {i: pos for pos, i in enumerate(self._ids) if i in wanted}
        leaving = [r.id for r in rows if where[r.id] >= 0 and not still_matches(r)]
        joining = [r.id for r in rows if where[r.id] < 0 and still_matches(r)]
        if joining:
            self.refresh()
            return
        for row in rows:
            self._rows[row.id] = row
        for first, last in reversed(_runs(sorted(where[i] for i in leaving))):
            self._remove(first, last)
        leave_set = set(leaving)
        self._emit_rows_changed([i for i in ids if i not in leave_set], self.hint_row)

    def _on_classes_changed(self) -> None:
        self._all_changed()


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers -> [(first, last), ...] contiguous runs."""
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and out[-1][1] == r - 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out
