"""The project's evaluation runs and their answers: the one place that reads and writes them.

Every answer is committed on its own as it arrives (`add_answer`): a run that is cancelled, fails or
whose process is killed keeps everything it paid for, and resuming it asks only the images without
an answer. Metrics are always computed from the stored answers and the project's CURRENT labels and
classes, so fixing a label mistake found through a disagreement updates every run's numbers, and
the CLI, the UI and the tests can never disagree about a number.

Threads: like the store itself, use one repository per connection (one per thread).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any, Sequence

from studio.core.evaluation.compare import Comparison, compare_runs
from studio.core.evaluation.metrics import RunMetrics, ScoredItem, compute_metrics
from studio.core.evaluation.pricing import cost_usd
from studio.core.evaluation.records import RUN_STATES, EvalAnswer, EvalRun, EvalRunSpec

if TYPE_CHECKING:
    from studio.core.store.project_store import ProjectStore

_RUN_COLUMNS = (
    "id, created_at, updated_at, name, spec_json, profile_json, state, image_ids_json, shot_image_ids_json, "
    "max_tokens, class_names_json, error, (SELECT COUNT(*) FROM eval_answers a WHERE a.run_id = eval_runs.id)"
)
_ANSWER_COLUMNS = (
    "run_id, image_id, answer, predicted_class_id, prompt_tokens, completion_tokens, latency_ms, error, answered_at"
)


class EvaluationRepository:
    def __init__(self, store: "ProjectStore") -> None:
        self.store = store
        self.conn = store.conn

    # -- runs --------------------------------------------------------------------------------------

    def create_run(
        self,
        spec: EvalRunSpec,
        profile: dict[str, Any],
        image_ids: Sequence[int],
        shot_image_ids: Sequence[int],
        max_tokens: int,
        class_names: Sequence[str],
    ) -> int:
        """Record a run before any request is sent (its image list is frozen here)."""
        spec.validate()
        now = time.time()
        with self.store._tx():
            cur = self.conn.execute(
                "INSERT INTO eval_runs (created_at, updated_at, name, kind, model, deployment, split, state, job_id, "
                "spec_json, profile_json, image_ids_json, shot_image_ids_json, class_names_json, max_tokens) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'created', ?, ?, ?, ?, ?, ?, ?)",
                (
                    now, now, spec.display_name(), spec.kind, spec.model or spec.target, spec.deployment, spec.split,
                    spec.job_id, json.dumps(spec.to_dict(), sort_keys=True), json.dumps(profile, sort_keys=True),
                    json.dumps(list(image_ids)), json.dumps(list(shot_image_ids)), json.dumps(list(class_names)),
                    int(max_tokens),
                ),
            )
        assert cur.lastrowid is not None  # set by every successful INSERT
        return cur.lastrowid

    def run(self, run_id: int) -> EvalRun | None:
        row = self.conn.execute(f"SELECT {_RUN_COLUMNS} FROM eval_runs WHERE id = ?", (run_id,)).fetchone()
        return _run(row) if row else None

    def runs(self) -> list[EvalRun]:
        """All runs, newest first."""
        rows = self.conn.execute(f"SELECT {_RUN_COLUMNS} FROM eval_runs ORDER BY created_at DESC, id DESC").fetchall()
        return [_run(r) for r in rows]

    def set_state(self, run_id: int, state: str, error: str | None = None) -> None:
        if state not in RUN_STATES:
            raise ValueError(f"unknown run state {state!r}")
        with self.store._tx():
            self.conn.execute(
                "UPDATE eval_runs SET state = ?, error = ?, updated_at = ? WHERE id = ?", (state, error, time.time(), run_id)
            )

    def rename_run(self, run_id: int, name: str) -> None:
        name = " ".join(name.split())
        if not name:
            raise ValueError("A run needs a name.")
        with self.store._tx():
            self.conn.execute("UPDATE eval_runs SET name = ?, updated_at = ? WHERE id = ?", (name, time.time(), run_id))

    def delete_run(self, run_id: int) -> None:
        """Remove a run and its answers (the answers are lost: the UI asks first)."""
        with self.store._tx():
            self.conn.execute("DELETE FROM eval_answers WHERE run_id = ?", (run_id,))
            self.conn.execute("DELETE FROM eval_runs WHERE id = ?", (run_id,))

    # -- answers -----------------------------------------------------------------------------------

    def add_answer(self, answer: EvalAnswer) -> None:
        """Store one answer, committed at once. A second answer for the same image replaces the first
        (only a retried refusal does that; answered images are never asked again)."""
        self.add_answers([answer])

    def add_answers(self, answers: Sequence[EvalAnswer]) -> None:
        """Store answers that arrived together in one commit (one disk flush instead of one each)."""
        if not answers:
            return
        now = time.time()
        with self.store._tx():
            self.conn.executemany(
                f"INSERT OR REPLACE INTO eval_answers ({_ANSWER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (a.run_id, a.image_id, a.answer, a.predicted_class_id, int(a.prompt_tokens),
                     int(a.completion_tokens), a.latency_ms, a.error, a.answered_at or now)
                    for a in answers
                ],
            )
            for run_id in {a.run_id for a in answers}:
                self.conn.execute("UPDATE eval_runs SET updated_at = ? WHERE id = ?", (now, run_id))

    def answers(self, run_id: int) -> list[EvalAnswer]:
        rows = self.conn.execute(
            f"SELECT {_ANSWER_COLUMNS} FROM eval_answers WHERE run_id = ? ORDER BY answered_at, image_id", (run_id,)
        ).fetchall()
        return [_answer(r) for r in rows]

    def answered_ids(self, run_id: int) -> set[int]:
        rows = self.conn.execute("SELECT image_id FROM eval_answers WHERE run_id = ?", (run_id,)).fetchall()
        return {int(r[0]) for r in rows}

    def scored_image_ids(self) -> set[int]:
        """Every image any run has an answer for: these must not move into train or validation
        without the user confirming it (the split code asks this)."""
        return {int(r[0]) for r in self.conn.execute("SELECT DISTINCT image_id FROM eval_answers").fetchall()}

    def answers_for_image(self, image_id: int) -> list[tuple[EvalRun, EvalAnswer]]:
        """Each run's answer for one image, newest run first (the viewer shows these)."""
        rows = self.conn.execute(
            f"SELECT {_ANSWER_COLUMNS} FROM eval_answers WHERE image_id = ? ORDER BY run_id DESC", (image_id,)
        ).fetchall()
        out = []
        for row in rows:
            run = self.run(int(row[0]))
            if run is not None:
                out.append((run, _answer(row)))
        return out

    def usage(self, run_id: int) -> tuple[int, int]:
        """(prompt_tokens, completion_tokens) actually used: the sum of `usage` over stored answers."""
        row = self.conn.execute(
            "SELECT COALESCE(SUM(prompt_tokens), 0), COALESCE(SUM(completion_tokens), 0) FROM eval_answers "
            "WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        return int(row[0]), int(row[1])

    def cost_usd(self, run_id: int) -> float | None:
        run = self.run(run_id)
        if run is None:
            return None
        prompt, completion = self.usage(run_id)
        return cost_usd(prompt, completion, run.spec.price_input_per_1m, run.spec.price_output_per_1m)

    # -- scoring -----------------------------------------------------------------------------------

    def scored_items(self, run_id: int) -> list[ScoredItem]:
        """Answered images that are labeled now, with their current label and the parsed answer."""
        names = {c.id: c.name for c in self.store.classes()}
        rows = self.conn.execute(
            "SELECT a.image_id, i.class_id, a.predicted_class_id, a.answer FROM eval_answers a "
            "JOIN images i ON i.id = a.image_id WHERE a.run_id = ? AND i.class_id IS NOT NULL ORDER BY a.image_id",
            (run_id,),
        ).fetchall()
        return [
            ScoredItem(int(image_id), names[label], names.get(predicted) if predicted is not None else None, answer)
            for image_id, label, predicted, answer in rows
            if label in names
        ]

    def metrics(self, run_id: int) -> RunMetrics:
        return compute_metrics([c.name for c in self.store.classes()], self.scored_items(run_id))

    def disagreeing_image_ids(self, run_id: int) -> list[int]:
        """Images whose answer differs from their current label (unparseable included): where label
        mistakes hide. In image-id order."""
        return [item.image_id for item in self.scored_items(run_id) if item.predicted != item.label]

    def cell_image_ids(self, run_id: int, true_class: str, predicted: str | None) -> list[int]:
        """The images in one confusion-matrix cell (`predicted` None = the unparseable column)."""
        return [
            item.image_id for item in self.scored_items(run_id) if item.label == true_class and item.predicted == predicted
        ]

    def compare(self, run_a: int, run_b: int, *, name_a: str | None = None, name_b: str | None = None) -> Comparison:
        """Paired comparison on the images both runs answered and that are labeled now."""
        a = {item.image_id: item for item in self.scored_items(run_a)}
        b = {item.image_id: item for item in self.scored_items(run_b)}
        shared = sorted(set(a) & set(b))
        ra, rb = self.run(run_a), self.run(run_b)
        split = ra.spec.split if ra is not None and rb is not None and ra.spec.split == rb.spec.split else "test"
        if split == "selection":
            split = "selected"
        return compare_runs(
            [a[i].predicted == a[i].label for i in shared],
            [b[i].predicted == b[i].label for i in shared],
            name_a=name_a or (ra.name if ra else f"run {run_a}"),
            name_b=name_b or (rb.name if rb else f"run {run_b}"),
            split=split,
        )


def _run(row: Sequence[Any]) -> EvalRun:
    (run_id, created, updated, name, spec_json, profile_json, state, ids_json, shots_json, max_tokens, classes_json,
     error, answered) = row
    return EvalRun(
        id=int(run_id),
        created_at=float(created),
        updated_at=float(updated),
        name=name,
        spec=EvalRunSpec.from_dict(json.loads(spec_json)),
        profile=json.loads(profile_json),
        state=state,
        image_ids=[int(i) for i in json.loads(ids_json)],
        shot_image_ids=[int(i) for i in json.loads(shots_json)],
        max_tokens=int(max_tokens),
        class_names=list(json.loads(classes_json)),
        error=error,
        answered=int(answered),
    )


def _answer(row: Sequence[Any]) -> EvalAnswer:
    run_id, image_id, answer, predicted, prompt, completion, latency, error, at = row
    return EvalAnswer(
        run_id=int(run_id),
        image_id=int(image_id),
        answer=answer,
        predicted_class_id=int(predicted) if predicted is not None else None,
        prompt_tokens=int(prompt or 0),
        completion_tokens=int(completion or 0),
        latency_ms=latency,
        error=error,
        answered_at=float(at),
    )

