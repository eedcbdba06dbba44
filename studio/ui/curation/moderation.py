"""The moderation warning in the window: the background stage after each scan, and the viewer's block.

The service silently skips training images that show faces or people; this feature predicts them
offline (core/curation/moderation.py) so the user sees them before uploading. The grid badge, the
filter entry and the checks-panel line read the prediction from the image rows and the session's
counts; this module runs the stage and owns the viewer's part: the boxes drawn over the image and
the "This flag is wrong" button (kept in the project).

The stage runs on the window's task runner after a scan finishes (or at once when a project opens
without a scan), with progress and Cancel in the status bar. Its detector runs in worker processes
at low priority and writes small batches on its own connection, so labeling goes on meanwhile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRectF, QTimer
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from studio.core.wording import plural
from studio.core.models import ImageRow
from studio.core.tasks import Cancelled, CancelToken, ProgressCallable
from studio.ui.app import theme
from studio.ui.common.tasks import BackgroundTask
from studio.ui.labeling.session import ProjectSession

if TYPE_CHECKING:
    from studio.core.curation.moderation_stage import ModerationReport
    from studio.ui.viewer.viewer import ImageViewer

FILTER_KEY = "moderation"
_TITLE = "Looking for faces and people"


class ModerationSection(QWidget):
    """The viewer's block for the moderation warning: what was found, and the user's verdict on it."""

    def __init__(self, session: ProjectSession, viewer: "ImageViewer") -> None:
        super().__init__()
        self.session = session
        self.viewer = viewer
        self.setObjectName("moderationSection")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("moderationTitle")
        self.title.setWordWrap(True)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.button = QPushButton()
        self.button.setObjectName("moderationToggle")
        self.button.clicked.connect(self.toggle)
        for w in (self.title, self.text, self.button):
            layout.addWidget(w)
        self._row: ImageRow | None = None
        self._dismissed = False
        viewer.info.add_section(self)
        viewer.row_shown.connect(self.show_row)
        self.hide()

    def show_row(self, row: ImageRow | None) -> None:
        self._row = row
        flag = self.session.moderation_flag(row.id) if row is not None else None
        if flag is None:
            self.viewer.canvas.set_overlay([])
            self.hide()
            return
        self._dismissed = flag.dismissed
        color = theme.MODERATION_COLOR.name()
        what = "a face" if flag.kind == "face" else "a person"
        if flag.dismissed:
            self.title.setText(f"<b>Moderation flag marked as wrong</b>")
            self.text.setText(f"The detector found {what} here; you marked that as wrong, so this image counts "
                              "as safe to upload.")
            self.button.setText("Flag it again")
            self.viewer.canvas.set_overlay([])
        else:
            n = len(flag.boxes)
            self.title.setText(f"<span style='color:{color}'><b>◉ Likely skipped by the service's moderation</b></span>")
            self.text.setText(
                f"The detector found {what} ({n} box{'es' if n != 1 else ''} on the image). The service drops "
                "training images that show people, and fails the job past 200 such skips. Exclude it (X), "
                "or mark the flag as wrong if there is nobody in it."
            )
            self.button.setText("This flag is wrong")
            self.viewer.canvas.set_overlay(_fractions(flag.boxes, flag.size, flag.kind), theme.MODERATION_COLOR)
        self.button.setEnabled(not self.session.read_only)
        self.show()

    def toggle(self) -> None:
        row = self._row
        if row is None:
            return
        if self.session.set_moderation_dismissed([row.id], not self._dismissed):
            fresh = self.session.row(row.id)
            if fresh is not None:
                self.viewer.refresh_info(fresh)


def _fractions(boxes: Any, size: tuple[int, int], caption: str) -> list[tuple[QRectF, str]]:
    w, h = size
    if w <= 0 or h <= 0:
        return []
    return [(QRectF(x / w, y / h, bw / w, bh / h), caption) for x, y, bw, bh in boxes]


class ModerationRunner(QObject):
    """Starts the moderation stage for the window's project after scans, and reports its outcome."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.task: BackgroundTask | None = None
        self.section: ModerationSection | None = None
        self.last_report: ModerationReport | None = None
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(500)  # coalesce batch notifications: the grid requeries at most twice a second
        self._refresh.timeout.connect(self._notify)
        window.project_opened.connect(self._opened)
        window.project_closed.connect(self._closed)
        window.scan_finished.connect(self._scan_finished)

    @property
    def running(self) -> bool:
        return self.task is not None and self.task.running

    def _opened(self, session: ProjectSession) -> None:
        ws = self.window.workspace
        if ws is not None:
            self.section = ModerationSection(session, ws.viewer)
        # After the window's own start-up work: if no scan starts, analyse what is already checked.
        QTimer.singleShot(0, lambda s=session: self.start() if s is self.window.session and not self.window.scanning else None)

    def _closed(self) -> None:
        if self.task is not None:
            self.task.cancel()
        self.task = None
        self.section = None
        self._refresh.stop()

    def _scan_finished(self, report: object) -> None:
        if report is not None:
            self.start()

    def start(self) -> BackgroundTask | None:
        """Analyse the project's checked images that have no prediction yet (none: nothing happens)."""
        session: ProjectSession | None = self.window.session
        if session is None or session.read_only:
            return None
        if self.running:
            return self.task
        stores = session.stores

        def work(progress: ProgressCallable, cancel: CancelToken) -> "ModerationReport":
            from studio.core.curation.moderation_stage import run_moderation

            store = stores.open()
            try:
                report = run_moderation(store, progress=progress, cancel=cancel, on_batch=task.send_partial)
            finally:
                store.close()
            if report.cancelled:
                raise Cancelled()
            return report

        task = BackgroundTask(work, self, title=_TITLE)
        self.task = task
        task.partial.connect(lambda _ids: self._refresh.isActive() or self._refresh.start())
        task.finished.connect(lambda report, s=session: self._finished(s, report))
        task.cancelled.connect(lambda s=session: self._cancelled(s))
        self.window.run_task(task)
        return task

    def _notify(self) -> None:
        if self.window.session is not None:
            self.window.session.notify_images_changed()

    def _cancelled(self, session: ProjectSession) -> None:
        if session is self.window.session:
            self._refresh.stop()
            session.notify_images_changed()
            self.window.status.toast("Face/person check cancelled. Results so far are kept; it resumes after the next scan.",
                                     8000)

    def _finished(self, session: ProjectSession, report: "ModerationReport") -> None:
        self.last_report = report
        if session is not self.window.session:
            return
        self._refresh.stop()
        if report.analysed == 0 and report.failed == 0:
            return
        session.notify_images_changed()
        if report.failed and not report.analysed:
            from studio.core.curation.moderation import models_available

            problem = models_available() or "it could not read the images"
            self.window.show_message(f"The face/person check did not run: {problem}", "warning", key="moderation-failed")
            return
        n = session.counts.likely_skipped_total
        if n:
            ws = self.window.workspace
            self.window.show_message(
                f"{plural(n, 'image')} {'shows' if n == 1 else 'show'} faces or people and will likely be skipped by the "
                "service's moderation "
                "(a prediction; check them before uploading).",
                "warning",
                [("Show them", lambda: ws.show_filter(FILTER_KEY) if ws is not None else None)],
                key="moderation",
            )
        self.window.status.toast(
            f"Face/person check: {plural(report.analysed, 'image')} at {report.per_second:.1f}/s, "
            f"{report.faces + report.persons:,} likely skipped", 8000,
        )


__all__ = ["FILTER_KEY", "ModerationRunner", "ModerationSection"]
