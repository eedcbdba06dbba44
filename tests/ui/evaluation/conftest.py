"""Projects with evaluation runs already stored (answers written through the real repository), so
the results views can be checked against numbers worked out by hand.

Twelve images img_000..img_011 labeled cat, dog, bird in turn.
- run "base" (zero-shot): right on img_000..005; img_006 -> dog, img_007 -> cat, img_008 -> cat;
  img_009..011 answer "a llama" (no class). 6 of 12 right.
- run "tuned": right everywhere except img_011 (bird) -> dog. 11 of 12 right.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from studio.core.evaluation.records import EvalAnswer, EvalRunSpec
from studio.core.store.evaluations import EvaluationRepository
from studio.core.store.project_store import ProjectStore

CLASSES = ("cat", "dog", "bird")
BASE_WRONG = {6: "dog", 7: "cat", 8: "cat", 9: None, 10: None, 11: None}
TUNED_WRONG = {11: "dog"}


def label_of(i: int) -> str:
    return CLASSES[i % 3]


def seed_runs(path: Path) -> dict[str, int]:
    with ProjectStore.open(path) as store:
        ids = {r.rel_path.rsplit("/", 1)[-1]: r.id for r in store.iter_images()}
        cls = {c.name: c.id for c in store.classes()}
        by_index = {int(name[4:7]): image_id for name, image_id in ids.items() if name.startswith("img_")}
        for i, image_id in by_index.items():
            store.set_label([image_id], cls[label_of(i)])
        repo = EvaluationRepository(store)
        out = {}
        for name, spec, wrong in (
            ("base", EvalRunSpec(kind="zero_shot", model="gpt-4o-2024-08-06"), BASE_WRONG),
            ("tuned", EvalRunSpec(kind="fine_tuned", model="ft:gpt-4o-2024-08-06:demo::tuned1", job_id="ftjob-1"),
             TUNED_WRONG),
        ):
            order = [by_index[i] for i in sorted(by_index)]
            run_id = repo.create_run(spec, {"kind": "demo"}, order, [], 16, list(CLASSES))
            for i in sorted(by_index):
                said = wrong.get(i, label_of(i))
                answer = "a llama" if i in wrong and said is None else said
                repo.add_answer(EvalAnswer(run_id, by_index[i], answer, cls.get(said) if said else None,
                                           100, 2, 12.5, None, time.time()))
            repo.set_state(run_id, "completed")
            out[name] = run_id
        return out


@pytest.fixture
def project(project):  # noqa: F811 - extends tests/ui/conftest.py's project with labels and runs
    seed_runs(project)
    return project
