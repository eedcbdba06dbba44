"""The Qt side of evaluation for one open project: estimates, runs (resumed when they can be),
results and comparisons, with signals the dialog and the results window listen to.

Widgets never call the service or open threads; they ask this object. Quick reads on the UI thread
(runs, metrics, answers for the viewer) go through the labeling session's connection (the one owner
of the project file there); every estimate and run works on a pool thread with its own connection
from `session.stores`, through the app's one task runner. A plan's runs
go one after another in one background task, so Cancel stops the plan, and a later Start with the
same choices resumes each unfinished run instead of creating (and paying for) a new one.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from PySide6.QtCore import QObject, Signal

from studio.core.errors import StudioError
from studio.core.evaluation.records import EvalRun, EvalRunSpec
from studio.core.store.evaluations import EvaluationRepository
from studio.core.tasks import CancelToken, Cancelled
from studio.service.profile import ServiceProfile
from studio.ui.common.tasks import BackgroundTask
from studio.ui.evaluation.plan import EvaluationPlan, PlanEstimate, PlannedRun, PlanProgress

RunTask = Callable[[BackgroundTask], Any]
RESUMABLE_STATES = ("created", "running", "cancelled", "failed")
# What makes two specs "the same evaluation" for resuming (the texts and prices are frozen per run).
_SAME_RUN_FIELDS = ("kind", "model", "deployment", "split", "shots", "limit", "image_ids", "detail")


def spec_for(plan: EvaluationPlan, run: PlannedRun) -> EvalRunSpec:
    return EvalRunSpec(
        kind=run.kind, model=run.model, deployment=run.deployment, split=plan.split, shots=run.shots,
        limit=plan.limit, image_ids=tuple(plan.image_ids) if plan.split == "selection" else None,
        name=run.title, job_id=run.job_id,
        price_input_per_1m=plan.price_input_per_1m, price_output_per_1m=plan.price_output_per_1m,
    )


def same_evaluation(a: EvalRunSpec, b: EvalRunSpec) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f in _SAME_RUN_FIELDS)


def resumable_run(runs: list[EvalRun], spec: EvalRunSpec, profile: ServiceProfile) -> EvalRun | None:
    """The newest unfinished run of the same evaluation on the same service, if any."""
    for run in runs:  # newest first
        if run.state in RESUMABLE_STATES and same_evaluation(run.spec, spec) and _same_service(run, profile):
            return run
    return None


def covering_run(runs: list[EvalRun], spec: EvalRunSpec, profile: ServiceProfile,
                 image_ids: Sequence[int]) -> EvalRun | None:
    """The newest completed run of the same evaluation on the same service that already asked about
    every one of `image_ids` (the images these choices would ask about now): Start must not pay for
    them again."""
    wanted = set(image_ids)
    for run in runs:  # newest first
        if run.state == "completed" and same_evaluation(run.spec, spec) and _same_service(run, profile) \
                and wanted <= set(run.image_ids):
            return run
    return None


def _same_service(run: EvalRun, profile: ServiceProfile) -> bool:
    return run.profile.get("kind") == profile.kind and run.profile.get("endpoint", "") == profile.endpoint


def price_source(plan: EvaluationPlan, resumed: bool, price_in: float | None, price_out: float | None) -> str:
    """Where the price an estimate used comes from, in words (the one price rule lives in
    `studio.service.evaluation.estimate.with_prices`: the user's price, else the list price, else none)."""
    if price_in is None or price_out is None:
        return "no price known"
    if resumed:
        return "as stored with the run"
    given = (plan.price_input_per_1m is not None) + (plan.price_output_per_1m is not None)
    return ("your price", "your price, list price for the other", "list price")[2 - given]


def run_result(repo: EvaluationRepository, run: EvalRun) -> dict[str, Any]:
    """A run's numbers in the `studio-cli evaluate --json` shape (without the per-image predictions)."""
    result = repo.metrics(run.id).as_dict()
    prompt, completion = repo.usage(run.id)
    result.update({
        "run_id": run.id, "model": run.spec.model or run.spec.deployment, "split": run.spec.split,
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion}, "cost_usd": repo.cost_usd(run.id),
    })
    return result


def preload() -> None:
    """Import what evaluation needs (the SDK, scipy.stats: seconds on a busy laptop) on a thread of
    its own when a project opens, so the first estimate or the first interval is not a frozen window."""
    import threading

    def work() -> None:
        try:
            import scipy.stats  # noqa: F401 - the intervals and tests

            _service()
        except Exception:  # noqa: BLE001 - only a head start: a real failure surfaces where it is used
            pass

    threading.Thread(target=work, name="preload-evaluation", daemon=True).start()


def _service() -> Any:
    """The service layer's evaluation package, imported on first use (it pulls in the SDK)."""
    import studio.service.evaluation as service

    return service


class EvaluationController(QObject):
    estimate_ready = Signal(object, object, str)  # plan, PlanEstimate | None, error text
    progress = Signal(object)  # PlanProgress
    run_finished = Signal(int)  # a run of the plan completed (its id)
    plan_finished = Signal(object)  # list[int]: the plan's run ids
    plan_failed = Signal(str)
    plan_cancelled = Signal()
    runs_changed = Signal()  # a run was created, answered, finished or deleted: lists re-read

    def __init__(self, session: Any, *, credentials: Any, profile: Callable[[], ServiceProfile],
                 run_task: RunTask | None = None, concurrency: int | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.stores = session.stores
        self.credentials = credentials
        self._profile = profile
        self._run_task = run_task or (lambda task: task.start())
        self.concurrency = concurrency
        self.repo: EvaluationRepository = session.evaluations
        self._task: BackgroundTask | None = None
        self._estimate_task: BackgroundTask | None = None
        self._closed = False
        self._live_run: int | None = None  # the run this process's runner is asking about right now

    # -- reads (UI thread) --------------------------------------------------------------------------

    @property
    def profile(self) -> ServiceProfile:
        return self._profile()

    def runs(self) -> list[EvalRun]:
        """All runs, oldest first (the order the comparison lists them in)."""
        return list(reversed(self.repo.runs()))

    def run(self, run_id: int) -> EvalRun | None:
        return self.repo.run(run_id)

    def result(self, run_id: int) -> dict[str, Any] | None:
        run = self.repo.run(run_id)
        return None if run is None else run_result(self.repo, run)

    def compare(self, run_a: int, run_b: int) -> dict[str, Any]:
        a, b = self.repo.run(run_a), self.repo.run(run_b)
        if a is None or b is None:
            raise StudioError("One of the runs is no longer in this project. Choose another pair.")
        return self.repo.compare(run_a, run_b, name_a=a.spec.display_name(), name_b=b.spec.display_name()).as_dict()

    def answers_for_image(self, image_id: int) -> list[tuple[EvalRun, Any]]:
        return self.repo.answers_for_image(image_id)

    def disagreeing_image_ids(self, run_id: int) -> list[int]:
        return self.repo.disagreeing_image_ids(run_id)

    def cell_image_ids(self, run_id: int, true_class: str, predicted: str | None) -> list[int]:
        return self.repo.cell_image_ids(run_id, true_class, predicted)

    def delete_run(self, run_id: int) -> None:
        self.repo.delete_run(run_id)
        self.runs_changed.emit()

    @property
    def running(self) -> bool:
        return self._task is not None and self._task.running

    def is_interrupted(self, run: EvalRun) -> bool:
        """A run stored as "running" that no runner of this app is working on: its process was
        killed (or crashed) mid-run. Its answers are kept; Evaluate again carries on with the rest.
        The stored state is left as it is (only a runner changes it)."""
        return run.state == "running" and not (self.running and run.id == self._live_run)

    # -- estimate -----------------------------------------------------------------------------------

    def request_estimate(self, plan: EvaluationPlan) -> None:
        """Estimate on a pool thread; answers with `estimate_ready(plan, estimate, error)`."""
        service = _service()
        estimate_run, estimate_resume = service.estimate_run, service.estimate_resume

        stores, profile = self.stores, self.profile

        def work(progress: Any, cancel: CancelToken) -> PlanEstimate:
            store = stores.open_reader()
            try:
                stored = EvaluationRepository(store).runs()
                requests = tokens = out = 0
                cost: float | None = 0.0
                per_run: list[tuple[str, int, int]] = []
                notes: list[str] = []
                carried: list[tuple[str, int, int]] = []
                done: list[int] = []
                prices: list[tuple[str, float | None, float | None, str]] = []
                for planned in plan.runs:
                    cancel.raise_if_cancelled()
                    spec = spec_for(plan, planned)
                    if profile.is_azure and not spec.deployment:
                        raise StudioError(f"Type the Azure deployment that serves {spec.model}.")
                    existing = resumable_run(stored, spec, profile)
                    try:
                        est = estimate_resume(store, existing) if existing is not None else estimate_run(store, spec)
                    except ValueError as error:
                        raise StudioError(str(error)) from error
                    finished = existing if existing is not None and est.requests == 0 else (
                        covering_run(stored, spec, profile, est.image_ids)
                        if existing is None and est.requests else None)
                    if finished is not None:
                        done.append(finished.id)
                        carried.append((planned.title, finished.total, finished.total))
                        continue  # every image answered: nothing to send, nothing to pay
                    if existing is not None:
                        carried.append((planned.title, existing.total - est.requests, existing.total))
                    requests += est.requests
                    tokens += est.input_tokens
                    out += est.requests * est.max_output_tokens
                    cost = None if cost is None or est.cost_usd is None else cost + est.cost_usd
                    per_run.append((planned.title, est.requests, est.input_tokens))
                    prices.append((planned.title, est.price_input_per_1m, est.price_output_per_1m,
                                   price_source(plan, existing is not None, est.price_input_per_1m,
                                                est.price_output_per_1m)))
                    notes += [n for n in est.notes if n not in notes]
                return PlanEstimate(requests, tokens, out, cost if per_run else None, tuple(per_run), tuple(notes),
                                    tuple(carried), tuple(done), tuple(prices))
            finally:
                store.close()

        if self._estimate_task is not None:
            self._estimate_task.cancel()
        task = BackgroundTask(work, self, title="Estimating the evaluation")
        self._estimate_task = task
        task.finished.connect(lambda est, p=plan: self._estimate_done(task, p, est, ""))
        task.failed.connect(lambda text, p=plan: self._estimate_done(task, p, None, text))
        task.start()

    def _estimate_done(self, task: BackgroundTask, plan: EvaluationPlan, est: PlanEstimate | None, error: str) -> None:
        if self._estimate_task is task:
            self._estimate_task = None
        if not self._closed:
            self.estimate_ready.emit(plan, est, error)

    # -- running ------------------------------------------------------------------------------------

    def start(self, plan: EvaluationPlan) -> BackgroundTask | None:
        """Run (or resume) each run of the plan in turn on a pool thread."""
        if self.running:
            self.plan_failed.emit("An evaluation is already running. Wait for it, or cancel it first.")
            return None
        service = _service()
        create_run, run_evaluation, choose_images = service.create_run, service.run_evaluation, service.choose_images

        stores, profile, credentials = self.stores, self.profile, self.credentials
        concurrency = self.concurrency
        holder: dict[str, BackgroundTask] = {}

        def work(progress: Any, cancel: CancelToken) -> list[int]:
            creds = credentials.resolve(profile)
            store = stores.open()
            ids: list[int] = []
            try:
                repo = EvaluationRepository(store)
                for index, planned in enumerate(plan.runs):
                    cancel.raise_if_cancelled()
                    spec = spec_for(plan, planned)
                    existing = resumable_run(repo.runs(), spec, profile)
                    if existing is None:
                        answered = covering_run(repo.runs(), spec, profile,
                                                [it.image_id for it in choose_images(store, spec).items])
                        if answered is not None:  # the estimate said so too: nothing to ask, nothing to pay
                            ids.append(answered.id)
                            holder["task"].send_partial(("finished", answered.id))
                            continue
                    try:
                        run_id = existing.id if existing is not None else create_run(store, spec, profile)
                    except ValueError as error:
                        raise StudioError(str(error)) from error
                    holder["task"].send_partial(("created", run_id))

                    def report(done: int, total: int | None = None, message: str = "", i: int = index,
                               title: str = planned.title) -> None:
                        progress(done, total, f"{title}: {message}")
                        holder["task"].send_partial(PlanProgress(i, len(plan.runs), title, done, total or 0, None, message))

                    kwargs: dict[str, Any] = {} if concurrency is None else {"concurrency": concurrency}
                    run_evaluation(store, run_id, creds, report, cancel, **kwargs)
                    ids.append(run_id)
                    holder["task"].send_partial(("finished", run_id))
                return ids
            finally:
                store.close()

        task = BackgroundTask(work, self, title="Evaluating")
        holder["task"] = task
        self._task = task
        task.partial.connect(self._on_partial)
        task.finished.connect(self._on_finished)
        task.failed.connect(self._on_failed)
        task.cancelled.connect(self._on_cancelled)
        self._run_task(task)
        return task

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _on_partial(self, value: Any) -> None:
        if self._closed:
            return
        if isinstance(value, PlanProgress):
            self.progress.emit(value)
            return
        kind, run_id = value
        self._live_run = run_id if kind == "created" else None
        if kind == "finished":
            self.run_finished.emit(run_id)
        self.runs_changed.emit()

    def _on_finished(self, ids: list[int]) -> None:
        self._task = None
        self._live_run = None
        if not self._closed:
            self.runs_changed.emit()
            self.plan_finished.emit(ids)

    def _on_failed(self, text: str) -> None:
        self._task = None
        self._live_run = None
        if not self._closed:
            self.runs_changed.emit()
            self.plan_failed.emit(text)

    def _on_cancelled(self) -> None:
        self._task = None
        self._live_run = None
        if not self._closed:
            self.runs_changed.emit()
            self.plan_cancelled.emit()

    # -- shutdown -----------------------------------------------------------------------------------

    def close(self) -> None:
        """The project is closing: stop the run (answers so far are kept) before the session closes."""
        if self._closed:
            return
        self._closed = True
        for task in (self._task, self._estimate_task):
            if task is not None:
                task.cancel()
                task.wait(30.0)
