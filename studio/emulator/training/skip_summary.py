"""The service's free-text report of skipped examples, reproduced closely enough to parse.

The real service gives no structured list of skipped images: it writes a "Preprocessing Summary" with
counts per reason and sample 1-based line numbers, as a warning event while training goes on, and as
the job's error when more than 200 multimodal examples were skipped (the job then fails). Real wording
(Azure): "Training file: Preprocessing Summary: The provided data failed validation. Number of skipped
multimodal examples exceed the maximum allowed 200 limit: inaccessible URL (3124). ... Details - Samples
of lines per error type: inaccessible URL: Line numbers --> 1, 2, 3, ...".

Per reason at most `SAMPLE_LINES_PER_REASON` line numbers are listed, followed by ", ..." when cut.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SKIP_LIMIT = 200
SAMPLE_LINES_PER_REASON = 100


def exceeds_skip_limit(skipped: Mapping[str, Sequence[int]]) -> bool:
    return sum(len(lines) for lines in skipped.values()) > SKIP_LIMIT


def _ordered(skipped: Mapping[str, Sequence[int]]) -> list[tuple[str, list[int]]]:
    return sorted(((reason, sorted(lines)) for reason, lines in skipped.items() if lines), key=lambda item: (-len(item[1]), item[0]))


def _details(ordered: list[tuple[str, list[int]]]) -> str:
    chunks = []
    for reason, lines in ordered:
        sample = ", ".join(str(n) for n in lines[:SAMPLE_LINES_PER_REASON])
        if len(lines) > SAMPLE_LINES_PER_REASON:
            sample += ", ..."
        chunks.append(f"{reason} ({len(lines)}): Line numbers --> {sample}")
    return "Details - Samples of lines per error type: " + "; ".join(chunks)


def skip_summary_text(file_label: str, skipped: Mapping[str, Sequence[int]], processed_examples: int) -> str:
    """`file_label` is "Training file" or "Validation file"; `processed_examples` are the usable ones."""
    ordered = _ordered(skipped)
    total = sum(len(lines) for _, lines in ordered)
    counts = ", ".join(f"{reason} ({len(lines)})" for reason, lines in ordered)
    if total > SKIP_LIMIT:
        head = (
            f"{file_label}: Preprocessing Summary: The provided data failed validation. Number of skipped "
            f"multimodal examples exceed the maximum allowed {SKIP_LIMIT} limit: {counts}. "
            f"Number of skipped multimodal examples: {total}."
        )
    else:
        head = (
            f"{file_label}: Preprocessing Summary: Number of examples processed: {processed_examples}. "
            f"Number of skipped multimodal examples: {total}. Skipped examples were excluded from training: "
            f"{counts}."
        )
    return f"{head} {_details(ordered)}"
