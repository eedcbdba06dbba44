"""Per-run metrics: accuracy with a Wilson interval, per-class precision/recall/F1, macro-F1, confusion.

Conventions (fixed, because the CLI's JSON and the UI both show them):
- An unparseable answer is a wrong answer: it counts in `n`, never as correct, and lands in the last
  confusion column. A class that is never predicted has precision 0 (not "undefined"), so a model
  that ignores a class cannot look good on macro-F1 by leaving it out.
- Macro-F1 averages over ALL the project's classes, including those without test images (their
  recall and F1 are 0). A model cannot be judged on a class it was never shown, and leaving such
  classes out would change the number every time the test set changes shape; the per-class table
  shows support so a reader sees which classes are missing.
- Accuracy's interval is Wilson's 95 % score interval (scipy's `binomtest(...).proportion_ci`): it
  stays inside [0, 1] and behaves at 0 % and 100 %, where the textbook normal interval collapses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True, slots=True)
class ScoredItem:
    """One answered image: its current label and what the model said (None = unparseable)."""

    image_id: int
    label: str
    predicted: str | None
    answer: str | None = None


@dataclass(frozen=True, slots=True)
class ClassMetrics:
    precision: float
    recall: float
    f1: float
    support: int

    def as_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1, "support": self.support}


@dataclass(frozen=True, slots=True)
class Confusion:
    """Rows: true classes in project order. Columns: predicted classes in the same order, then one
    last column for unparseable answers."""

    labels: list[str]
    matrix: list[list[int]]

    def cell(self, true_class: str, predicted: str | None) -> int:
        col = len(self.labels) if predicted is None else self.labels.index(predicted)
        return self.matrix[self.labels.index(true_class)][col]

    def as_dict(self) -> dict:
        return {"labels": list(self.labels), "matrix": [list(row) for row in self.matrix]}


@dataclass(frozen=True, slots=True)
class RunMetrics:
    n: int
    correct: int
    accuracy: float | None  # None when nothing was scored
    accuracy_ci95: tuple[float, float] | None
    macro_f1: float | None
    per_class: dict[str, ClassMetrics]
    confusion: Confusion
    unparseable: int

    def as_dict(self) -> dict:
        """The metric fields of `studio-cli evaluate --json`."""
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "accuracy_ci95": list(self.accuracy_ci95) if self.accuracy_ci95 is not None else None,
            "macro_f1": self.macro_f1,
            "unparseable": self.unparseable,
            "per_class": {name: m.as_dict() for name, m in self.per_class.items()},
            "confusion": self.confusion.as_dict(),
        }


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float] | None:
    """Wilson score interval for a proportion; None when n is 0 (there is nothing to estimate)."""
    if n <= 0:
        return None
    from scipy.stats import binomtest  # deferred: scipy.stats takes ~0.3 s to import

    ci = binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def compute_metrics(class_names: Sequence[str], items: Iterable[ScoredItem]) -> RunMetrics:
    """Metrics over `items`. Items whose label is not one of `class_names` are ignored (a class that
    was deleted after the run has no row to count in); a prediction outside `class_names` counts as
    unparseable."""
    labels = list(class_names)
    index = {name: i for i, name in enumerate(labels)}
    k = len(labels)
    matrix = [[0] * (k + 1) for _ in range(k)]
    for item in items:
        row = index.get(item.label)
        if row is None:
            continue
        col = index.get(item.predicted, k) if item.predicted is not None else k
        matrix[row][col] += 1

    n = sum(sum(row) for row in matrix)
    correct = sum(matrix[i][i] for i in range(k))
    unparseable = sum(row[k] for row in matrix)
    per_class: dict[str, ClassMetrics] = {}
    for i, name in enumerate(labels):
        tp = matrix[i][i]
        support = sum(matrix[i])
        predicted = sum(matrix[r][i] for r in range(k))
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = ClassMetrics(precision, recall, f1, support)
    return RunMetrics(
        n=n,
        correct=correct,
        accuracy=correct / n if n else None,
        accuracy_ci95=wilson_interval(correct, n),
        macro_f1=(sum(m.f1 for m in per_class.values()) / k) if n and k else None,
        per_class=per_class,
        confusion=Confusion(labels, matrix),
        unparseable=unparseable,
    )
