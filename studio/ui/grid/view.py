"""The thumbnail grid: one QListView over the id model, and a delegate that paints each tile.

No widget per image: the view lays out fixed-size tiles (uniform item sizes keep layout O(1) per
row) and the delegate paints the thumbnail, the class chip and name, a flag badge, the excluded mark
and the service-skip badge. Colours come from the palette at paint time so dark mode just works.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, QSizeF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPalette, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

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
        grid = view.gridSize() if isinstance(view, QListView) else QSize()
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


class ImageGridView(QListView):
    """The grid; key presses go to `key_handler` first (labeling), then to QListView (arrows, Ctrl+A)."""

    open_requested = Signal(int)  # row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key_handler: Callable[[QKeyEvent], bool] | None = None
        self.empty_text = ""
        # List mode + left-to-right wrapping is the grid layout that stays O(visible) with uniform
        # sizes; IconMode keeps a per-item geometry table and re-lays-out everything on changes.
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setMovement(QListView.Movement.Static)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionRectVisible(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(24)
        self.setSpacing(2)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.doubleClicked.connect(lambda idx: self.open_requested.emit(idx.row()))
        self.setObjectName("imageGrid")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.key_handler is not None and self.key_handler(event):
            event.accept()
            return
        super().keyPressEvent(event)

    def resizeEvent(self, event) -> None:
        """Spread the columns over the whole width instead of leaving a ragged gap on the right."""
        super().resizeEvent(event)
        cols = max(1, self.viewport().width() // TILE.width())
        cell = QSize(self.viewport().width() // cols, TILE.height() + 4)
        if cell != self.gridSize():
            self.setGridSize(cell)

    def dataChanged(self, top_left, bottom_right, roles=()) -> None:
        """Repaint the changed tiles only. QListView's own handler re-lays-out every row after any
        data change (17 ms at 100,000 images, on every key press), but tiles have a fixed size, so
        a change of what a tile shows can never move another tile."""
        if top_left.row() == bottom_right.row():
            self.viewport().update(self.visualRect(top_left))
        else:
            self.viewport().update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.empty_text:
            p = QPainter(self.viewport())
            p.setPen(theme.muted_text(self.palette()))
            p.drawText(self.viewport().rect().adjusted(40, 40, -40, -40),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.empty_text)
            p.end()

    def keyboardSearch(self, search: str) -> None:
        """Letters are class shortcuts here; jumping to a file name by typing would fight them."""

    def columns(self) -> int:
        grid = self.gridSize()
        return max(1, self.viewport().width() // (grid.width() if grid.isValid() else TILE.width()))

    def visible_rows(self) -> range:
        """Rows currently on screen (for prefetching around them and for benchmarks)."""
        model = self.model()
        if model is None or model.rowCount() == 0:
            return range(0)
        area = self.viewport().rect()
        first = self.indexAt(area.topLeft() + self._inset())
        start = first.row() if first.isValid() else 0
        end = start
        n = model.rowCount()
        while end + 1 < n and self.visualRect(model.index(end + 1, 0)).intersects(area):
            end += 1
        return range(start, end + 1)

    def _inset(self) -> QPoint:
        return QPoint(self.spacing() + 4, self.spacing() + 4)
