"""Read the fine-tuning service's free-text reports of skipped training examples.

The service has no per-image API for skips: it writes prose into a warning event or into the failed
job's `error.message`, with a count per reason and a *sample* of JSONL line numbers, e.g.

    Training file: Preprocessing Summary: ... skipped ...: inaccessible URL (3124). ...
    Samples of lines per error type: inaccessible URL: Line numbers --> 1, 2, 3, ...

The wording is not a contract, so the parser keys on the one stable marker ("Line numbers") and is
lenient about everything around it: spacing, casing, arrows, line breaks, trailing "...", several
reasons in one text. Text without the marker yields nothing rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studio.core.export.manifest import ManifestIndex

# "Line numbers -->", "line number:", "Line Numbers =>", "Line numbers →"
_MARKER = re.compile(r"line\s*numbers?\s*(?:-+\s*>|=+\s*>|→|:)", re.IGNORECASE)
# The number list right after a marker: "1, 2, 3, ..." / "1,2" / "4 5" / "7, 8…"
_NUMBERS = re.compile(r"\s*(\d+(?:[\s,]+\d+)*)(?:[\s,]*(?:\.\.\.|…))?")
# "reason (12)" — the per-reason count the service puts in its summary.
_COUNTED = re.compile(r"([A-Za-z][^():;.\n]*?)\s*\((\d+)\)")
# Where one clause ends and the reason name that precedes a marker begins.
_CLAUSE_BREAK = re.compile(r"[:;\n]|\.\s|\s-\s")
_FILE_HINT = re.compile(r"\b(training|validation)[\s_]*file\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SkipEntry:
    """One reason in a skip report.

    `count` is what the service says it skipped for this reason; `lines` is only its sample of
    1-based JSONL line numbers, so `count` may be larger than `len(lines)`. `file` is "training" or
    "validation" when the text says which file it is about, else None (callers assume training).
    """

    reason: str
    count: int | None
    lines: tuple[int, ...]
    file: str | None = None


@dataclass(frozen=True, slots=True)
class SkipReport:
    entries: tuple[SkipEntry, ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.entries)

    @property
    def total_skipped(self) -> int:
        return sum(e.count if e.count is not None else len(e.lines) for e in self.entries)

    def lines_by_reason(self, file: str | None = None) -> dict[str, list[int]]:
        """Reason -> sorted unique line numbers; `file` keeps entries about that file (None = all).

        Entries whose file is unknown count as the training file's, which is what the service
        reports on in every sample seen.
        """
        out: dict[str, list[int]] = {}
        for entry in self.entries:
            if file is not None and (entry.file or "training") != file:
                continue
            merged = set(out.get(entry.reason, ())) | set(entry.lines)
            out[entry.reason] = sorted(merged)
        return out


def _normalise(reason: str) -> str:
    return " ".join(reason.split())


def _counts(text: str) -> dict[str, tuple[str, int]]:
    """lowercased reason -> (reason as written, count), from every "reason (N)" in the text."""
    found: dict[str, tuple[str, int]] = {}
    for match in _COUNTED.finditer(text):
        reason = _normalise(_last_clause(match.group(1)))
        if reason:
            found.setdefault(reason.lower(), (reason, int(match.group(2))))
    return found


def _last_clause(text: str) -> str:
    parts = _CLAUSE_BREAK.split(text.rstrip(" \t\n,;:.-"))
    return parts[-1].strip(" \t\n,;:.-")


def _file_before(text: str, end: int) -> str | None:
    hint = None
    for match in _FILE_HINT.finditer(text, 0, end):
        hint = match.group(1).lower()
    return hint


def parse_skip_report(text: str | None) -> SkipReport:
    """Every (reason, count, sample lines) the text reports; empty when it reports none."""
    if not text:
        return SkipReport()
    counts = _counts(text)
    entries: list[SkipEntry] = []
    seen_with_lines: set[str] = set()
    previous_end = 0
    for marker in _MARKER.finditer(text):
        numbers = _NUMBERS.match(text, marker.end())
        lines = tuple(int(n) for n in re.findall(r"\d+", numbers.group(1))) if numbers else ()
        preceding = text[previous_end : marker.start()]
        previous_end = numbers.end() if numbers else marker.end()
        written = _COUNTED.sub(lambda m: m.group(1), _last_clause(preceding))
        reason = _normalise(written.strip(" \t,;:.-")) or "skipped"
        known = counts.get(reason.lower())
        if known:
            reason = known[0]
        entries.append(
            SkipEntry(
                reason=reason,
                count=known[1] if known else None,
                lines=lines,
                file=_file_before(text, marker.start()),
            )
        )
        seen_with_lines.add(reason.lower())
    if not entries:
        # No sample lines anywhere: this is a summary, or not a skip report at all. Only a text that
        # talks about skipping is trusted to turn "reason (N)" into skip counts.
        if not re.search(r"skip", text, re.IGNORECASE):
            return SkipReport()
    for key, (reason, count) in counts.items():
        if key not in seen_with_lines and re.search(r"skip", text, re.IGNORECASE):
            entries.append(SkipEntry(reason=reason, count=count, lines=(), file=_file_before(text, len(text))))
    return SkipReport(tuple(entries))


def parse_skip_lines(text: str | None, file: str | None = "training") -> dict[str, list[int]]:
    """Shortcut: reason -> line numbers reported for `file` ("training" by default)."""
    return parse_skip_report(text).lines_by_reason(file)


# -- from line numbers to project images ------------------------------------------------------------

_FILE_NAMES = {"training": "train.jsonl", "validation": "validation.jsonl"}


def skipped_images(report: SkipReport, manifest: "ManifestIndex", default_file: str = "training") -> list[tuple[int, str, int]]:
    """(image id, reason, line number) for every sample line the report names that the manifest knows."""
    found: dict[int, tuple[int, str, int]] = {}
    for entry in report.entries:
        name = _FILE_NAMES.get(entry.file or default_file, _FILE_NAMES["training"])
        for line in entry.lines:
            for image in manifest.lookup(name, line):
                found.setdefault(image.image_id, (image.image_id, entry.reason, line))
    return list(found.values())


def record_skips(store, job_id: str, text: str | None, export_dir: str | None, default_file: str = "training") -> int:
    """Parse `text`; mark the images it names in the project (see `JobRepository.record_service_skips`).

    Returns how many images were marked. Without the export folder's manifest nothing can be
    mapped, and nothing is marked: a wrong image marked is worse than none.
    """
    from pathlib import Path

    from studio.core.export.manifest import MANIFEST_NAME, read_manifest

    report = parse_skip_report(text)
    if not report or not export_dir:
        return 0
    path = Path(export_dir) / MANIFEST_NAME
    if not path.is_file():
        return 0
    skips = skipped_images(report, read_manifest(path), default_file)
    return store.jobs.record_service_skips(job_id, skips) if skips else 0
