"""Evaluation runs and answers in a real project file: stored as they arrive, scored on current labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.evaluation.records import EvalAnswer, EvalRunSpec
from studio.core.store.evaluations import EvaluationRepository
from studio.core.store.project_store import FileRecord, ProjectStore


@pytest.fixture
def project(tmp_path: Path):
    folder = tmp_path / "images"
    folder.mkdir()
    store = ProjectStore.create(tmp_path / "p.studio", [folder])
    root = store.roots()[0]
    ids = store.upsert_files(root.id, [FileRecord(f"img{i:02}.jpg", 100 + i, 1, f"fp{i}") for i in range(6)])
    cat, dog = store.add_class("cat"), store.add_class("dog")
    image_ids = [ids[f"img{i:02}.jpg"] for i in range(6)]
    store.set_label(image_ids[:3], cat.id)
    store.set_label(image_ids[3:], dog.id)
    yield store, image_ids, cat.id, dog.id
    store.close()


def _answer(run_id, image_id, text, class_id, prompt=100, completion=2):
    return EvalAnswer(run_id, image_id, text, class_id, prompt, completion, 12.5)


def test_answers_survive_reopening_and_score_on_current_labels(project, tmp_path):
    store, ids, cat, dog = project
    repo = EvaluationRepository(store)
    spec = EvalRunSpec(kind="zero_shot", model="gpt-4o-2024-08-06", price_input_per_1m=2.5, price_output_per_1m=10.0)
    run_id = repo.create_run(spec, {"kind": "demo"}, ids, [], 8, ["cat", "dog"])
    repo.add_answer(_answer(run_id, ids[0], "cat", cat))
    repo.add_answer(_answer(run_id, ids[1], "Dog.", dog))
    repo.add_answer(_answer(run_id, ids[3], "no idea", None))
    store.close()

    store = ProjectStore.open(tmp_path / "p.studio")
    repo = EvaluationRepository(store)
    run = repo.run(run_id)
    assert run is not None and run.state == "created" and run.answered == 3 and run.total == 6
    assert run.spec == spec and run.class_names == ["cat", "dog"]
    assert repo.answered_ids(run_id) == {ids[0], ids[1], ids[3]}
    m = repo.metrics(run_id)
    assert (m.n, m.correct, m.unparseable) == (3, 1, 1)
    assert m.confusion.matrix == [[1, 1, 0], [0, 0, 1]]
    assert repo.usage(run_id) == (300, 6)
    assert repo.cost_usd(run_id) == pytest.approx((300 * 2.5 + 6 * 10.0) / 1e6)
    assert repo.disagreeing_image_ids(run_id) == [ids[1], ids[3]]
    assert repo.cell_image_ids(run_id, "dog", None) == [ids[3]]
    assert repo.scored_image_ids() == {ids[0], ids[1], ids[3]}

    # The user fixes a label the model disagreed with: the counts follow.
    store.set_label([ids[1]], dog)
    m = repo.metrics(run_id)
    assert (m.n, m.correct) == (3, 2)
    store.set_label([ids[3]], None)  # unlabeled images drop out of the scores
    assert repo.metrics(run_id).n == 2
    store.close()


def test_compare_pairs_only_images_both_runs_answered(project):
    store, ids, cat, dog = project
    repo = EvaluationRepository(store)
    a = repo.create_run(EvalRunSpec(model="base", name="the base model"), {}, ids, [], 8, ["cat", "dog"])
    b = repo.create_run(EvalRunSpec(kind="fine_tuned", model="ft:base:x", name="the tuned model"), {}, ids, [], 8,
                        ["cat", "dog"])
    for i in ids:
        repo.add_answer(_answer(a, i, "cat", cat))
    for i in ids[:5]:
        repo.add_answer(_answer(b, i, "dog" if i in ids[3:] else "cat", dog if i in ids[3:] else cat))
    c = repo.compare(a, b)
    assert c.n_paired == 5
    assert (c.accuracy_a, c.accuracy_b) == (pytest.approx(3 / 5), 1.0)
    assert c.verdict.startswith("The tuned model scores 40 points higher than the base model")
    assert [r.id for r in repo.runs()] == [b, a]
    assert [run.id for run, _ in repo.answers_for_image(ids[0])] == [b, a]
    repo.delete_run(a)
    assert repo.run(a) is None and repo.answered_ids(a) == set()


def test_a_refused_answer_can_be_replaced_and_states_are_checked(project):
    store, ids, cat, _ = project
    repo = EvaluationRepository(store)
    run_id = repo.create_run(EvalRunSpec(model="m"), {}, ids, [], 8, ["cat", "dog"])
    repo.add_answer(EvalAnswer(run_id, ids[0], None, None, error="content filter"))
    repo.add_answer(_answer(run_id, ids[0], "cat", cat))
    assert [a.answer for a in repo.answers(run_id)] == ["cat"]
    repo.set_state(run_id, "failed", "network down")
    assert repo.run(run_id).error == "network down"
    with pytest.raises(ValueError):
        repo.set_state(run_id, "exploded")
    with pytest.raises(ValueError, match="Few-shot"):
        repo.create_run(EvalRunSpec(kind="few_shot", model="m", shots=0), {}, ids, [], 8, [])
