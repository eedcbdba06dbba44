"""One open project's working area: the filter bar over a grid page and a viewer page.

Created per project and thrown away when the project closes, so no view ever shows one project's
rows with another project's session.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from studio.core.models import ImageFilter, ImageRow
from studio.ui.grid.filter_bar import FilterBar
from studio.ui.grid.model import ImageGridModel
from studio.ui.grid.view import ImageGridView, ThumbnailDelegate
from studio.ui.window.keymap import Command
from studio.ui.labeling.controller import LabelingController
from studio.ui.labeling.session import ProjectSession
from studio.ui.grid.thumbnails import ThumbnailCache
from studio.ui.viewer.viewer import ImageViewer


class ProjectWorkspace(QWidget):
    shown_count_changed = Signal()
    toast = Signal(str)

    def __init__(self, session: ProjectSession, thumbs: ThumbnailCache, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.thumbs = thumbs
        self.setObjectName("workspace")

        self.filter_bar = FilterBar(session)
        self.model = ImageGridModel(session, self)
        self.grid = ImageGridView()
        self.grid.setModel(self.model)
        self.grid.setItemDelegate(ThumbnailDelegate(session, thumbs, self.grid))
        self.controller = LabelingController(session, self.model, self.grid, thumbs)
        self.viewer = ImageViewer(session)
        self.viewer.key_handler = self.controller.handle_key
        self.viewer.step = self.controller.step
        self.viewer.preview_source = self._memory_thumbnail

        self.pages = QStackedWidget()
        self.pages.addWidget(self.grid)
        self.pages.addWidget(self.viewer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.pages, 1)

        self.filter_bar.changed.connect(self.apply_filter)
        self.controller.open_viewer.connect(self.show_viewer)
        self.controller.close_viewer.connect(self.show_grid)
        self.controller.current_changed.connect(self._on_current)
        self.controller.zoom.connect(self._zoom)
        self.controller.toast.connect(self.toast)
        self.grid.open_requested.connect(self._open_row)
        self.viewer.back_requested.connect(self.show_grid)
        thumbs.updated.connect(self.grid.viewport().update)
        session.labels_changed.connect(self._refresh_viewer_info)
        session.excluded_changed.connect(self._refresh_viewer_info)
        for sig in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            sig.connect(self.shown_count_changed)
        self.model.rowsInserted.connect(self._ensure_current)
        self.model.set_query(ImageFilter(), "path")
        self._update_empty_text()
        self.controller.go_to_row(0)

    # ------------------------------------------------------------------ filters

    def apply_filter(self) -> None:
        """Show the filter bar's selection, keeping the current image when it is still shown."""
        keep = self.controller.current_image()
        self.model.set_query(self.filter_bar.current_filter(), self.filter_bar.current_order())
        self._update_empty_text()
        r = self.model.row_of(keep.id) if keep is not None else -1
        self.controller.go_to_row(max(r, 0))
        if self.model.rowCount() == 0:
            self.controller.current_changed.emit(None)
        self.shown_count_changed.emit()

    def show_filter(self, key: str) -> None:
        self.filter_bar.select(key)

    def _update_empty_text(self) -> None:
        if self.session.counts.total == 0 and self.session.counts.missing == 0:
            self.grid.empty_text = "No images yet. Add a folder (File ▸ Add folder…) or wait for the scan to finish."
        else:
            self.grid.empty_text = "No images match this filter."

    def _ensure_current(self) -> None:
        """Images streaming into an empty view (first scan): the first one becomes current."""
        if self.controller.current_row() < 0 and self.model.rowCount() > 0:
            self.controller.go_to_row(0)

    # ------------------------------------------------------------------ pages

    @property
    def viewer_open(self) -> bool:
        return self.pages.currentWidget() is self.viewer

    def show_viewer(self) -> None:
        if self.controller.current_row() < 0:
            return
        self.pages.setCurrentWidget(self.viewer)
        self.viewer.setFocus(Qt.FocusReason.OtherFocusReason)
        self._on_current(self.controller.current_image())

    def show_grid(self) -> None:
        self.pages.setCurrentWidget(self.grid)
        self.focus_grid()

    def focus_grid(self) -> None:
        target = self.viewer if self.viewer_open else self.grid
        target.setFocus(Qt.FocusReason.OtherFocusReason)
        idx = self.grid.currentIndex()
        if idx.isValid():
            self.grid.scrollTo(idx)

    def _open_row(self, row: int) -> None:
        self.controller.go_to_row(row)
        self.show_viewer()

    def _memory_thumbnail(self, row: ImageRow):
        return self.thumbs.pixmap(row)

    def _on_current(self, row: ImageRow | None) -> None:
        if not self.viewer_open:
            return
        r = self.controller.current_row()
        n = self.model.rowCount()
        ahead = self.model.rows_at([i for i in (r + 1, r + 2, r - 1) if 0 <= i < n])
        position = f"{r + 1:,} of {n:,}  ·  {row.rel_path}" if row is not None else ""
        self.viewer.show_row(row, position, ahead)

    def _refresh_viewer_info(self, ids: list[int]) -> None:
        row = self.viewer.row
        if self.viewer_open and row is not None and row.id in set(ids):
            fresh = self.session.row(row.id)
            if fresh is not None:
                self.viewer.refresh_info(fresh)

    def _zoom(self, command: str) -> None:
        if not self.viewer_open:
            return
        canvas = self.viewer.canvas
        {
            Command.ZOOM_IN.value: lambda: canvas.zoom_by(1.25),
            Command.ZOOM_OUT.value: lambda: canvas.zoom_by(1 / 1.25),
            Command.ZOOM_FIT.value: canvas.zoom_fit,
            Command.ZOOM_ACTUAL.value: canvas.zoom_actual,
        }[command]()

    def shutdown(self) -> None:
        self.viewer.cache.shutdown()
