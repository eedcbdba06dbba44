"""The main window: start screen or an open project, menus, docks, banners, status bar, long work.

Extension points for later features (the fine-tune wizard and job monitor):
- `finetune_menu`, `action_finetune`, `action_jobs`: connect `triggered` and enable them;
- `add_panel(widget, title, object_name)`: a dock widget whose visibility is in the View menu and whose
  place is remembered with the rest of the layout;
- `project_opened(session)` / `project_closed()`; `workspace.filter_bar.add_choice(...)`;
- `run_task(task)`: background work with progress and Cancel in the status bar;
- `show_message(text, level, actions)`: a non-blocking banner.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QUndoGroup
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from studio import APP_NAME, __version__
from studio.core.wording import plural
from studio.core.errors import ProjectOpenError, StudioError
from studio.core.models import PROJECT_SUFFIX, ImageFilter, Root
from studio.core.tasks import CancelToken, Cancelled, ProgressCallable
from studio.ui.app import settings as app_settings
from studio.ui.curation.moderation import ModerationRunner
from studio.ui.panels.checks_panel import ChecksPanel
from studio.ui.panels.class_panel import ClassPanel
from studio.ui.window import keymap
from studio.ui.window.dialogs import CheatSheet, ImportPreviewDialog
from studio.ui.window.message_bar import Action, MessageBar
from studio.ui.labeling.session import ProjectSession
from studio.ui.window.start_screen import StartScreen
from studio.ui.window.status_bar import StudioStatusBar
from studio.ui.grid.thumbnails import THUMB_SIZE, ThumbnailCache, row_thumb_key
from studio.ui.common.tasks import BackgroundTask
from studio.ui.window.workspace import ProjectWorkspace

if TYPE_CHECKING:
    from studio.core.scan.project_scan import ScanReport
    from studio.core.store.project_store import ProjectStore

_BATCH_REFRESH_MS = 400


def _store_class():
    """The store class, imported on first use: sqlite-utils pulls in numpy (~0.25 s), which the
    start screen does not need."""
    from studio.core.store.project_store import ProjectStore

    return ProjectStore


class MainWindow(QMainWindow):
    project_opened = Signal(object)  # ProjectSession
    project_closed = Signal()
    scan_finished = Signal(object)  # ScanReport, or None when the scan was cancelled

    def __init__(self, *, thumb_dir: Path | None = None, auto_scan: bool = True, restore_layout: bool = True) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.auto_scan = auto_scan
        self.session: ProjectSession | None = None
        self.workspace: ProjectWorkspace | None = None
        self.thumbs = ThumbnailCache(thumb_dir, parent=self)
        self.tasks: list[BackgroundTask] = []
        self._task_pool = QThreadPool(self)
        self._task_pool.setMaxThreadCount(2)
        self.undo_group = QUndoGroup(self)
        self._scan_task: BackgroundTask | None = None
        self._batch_timer = QTimer(self)
        self._batch_timer.setSingleShot(True)
        self._batch_timer.setInterval(_BATCH_REFRESH_MS)
        self._batch_timer.timeout.connect(self._apply_scan_batches)

        self.messages = MessageBar()
        self.start = StartScreen()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.start)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.messages)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.status = StudioStatusBar()
        self.setStatusBar(self.status)

        self.class_dock = QDockWidget("Classes", self)
        self.class_dock.setObjectName("classesDock")
        self.class_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.class_dock)
        self.class_dock.hide()
        self.checks_dock = QDockWidget("Checks", self)
        self.checks_dock.setObjectName("checksDock")
        self.checks_dock.setFeatures(self.class_dock.features())
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.checks_dock)
        self.checks_dock.hide()
        self._panels: list[QDockWidget] = [self.class_dock, self.checks_dock]

        self._build_menus()
        self.start.new_from_folder.connect(self.choose_folder)
        self.start.open_project.connect(self.choose_project)
        self.start.open_demo.connect(self.open_demo)
        self.start.open_path.connect(self.open_path)
        # Moderation warning: runs its background stage after each scan (ui/curation/moderation.py).
        self.moderation = ModerationRunner(self)
        self.resize(1280, 820)
        if restore_layout:
            geometry, state = app_settings.window_geometry()
            if geometry is not None:
                self.restoreGeometry(geometry)
            if state is not None:
                self.restoreState(state)
        self._update_actions()

    # ------------------------------------------------------------------ menus

    def _action(self, menu, text: str, slot: Callable[[], object] | None = None, key: str = "", name: str = "") -> QAction:
        """A menu action; `key` is its command id in the key table (studio.core.keys), which gives
        its shortcuts, so the cheat sheet and the menus can never disagree."""
        act = QAction(text, self)
        if key:
            act.setShortcuts(keymap.shortcuts(key))
        if slot is not None:
            act.triggered.connect(lambda checked=False: slot())
        if name:
            act.setObjectName(name)
        menu.addAction(act)
        return act

    def _build_menus(self) -> None:
        bar = self.menuBar()
        f = bar.addMenu("&File")
        self._action(f, "New project from folder…", self.choose_folder, "file.new")
        self._action(f, "Open project…", self.choose_project, "file.open")
        self._action(f, "Open demo project", self.open_demo)
        self.recent_menu = f.addMenu("Open recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        f.addSeparator()
        self.action_add_folder = self._action(f, "Add folder to project…", self.choose_folder_to_add)
        self.action_rescan = self._action(f, "Rescan folders", self.start_scan, "file.rescan")
        f.addSeparator()
        self.action_import_csv = self._action(f, "Import labels from CSV…", self.import_csv, name="importCsv")
        self.action_import_folders = self._action(f, "Import labels from folder names…", self.import_folder_names)
        self.action_export_csv = self._action(f, "Export labels to CSV…", self.export_csv)
        f.addSeparator()
        self.action_close = self._action(f, "Close project", self.close_project, "file.close")
        self.action_quit = self._action(f, "Quit", self.close, "file.quit", name="quit")
        self.action_quit.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)

        e = bar.addMenu("&Edit")
        self.action_undo = self.undo_group.createUndoAction(self, "Undo")
        self.action_undo.setShortcuts(keymap.shortcuts("edit.undo"))
        self.action_redo = self.undo_group.createRedoAction(self, "Redo")
        self.action_redo.setShortcuts(keymap.shortcuts("edit.redo"))
        e.addAction(self.action_undo)
        e.addAction(self.action_redo)
        e.addSeparator()
        self.action_select_all = self._action(e, "Select all images", self._select_all, "edit.select_all")
        self.action_find = self._action(e, "Find file names", self._focus_search, "edit.find")

        self.label_menu = bar.addMenu("&Label")
        self.label_menu.aboutToShow.connect(self._fill_label_menu)

        v = self.view_menu = bar.addMenu("&View")
        self.action_view_grid = self._action(v, f"Grid\t{keymap.hint('view.close_viewer')}", lambda: self.workspace.show_grid() if self.workspace else None)
        self.action_view_image = self._action(v, f"Image\t{keymap.hint('view.open_viewer')}", lambda: self.workspace.show_viewer() if self.workspace else None)
        v.addSeparator()
        self.show_menu = v.addMenu("Show")
        for key, text in (
            ("all", "All images"),
            ("unlabeled", "Unlabeled"),
            ("flagged", "Flagged"),
            ("excluded", "Excluded"),
            ("skipped", "Skipped by service"),
        ):
            self._action(self.show_menu, text, functools.partial(self._show_filter, key))
        v.addSeparator()
        self.panels_menu = v.addMenu("Panels")
        self.panels_menu.addAction(self.class_dock.toggleViewAction())
        self.panels_menu.addAction(self.checks_dock.toggleViewAction())

        self.finetune_menu = bar.addMenu("F&ine-tune")
        self.finetune_menu.setObjectName("finetuneMenu")
        self.action_finetune = self._action(self.finetune_menu, "Fine-tune…", name="actionFinetune")
        self.action_jobs = self._action(self.finetune_menu, "Jobs", name="actionJobs")
        for act in (self.action_finetune, self.action_jobs):
            act.setEnabled(False)
            act.setToolTip("Not available yet")

        h = bar.addMenu("&Help")
        self.action_cheat_sheet = self._action(
            h, "Keyboard shortcuts", self.show_cheat_sheet, "help.cheat_sheet", name="cheatSheet",
        )
        self._action(h, f"About {APP_NAME}", self._about)
        self.project_actions = [
            self.action_add_folder, self.action_rescan, self.action_import_csv, self.action_import_folders,
            self.action_export_csv, self.action_close, self.action_select_all, self.action_find,
            self.action_view_grid, self.action_view_image,
        ]

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in app_settings.recent_projects():
            act = self.recent_menu.addAction(f"{path.stem}  ({path.parent})")
            act.triggered.connect(lambda checked=False, p=path: self.open_path(p))
            act.setEnabled(path.is_file())
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    def _fill_label_menu(self) -> None:
        """Class entries show their keys; the keys themselves are handled by the grid and viewer, so
        these are not shortcuts (a window shortcut would also fire while typing in a text field)."""
        menu = self.label_menu
        menu.clear()
        ws = self.workspace
        if ws is None or self.session is None:
            menu.addAction("Open a project first").setEnabled(False)
            return
        writable = not self.session.read_only
        for info in self.session.classes():
            key = (info.shortcut or "").upper()
            act = menu.addAction(f"Label as {info.name}\t{key}")
            act.setEnabled(writable)
            act.triggered.connect(lambda checked=False, cid=info.id: ws.controller.label(cid))
        if self.session.classes():
            menu.addSeparator()
        menu.addAction(f"Clear label\t{keymap.hint('label.clear')}", lambda: ws.controller.label(None)).setEnabled(writable)
        menu.addAction(f"Exclude / include\t{keymap.hint('label.toggle_exclude')}", ws.controller.toggle_excluded).setEnabled(writable)
        menu.addAction("Clear the service's skip mark", ws.controller.clear_service_skips).setEnabled(writable)
        menu.addSeparator()
        menu.addAction(f"Next unlabeled\t{keymap.hint('move.next_unlabeled')}", lambda: ws.controller.step_unlabeled(1))
        menu.addAction(f"Previous unlabeled\t{keymap.hint('move.previous_unlabeled')}", lambda: ws.controller.step_unlabeled(-1))

    def _update_actions(self) -> None:
        has = self.session is not None
        writable = self.session is not None and not self.session.read_only
        for act in self.project_actions:
            act.setEnabled(has)
        for act in (self.action_add_folder, self.action_rescan, self.action_import_csv, self.action_import_folders):
            act.setEnabled(writable)

    # ------------------------------------------------------------------ extension points

    def add_panel(
        self, widget: QWidget, title: str, object_name: str,
        area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea,
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(object_name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.panels_menu.addAction(dock.toggleViewAction())
        self._panels.append(dock)
        return dock

    def show_message(self, text: str, level: str = "info", actions: list[Action] | None = None, key: str | None = None) -> None:
        self.messages.show_message(text, level, actions, key)

    def run_task(self, task: BackgroundTask, *, show_progress: bool = True) -> BackgroundTask:
        self.tasks.append(task)
        task.ended.connect(lambda t=task: self.tasks.remove(t) if t in self.tasks else None)
        task.failed.connect(lambda text: self.show_message(text, "error"))
        if show_progress:
            self.status.track(task)
        task.start(self._task_pool)
        return task

    # ------------------------------------------------------------------ opening

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose an image folder", app_settings.last_folder())
        if folder:
            app_settings.set_last_folder(Path(folder).parent)
            self.open_path(Path(folder))

    def choose_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open project", app_settings.last_folder(), f"Studio projects (*{PROJECT_SUFFIX});;All files (*)"
        )
        if path:
            app_settings.set_last_folder(Path(path).parent)
            self.open_path(Path(path))

    def open_path(self, path: Path | str, *, read_only: bool = False) -> bool:
        """Open a project file, or make (or reuse) the project of an image folder."""
        path = Path(path).expanduser()
        if path.is_dir():
            return self.open_folder(path)
        if not path.exists():
            self.show_message(f"'{path}' does not exist. Check the path, or choose the project with File ▸ Open.", "error")
            return False
        try:
            store = _store_class().open(path, read_only=read_only)
        except ProjectOpenError as exc:
            if path.is_file() and not os.access(path, os.W_OK):
                try:
                    store = _store_class().open(path, read_only=True)
                except StudioError as exc2:
                    self.show_message(str(exc2), "error")
                    return False
            else:
                self.show_message(str(exc), "error")
                return False
        except StudioError as exc:
            self.show_message(str(exc), "error")
            return False
        self._install(store)
        return True

    def open_folder(self, folder: Path) -> bool:
        folder = folder.resolve()
        project = app_settings.project_path_for_folder(folder)
        if project.is_file():
            return self.open_path(project)
        try:
            store = _store_class().create(project, [folder])
        except StudioError as exc:
            self.show_message(str(exc), "error")
            return False
        self._install(store, new=True)
        self.show_message(f"Created the project '{project.name}' in {project.parent}. Looking for images…", "info")
        return True

    def open_demo(self) -> None:
        """Open the demo project, generating it in the background the first time."""
        from studio.core.demo_dataset import DEMO_PROJECT_NAME, ensure_demo_project

        base = app_settings.data_dir() / "demo"
        existing = base / DEMO_PROJECT_NAME
        if existing.is_file():
            self.open_path(existing)
            return
        task = BackgroundTask(lambda progress, cancel: ensure_demo_project(base), self, title="Creating the demo project")
        task.finished.connect(lambda path: self.open_path(path))
        self.run_task(task)

    def _install(self, store: "ProjectStore", *, new: bool = False) -> None:
        self.close_project()
        session = ProjectSession(store, self)
        self.session = session
        self.undo_group.addStack(session.undo_stack)
        self.undo_group.setActiveStack(session.undo_stack)
        session.message.connect(lambda level, text: self.show_message(text, level))
        session.counts_changed.connect(self._update_counts)
        ws = ProjectWorkspace(session, self.thumbs)
        self.workspace = ws
        ws.shown_count_changed.connect(self._update_counts)
        ws.toast.connect(self.status.toast)
        self.pages.addWidget(ws)
        self.pages.setCurrentWidget(ws)
        panel = ClassPanel(session)
        panel.filter_to_class.connect(lambda cid: ws.show_filter(f"class:{cid}"))
        self.class_dock.setWidget(panel)
        self.class_dock.show()
        checks = ChecksPanel(session)
        checks.show_filter.connect(ws.show_filter)
        self.checks_dock.setWidget(checks)
        self.checks_dock.show()
        self.setWindowTitle(f"{session.name}{' (read-only)' if session.read_only else ''} — {APP_NAME}")
        app_settings.add_recent(store.path)
        self._update_actions()
        self._update_counts()
        if session.read_only:
            self.show_message(
                f"'{store.path.name}' is open read-only: you can browse and filter, but changes cannot be saved. "
                "To edit, copy the project to a folder you can write to and open the copy.",
                "warning", key="read-only",
            )
        self._check_roots()
        ws.focus_grid()
        self.project_opened.emit(session)
        if not session.read_only and (self.auto_scan or new):
            self.start_scan()

    def close_project(self) -> None:
        if self.session is None:
            return
        if self._scan_task is not None:
            self._scan_task.cancel()
            self._scan_task = None
        self.project_closed.emit()
        self._batch_timer.stop()
        ws, session = self.workspace, self.session
        self.workspace, self.session = None, None
        if ws is not None:
            ws.shutdown()
            self.pages.removeWidget(ws)
            ws.deleteLater()
        for dock in (self.class_dock, self.checks_dock):
            old_panel = dock.widget()
            dock.setWidget(QWidget())
            if old_panel is not None:
                old_panel.deleteLater()
            dock.hide()
        self.undo_group.removeStack(session.undo_stack)
        self._task_pool.waitForDone(3000)
        session.close()
        session.deleteLater()
        self.messages.clear()
        self.pages.setCurrentWidget(self.start)
        self.start.refresh()
        self.setWindowTitle(APP_NAME)
        self.status.set_counts("")
        self._update_actions()

    # ------------------------------------------------------------------ roots

    def _check_roots(self) -> None:
        if self.session is None:
            return
        for root in self.session.roots():
            key = f"root-missing-{root.id}"
            if root.exists:
                self.messages.dismiss(key)
                continue
            n = self.session.count(ImageFilter(root_id=root.id, include_missing=True))
            self.messages.show_message(
                f"The folder '{root.path}' was not found: it was moved, renamed, or is on a drive that is not "
                f"connected. Its images ({n:,}) keep their labels. Connect the drive, or show where the folder is now.",
                "warning",
                [("Locate…", functools.partial(self.locate_root, root))],
                key=key,
            )

    def locate_root(self, root: Root) -> None:
        if self.session is None:
            return
        folder = QFileDialog.getExistingDirectory(self, f"Where is '{root.path.name}' now?", str(root.path.parent))
        if not folder:
            return
        found = self.session.relink_root(root.id, folder)
        if found is None:
            return
        self.messages.dismiss(f"root-missing-{root.id}")
        self.show_message(f"Found {plural(found, 'image')} in '{folder}'. Rescanning for the rest…", "info")
        self.start_scan()

    def choose_folder_to_add(self) -> None:
        if self.session is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Add an image folder", app_settings.last_folder())
        if folder and self.session.add_root(folder) is not None:
            self.start_scan()

    # ------------------------------------------------------------------ scanning

    def start_scan(self) -> BackgroundTask | None:
        """Incremental scan of the project's folders on a worker thread with its own connection."""
        session = self.session
        if session is None or session.read_only:
            return None
        if self._scan_task is not None and self._scan_task.running:
            return self._scan_task
        stores, cache_dir = session.stores, self.thumbs.cache_dir

        def work(progress: ProgressCallable, cancel: CancelToken) -> "ScanReport":
            from studio.core.scan.project_scan import scan_project

            store = stores.open()
            try:
                report = scan_project(
                    store, deep=True, progress=progress, cancel=cancel, on_batch=task.send_partial,
                    thumb_size=THUMB_SIZE, thumb_dir=cache_dir,
                    thumb_key=lambda image_id: row_thumb_key(store.image(image_id)),
                )
            finally:
                store.close()
            if report.cancelled:
                raise Cancelled()  # what was found so far is committed; the outcome is "cancelled"
            return report

        task = BackgroundTask(work, self, title="Scanning folders")
        self._scan_task = task
        task.partial.connect(self._on_scan_batch)
        task.finished.connect(lambda report, s=session: self._scan_finished(s, report))
        task.cancelled.connect(lambda s=session: self._scan_finished(s, None))
        self.run_task(task)
        return task

    @property
    def scanning(self) -> bool:
        return self._scan_task is not None and self._scan_task.running

    def _on_scan_batch(self, ids: list[int]) -> None:
        # Coalesce: a scan writes a batch every ~0.5 s; the grid requeries at most that often.
        if not self._batch_timer.isActive():
            self._batch_timer.start()

    def _apply_scan_batches(self) -> None:
        if self.session is not None:
            self.session.notify_images_changed()

    def _scan_finished(self, session: ProjectSession, report) -> None:
        if self._scan_task is not None and not self._scan_task.running:
            self._scan_task = None
        if session is not self.session:
            return
        self._batch_timer.stop()
        session.notify_images_changed()
        self._check_roots()
        self.scan_finished.emit(report)
        if report is None:
            self.status.toast("Scan cancelled. What was found so far is saved; rescan (F5) to continue.", 8000)
            return
        parts = []
        if report.new:
            parts.append(f"{report.new:,} new")
        if report.changed:
            parts.append(f"{report.changed:,} changed")
        if report.moved:
            parts.append(f"{report.moved:,} moved")
        if report.missing:
            parts.append(f"{report.missing:,} missing")
        flagged = sum(report.flagged.values())
        if flagged:
            parts.append(f"{flagged:,} flagged")
        self.status.toast("Scan complete" + (": " + ", ".join(parts) if parts else ": no changes"), 8000)

    # ------------------------------------------------------------------ labels in and out

    def import_csv(self, path: Path | str | None = None) -> None:
        if self.session is None:
            return
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "Import labels from CSV", app_settings.last_folder(),
                                                    "CSV files (*.csv);;All files (*)")
            if not chosen:
                return
            path = chosen
        plan = self.session.plan_csv_import(path)
        if plan is not None:
            self._preview_and_apply(plan)

    def import_folder_names(self) -> None:
        if self.session is None:
            return
        plan = self.session.plan_folder_import()
        if plan is not None:
            self._preview_and_apply(plan)

    def _preview_and_apply(self, plan) -> None:
        assert self.session is not None
        dialog = ImportPreviewDialog(self.session, plan, self)
        self.import_dialog: ImportPreviewDialog | None = dialog  # reachable by tests and by the later monitor
        if dialog.exec() == ImportPreviewDialog.DialogCode.Accepted and self.session is not None:
            if self.session.apply_import(plan):
                self.status.toast(f"Imported: {plural(plan.total_changes, 'label')} changed. Ctrl+Z undoes the import.", 8000)
        self.import_dialog = None

    def export_csv(self) -> None:
        if self.session is None:
            return
        default = str(Path(app_settings.last_folder()) / f"{self.session.name}-labels.csv")
        path, _ = QFileDialog.getSaveFileName(self, "Export labels to CSV", default, "CSV files (*.csv)")
        if not path:
            return
        n = self.session.export_labels(path)
        if n is not None:
            self.show_message(f"Exported {plural(n, 'label')} to '{path}'.", "info")

    # ------------------------------------------------------------------ misc

    def _show_filter(self, key: str) -> None:
        if self.workspace is not None:
            self.workspace.show_filter(key)

    def _select_all(self) -> None:
        if self.workspace is not None:
            if self.workspace.viewer_open:
                self.workspace.show_grid()
            self.workspace.grid.selectAll()

    def _focus_search(self) -> None:
        if self.workspace is not None:
            self.workspace.filter_bar.focus_search()

    def show_cheat_sheet(self) -> None:
        sheet = CheatSheet(self.session, self)
        sheet.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.cheat_sheet = sheet
        sheet.show()

    def _about(self) -> None:
        self.show_message(
            f"{APP_NAME} {__version__}. Data: {app_settings.data_dir()}. "
            f"Thumbnail cache: {self.thumbs.cache_dir}.",
            "info",
        )

    def _update_counts(self) -> None:
        if self.session is None or self.workspace is None:
            return
        c = self.session.counts
        shown = self.workspace.model.rowCount()
        parts = [f"Showing {shown:,} of {c.total:,}", f"{c.labeled:,} labeled", f"{c.unlabeled:,} unlabeled"]
        if c.flagged_total:
            parts.append(f"{c.flagged_total:,} flagged")
        if c.excluded:
            parts.append(f"{c.excluded:,} excluded")
        if c.pending:
            parts.append(f"{c.pending:,} being checked")
        if c.missing:
            parts.append(f"{c.missing:,} missing")
        self.status.set_counts("  ·  ".join(parts))

    # ------------------------------------------------------------------ drag and drop, closing

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            p = Path(urls[0].toLocalFile())
            if p.is_dir() or p.suffix == PROJECT_SUFFIX:
                event.acceptProposedAction()
                return
        event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            path = Path(urls[0].toLocalFile())
            QTimer.singleShot(0, lambda: self.open_path(path))

    def closeEvent(self, event: QCloseEvent) -> None:
        app_settings.save_window(self.saveGeometry(), self.saveState())
        for task in list(self.tasks):
            task.cancel()
        self.close_project()
        self._task_pool.waitForDone(5000)
        self.thumbs.shutdown()
        super().closeEvent(event)
