"""The thumbnail grid: one item view over the id model, and a delegate that paints each tile.

No widget per image: the view places fixed-size tiles by arithmetic (O(rows on screen) for any
change) and the delegate paints the thumbnail, the class chip and name, a flag badge, the excluded mark
and the service-skip badge. Colours come from the palette at paint time so dark mode just works.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    QSizeF,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPaintEvent, QPalette, QPen, QPixmap, QRegion, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from studio.ui.app import theme
from studio.ui.grid.model import RowRole
from studio.ui.labeling.session import ProjectSession
from studio.ui.grid.thumbnails import THUMB_SIZE, ThumbnailCache

_PAD = 8
_TILE_CACHE = 240  # rendered tiles kept (~40 MB at 1x): a few screens' worth
TILE = QSize(THUMB_SIZE + 2 * _PAD + 4, THUMB_SIZE + _PAD + 44)

_Index = QModelIndex | QPersistentModelIndex


class ThumbnailDelegate(QStyledItemDelegate):
    def __init__(self, session: ProjectSession, thumbs: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.thumbs = thumbs
        self._tiles: OrderedDict[int, tuple[tuple, QPixmap]] = OrderedDict()

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        """The whole grid cell, so the tile (and its selection) is centred in its column."""
        view = self.parent()
        grid = view.gridSize() if isinstance(view, ImageGridView) else QSize()
        return QSize(max(TILE.width(), grid.width()), TILE.height()) if grid.isValid() else TILE

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        """Draw the tile from a cached pixmap, rendering it only when something it shows changed.

        Labeling in the "Unlabeled" view shifts every tile on screen at each key press; blitting a
        cached tile costs a few microseconds, painting one from scratch about half a millisecond.
        """
        row = index.data(RowRole)
        if row is None:
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        pm = self.thumbs.pixmap(row)
        thumb = pm.cacheKey() if pm is not None else self.thumbs.failed(row)
        info = self.session.class_info(row.class_id)
        dpr = p.device().devicePixelRatioF() if p.device() is not None else 1.0
        key = (row, info, thumb, selected, focused, option.palette.cacheKey(), option.font.key(),
               option.rect.size().toTuple(), dpr)
        hit = self._tiles.get(row.id)
        if hit is not None and hit[0] == key:
            self._tiles.move_to_end(row.id)
            p.drawPixmap(option.rect.topLeft(), hit[1])
            return
        tile = QPixmap((QSizeF(option.rect.size()) * dpr).toSize())
        tile.setDevicePixelRatio(dpr)
        tile.fill(Qt.GlobalColor.transparent)
        tp = QPainter(tile)
        self._render(tp, option, QRect(QPoint(0, 0), option.rect.size()), row, pm, info, selected, focused)
        tp.end()
        self._tiles[row.id] = (key, tile)
        while len(self._tiles) > _TILE_CACHE:
            self._tiles.popitem(last=False)
        p.drawPixmap(option.rect.topLeft(), tile)

    def _render(self, p: QPainter, option: QStyleOptionViewItem, cell: QRect, row, pm, info,
                selected: bool, focused: bool) -> None:
        pal: QPalette = option.palette
        rect = cell.adjusted(2, 2, -2, -2)
        if selected:
            hl = QColor(pal.color(QPalette.ColorRole.Highlight))
            hl.setAlpha(70)
            p.fillRect(rect, hl)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if focused:
            p.setPen(QPen(pal.color(QPalette.ColorRole.Highlight), 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 6, 6)
        box = QRect(rect.left() + (rect.width() - THUMB_SIZE) // 2, rect.top() + _PAD - 2, THUMB_SIZE, THUMB_SIZE)
        shown = self._paint_thumbnail(p, pal, box, row, pm)
        # Badges sit on the image itself (images are bottom-aligned, so their top varies).
        if row.excluded:
            veil = QColor(pal.color(QPalette.ColorRole.Base))
            veil.setAlpha(150)
            p.fillRect(shown, veil)
            self._badge(p, shown.left() + 4, shown.top() + 4, "excluded", theme.EXCLUDED_COLOR, option.font)
        if row.flagged:
            text = "⚠ " + theme.VERDICT_BADGE.get(row.verdict, row.verdict.value)
            self._badge(p, shown.right() - 3, shown.top() + 4, text, theme.FLAG_COLOR, option.font, align_right=True)
        if row.service_skip:
            self._badge(p, shown.left() + 4, shown.bottom() - 22, "skipped: " + row.service_skip, theme.SKIP_COLOR,
                        option.font, max_width=shown.width() - 8)
        elif row.moderation:
            self._badge(p, shown.left() + 4, shown.bottom() - 22, f"◉ {row.moderation}: may be skipped",
                        theme.MODERATION_COLOR, option.font, max_width=shown.width() - 8)
        self._paint_caption(p, pal, option.font, rect, box, row, info)

    def _paint_thumbnail(self, p: QPainter, pal: QPalette, box: QRect, row, pm) -> QRect:
        """Draw the thumbnail (or a placeholder); returns the rectangle it covers."""
        if pm is not None and not pm.isNull():
            size = pm.deviceIndependentSize().toSize()
            target = QRect(0, 0, size.width(), size.height())
            # Bottom-aligned so the caption sits right under every image, whatever its aspect ratio.
            target.moveCenter(box.center())
            target.moveBottom(box.bottom())
            p.drawPixmap(target, pm)
            return target
        placeholder = box.adjusted(8, 40, -8, 0)
        p.fillRect(placeholder, pal.color(QPalette.ColorRole.AlternateBase))
        if row.missing or self.thumbs.failed(row):
            p.setPen(theme.muted_text(pal))
            p.drawText(placeholder, Qt.AlignmentFlag.AlignCenter, "file missing" if row.missing else "no preview")
        return placeholder

    def _paint_caption(self, p: QPainter, pal: QPalette, font: QFont, rect: QRect, box: QRect, row, info) -> None:
        fm = QFontMetrics(font)
        y = box.bottom() + 5
        line = QRect(box.left(), y, box.width(), fm.height())  # aligned with the thumbnail column
        text_color = pal.color(QPalette.ColorRole.Text)
        if info is not None:
            chip = QRect(line.left(), line.center().y() - 6, 12, 12)
            p.setPen(QColor(0, 0, 0, 80))
            p.setBrush(QColor(info.color))
            p.drawRoundedRect(chip, 3, 3)
            bold = QFont(font)
            bold.setBold(True)
            p.setFont(bold)
            p.setPen(text_color)
            name_rect = line.adjusted(18, 0, 0, 0)
            p.drawText(name_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       QFontMetrics(bold).elidedText(info.name, Qt.TextElideMode.ElideRight, name_rect.width()))
            p.setFont(font)
        else:
            italic = QFont(font)
            italic.setItalic(True)
            p.setFont(italic)
            p.setPen(theme.muted_text(pal))
            p.drawText(line, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, "unlabeled")
            p.setFont(font)
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        p.setFont(small)
        sfm = QFontMetrics(small)
        name_line = QRect(line.left(), line.bottom() + 2, line.width(), sfm.height() + 3)
        p.setPen(theme.muted_text(pal))
        name = row.rel_path.rsplit("/", 1)[-1]
        p.drawText(name_line, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                   sfm.elidedText(name, Qt.TextElideMode.ElideMiddle, name_line.width()))

    @staticmethod
    def _badge(p: QPainter, x: int, y: int, text: str, color: QColor, font: QFont, *,
               align_right: bool = False, max_width: int = THUMB_SIZE - 8) -> None:
        f = QFont(font)
        f.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        f.setBold(True)
        fm = QFontMetrics(f)
        text = fm.elidedText(text, Qt.TextElideMode.ElideRight, max_width - 10)
        w = fm.horizontalAdvance(text) + 10
        h = fm.height() + 4
        r = QRect(x - w if align_right else x, y, w, h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRoundedRect(r, 4, 4)
        p.setFont(f)
        p.setPen(QColor("white"))
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, text)


class ImageGridView(QAbstractItemView):
    """The grid: fixed cells laid out by arithmetic, so no change ever costs more than a screenful.

    Not a QListView: after rows are removed or inserted QListView lays out every row again (its
    flow positions), about 6-11 ms at 100,000 images on each labeling key press in the "Unlabeled"
    view. Here row r sits in cell (r % columns, r // columns), so geometry, hit tests, scrolling and
    painting only look at the rows on screen. Key presses go to `key_handler` first (labeling), then
    to QAbstractItemView (arrows, Home/End, Page keys, Shift+arrows, Ctrl+A).
    """

    open_requested = Signal(int)  # row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key_handler: Callable[[QKeyEvent], bool] | None = None
        self.empty_text = ""
        self._cell = QSize(TILE.width(), TILE.height() + 4)
        self._cols = 1
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.doubleClicked.connect(lambda idx: self.open_requested.emit(idx.row()))
        self.setObjectName("imageGrid")

    # ------------------------------------------------------------------ layout by arithmetic

    def gridSize(self) -> QSize:
        return QSize(self._cell)

    def setGridSize(self, size: QSize) -> None:
        self._cell = QSize(size)
        self._update_columns()
        self.updateGeometries()
        self.viewport().update()

    def columns(self) -> int:
        return self._cols

    def _update_columns(self) -> None:
        """Kept, not computed per call: painting asks for it for every tile (resizeEvent also
        receives the viewport's own resizes, e.g. when the scroll bar appears)."""
        self._cols = max(1, self.viewport().width() // max(1, self._cell.width()))

    def _count(self) -> int:
        model = self.model()
        return model.rowCount(self.rootIndex()) if model is not None else 0

    def _cell_rect(self, row: int) -> QRect:
        """Where `row` sits in content coordinates (before scrolling)."""
        cols, w, h = self.columns(), self._cell.width(), self._cell.height()
        return QRect((row % cols) * w, (row // cols) * h, w, h)

    def visualRect(self, index: _Index) -> QRect:
        if not index.isValid():
            return QRect()
        return self._cell_rect(index.row()).translated(0, -self.verticalOffset())

    def indexAt(self, point: QPoint) -> QModelIndex:
        model = self.model()
        x, y = point.x(), point.y() + self.verticalOffset()
        cols = self.columns()
        if model is None or x < 0 or y < 0 or x >= cols * self._cell.width():
            return QModelIndex()
        row = (y // self._cell.height()) * cols + x // self._cell.width()
        return model.index(row, 0, self.rootIndex()) if row < self._count() else QModelIndex()

    def visible_rows(self) -> range:
        """Rows currently on screen (for prefetching around them and for benchmarks)."""
        return self._rows_in(0, self.viewport().height() - 1)

    def _rows_in(self, top: int, bottom: int) -> range:
        """Rows whose cells meet the viewport's lines top..bottom."""
        n = self._count()
        if n == 0 or bottom < top:
            return range(0)
        cols, h, offset = self.columns(), self._cell.height(), self.verticalOffset()
        first = max(0, (top + offset) // h) * cols
        last = min(n - 1, ((bottom + offset) // h + 1) * cols - 1)
        return range(first, last + 1) if first <= last else range(0)

    def horizontalOffset(self) -> int:
        return 0

    def verticalOffset(self) -> int:
        return self.verticalScrollBar().value()

    def isIndexHidden(self, index: _Index) -> bool:
        return False

    def scrollTo(self, index: _Index, hint: QAbstractItemView.ScrollHint = QAbstractItemView.ScrollHint.EnsureVisible) -> None:
        if not index.isValid():
            return
        rect = self._cell_rect(index.row())
        top, height = self.verticalOffset(), self.viewport().height()
        Hint = QAbstractItemView.ScrollHint
        if hint == Hint.PositionAtTop or (hint == Hint.EnsureVisible and rect.top() < top):
            value = rect.top()
        elif hint == Hint.PositionAtBottom or (hint == Hint.EnsureVisible and rect.bottom() >= top + height):
            value = rect.bottom() + 1 - height
        elif hint == Hint.PositionAtCenter:
            value = rect.center().y() - height // 2
        else:
            return
        self.verticalScrollBar().setValue(value)

    def moveCursor(self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier) -> QModelIndex:
        model, n = self.model(), self._count()
        if model is None or n == 0:
            return QModelIndex()
        current = self.currentIndex()
        r = current.row() if current.isValid() else 0
        cols = self.columns()
        page = max(1, self.viewport().height() // self._cell.height()) * cols
        A = QAbstractItemView.CursorAction
        if action in (A.MoveLeft, A.MovePrevious):
            r -= 1
        elif action in (A.MoveRight, A.MoveNext):
            r += 1
        elif action == A.MoveUp:
            r = r - cols if r >= cols else r
        elif action == A.MoveDown:
            r = r + cols if r + cols < n else (n - 1 if r // cols < (n - 1) // cols else r)
        elif action == A.MovePageUp:
            r -= page
        elif action == A.MovePageDown:
            r += page
        elif action == A.MoveHome:
            r = 0
        elif action == A.MoveEnd:
            r = n - 1
        return model.index(max(0, min(n - 1, r)), 0, self.rootIndex())

    def setSelection(self, rect: QRect, command: QItemSelectionModel.SelectionFlag) -> None:
        """Select in reading order from the cell at the rectangle's first corner to the one at its
        second, as QListView's flow did: Qt passes (anchor, end) as (topLeft, bottomRight), not
        normalized, for Shift+arrows, Shift+click and mouse drags alike."""
        model, sm = self.model(), self.selectionModel()
        if model is None or sm is None or self._count() == 0:
            return
        a, b = sorted((self._nearest_row(rect.topLeft()), self._nearest_row(rect.bottomRight())))
        selection = QItemSelection(model.index(a, 0, self.rootIndex()), model.index(b, 0, self.rootIndex()))
        sm.select(selection, command)

    def _nearest_row(self, point: QPoint) -> int:
        """The row of the cell under a viewport point, clamped into the grid."""
        cols, n = self.columns(), self._count()
        col = max(0, min(cols - 1, point.x() // self._cell.width()))
        line = max(0, (point.y() + self.verticalOffset()) // self._cell.height())
        return max(0, min(n - 1, line * cols + col))

    def visualRegionForSelection(self, selection: QItemSelection) -> QRegion:
        """Only the selected cells on screen: select-all over 100,000 images repaints one screen."""
        region = QRegion()
        visible = self.visible_rows()
        if not visible:
            return region
        for rng in (selection.at(i) for i in range(selection.count())):
            for row in range(max(rng.top(), visible.start), min(rng.bottom(), visible.stop - 1) + 1):
                region += self._cell_rect(row).translated(0, -self.verticalOffset())
        return region

    def updateGeometries(self) -> None:
        lines = -(-self._count() // self.columns())
        height = self.viewport().height()
        bar = self.verticalScrollBar()
        bar.setRange(0, max(0, lines * self._cell.height() - height))
        bar.setPageStep(max(1, height))
        bar.setSingleStep(24)
        super().updateGeometries()

    def setModel(self, model: QAbstractItemModel | None) -> None:
        old = self.model()
        if old is not None:
            for sig in (old.rowsInserted, old.rowsRemoved, old.modelReset, old.layoutChanged):
                sig.disconnect(self._rows_changed)
        super().setModel(model)
        if model is not None:
            # After the model's own bookkeeping (connected first): the scroll range follows the count.
            for sig in (model.rowsInserted, model.rowsRemoved, model.modelReset, model.layoutChanged):
                sig.connect(self._rows_changed)
        self.updateGeometries()

    def _rows_changed(self, *args: object) -> None:
        self.updateGeometries()
        self.viewport().update()

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self.viewport())
        model, delegate, sm = self.model(), self.itemDelegate(), self.selectionModel()
        if model is not None and delegate is not None:
            option = QStyleOptionViewItem()
            self.initViewItemOption(option)
            base_state = option.state | QStyle.StateFlag.State_Enabled
            current = self.currentIndex()
            focus = self.hasFocus()
            area = event.rect()
            for row in self._rows_in(area.top(), area.bottom()):
                index = model.index(row, 0, self.rootIndex())
                option.rect = self.visualRect(index)
                state = base_state
                if sm is not None and sm.isSelected(index):
                    state |= QStyle.StateFlag.State_Selected
                if focus and index == current:
                    state |= QStyle.StateFlag.State_HasFocus
                option.state = state
                delegate.paint(p, option, index)
        if model is not None and self._count() == 0 and self.empty_text:
            p.setPen(theme.muted_text(self.palette()))
            p.drawText(self.viewport().rect().adjusted(40, 40, -40, -40),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text)
        p.end()

    def dataChanged(self, top_left, bottom_right, roles=()) -> None:
        """Repaint the changed tiles only: tiles have a fixed size, so a change of what a tile shows
        never moves another tile."""
        if top_left.row() == bottom_right.row():
            self.viewport().update(self.visualRect(top_left))
        else:
            self.viewport().update()

    # ------------------------------------------------------------------ input

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.key_handler is not None and self.key_handler(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Spread the columns over the whole width instead of leaving a ragged gap on the right."""
        super().resizeEvent(event)
        cols = max(1, self.viewport().width() // TILE.width())
        cell = QSize(self.viewport().width() // cols, TILE.height() + 4)
        if cell != self._cell:
            self.setGridSize(cell)
        else:
            self._update_columns()
            self.updateGeometries()

    def keyboardSearch(self, search: str) -> None:
        """Letters are class shortcuts here; jumping to a file name by typing would fight them."""
