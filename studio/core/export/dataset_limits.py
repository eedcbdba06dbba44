"""The service's dataset limits and the checks the exporter runs before (and while) writing.

The rule constants live in `DatasetLimits` (one instance, `DEFAULT_LIMITS`, holds the documented
values; tests inject small ones). Per-image rules (formats, modes, 10 MB) live in `image_rules`.

File size: the service wants each file under 512 MB. We do NOT split the training file into parts:
a job takes exactly one `training_file` (and one `validation_file`), so parts could only be used as a
chain of separate jobs, which is a different training run than the user asked for. Instead the
writer keeps a running byte count and refuses, before any file is published, with a message that
says how to shrink the dataset (detail low re-encodes every image at 512 px, ~40 KB each, so even
50,000 examples fit). The test split is never uploaded, so it has no size limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from studio.core.errors import DatasetError


@dataclass(frozen=True, slots=True)
class DatasetLimits:
    min_examples: int = 10
    warn_examples: int = 50
    warn_per_class: int = 10
    max_examples_with_images: int = 50_000
    # OpenAI says 10 images per example; Azure's table says 64 but its troubleshooting says 10.
    max_images_per_example: int = 10
    # "< 512 MB": read as decimal megabytes, the stricter reading; the file must stay below it.
    max_file_bytes: int = 512_000_000


DEFAULT_LIMITS = DatasetLimits()

_SHRINK_ADVICE = (
    "Export with detail 'low' (every image is re-encoded at 512 px, which also lowers cost), "
    "exclude some images, or lower the validation fraction."
)


def check_example_counts(
    split_counts: Mapping[str, int],
    per_class_counts: Mapping[str, int],
    limits: DatasetLimits = DEFAULT_LIMITS,
) -> list[str]:
    """Refuse datasets the service would reject; return warnings for ones it accepts but that
    will likely train poorly. `split_counts` is examples per split name, `per_class_counts` is
    exported examples per class (all splits; classes with none included as 0)."""
    train = split_counts.get("train", 0)
    validation = split_counts.get("validation", 0)
    if train < limits.min_examples:
        raise DatasetError(
            f"Only {train} training example(s) can be exported; the service needs at least "
            f"{limits.min_examples}. Label more images, lower the validation/test fraction, or "
            "turn on Fix to include flagged images that can be repaired."
        )
    for name, count in (("training", train), ("validation", validation)):
        if count > limits.max_examples_with_images:
            raise DatasetError(
                f"The {name} file would have {count:,} examples with images; the service accepts at most "
                f"{limits.max_examples_with_images:,}. Exclude images or export a subset of classes."
            )
    warnings: list[str] = []
    total = sum(split_counts.values())
    if total < limits.warn_examples:
        warnings.append(
            f"Only {total} examples in total: the service accepts 10, but fine-tuning usually needs "
            f"at least {limits.warn_examples} to learn anything. Label more images if you can."
        )
    small = sorted((n, c) for c, n in per_class_counts.items() if n < limits.warn_per_class)
    if small:
        listed = ", ".join(f"{c} ({n})" for n, c in small)
        warnings.append(
            f"Classes with fewer than {limits.warn_per_class} exported images: {listed}. "
            "The model will learn these poorly; label more examples of them."
        )
    return warnings


def check_images_per_example(count: int, limits: DatasetLimits = DEFAULT_LIMITS) -> None:
    if count > limits.max_images_per_example:
        raise DatasetError(
            f"An example has {count} images; the service accepts at most "
            f"{limits.max_images_per_example} per example. Split it into several examples."
        )


class FileBudget:
    """Running byte count of one file that will be uploaded; refuses the line that would reach
    the limit. `label` is the user-facing file name (e.g. "training")."""

    def __init__(self, label: str, limits: DatasetLimits = DEFAULT_LIMITS) -> None:
        self.label = label
        self.limit = limits.max_file_bytes
        self.bytes = 0

    def check_lower_bound(self, expected_bytes: int, examples: int) -> None:
        """Fail before writing when a lower bound of the file size is already too big."""
        if expected_bytes >= self.limit:
            raise DatasetError(
                f"The {self.label} file would be at least {_size(expected_bytes)} for {examples:,} "
                f"examples; the service accepts files under {_size(self.limit)}. {_SHRINK_ADVICE}"
            )

    def add(self, n_bytes: int, examples_so_far: int, examples_total: int) -> None:
        if self.bytes + n_bytes >= self.limit:
            raise DatasetError(
                f"The {self.label} file reached the service's limit of {_size(self.limit)} after "
                f"{examples_so_far:,} of {examples_total:,} examples, so nothing was written. {_SHRINK_ADVICE}"
            )
        self.bytes += n_bytes


def _size(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 10_000_000 else f"{n:,} bytes"
