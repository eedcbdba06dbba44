"""Plugs evaluation into the main window: menu actions, Evaluate… on jobs and checkpoints, the
results window, grid filters from the heat map and the disagreements, the viewer's answers block.

One call from the app: `install_evaluation(main_window, finetune_integration)`. It uses only the
window's and the fine-tune integration's extension points (`finetune_menu`, `project_opened` /
`project_closed`, `run_task`, `show_message`, `workspace.filter_bar.add_choice`, `workspace.show_filter`,
`viewer.row_shown` / `info.add_section`, `job_view_opened`) and touches nothing else.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from studio.core.errors import StudioError
from studio.core.models import ImageFilter
from studio.service.profile import BASE_MODELS, ServiceProfile
from studio.ui.app import settings as app_settings
from studio.ui.common.tasks import BackgroundTask
from studio.ui.evaluation.answers_panel import EvalAnswersPanel
from studio.ui.evaluation.controller import EvaluationController, preload
from studio.ui.evaluation.csv_export import export_run_csv
from studio.ui.evaluation.evaluate_dialog import EvaluateDialog
from studio.ui.evaluation.plan import CHECKPOINT, FINE_TUNED, ModelChoice
from studio.ui.evaluation.results_window import EvaluationWindow

DISAGREE_KEY = "eval-disagree"
CELL_KEY = "eval-cell"
SaveFileFn = Callable[[Any, str, str], str]  # parent, caption, default path -> chosen path or ""


def _ask_save_path(parent: Any, caption: str, default: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, caption, default, "CSV files (*.csv)")
    return path


class EvaluationIntegration(QObject):
    def __init__(self, window: Any, finetune: Any = None, *, concurrency: int | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.finetune = finetune
        self.concurrency = concurrency
        self.ask_save_path: SaveFileFn = _ask_save_path
        self.controller: EvaluationController | None = None
        self.session: Any = None
        self.dialog: EvaluateDialog | None = None
        self.results: EvaluationWindow | None = None
        self.answers_panel: EvalAnswersPanel | None = None
        self._disagree_run: int | None = None

        self.action_evaluate = QAction("Evaluate\u2026", window)
        self.action_evaluate.setObjectName("actionEvaluate")
        self.action_evaluate.setToolTip("Measure the base model and your tuned models on the test images")
        self.action_evaluate.triggered.connect(lambda: self.open_dialog())
        self.action_results = QAction("Evaluation results", window)
        self.action_results.setObjectName("actionEvaluationResults")
        self.action_results.triggered.connect(lambda: self.open_results())
        menu = window.finetune_menu
        first_separator = next((a for a in menu.actions() if a.isSeparator()), None)
        menu.insertAction(first_separator, self.action_evaluate)
        menu.insertAction(first_separator, self.action_results)
        window.project_opened.connect(self.project_opened)
        window.project_closed.connect(self.project_closed)
        if finetune is not None and hasattr(finetune, "job_view_opened"):
            finetune.job_view_opened.connect(self._hook_job_view)
            for view in getattr(finetune, "job_views", {}).values():
                self._hook_job_view(view)
        self._update_actions()
        if getattr(window, "session", None) is not None:
            self.project_opened(window.session)

    def _deployments_listed(self, dialog: EvaluateDialog, found: list[tuple[str, str | None]]) -> None:
        if self.dialog is dialog:
            dialog.set_deployment_choices(found)

    def evaluate_deployment(self, name: str, model: str | None = None) -> EvaluateDialog | None:
        """Open the Evaluate dialog on a deployment (the Deployments window's Evaluate…)."""
        dialog = self.open_dialog(preselect=model)
        if dialog is not None and model:
            dialog.set_deployment(model, name)
        return dialog

    # -- project life -------------------------------------------------------------------------------

    def _credentials(self) -> Any:
        if self.finetune is not None:
            return self.finetune.credentials
        from studio.ui.finetune.credentials import FinetuneCredentials

        return FinetuneCredentials()

    def profile(self) -> ServiceProfile:
        controller = getattr(self.finetune, "controller", None)
        return controller.profile if controller is not None else app_settings.load_profile()

    def project_opened(self, session: Any) -> None:
        self.project_closed()
        self.session = session
        if session.read_only:
            self._update_actions()
            return
        try:
            self.controller = EvaluationController(
                session, credentials=self._credentials(), profile=self.profile,
                run_task=self.window.run_task, concurrency=self.concurrency, parent=self)
        except StudioError as error:
            self.window.show_message(f"Evaluation is not available for this project: {error}", "warning")
            self.controller = None
            self._update_actions()
            return
        preload()
        self.controller.runs_changed.connect(self._refresh_viewer_answers)
        session.labels_changed.connect(self._labels_changed)
        ws = self.window.workspace
        if ws is not None:
            panel = EvalAnswersPanel(self.controller.answers_for_image, self._class_name)
            ws.viewer.info.add_section(panel)
            ws.viewer.row_shown.connect(panel.show_row)
            self.answers_panel = panel
        self._update_actions()

    def project_closed(self) -> None:
        if self.dialog is not None:
            self.dialog.confirm_stop = lambda parent: True  # the project is closing: stop without asking
            self.dialog.close()
            self.dialog = None
        if self.results is not None:
            self.results.shutdown()
            self.results.close()
            self.results.deleteLater()
            self.results = None
        if self.session is not None:
            try:
                self.session.labels_changed.disconnect(self._labels_changed)
            except (RuntimeError, TypeError):
                pass
        if self.controller is not None:
            self.controller.close()
            self.controller.deleteLater()
            self.controller = None
        self.answers_panel = None
        self._disagree_run = None
        self.session = None
        self._update_actions()

    def _update_actions(self) -> None:
        on = self.controller is not None
        self.action_evaluate.setEnabled(on)
        self.action_results.setEnabled(on)
        tip = "" if on else "Open a project you can write to first."
        self.action_evaluate.setStatusTip(tip)

    def _class_name(self, class_id: int | None) -> str | None:
        if self.session is None or class_id is None:
            return None
        info = self.session.class_info(class_id)
        return info.name if info is not None else None

    # -- choices ------------------------------------------------------------------------------------

    def model_choices(self) -> list[ModelChoice]:
        """Tuned models and checkpoints from this project's jobs, newest job first."""
        controller = getattr(self.finetune, "controller", None)
        if controller is None:
            return []
        out: list[ModelChoice] = []
        for job in sorted(controller.jobs(), key=lambda j: j.created_at or 0, reverse=True):
            which = f"job \u2026{job.id[-5:]}"  # enough to tell this project's jobs apart; full id in the model
            if job.fine_tuned_model:
                out.append(ModelChoice(FINE_TUNED, job.fine_tuned_model, f"Tuned model ({which})", job.id))
            for ckpt in sorted(controller.checkpoints(job.id), key=lambda c: c.step_number or 0, reverse=True):
                if ckpt.model_id and ckpt.model_id != job.fine_tuned_model:
                    out.append(ModelChoice(CHECKPOINT, ckpt.model_id,
                                           f"Checkpoint, step {ckpt.step_number} ({which})", job.id))
        return out

    def _selection(self) -> list[int]:
        ws = getattr(self.window, "workspace", None)
        if ws is None:
            return []
        sm = ws.grid.selectionModel()
        rows = sorted({i.row() for i in sm.selectedIndexes()}) if sm is not None else []
        ids = [ws.model.id_at(r) for r in rows]
        return [i for i in ids if i is not None] if len(ids) > 1 else []

    # -- windows ------------------------------------------------------------------------------------

    def open_dialog(self, preselect: str | None = None) -> EvaluateDialog | None:
        if self.controller is None:
            return None
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        dialog = EvaluateDialog(self.controller, self.model_choices(), base_models=BASE_MODELS,
                                selection=self._selection(), preselect=preselect,
                                azure=self.profile().is_azure, parent=self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        dialog.results_requested.connect(self._results_requested)
        self.controller.plan_finished.connect(lambda run_ids, d=dialog: self._offer_cleanup(d, run_ids))
        dialog.destroyed.connect(lambda *_: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.show()
        if dialog.azure:
            self._list_deployments(dialog)
        return dialog

    def _list_deployments(self, dialog: EvaluateDialog) -> None:
        """Fill the deployment combos from the resource's ready deployments (network: a pool thread).
        Until deployments can be listed (no Entra sign-in, or that feature absent) typed names work."""
        service = _deployments_service()
        if service is None or self.session is None:
            return
        stores, profile = self.session.stores, self.profile()

        def work(progress: Any, cancel: Any) -> list[tuple[str, str | None]]:
            store = stores.open_reader()
            try:
                targets = service.call_targets(profile, store)
            finally:
                store.close()
            return [(t.model, t.served_model) for t in targets if t.kind == "deployment"]

        task = BackgroundTask(work, self, title="Listing deployments")
        task.finished.connect(lambda found: self._deployments_listed(dialog, found))
        task.start()  # quiet: on failure the typed name keeps working, and the run says what is wrong

    def _offer_cleanup(self, dialog: EvaluateDialog, run_ids: list[int]) -> None:
        """After an evaluation through deployments this project created, offer to delete them: Azure
        bills a deployed fine-tuned model by the hour whether it is asked or not."""
        records_module = _deployment_records()
        if records_module is None or self.session is None or not dialog.azure or self.controller is None:
            return
        used = {run.spec.deployment for run in (self.controller.run(i) for i in run_ids) if run and run.spec.deployment}
        if not used:
            return
        stores = self.session.stores

        def work(progress: Any, cancel: Any) -> list[str]:
            store = stores.open_reader()
            try:
                records = records_module.project_deployments(store)
            finally:
                store.close()
            return sorted({r.name for r in records if r.name in used and r.deleted_at is None})

        task = BackgroundTask(work, self, title="Checking deployments")
        task.finished.connect(self._show_cleanup)
        task.start()

    def _show_cleanup(self, names: list[str]) -> None:
        if not names:
            return
        listed = ", ".join(f"\u201c{n}\u201d" for n in names)
        self.window.show_message(
            f"The evaluation used {len(names)} deployment{'s' if len(names) != 1 else ''} the studio created "
            f"({listed}). A deployed model is billed by the hour while it exists; delete "
            f"{'them' if len(names) != 1 else 'it'} if you are done.",
            "warning", [("Delete now", lambda: self.delete_deployments(names)), ("Keep", lambda: None)],
            key="evaluation-deployments")

    def delete_deployments(self, names: list[str]) -> BackgroundTask | None:
        service = _deployments_service()
        if service is None or self.session is None:
            return None
        stores, profile = self.session.stores, self.profile()

        def work(progress: Any, cancel: Any) -> int:
            store = stores.open()
            try:
                manager = service.open_manager(profile, store)
                for i, name in enumerate(names):
                    progress(i, len(names), f"Deleting {name}")
                    manager.delete(name, progress, cancel)
            finally:
                store.close()
            return len(names)

        task = BackgroundTask(work, self, title="Deleting deployments")
        task.finished.connect(lambda n: self.window.show_message(f"Deleted {n} deployment(s).", "info"))
        self.window.run_task(task)  # failures (e.g. an API key cannot manage deployments) become a banner
        return task

    def _results_requested(self, run_ids: list[int]) -> None:
        if self.dialog is not None:
            self.dialog.close()
        window = self.open_results()
        if window is not None and len(run_ids) >= 2:
            window.comparison.select_pair(run_ids[0], run_ids[-1])
        elif window is not None and run_ids:
            window.select_run(run_ids[-1])

    def open_results(self) -> EvaluationWindow | None:
        if self.controller is None:
            return None
        if self.results is None:
            results = EvaluationWindow(self.controller, self.window)
            results.setWindowFlag(Qt.WindowType.Window, True)
            results.show_cell.connect(self.show_cell)
            results.show_disagreements.connect(self.show_disagreements)
            results.export_requested.connect(self.export_run)
            results.evaluate_requested.connect(lambda: self.open_dialog())
            self.results = results
        self.results.refresh()
        self.results.show()
        self.results.raise_()
        self.results.activateWindow()
        return self.results

    def _hook_job_view(self, view: Any) -> None:
        if hasattr(view, "evaluate_requested"):
            view.evaluate_requested.connect(lambda model, job_id: self.open_dialog(preselect=model or None))

    # -- the grid and the viewer --------------------------------------------------------------------

    def _run_name(self, run_id: int) -> str:
        run = self.controller.run(run_id) if self.controller is not None else None
        return run.spec.display_name() if run is not None else f"run {run_id}"

    def _show_ids(self, key: str, text: str, ids: list[int]) -> None:
        ws = getattr(self.window, "workspace", None)
        if ws is None:
            return
        ws.filter_bar.add_choice(key, text, ImageFilter(image_ids=frozenset(ids)))
        if ws.viewer_open:
            ws.show_grid()
        ws.show_filter(key)
        self.window.raise_()
        self.window.activateWindow()

    def show_cell(self, run_id: int, true_class: str, predicted: str | None) -> None:
        if self.controller is None:
            return
        ids = self.controller.cell_image_ids(run_id, true_class, predicted)
        said = f"answered \u201c{predicted}\u201d" if predicted is not None else "answered no class"
        # count first: the filter combo is narrow and cuts the end
        self._show_ids(CELL_KEY, f"{true_class} {said} ({len(ids):,}) \u00b7 {self._run_name(run_id)}", ids)

    def show_disagreements(self, run_id: int) -> None:
        if self.controller is None:
            return
        self._disagree_run = run_id
        ids = self.controller.disagreeing_image_ids(run_id)
        self._show_ids(DISAGREE_KEY, self._disagree_text(run_id, len(ids)), ids)
        if not ids:
            self.window.show_message(f"{self._run_name(run_id)} agrees with every label it was asked about.", "info")

    def _disagree_text(self, run_id: int, n: int) -> str:
        return f"Model disagrees with label ({n:,}) \u00b7 {self._run_name(run_id)}"

    def _labels_changed(self, ids: list[int]) -> None:
        """Relabeling updates the counts: the results window re-reads, the disagreement entry recounts
        (the grid keeps showing the images until the filter is chosen again, so the image just
        relabeled does not vanish under the cursor)."""
        if self.controller is None:
            return
        if self.results is not None:
            self.results.schedule_refresh()
        self._refresh_viewer_answers()
        ws = getattr(self.window, "workspace", None)
        if self._disagree_run is not None and ws is not None:
            fresh = self.controller.disagreeing_image_ids(self._disagree_run)
            if ws.filter_bar.show_combo.findData(DISAGREE_KEY) >= 0:
                ws.filter_bar.add_choice(DISAGREE_KEY, self._disagree_text(self._disagree_run, len(fresh)),
                                         ImageFilter(image_ids=frozenset(fresh)))

    def _refresh_viewer_answers(self) -> None:
        ws = getattr(self.window, "workspace", None)
        if self.answers_panel is not None and ws is not None and ws.viewer_open:
            self.answers_panel.show_row(ws.viewer.row)

    # -- export -------------------------------------------------------------------------------------

    def export_run(self, run_id: int) -> BackgroundTask | None:
        """Ask where, then write the CSV on a pool thread (its own read-only connection)."""
        if self.controller is None or self.session is None:
            return None
        default = str(Path(app_settings.last_folder()) / f"{self.session.name}-evaluation-{run_id}.csv")
        path = self.ask_save_path(self.results or self.window, "Export the run's answers", default)
        if not path:
            return None
        stores, name = self.session.stores, self._run_name(run_id)

        def work(progress: Any, cancel: Any) -> int:
            store = stores.open_reader()
            try:
                return export_run_csv(store, run_id, path)
            finally:
                store.close()

        task = BackgroundTask(work, self, title="Exporting answers")
        task.finished.connect(lambda n: self.window.show_message(
            f"Exported {n:,} answers of \u201c{name}\u201d to '{path}'.", "info"))
        self.window.run_task(task)  # failures become the window's error banner
        return task


def _deployments_service() -> Any:
    """`studio.service.deployments` when it is installed (issue 13), else None: looked up by name so
    evaluation works, with typed deployment names, without it."""
    import importlib

    try:
        return importlib.import_module("studio.service.deployments")
    except ImportError:
        return None


def _deployment_records() -> Any:
    import importlib

    try:
        return importlib.import_module("studio.core.store.deployment_records")
    except ImportError:
        return None


def install_evaluation(window: Any, finetune: Any = None, *, concurrency: int | None = None) -> EvaluationIntegration:
    """Add evaluation to `window` (a `MainWindow`), next to fine-tuning (`finetune`: its integration)."""
    return EvaluationIntegration(window, finetune, concurrency=concurrency)
