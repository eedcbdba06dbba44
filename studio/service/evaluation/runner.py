"""Running an evaluation: one chat completion per image, answers stored as they arrive, resumable.

Why it is built this way:
- Resumable without paying twice: a run's images are frozen when it is created, and every answer is
  committed the moment it arrives. Running the same run again asks only the images without an
  answer, whether the run was cancelled, failed, or its process was killed.
- Bounded concurrency: `concurrency` requests in flight at most, in worker threads (the SDK client is
  thread-safe; encoding the image happens in the worker too, so it overlaps with the network).
  The calling thread alone writes to the project, so the store keeps one owner per connection.
- 429 / Retry-After: every request goes through `retry.call_with_retry` (the one retry policy).
  A rate-limit answer also closes a shared gate until the server's retry-after has passed, so the
  other workers stop hammering a service that just said "slow down" instead of each collecting its
  own 429.
- Cancel: no new request starts; requests already sent are waited for and their answers stored
  (they are paid for), then `Cancelled` is raised and the run is marked cancelled.
- A per-image refusal (the service rejects that image, or its content filter does) is stored as an
  answer with `error` set and counts as wrong; anything that would fail every image (sign-in,
  unknown model or deployment, the service down after retries) stops the run with a message that
  says what to do, and keeps the answers so far.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Callable

import openai

from studio.core.errors import ServiceError, StudioError
from studio.core.evaluation.answers import parse_answer
from studio.core.evaluation.metrics import RunMetrics
from studio.core.evaluation.records import EvalAnswer, EvalRun, EvalRunSpec
from studio.core.export.image_encoding import EncodedImage, EncodeRequest, Unusable, encode_image
from studio.core.export.prompts import Prompts
from studio.core.store.evaluations import EvaluationRepository
from studio.core.tasks import CancelToken, Cancelled, ProgressCallable, no_progress
from studio.service.credentials import Credentials, scrub
from studio.service.errors import describe
from studio.service.evaluation.estimate import project_prompts, with_prices
from studio.service.evaluation.images import choose_images
from studio.service.evaluation.prompting import build_messages, max_answer_tokens
from studio.service.clients import make_client
from studio.service.profile import ServiceProfile
from studio.service.retry import RetryPolicy, call_with_retry, retry_after_seconds

if TYPE_CHECKING:
    from studio.core.models import ImageRow
    from studio.core.store.project_store import ProjectStore

DEFAULT_CONCURRENCY = 4
MAX_CONCURRENCY = 32
QUEUE_AHEAD = 16
# More patient than the default: a long evaluation meets rate limits as a matter of course.
EVAL_POLICY = RetryPolicy(max_attempts=10, base_delay=0.5, max_delay=20.0)
_IMAGE_ERROR_CODES = {"invalid_image_format", "invalid_image_url", "invalid_image", "image_parse_error",
                      "content_filter", "content_policy_violation", "ResponsibleAIPolicyViolation"}

AnswerFn = Callable[[EvalAnswer, "bool | None"], None]
"""Called on the runner's thread after each stored answer: (answer, correct now or None if unlabeled)."""


def create_run(store: "ProjectStore", spec: EvalRunSpec, profile: ServiceProfile) -> int:
    """Record a run (its images, few-shot examples, prompts and prices frozen); nothing is sent yet."""
    spec.validate()
    if profile.is_azure and not spec.deployment:
        raise StudioError(
            f"On Azure OpenAI a model answers through a deployment. Choose or type the deployment that serves "
            f"{spec.model or 'the model'} (Deployments lists them)."
        )
    if not profile.is_azure and spec.deployment:
        spec = replace(spec, model=spec.model or spec.deployment, deployment=None)
    images = choose_images(store, spec)
    if not images.items:
        where = "selection" if spec.split == "selection" else f"{spec.split} split"
        raise StudioError(
            f"There are no labeled images in the {where} to evaluate. Label images and set a "
            f"{spec.split if spec.split != 'selection' else 'test'} fraction first."
        )
    if spec.kind == "few_shot" and not images.shots:
        raise StudioError("Few-shot needs labeled training images to show as examples; label some first.")
    prompts = project_prompts(store, images.class_names, spec)
    spec = with_prices(replace(spec, system_prompt=prompts.system, instruction=prompts.instruction))
    repo = EvaluationRepository(store)
    return repo.create_run(
        spec, profile.to_dict(), [it.image_id for it in images.items], [s.image_id for s in images.shots],
        max_answer_tokens(images.class_names), images.class_names,
    )


@dataclass(frozen=True, slots=True)
class _Outcome:
    image_id: int
    answer: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float | None = None
    error: str | None = None  # a per-image refusal (stored)
    fatal: BaseException | None = None  # stops the run (not stored)
    cancelled: bool = False


class _RateGate:
    """Shared pause after a 429: no worker sends before the server's retry-after has passed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_at = 0.0

    def notice(self, attempt: int, delay: float, error: BaseException) -> None:
        if isinstance(error, openai.RateLimitError):
            asked = retry_after_seconds(error)
            with self._lock:
                self._open_at = max(self._open_at, time.monotonic() + (asked if asked is not None else delay))

    def wait(self, cancel: CancelToken) -> None:
        while True:
            with self._lock:
                remaining = self._open_at - time.monotonic()
            if remaining <= 0:
                return
            if cancel.wait(min(remaining, 0.5)):
                raise Cancelled()


class _Asker:
    """What a worker thread does for one image; never raises (everything becomes an `_Outcome`)."""

    def __init__(self, run: EvalRun, client: openai.OpenAI, prompts: Prompts, shots: list[tuple[EncodedImage, str]],
                 policy: RetryPolicy, cancel: CancelToken, gate: _RateGate,
                 on_retry: Callable[[int, float, BaseException], None] | None) -> None:
        self.run, self.client, self.prompts, self.shots = run, client, prompts, shots
        self.policy, self.cancel, self.gate, self.on_retry = policy, cancel, gate, on_retry

    def _notice(self, attempt: int, delay: float, error: BaseException) -> None:
        self.gate.notice(attempt, delay, error)
        if self.on_retry is not None:
            self.on_retry(attempt, delay, error)

    def __call__(self, row: "ImageRow") -> _Outcome:
        spec = self.run.spec
        try:
            image = encode_image(EncodeRequest(str(row.abs_path), row.verdict.value, spec.detail, spec.fix))
        except Unusable as exc:
            return _Outcome(row.id, error=f"Not sent: {exc}")
        messages = build_messages(self.prompts, spec.detail, image, self.shots)

        def send() -> Any:
            self.gate.wait(self.cancel)
            return self.client.chat.completions.create(
                model=spec.target, messages=messages, temperature=0, max_tokens=self.run.max_tokens,  # type: ignore[arg-type]  # reason: plain dict messages, the SDK types want TypedDicts
            )

        started = time.perf_counter()
        try:
            reply = call_with_retry(send, policy=self.policy, cancel=self.cancel, on_retry=self._notice)
        except Cancelled:
            return _Outcome(row.id, cancelled=True)
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            if _is_image_refusal(exc):
                return _Outcome(row.id, error=_server_message(exc), latency_ms=_ms(started))
            return _Outcome(row.id, fatal=exc)
        except Exception as exc:  # noqa: BLE001 - the run decides; nothing escapes a worker
            return _Outcome(row.id, fatal=exc)
        latency = _ms(started)
        usage = getattr(reply, "usage", None)
        text = reply.choices[0].message.content if reply.choices else None
        return _Outcome(
            row.id, answer=text, prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0), latency_ms=latency,
        )


def run_evaluation(
    store: "ProjectStore",
    run_id: int,
    credentials: Credentials,
    progress: ProgressCallable = no_progress,
    cancel: CancelToken | None = None,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    policy: RetryPolicy = EVAL_POLICY,
    client: openai.OpenAI | None = None,
    on_answer: AnswerFn | None = None,
    on_retry: Callable[[int, float, BaseException], None] | None = None,
) -> RunMetrics:
    """Ask every image of the run that has no answer yet; returns the run's metrics.

    `progress(done, total, message)` after each answer (message: running accuracy). Raises
    `Cancelled` (run marked cancelled) or `ServiceError` (marked failed, message says what to do);
    either way the stored answers stay and calling this again resumes."""
    cancel = cancel or CancelToken()
    concurrency = max(1, min(MAX_CONCURRENCY, int(concurrency)))
    repo = EvaluationRepository(store)
    run = repo.run(run_id)
    if run is None:
        raise StudioError(f"Evaluation run {run_id} is not in this project.")
    profile = ServiceProfile.from_dict(run.profile)
    answered = repo.answered_ids(run_id)
    remaining = [i for i in run.image_ids if i not in answered]
    labels = _labels(store, run.image_ids)
    class_ids = {c.name: c.id for c in store.classes()}
    correct = sum(
        1 for a in repo.answers(run_id) if a.predicted_class_id is not None and labels.get(a.image_id) == a.predicted_class_id
    )
    scored = sum(1 for i in answered if labels.get(i) is not None)
    done = len(answered)
    total = run.total

    def report(message: str = "") -> None:
        acc = f" · running accuracy {100 * correct / scored:.0f} %" if scored else ""
        progress(done, total, message or f"{done} of {total} images answered{acc}")

    if not remaining:
        repo.set_state(run_id, "completed")
        report()
        return repo.metrics(run_id)

    if client is None:
        client = make_client(profile, credentials)
    rows = {r.id: r for r in store.images(remaining)}
    remaining = [i for i in remaining if i in rows]
    total = done + len(remaining)  # images removed from the project since the run was created drop out
    prompts = Prompts(run.spec.system_prompt or "", run.spec.instruction or "")
    shots = _encode_shots(store, run)
    repo.set_state(run_id, "running")
    report(f"Asking {run.spec.target} about {len(remaining)} images ({concurrency} at a time)...")
    gate = _RateGate()
    asker = _Asker(run, client, prompts, shots, policy, cancel, gate, on_retry)
    fatal: BaseException | None = None
    queue = iter(remaining)
    in_flight: set[Future[_Outcome]] = set()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="evaluation") as pool:
        stopping = False
        try:
            while True:
                # More tasks queued than threads: a worker that finishes starts the next image at once,
                # even while this thread waits for the disk to confirm a commit (tens of ms on a busy disk).
                # Requests in flight stay <= concurrency (the pool's size); queued ones cost nothing.
                while not stopping and len(in_flight) < concurrency + QUEUE_AHEAD:
                    image_id = next(queue, None)
                    if image_id is None:
                        break
                    in_flight.add(pool.submit(asker, rows[image_id]))
                if not in_flight:
                    break
                finished, in_flight = wait(in_flight, timeout=0.25, return_when=FIRST_COMPLETED)
                arrived: list[EvalAnswer] = []
                for future in finished:
                    if future.cancelled():
                        continue
                    outcome = future.result()
                    if outcome.fatal is not None:
                        fatal = fatal or outcome.fatal
                        stopping = True
                        continue
                    if outcome.cancelled:
                        continue
                    predicted_name = parse_answer(outcome.answer, run.class_names) if outcome.error is None else None
                    predicted = class_ids.get(predicted_name) if predicted_name is not None else None
                    arrived.append(EvalAnswer(run_id, outcome.image_id, outcome.answer, predicted, outcome.prompt_tokens,
                                              outcome.completion_tokens, outcome.latency_ms, outcome.error, time.time()))
                repo.add_answers(arrived)  # answers that arrived together share one commit
                for answer in arrived:
                    done += 1
                    label = labels.get(answer.image_id)
                    is_correct = None if label is None else answer.predicted_class_id == label
                    if label is not None:
                        scored += 1
                        correct += int(bool(is_correct))
                    if on_answer is not None:
                        on_answer(answer, is_correct)
                if arrived:
                    report()
                if cancel.cancelled:
                    stopping = True
                if stopping:
                    for future in in_flight:
                        future.cancel()  # only those not started yet: nothing sent, nothing to store
        except BaseException:
            # Leaving early (a disk error, an interrupt): nothing queued may still be sent, or it
            # would be paid for with nowhere to store the answer.
            for future in in_flight:
                future.cancel()
            raise

    if fatal is not None:
        message = _fatal_message(fatal, profile, run, credentials)
        repo.set_state(run_id, "failed", message)
        raise ServiceError(message)
    if done < total:
        repo.set_state(run_id, "cancelled")
        raise Cancelled()
    repo.set_state(run_id, "completed")
    return repo.metrics(run_id)


def _labels(store: "ProjectStore", image_ids: list[int]) -> dict[int, int | None]:
    return {row.id: row.class_id for row in store.images(image_ids)}


def _encode_shots(store: "ProjectStore", run: EvalRun) -> list[tuple[EncodedImage, str]]:
    if not run.shot_image_ids:
        return []
    names = {c.id: c.name for c in store.classes()}
    shots = []
    for row in store.images(run.shot_image_ids):
        if row.class_id not in names:
            continue  # unlabeled since the run was created: not an example any more
        try:
            image = encode_image(EncodeRequest(str(row.abs_path), row.verdict.value, run.spec.detail, run.spec.fix))
        except Unusable:
            continue
        shots.append((image, names[row.class_id]))
    return shots


def _is_image_refusal(error: openai.APIStatusError) -> bool:
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body) if isinstance(body, dict) else {}
    code = str(inner.get("code") or "") if isinstance(inner, dict) else ""
    param = str(inner.get("param") or "") if isinstance(inner, dict) else ""
    return code in _IMAGE_ERROR_CODES or "content" in param or "image" in code


def _server_message(error: openai.APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    inner = body.get("error", body) if isinstance(body, dict) else {}
    text = inner.get("message") if isinstance(inner, dict) else None
    return f"The service refused this image ({error.status_code}): {text or error.message}"


def _fatal_message(error: BaseException, profile: ServiceProfile, run: EvalRun, credentials: Credentials) -> str:
    where = profile.display_name()
    keep = " The answers so far are kept: run the evaluation again to continue where it stopped."
    if isinstance(error, openai.NotFoundError):
        if profile.is_azure:
            text = (f"{where} has no deployment named '{run.spec.target}' (404). Deploy the model first "
                    "(Deployments), or check the name; a new deployment can take a few minutes before it answers.")
        else:
            text = (f"{where} does not know the model '{run.spec.target}' (404). Check the name (a fine-tuned "
                    "model looks like ft:gpt-4o-2024-08-06:...) and that this account may use it.")
    else:
        text = describe(error, profile, f"ask {run.spec.target} about an image", credentials)
    return scrub(text, credentials.secret_values()) + keep


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 1)
