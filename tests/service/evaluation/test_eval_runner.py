"""Evaluation runs end to end: the real SDK against the emulator, answers in a real project file."""

from __future__ import annotations

import pytest
from eval_helpers import COLORS, KEY, fine_tune, make_colour_project, openai_profile

from studio.core.errors import ServiceError, StudioError
from studio.core.evaluation.records import EvalRunSpec
from studio.core.store.evaluations import EvaluationRepository
from studio.core.store.project_store import ProjectStore
from studio.core.tasks import CancelToken, Cancelled
from studio.emulator import EmulatorServer
from studio.service.evaluation import create_run, estimate_run, run_evaluation
from studio.service.evaluation.images import split_of_images
from studio.service.profile import ServiceProfile
from studio.service.retry import RetryPolicy

BASE = "gpt-4o-2024-08-06"
FAST = RetryPolicy(max_attempts=12, base_delay=0.005, max_delay=0.02)


@pytest.fixture
def srv():
    with EmulatorServer(step_seconds=0.002, api_keys=["emu-key"]) as server:
        yield server


@pytest.fixture
def store(tmp_path):
    s = ProjectStore.open(make_colour_project(tmp_path / "p"))
    yield s
    s.close()


def n_test(store) -> int:
    return sum(1 for s in split_of_images(store)[1].values() if s == "test")


def test_tuned_model_beats_base_with_exact_metrics_and_finds_planted_label_mistakes(store, srv):
    tuned = fine_tune(store, srv)
    _, splits, _ = split_of_images(store)
    test_ids = sorted(i for i, s in splits.items() if s == "test")
    classes = {c.name: c.id for c in store.classes()}
    rows = {r.id: r for r in store.images(test_ids)}
    # Plant two label mistakes in the test split: a green image labeled blue, a blue one labeled red.
    green = next(i for i in test_ids if rows[i].rel_path.startswith("green"))
    blue = next(i for i in test_ids if rows[i].rel_path.startswith("blue"))
    store.set_label([green], classes["blue"])
    store.set_label([blue], classes["red"])
    # Relabeling changes the class counts, so the stored splits restore the exact quotas: the planted
    # images stay in test and (here) a training image of the class that lost one joins test.
    _, splits, _ = split_of_images(store)
    test_ids = sorted(i for i, s in splits.items() if s == "test")
    assert green in test_ids and blue in test_ids
    rows = {r.id: r for r in store.images(test_ids)}
    labels = {r.id: r.rel_path.split("_")[0] for r in rows.values()} | {green: "blue", blue: "red"}
    n = len(test_ids)
    assert n >= 9  # 30 % of 10 per class, exactly, plus what the new quotas ask

    profile = openai_profile(srv)
    estimate = estimate_run(store, EvalRunSpec(kind="zero_shot", model=BASE))
    assert estimate.requests == n and estimate.image_tokens == 85 * n and estimate.cost_usd is not None
    base_run = create_run(store, EvalRunSpec(kind="zero_shot", model=BASE, name="the base model"), profile)
    tuned_run = create_run(store, EvalRunSpec(kind="fine_tuned", model=tuned, name="the tuned model"), profile)
    seen = []
    base = run_evaluation(store, base_run, KEY, progress=lambda d, t, m: seen.append((d, t, m)), policy=FAST)
    metrics = run_evaluation(store, tuned_run, KEY, policy=FAST)

    # Zero-shot base: "red" (the first class the prompt lists) for every image.
    n_red = sum(1 for v in labels.values() if v == "red")
    assert base.accuracy == pytest.approx(n_red / n)
    assert base.per_class["red"].recall == 1.0 and base.per_class["red"].precision == pytest.approx(n_red / n)
    assert base.per_class["green"].precision == 0.0 and base.unparseable == 0
    assert seen[-1][:2] == (n, n) and "running accuracy" in seen[-1][2]

    # Tuned: right on every image by its colour, so exactly the two planted labels disagree.
    assert (metrics.n, metrics.correct, metrics.unparseable) == (n, n - 2, 0)
    order = list(COLORS)
    assert metrics.confusion.labels == order
    assert metrics.confusion.cell("blue", "green") == 1 and metrics.confusion.cell("red", "blue") == 1
    repo = EvaluationRepository(store)
    assert repo.disagreeing_image_ids(tuned_run) == sorted([green, blue])
    usage = repo.usage(tuned_run)
    truth = [r.rel_path.split("_")[0] for r in store.images(test_ids)]
    assert usage[0] > 85 * n and usage[1] == sum(-(-len(c) // 4) for c in truth)  # emulator: 4 chars a token
    assert repo.run(tuned_run).state == "completed"

    comparison = repo.compare(base_run, tuned_run)
    assert comparison.n_paired == n
    assert comparison.diff == pytest.approx((n - 2 - n_red) / n)

    # Fix the planted labels: the tuned run's counts follow without asking the model again.
    requests_before = len(srv.state.requests_matching("POST", "/chat/completions"))
    store.set_label([green], classes["green"])
    store.set_label([blue], classes["blue"])
    assert repo.metrics(tuned_run).accuracy == 1.0
    assert run_evaluation(store, tuned_run, KEY).accuracy == 1.0  # nothing left to ask
    assert len(srv.state.requests_matching("POST", "/chat/completions")) == requests_before


def test_few_shot_shows_training_images_and_improves_on_zero_shot(store, srv):
    profile = openai_profile(srv)
    run_id = create_run(store, EvalRunSpec(kind="few_shot", model=BASE, shots=3), profile)
    run = EvaluationRepository(store).run(run_id)
    _, splits, _ = split_of_images(store)
    assert len(run.shot_image_ids) == 3 and all(splits[i] == "train" for i in run.shot_image_ids)
    metrics = run_evaluation(store, run_id, KEY, policy=FAST)
    assert metrics.accuracy == 1.0  # one example per colour is enough for plain colours


def test_429_storm_is_survived_with_every_answer_stored_once(store, srv):
    srv.faults.add("429", "/chat/completions", times=25, retry_after=0.01)
    run_id = create_run(store, EvalRunSpec(kind="zero_shot", model=BASE), openai_profile(srv))
    retries = []
    metrics = run_evaluation(store, run_id, KEY, policy=FAST, concurrency=4,
                             on_retry=lambda attempt, delay, err: retries.append(delay))
    assert metrics.n == n_test(store) and len(retries) == 25
    assert all(delay >= 0.01 for delay in retries)  # Retry-After honoured
    ok = [r for r in srv.state.requests_matching("POST", "/chat/completions") if r.status == 200]
    assert len(ok) == n_test(store)  # each image paid for exactly once


def test_cancel_keeps_answers_and_resume_never_asks_twice(store, srv):
    srv.faults.add("slow", "/chat/completions", times=None, delay=0.05)
    run_id = create_run(store, EvalRunSpec(kind="zero_shot", model=BASE), openai_profile(srv))
    cancel = CancelToken()
    answered = []

    def on_answer(answer, correct):
        answered.append(answer.image_id)
        if len(answered) == 3:
            cancel.cancel()

    with pytest.raises(Cancelled):
        run_evaluation(store, run_id, KEY, cancel=cancel, concurrency=2, on_answer=on_answer, policy=FAST)
    repo = EvaluationRepository(store)
    run = repo.run(run_id)
    assert run.state == "cancelled" and 3 <= run.answered < run.total
    first_part = repo.answered_ids(run_id)
    srv.faults.clear()
    run_evaluation(store, run_id, KEY, policy=FAST)
    assert repo.run(run_id).state == "completed" and repo.run(run_id).answered == run.total
    ok = [r for r in srv.state.requests_matching("POST", "/chat/completions") if r.status == 200]
    assert len(ok) == run.total and first_part < repo.answered_ids(run_id)


def test_azure_needs_a_deployment_and_an_unknown_one_says_what_to_do(store, srv):
    profile = ServiceProfile(kind="azure", endpoint=srv.azure_endpoint)
    with pytest.raises(StudioError, match="through a deployment"):
        create_run(store, EvalRunSpec(kind="zero_shot", model=BASE), profile)
    run_id = create_run(store, EvalRunSpec(kind="zero_shot", model=BASE, deployment="gpt4o-eval"), profile)
    with pytest.raises(ServiceError, match="no deployment named 'gpt4o-eval'.*Deploy the model first") as err:
        run_evaluation(store, run_id, KEY, policy=FAST)
    assert "emu-key" not in str(err.value)
    repo = EvaluationRepository(store)
    assert repo.run(run_id).state == "failed" and "Deploy the model" in repo.run(run_id).error
    srv.state.add_deployment("gpt4o-eval", BASE)
    assert run_evaluation(store, run_id, KEY, policy=FAST).n == n_test(store)
    assert srv.state.requests_matching("POST", r"^/deployments/gpt4o-eval/chat/completions$")


KILLED_RUNNER = """
import sys
from studio.core.store.project_store import ProjectStore
from studio.service.credentials import Credentials
from studio.service.evaluation import run_evaluation
store = ProjectStore.open(sys.argv[1])
run_evaluation(store, int(sys.argv[2]), Credentials.from_key("emu-key"), concurrency=2)
"""


def test_a_run_killed_mid_way_resumes_where_it_stopped(store, srv, tmp_path):
    import subprocess
    import sys
    import time

    srv.faults.add("slow", "/chat/completions", times=None, delay=0.15)
    run_id = create_run(store, EvalRunSpec(kind="zero_shot", model=BASE), openai_profile(srv))
    total = EvaluationRepository(store).run(run_id).total
    proc = subprocess.Popen([sys.executable, "-c", KILLED_RUNNER, str(store.path), str(run_id)])
    repo = EvaluationRepository(store)
    deadline = time.monotonic() + 60
    try:
        while repo.run(run_id).answered < 3:
            assert proc.poll() is None, "the runner ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        proc.kill()
        proc.wait()
    stored = repo.answered_ids(run_id)
    assert 3 <= len(stored) < total and repo.run(run_id).state == "running"  # killed: no chance to say so
    srv.faults.clear()
    metrics = run_evaluation(store, run_id, KEY, policy=FAST)
    assert metrics.n == total and repo.run(run_id).state == "completed"
    ok = [r for r in srv.state.requests_matching("POST", "/chat/completions") if r.status == 200]
    # Stored answers are never asked again; at most the 2 requests in flight at the kill are repeated.
    assert total <= len(ok) <= total + 2


def test_leaving_early_sends_nothing_more_than_what_was_in_flight(store, srv):
    """An error on the runner's side (here: the progress sink) stops the run without paying for queued images."""
    srv.faults.add("slow", "/chat/completions", times=None, delay=0.05)
    run_id = create_run(store, EvalRunSpec(kind="zero_shot", model=BASE), openai_profile(srv))

    def broken_sink(answer, correct):
        raise RuntimeError("the window went away")

    with pytest.raises(RuntimeError):
        run_evaluation(store, run_id, KEY, concurrency=2, on_answer=broken_sink, policy=FAST)
    stored = len(EvaluationRepository(store).answered_ids(run_id))
    sent = len(srv.state.requests_matching("POST", "/chat/completions"))
    assert stored >= 1 and sent <= stored + 2 * 2  # only requests already in flight (<= 2 per worker) went unstored


def test_on_the_demo_project_the_tuned_model_clearly_beats_the_base_model(tmp_path, srv):
    """The README's demo figures: the demo as created (20 % validation, 30 % test, three label
    mistakes planted in test), the images it left unlabeled labeled with their shapes."""
    from studio.core.demo_dataset import PEOPLE_PHOTOS, create_demo_project, generate_demo_images, planted_mistakes

    project = create_demo_project(tmp_path / "demo.studio", tmp_path / "shapes")
    shapes = {d.rel_path: d.shape for d in generate_demo_images(tmp_path / "again") if d.shape}
    with ProjectStore.open(project) as demo:
        classes = {c.name: c.id for c in demo.classes()}
        paths = {r.id: r.rel_path for r in demo.iter_images()}
        for r in demo.iter_images():
            if r.class_id is None and r.rel_path in shapes:
                demo.set_label([r.id], classes[shapes[r.rel_path]])
        planted = planted_mistakes(demo)
        tuned = fine_tune(demo, srv)
        profile = openai_profile(srv)
        base_run = create_run(demo, EvalRunSpec(kind="zero_shot", model=BASE, name="the base model"), profile)
        tuned_run = create_run(demo, EvalRunSpec(kind="fine_tuned", model=tuned, name="the tuned model"), profile)
        base = run_evaluation(demo, base_run, KEY, policy=FAST)
        metrics = run_evaluation(demo, tuned_run, KEY, policy=FAST)
        repo = EvaluationRepository(demo)
        verdict = repo.compare(base_run, tuned_run)
        disagreements = {paths[i] for i in repo.disagreeing_image_ids(tuned_run)}
    assert base.n == metrics.n >= 18  # 30 % of each class, exactly
    assert metrics.accuracy >= 0.75 and base.accuracy <= 0.4  # base: "circle" for every image
    assert verdict.significant and verdict.verdict.startswith("The tuned model is better than the base model by ")
    # The tuned model contradicts the three planted labels, and otherwise at most photos of people.
    assert len(planted) == 3 and set(planted) <= disagreements
    assert disagreements - set(planted) <= {rel for rel, _name, _label in PEOPLE_PHOTOS}
