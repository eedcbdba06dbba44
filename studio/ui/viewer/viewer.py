"""One image large: fit, zoom and pan, EXIF orientation applied, and everything the user needs to know
about the file, including why it is flagged and what to do about it.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.models import ImageRow, Verdict
from studio.ui.app import theme
from studio.ui.grid.image_cache import MAX_UPSCALE, FullImageCache
from studio.ui.labeling.session import ProjectSession

_MIN_SCALE, _MAX_SCALE = 0.02, 32.0
_CANVAS_DARK, _CANVAS_LIGHT = QColor("#262626"), QColor("#3a3a3a")


class ZoomCanvas(QWidget):
    """Paints one image: fitted by default; wheel or +/- zoom around the cursor; drag to pan."""

    zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(200, 150)
        self._image = QImage()
        self._fitted = QPixmap()
        self._placeholder = ""
        self._fit = True
        self._scale = 1.0
        self._center = QPointF()  # image coordinates shown at the widget's centre
        self._drag: QPointF | None = None
        self._overlay: list[tuple[QRectF, str]] = []
        self._overlay_color = QColor("#e65100")
        self.setCursor(Qt.CursorShape.OpenHandCursor)

    # ------------------------------------------------------------------ content

    def set_image(self, image: QImage, fitted: QImage | None = None, *, keep_view: bool = False) -> None:
        self._image = image
        self._fitted = QPixmap.fromImage(fitted) if fitted is not None and not fitted.isNull() else QPixmap()
        self._placeholder = ""
        if not keep_view:
            self._fit = True
            self._center = QPointF(image.width() / 2, image.height() / 2)
        self._emit_zoom()
        self.update()

    def set_placeholder(self, text: str, preview: QPixmap | None = None) -> None:
        """Text (and an optional blurry thumbnail) while the image is decoding or cannot be shown."""
        self._image = QImage()
        self._fitted = preview if preview is not None else QPixmap()
        self._placeholder = text
        self._fit = True
        self.update()

    def set_overlay(self, boxes: list[tuple[QRectF, str]], color: QColor | None = None) -> None:
        """Boxes drawn over the image (e.g. faces the moderation detector found), each given in
        fractions of the image's width and height so they fit any decode size, with a caption."""
        self._overlay = list(boxes)
        if color is not None:
            self._overlay_color = QColor(color)
        self.update()

    @property
    def overlay(self) -> list[tuple[QRectF, str]]:
        return list(self._overlay)

    @property
    def has_image(self) -> bool:
        """True when a decoded image is shown (not a placeholder or a preview)."""
        return not self._image.isNull()

    @property
    def scale(self) -> float:
        if self._fit:
            return self._fit_scale()
        return self._scale

    def _fit_scale(self) -> float:
        if self._image.isNull() or self._image.width() == 0 or self._image.height() == 0:
            return 1.0
        # Small images are enlarged too (up to 4x): the point of the viewer is to see details.
        return min(float(MAX_UPSCALE), self.width() / self._image.width(), self.height() / self._image.height())

    def _emit_zoom(self) -> None:
        self.zoom_changed.emit(self.scale)

    # ------------------------------------------------------------------ zoom and pan

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        if self._image.isNull():
            return
        old = self.scale
        new = max(_MIN_SCALE, min(_MAX_SCALE, old * factor))
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        # Keep the image point under the anchor fixed while the scale changes.
        centre = self._view_center()
        offset = anchor - QPointF(self.width() / 2, self.height() / 2)
        point = centre + offset / old
        self._scale = new
        self._fit = False
        self._center = point - offset / new
        self._emit_zoom()
        self.update()

    def zoom_fit(self) -> None:
        self._fit = True
        self._center = QPointF(self._image.width() / 2, self._image.height() / 2)
        self._emit_zoom()
        self.update()

    def zoom_actual(self) -> None:
        if self._image.isNull():
            return
        self._center = self._view_center()
        self._scale = 1.0
        self._fit = False
        self._emit_zoom()
        self.update()

    def _view_center(self) -> QPointF:
        if self._fit:
            return QPointF(self._image.width() / 2, self._image.height() / 2)
        return self._center

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom_by(1.25**steps, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self._image.isNull():
            self._drag = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            delta = event.position() - self._drag
            self._drag = event.position()
            if self._fit:
                self._scale = self._fit_scale()
                self._center = self._view_center()
                self._fit = False
            self._center = self._center - delta / self._scale
            self.update()
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self._fit:
            self.zoom_by(2.0 / max(self.scale, 1e-6) if self.scale < 1 else 2.0, event.position())
        else:
            self.zoom_fit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._emit_zoom()

    # ------------------------------------------------------------------ painting

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), _CANVAS_DARK if theme.is_dark(pal) else _CANVAS_LIGHT)
        if self._image.isNull():
            if not self._fitted.isNull():
                target = QRectF(0, 0, self._fitted.width(), self._fitted.height())
                target.moveCenter(QRectF(self.rect()).center())
                p.setOpacity(0.6)
                p.drawPixmap(target.toRect(), self._fitted)
                p.setOpacity(1.0)
            if self._placeholder:
                p.setPen(QColor("white"))
                font = p.font()
                font.setPointSizeF(font.pointSizeF() * 1.2)
                p.setFont(font)
                p.drawText(self.rect().adjusted(20, 20, -20, -20),
                           Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._placeholder)
            return
        scale = self.scale
        w, h = self._image.width() * scale, self._image.height() * scale
        centre = self._view_center()
        left = self.width() / 2 - centre.x() * scale
        top = self.height() / 2 - centre.y() * scale
        target = QRectF(left, top, w, h)
        fitted = self._fitted
        if self._fit and not fitted.isNull() and abs(fitted.width() - round(w)) <= 1:
            p.drawPixmap(target.topLeft(), fitted)  # pre-scaled in the background: a plain blit
        else:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, scale < 2.0)
            p.drawImage(target, self._image)
        if self._overlay:
            self._paint_overlay(p, target)

    def _paint_overlay(self, p: QPainter, target: QRectF) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        font = p.font()
        font.setBold(True)
        p.setFont(font)
        fm = p.fontMetrics()
        for frac, caption in self._overlay:
            r = QRectF(target.left() + frac.x() * target.width(), target.top() + frac.y() * target.height(),
                       frac.width() * target.width(), frac.height() * target.height())
            p.setPen(QPen(self._overlay_color, 3))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRect(r)
            if caption:
                label = QRectF(r.left(), r.top() - fm.height() - 4, fm.horizontalAdvance(caption) + 10, fm.height() + 4)
                if label.top() < 0:
                    label.moveTop(r.top())
                p.fillRect(label, self._overlay_color)
                p.setPen(QColor("white"))
                p.drawText(label, Qt.AlignmentFlag.AlignCenter, caption)


class InfoPanel(QFrame):
    """File facts and the flag reason with what to do; plain labels so text can be selected and copied."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("infoPanel")
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumWidth(260)
        self.setMaximumWidth(340)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        self.title = QLabel()
        self.title.setObjectName("infoTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.fields: dict[str, QLabel] = {}
        for name in ("Class", "Folder", "File size", "Format", "Colour mode", "Dimensions", "Frames"):
            lab = QLabel()
            lab.setWordWrap(True)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name] = lab
            form.addRow(f"{name}:", lab)
        layout.addLayout(form)
        self.status_title = QLabel()
        self.status_title.setObjectName("statusTitle")
        self.status_title.setWordWrap(True)
        bold = self.status_title.font()
        bold.setBold(True)
        self.status_title.setFont(bold)
        layout.addSpacing(8)
        layout.addWidget(self.status_title)
        self.status_text = QLabel()
        self.status_text.setWordWrap(True)
        self.status_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status_text)
        self.extra = QLabel()
        self.extra.setWordWrap(True)
        layout.addWidget(self.extra)
        self._sections = QVBoxLayout()  # features add their own blocks here (e.g. evaluation answers)
        self._sections.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(self._sections)
        layout.addStretch(1)
        self.hint = QLabel("Class keys label and move on · Esc: back to grid · ? for all keys")
        self.hint.setWordWrap(True)
        self.hint.setObjectName("hint")
        layout.addWidget(self.hint)

    def add_section(self, widget: QWidget) -> None:
        """Extension point: a feature's block under the file facts, kept current via `row_shown`."""
        self._sections.addWidget(widget)

    def show_row(self, row: ImageRow, class_name: str | None, class_color: str | None) -> None:
        self.title.setText(row.rel_path.rsplit("/", 1)[-1])
        folder = row.rel_path.rsplit("/", 1)[0] if "/" in row.rel_path else "(top folder)"
        if class_name:
            self.fields["Class"].setText(
                f"<span style='color:{class_color}; font-size:14pt'>■</span> <b>{_html(class_name)}</b>"
            )
        else:
            self.fields["Class"].setText("<i>unlabeled</i>")
        self.fields["Folder"].setText(_html(folder))
        self.fields["File size"].setText(_human_size(row.size))
        self.fields["Format"].setText(row.format or "unknown")
        self.fields["Colour mode"].setText(row.mode or "unknown")
        self.fields["Dimensions"].setText(f"{row.width} × {row.height} px" if row.width and row.height else "unknown")
        self.fields["Frames"].setText(str(row.frames) if row.frames else "1")
        title = theme.VERDICT_TITLE.get(row.verdict, row.verdict.value)
        if row.flagged:
            color = "#ff8a80" if theme.is_dark(self.palette()) else theme.FLAG_COLOR.name()
            self.status_title.setText(f"<span style='color:{color}'>⚠ {_html(title)}</span>")
        else:
            self.status_title.setText(("✓ " if row.verdict is Verdict.OK else "") + _html(title))
        self.status_text.setText(row.message if row.flagged or row.verdict is Verdict.PENDING else "")
        extra = []
        if row.excluded:
            extra.append("<b>Excluded</b> from the dataset. Press X to include it again.")
        if row.service_skip:
            extra.append(
                f"<b>Skipped by the service:</b> {_html(row.service_skip)}. Exclude it (X) or replace the "
                "file before the next run; if you checked it, Label ▸ Clear the service's skip mark."
            )
        if row.missing:
            extra.append("<b>The file is missing.</b> Use File ▸ Rescan, or Locate… if its folder moved.")
        self.extra.setText("<br>".join(extra))


class ImageViewer(QWidget):
    """The viewer page: a top bar, the zoom canvas and the info panel."""

    back_requested = Signal()
    row_shown = Signal(object)  # ImageRow | None: the info panel now describes this image

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("imageViewer")
        self.key_handler: Callable[[QKeyEvent], bool] | None = None
        self.step: Callable[[int], None] | None = None
        self.cache = FullImageCache(self)
        self.cache.ready.connect(self._on_ready)
        self.preview_source: Callable[[ImageRow], QPixmap | None] | None = None
        self._row: ImageRow | None = None

        self.canvas = ZoomCanvas()
        self.info = InfoPanel()
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 4, 8, 4)
        self.back = QPushButton("◀ Grid")
        self.back.setToolTip("Back to the grid (Esc)")
        self.back.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.back.clicked.connect(self.back_requested)
        self.position = QLabel()
        self.zoom_label = QLabel()
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        buttons = []
        for text, tip, slot in (
            ("Fit", "Fit to window (Ctrl+0)", self.canvas.zoom_fit),
            ("100%", "Actual size (Ctrl+1)", self.canvas.zoom_actual),
            ("−", "Zoom out (-)", lambda: self.canvas.zoom_by(1 / 1.25)),
            ("+", "Zoom in (+)", lambda: self.canvas.zoom_by(1.25)),
        ):
            b = QToolButton()
            b.setText(text)
            b.setMinimumWidth(44)
            b.setToolTip(tip)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(slot)
            buttons.append(b)
        bar.addWidget(self.back)
        bar.addWidget(self.position, 1)
        bar.addWidget(self.zoom_label)
        for b in buttons:
            bar.addWidget(b)
        self.canvas.zoom_changed.connect(lambda s: self.zoom_label.setText(f"{s * 100:.0f}%"))

        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.canvas, 1)
        body.addWidget(self.info)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addLayout(bar)
        outer.addLayout(body, 1)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.canvas.setFocusProxy(self)

    @property
    def row(self) -> ImageRow | None:
        return self._row

    def fit_size(self) -> QSize:
        size = self.canvas.size()
        return size if size.width() > 50 else QSize(1000, 700)

    def show_row(self, row: ImageRow | None, position: str = "", ahead: list[ImageRow] | None = None) -> None:
        """Show `row` (decoded ahead if it was prefetched) and start decoding `ahead`."""
        same = self._row is not None and row is not None and self._row.id == row.id
        self._row = row
        self.position.setText(position)
        if row is None:
            self.canvas.set_placeholder("No image")
            self.row_shown.emit(None)
            return
        info = self.session.class_info(row.class_id)
        self.info.show_row(row, info.name if info else None, info.color if info else None)
        self.row_shown.emit(row)
        if same:
            return
        self.cache.request([row, *(ahead or [])], self.fit_size())
        self._display(row)

    def refresh_info(self, row: ImageRow) -> None:
        if self._row is not None and row.id == self._row.id:
            self._row = row
            info = self.session.class_info(row.class_id)
            self.info.show_row(row, info.name if info else None, info.color if info else None)
            self.row_shown.emit(row)

    def _display(self, row: ImageRow) -> None:
        if row.missing:
            self.canvas.set_placeholder("The file is missing.")
            return
        if row.verdict is Verdict.BOMB:
            self.canvas.set_placeholder("Not opened: the image declares too many pixels (possible decompression bomb).")
            return
        decoded = self.cache.get(row, self.fit_size())
        if decoded is None:
            preview = self.preview_source(row) if self.preview_source else None
            self.canvas.set_placeholder("", preview)
            return
        if decoded.image.isNull():
            self.canvas.set_placeholder(f"This file cannot be displayed.\n{decoded.error}")
            return
        self.canvas.set_image(decoded.image, decoded.fitted)

    def _on_ready(self, image_id: int) -> None:
        if self._row is not None and self._row.id == image_id and self.isVisible():
            self._display(self._row)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.key_handler is not None and self.key_handler(event):
            event.accept()
            return
        key = event.key()
        if self.step is not None and key in (Qt.Key.Key_Right, Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.step(1)
        elif self.step is not None and key in (Qt.Key.Key_Left, Qt.Key.Key_Up, Qt.Key.Key_PageUp):
            self.step(-1)
        else:
            super().keyPressEvent(event)


def _human_size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
