"""The Evaluate dialog: choose models and images, see requests, tokens and cost, then run with
progress, running accuracy and Cancel.

Nothing starts without an estimate: the Start button stays disabled until the estimate for exactly
the current choices has arrived, and any change asks for a new one. The dialog does no work itself;
it asks its controller (`EvaluationController`, or a test double with the same signals) and listens.
Closing the dialog while a run is going asks whether to cancel; answers already received are kept,
so a later run of the same choices resumes without paying twice.
"""

from __future__ import annotations

from html import escape
from typing import Any, Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.ui.evaluation import formatting as fmt
from studio.ui.evaluation.plan import (
    FEW_SHOT,
    ZERO_SHOT,
    EvaluationPlan,
    ModelChoice,
    PlanEstimate,
    PlannedRun,
    PlanProgress,
)

USE, WHAT, MODEL, DEPLOYMENT = range(4)
OTHER_KIND = "fine_tuned"
DEFAULT_SHOTS = 3
_ESTIMATE_DELAY_MS = 250


def ask_to_stop(parent: QWidget) -> bool:
    answer = QMessageBox.question(
        parent, "Stop the evaluation?",
        "The evaluation is still running. Stop it? Answers received so far are kept, and starting the "
        "same evaluation again carries on where it stopped.",
    )
    return answer == QMessageBox.StandardButton.Yes


def estimate_html(estimate: PlanEstimate) -> str:
    """The estimate as the dialog shows it (rich text: every value inserted is escaped, so a cost
    like "< $0.01" is not taken for a tag)."""
    if estimate.nothing_to_do:
        done = " \u00b7 ".join(f"{escape(t)}: {a:,} of {n:,}" for t, a, n in estimate.carried)
        return (f"<b>Nothing to do:</b> every image of these choices is already answered ({done}), so there is "
                "nothing to send and nothing to pay. <i>Show results</i> to see them, or change the choices.")
    cost = "cost unknown (no price known)" if estimate.cost_usd is None else f"about {fmt.money(estimate.cost_usd)}"
    lines = [f"<b>{estimate.requests:,} requests</b>, {estimate.input_tokens:,} input tokens "
             f"(images and text), at most {estimate.max_output_tokens:,} output tokens: <b>{escape(cost)}</b>."]
    if len(estimate.per_run) > 1:
        lines.append(" \u00b7 ".join(f"{escape(t)}: {n:,} requests" for t, n, _ in estimate.per_run))
    for title, answered, total in estimate.carried:
        if answered >= total:
            lines.append(f"{escape(title)}: all {total:,} images already answered (not asked again).")
        else:
            lines.append(f"{escape(title)}: carrying on the stopped run, {answered:,} of {total:,} images answered; "
                         f"only the {total - answered:,} remaining are asked and counted above.")
    if estimate.prices:
        lines.append("Priced at " + " \u00b7 ".join(
            f"{escape(t)}: {fmt.price_pair(i, o)} ({escape(source)})" for t, i, o, source in estimate.prices) + ".")
    lines += [escape(note) for note in estimate.notes]
    if estimate.requests == 0:
        lines.append("Nothing to evaluate: the chosen split has no labeled images. Set a test fraction in "
                     "Fine-tune\u2026 (dataset step), or choose another split.")
    return "<br>".join(lines)


class EvaluateDialog(QDialog):
    """`results_requested(run_ids)` when the user asks to see what finished."""

    results_requested = Signal(object)

    def __init__(self, controller: Any, choices: Sequence[ModelChoice], *, base_models: Sequence[str],
                 selection: Sequence[int] = (), preselect: str | None = None, azure: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evaluateDialog")
        self.setWindowTitle("Evaluate models")
        self.controller = controller
        self.confirm_stop = ask_to_stop  # replaceable: tests answer without a modal box
        self.azure = azure
        self.selection = tuple(selection)
        self.estimate: PlanEstimate | None = None
        self._estimated_plan: EvaluationPlan | None = None
        self._running = False
        self._built = False  # the row editors fire while the dialog is still being laid out
        self._finished_ids: list[int] = []
        self._showing_done = False
        self._estimate_timer = QTimer(self)
        self._estimate_timer.setSingleShot(True)
        self._estimate_timer.setInterval(_ESTIMATE_DELAY_MS)
        self._estimate_timer.timeout.connect(self._ask_estimate)

        intro = QLabel(
            "Each chosen model answers every image of the chosen split once; the answers are compared with "
            "your labels. Use the test split: its images were never uploaded for training."
        )
        intro.setWordWrap(True)

        # -- models
        self.base_combo = QComboBox()
        self.base_combo.setObjectName("baseModel")
        self.base_combo.addItems(list(base_models))
        self.base_combo.currentIndexChanged.connect(self._base_changed)
        self.shots = QSpinBox()
        self.shots.setObjectName("fewShotK")
        self.shots.setRange(1, 20)
        self.shots.setValue(DEFAULT_SHOTS)
        self.shots.setToolTip("How many labeled training images go into the prompt as examples (few-shot row)")
        self.shots.valueChanged.connect(self._changed)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("modelTable")
        self.table.setHorizontalHeaderLabels(["", "What", "Model", "Deployment (Azure)"])
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(USE, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(WHAT, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(MODEL, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # model ids differ at the end
        self.table.setWordWrap(False)
        header.setSectionResizeMode(DEPLOYMENT, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(DEPLOYMENT, 200)
        self.table.setColumnHidden(DEPLOYMENT, not azure)
        self._rows: list[ModelChoice] = []
        base = base_models[0] if base_models else ""
        rows = [ModelChoice(ZERO_SHOT, base, "Base model, zero-shot (your prompts only)"),
                ModelChoice(FEW_SHOT, base, "Base model, few-shot (K labeled examples in the prompt)")]
        rows += list(choices)
        rows.append(ModelChoice(OTHER_KIND, "", "Another model id (e.g. tuned in an earlier project)"))
        for choice in rows:
            self._add_row(choice)
        other_edit = self.table.cellWidget(len(rows) - 1, MODEL)
        assert isinstance(other_edit, QLineEdit)  # the last row's model cell is the free-text edit
        self.other_edit = other_edit
        self._check_defaults(preselect)
        self.table.itemChanged.connect(lambda _: self._changed())
        models_box = QGroupBox("Models")
        mform = QFormLayout()
        mform.addRow("Base model:", self.base_combo)
        mform.addRow("Examples for few-shot (K):", self.shots)
        mlay = QVBoxLayout(models_box)
        mlay.addLayout(mform)
        mlay.addWidget(self.table)
        if azure:
            hint = QLabel("On Azure a model answers only through a deployment: type the deployment name for each "
                          "chosen model (Azure portal \u25b8 Deployments).")
            hint.setWordWrap(True)
            mlay.addWidget(hint)

        # -- images
        self.split_group = QButtonGroup(self)
        self.split_test = QRadioButton("Test split (never uploaded)")
        self.split_validation = QRadioButton("Validation split")
        n_sel = len(self.selection)
        self.split_selection = QRadioButton(
            f"The {n_sel:,} images selected in the grid" if n_sel else "Images selected in the grid (select some first)")
        self.split_selection.setEnabled(n_sel > 0)
        for i, (button, key) in enumerate(((self.split_test, "test"), (self.split_validation, "validation"),
                                            (self.split_selection, "selection"))):
            button.setObjectName(f"split_{key}")
            self.split_group.addButton(button, i)
        self.split_test.setChecked(True)
        self.split_group.idToggled.connect(lambda *_: self._changed())
        images_box = QGroupBox("Images")
        ilay = QVBoxLayout(images_box)
        for b in (self.split_test, self.split_validation, self.split_selection):
            ilay.addWidget(b)

        # -- price
        self.price_in = QDoubleSpinBox()
        self.price_in.setObjectName("priceInput")
        self.price_out = QDoubleSpinBox()
        self.price_out.setObjectName("priceOutput")
        for spin in (self.price_in, self.price_out):
            spin.setRange(0.0, 1000.0)
            spin.setDecimals(2)
            spin.setPrefix("$")
            spin.setSuffix(" per 1M tokens")
            # 0 = no price of yours: the list price of the model is used where one is known (the estimate
            # says which price each run is costed at), else only tokens are shown.
            spin.setSpecialValueText("list price")
            spin.setToolTip("Your price per 1M tokens. Left at 'list price', each run is costed at its model's "
                            "list price where the studio knows one (check the live price list).")
            spin.valueChanged.connect(self._changed)
        price_box = QGroupBox("Price per 1M tokens")
        pform = QFormLayout(price_box)
        pform.addRow("Input:", self.price_in)
        pform.addRow("Output:", self.price_out)

        # -- estimate and run
        self.estimate_label = QLabel()
        self.estimate_label.setObjectName("estimateText")
        self.estimate_label.setWordWrap(True)
        self.estimate_label.setTextFormat(Qt.TextFormat.RichText)  # inserted values are escaped
        self.estimate_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress = QProgressBar()
        self.progress.setObjectName("evalProgress")
        self.progress.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progressText")
        self.progress_label.setWordWrap(True)
        self.progress_label.setTextFormat(Qt.TextFormat.RichText)  # inserted values are escaped
        self.progress_label.hide()
        run_box = QGroupBox("Before you start")
        rlay = QVBoxLayout(run_box)
        rlay.addWidget(self.estimate_label)
        rlay.addWidget(self.progress)
        rlay.addWidget(self.progress_label)

        self.start_button = QPushButton("Start")
        self.start_button.setObjectName("startEvaluation")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel run")
        self.cancel_button.setObjectName("cancelEvaluation")
        self.cancel_button.clicked.connect(self.cancel_run)
        self.cancel_button.hide()
        self.results_button = QPushButton("Show results")
        self.results_button.setObjectName("showResults")
        self.results_button.clicked.connect(lambda: self.results_requested.emit(list(self._finished_ids)))
        self.results_button.hide()
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for push in (self.results_button, self.cancel_button, self.start_button, self.close_button):
            buttons.addWidget(push)

        side = QVBoxLayout()
        side.addWidget(images_box)
        side.addWidget(price_box)
        side.addStretch(1)
        middle = QHBoxLayout()
        middle.addWidget(models_box, 7)
        middle.addLayout(side, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(middle, 1)
        layout.addWidget(run_box)
        layout.addLayout(buttons)
        self.resize(1000, 600)

        controller.estimate_ready.connect(self._on_estimate)
        controller.progress.connect(self._on_progress)
        controller.run_finished.connect(self._on_run_finished)
        controller.plan_finished.connect(self._on_plan_finished)
        controller.plan_failed.connect(self._on_failed)
        controller.plan_cancelled.connect(self._on_cancelled)
        self._built = True
        self._changed()

    # -- rows ---------------------------------------------------------------------------------------

    def _add_row(self, choice: ModelChoice) -> None:
        r = self.table.rowCount()
        self.table.insertRow(r)
        self._rows.append(choice)
        use = QTableWidgetItem()
        use.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        use.setCheckState(Qt.CheckState.Unchecked)
        self.table.setItem(r, USE, use)
        what = QTableWidgetItem(choice.title)
        what.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.table.setItem(r, WHAT, what)
        if choice.kind == OTHER_KIND and not choice.model:
            edit = QLineEdit()
            edit.setPlaceholderText("ft:gpt-4o-2024-08-06:\u2026 or gpt-4o-2024-08-06.ft-\u2026")
            edit.textChanged.connect(lambda text, row=r: self._other_typed(row, text))
            self.table.setCellWidget(r, MODEL, edit)
        else:
            model = QTableWidgetItem(choice.model)
            model.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            model.setToolTip(choice.model)
            self.table.setItem(r, MODEL, model)
        deployment = QComboBox()  # editable: a typed name works; listed deployments fill it when known
        deployment.setEditable(True)
        deployment.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        line = deployment.lineEdit()
        assert line is not None
        line.setPlaceholderText("deployment name")
        line.textChanged.connect(lambda _: self._changed())
        self.table.setCellWidget(r, DEPLOYMENT, deployment)

    def _check_defaults(self, preselect: str | None) -> None:
        """Base zero-shot always; the model the dialog was opened for, else the newest tuned model."""
        self.set_checked(0, True)
        tuned = [r for r, c in enumerate(self._rows) if c.kind not in (ZERO_SHOT, FEW_SHOT) and c.model]
        pick = [r for r in tuned if self._rows[r].model == preselect] if preselect else []
        if preselect and not pick:
            self.other_edit.setText(preselect)
            pick = [len(self._rows) - 1]
        for r in (pick or tuned[:1]):
            self.set_checked(r, True)

    def _item(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        assert item is not None  # every cell of USE and MODEL gets an item when the row is added
        return item

    def set_checked(self, row: int, on: bool) -> None:
        self._item(row, USE).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def is_checked(self, row: int) -> bool:
        return self._item(row, USE).checkState() == Qt.CheckState.Checked

    def deployment_combo(self, row: int) -> QComboBox:
        combo = self.table.cellWidget(row, DEPLOYMENT)
        assert isinstance(combo, QComboBox)  # every row gets one when it is added
        return combo

    def deployment_edit(self, row: int) -> QLineEdit:
        edit = self.deployment_combo(row).lineEdit()
        assert edit is not None  # the combo is editable
        return edit

    def set_deployment_choices(self, deployments: Sequence[tuple[str, str | None]]) -> None:
        """Offer the resource's ready deployments ((name, model it serves)) in each row's combo: the
        ones serving that row's model first; a row with exactly one such and nothing typed gets it."""
        for r, choice in enumerate(self._rows):
            combo = self.deployment_combo(r)
            typed = combo.currentText()
            serving = [n for n, m in deployments if m == choice.model and choice.model]
            others = [n for n, m in deployments if n not in serving]
            combo.blockSignals(True)
            combo.clear()
            for name in serving + others:
                served = next((m for n, m in deployments if n == name), None)
                combo.addItem(f"{name}" if name in serving else f"{name} (serves {served or '?'})", name)
            combo.setCurrentIndex(-1)
            combo.setEditText(typed)
            combo.blockSignals(False)
            if not typed and len(serving) == 1:
                combo.setEditText(serving[0])
        self._changed()

    def set_deployment(self, model: str, name: str) -> None:
        """Evaluate `model` through deployment `name` (from the Deployments window's Evaluate…)."""
        r = self.row_of(model)
        if r < 0:
            r = len(self._rows) - 1  # the "other model id" row
            self.other_edit.setText(model)
        self.set_checked(r, True)
        self.deployment_edit(r).setText(name)

    def row_of(self, model: str, kind: str | None = None) -> int:
        for r, c in enumerate(self._rows):
            if c.model == model and (kind is None or c.kind == kind):
                return r
        return -1

    def _deployment_name(self, row: int) -> str | None:
        combo = self.deployment_combo(row)
        text = combo.currentText().strip()
        idx = combo.findText(text)
        if idx >= 0 and combo.itemData(idx):
            return str(combo.itemData(idx))  # a listed deployment shown with what it serves
        return text or None

    def _other_typed(self, row: int, text: str) -> None:
        if text.strip() and not self.is_checked(row):
            self.set_checked(row, True)  # typing a model id means "evaluate it"
        self._changed()

    def _base_changed(self) -> None:
        model = self.base_combo.currentText()
        for r, c in enumerate(self._rows):
            if c.kind in (ZERO_SHOT, FEW_SHOT):
                self._rows[r] = ModelChoice(c.kind, model, c.title)
                self._item(r, MODEL).setText(model)
        self._changed()

    # -- the plan -----------------------------------------------------------------------------------

    def plan(self) -> tuple[EvaluationPlan | None, str]:
        """The plan for the current choices, or (None, what is missing)."""
        runs: list[PlannedRun] = []
        for r, c in enumerate(self._rows):
            if not self.is_checked(r):
                continue
            model = c.model
            if c.kind == OTHER_KIND and not c.model:
                model = self.other_edit.text().strip()
                if not model:
                    return None, "Type the other model's id, or untick that row."
            deployment = self._deployment_name(r)
            if self.azure and deployment is None:
                return None, f"Type the Azure deployment that serves {model} (row '{c.title}')."
            shots = self.shots.value() if c.kind == FEW_SHOT else 0
            title = c.title if c.kind not in (ZERO_SHOT, FEW_SHOT) else (
                f"{model}, {shots}-shot" if c.kind == FEW_SHOT else f"{model}, zero-shot")
            runs.append(PlannedRun(c.kind, model, title, deployment, shots, c.job_id))
        if not runs:
            return None, "Tick at least one model."
        split = ("test", "validation", "selection")[max(0, self.split_group.checkedId())]
        price_in = self.price_in.value() or None
        price_out = self.price_out.value() or None
        return EvaluationPlan(tuple(runs), split, self.selection if split == "selection" else (), price_in, price_out), ""

    def _changed(self) -> None:
        if self._running or not self._built:
            return
        self.estimate = None
        self._estimated_plan = None
        self.start_button.setEnabled(False)
        if self._showing_done:  # "nothing to do" offered old results for the previous choices
            self._showing_done = False
            self._finished_ids = []
            self.results_button.hide()
        plan, problem = self.plan()
        if plan is None:
            self.estimate_label.setText(escape(problem))
            self._estimate_timer.stop()
            return
        self.estimate_label.setText("Estimating requests, tokens and cost\u2026")
        self._estimate_timer.start()

    def _ask_estimate(self) -> None:
        plan, _ = self.plan()
        if plan is not None and not self._running:
            self.controller.request_estimate(plan)

    def _on_estimate(self, plan: EvaluationPlan, estimate: PlanEstimate | None, error: str) -> None:
        current, _ = self.plan()
        if self._running or plan != current:
            return  # an answer for choices the user has since changed
        if estimate is None:
            self.estimate_label.setText(escape(error))
            return
        self.estimate = estimate
        self._estimated_plan = plan
        self.estimate_label.setText(estimate_html(estimate))
        self.start_button.setEnabled(estimate.requests > 0)
        self.start_button.setText(f"Start ({estimate.requests:,} requests)" if estimate.requests else "Start")
        if estimate.nothing_to_do:
            self._finished_ids = list(estimate.done_run_ids)
            self._showing_done = True
            self.results_button.show()

    # -- running ------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        plan, _ = self.plan()
        if plan is None or self.estimate is None or plan != self._estimated_plan:
            return  # never without the estimate for exactly these choices
        self._running = True
        self._finished_ids = []
        self._showing_done = False
        self._set_inputs_enabled(False)
        self.start_button.hide()
        self.results_button.hide()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.progress.show()
        self.progress.setRange(0, 0)
        self.progress_label.show()
        self.progress_label.setText("Starting\u2026")
        self.controller.start(plan)

    def cancel_run(self) -> None:
        if self._running:
            self.cancel_button.setEnabled(False)
            self.progress_label.setText("Cancelling\u2026 answers received so far are kept.")
            self.controller.cancel()

    def _on_progress(self, p: PlanProgress) -> None:
        if not self._running:
            return
        self.progress.setRange(0, max(1, p.total))
        self.progress.setValue(p.done)
        prefix = f"Run {p.index + 1} of {p.runs}: " if p.runs > 1 else ""
        if p.running_accuracy is None and p.message:
            # the service layer's own line ("12 of 40 images answered · running accuracy 83 %")
            self.progress_label.setText(escape(f"{prefix}{p.title} \u2014 {p.message}"))
            return
        acc = "" if p.running_accuracy is None else f" \u00b7 running accuracy {fmt.pct(p.running_accuracy)}"
        self.progress_label.setText(escape(f"{prefix}{p.title} \u2014 {p.done:,} of {p.total:,} images answered{acc}"))

    def _on_run_finished(self, run_id: int) -> None:
        self._finished_ids.append(run_id)

    def _end(self, text: str) -> None:
        self._running = False
        self._set_inputs_enabled(True)
        self.cancel_button.hide()
        self.start_button.show()
        if self.progress.maximum() == 0:  # still "busy" (nothing reported yet): stop the animation
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
        self.progress_label.setText(text)
        self.results_button.setVisible(bool(self._finished_ids))
        self._changed()

    def _on_plan_finished(self, run_ids: list[int]) -> None:
        self._finished_ids = list(run_ids)
        self.progress.setRange(0, max(1, self.progress.maximum()))
        self.progress.setValue(self.progress.maximum())  # full: every image answered
        self._end(f"Done: {len(run_ids)} run{'s' if len(run_ids) != 1 else ''} finished. "
                  "Show results to compare them.")
        self.results_button.setDefault(True)

    def _on_failed(self, message: str) -> None:
        self._end(f"<b>The evaluation stopped.</b> {escape(message)}<br>Answers received so far are kept; Start again "
                  "to carry on without paying for them twice.")

    def _on_cancelled(self) -> None:
        self._end("Cancelled. Answers received so far are kept; Start again to carry on where it stopped.")

    def _set_inputs_enabled(self, on: bool) -> None:
        for w in (self.table, self.base_combo, self.shots, self.split_test, self.split_validation,
                  self.price_in, self.price_out):
            w.setEnabled(on)
        self.split_selection.setEnabled(on and bool(self.selection))

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._running:
            if not self.confirm_stop(self):
                event.ignore()
                return
            self.controller.cancel()
        super().closeEvent(event)
