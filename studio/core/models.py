"""Plain data shared by the core, the service layer and the UI.

Kept in one module so every layer speaks the same types without importing each other's machinery
(the UI must not import sqlite, the store must not import Pillow-heavy checkers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

# A project file's extension; here (not in project_store) so the UI can use it without importing SQLite code.
PROJECT_SUFFIX = ".studio"


class Verdict(str, Enum):
    """Outcome of checking one image against the fine-tuning service's rules.

    `PENDING` means not checked yet; every other non-OK value is a reason the service would reject the
    image. The string values are stable: they are stored in SQLite and printed by `studio-cli check`.
    """

    PENDING = "pending"
    OK = "ok"
    FORMAT = "format"
    MODE = "mode"
    TOO_LARGE = "too_large"
    CORRUPT = "corrupt"
    BOMB = "bomb"
    ANIMATED = "animated"
    UNREADABLE = "unreadable"

    @property
    def flagged(self) -> bool:
        return self not in (Verdict.OK, Verdict.PENDING)


FLAG_REASONS: tuple[Verdict, ...] = tuple(v for v in Verdict if v.flagged)
# Verdicts no repair can turn into a usable image (the export leaves them out even when fixing).
NEVER_FIXABLE: frozenset[Verdict] = frozenset({Verdict.CORRUPT, Verdict.BOMB, Verdict.UNREADABLE})


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What a check learned about one file. `stage` is "header" (no pixel decoded) or "deep"."""

    verdict: Verdict
    message: str
    bytes: int
    format: str | None = None
    mode: str | None = None
    width: int | None = None
    height: int | None = None
    frames: int | None = None
    stage: str = "header"

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.OK


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A candidate image file found by a scan, before any of its bytes were read."""

    root_id: int
    rel_path: str  # '/'-separated, relative to the root
    abs_path: Path
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class Root:
    id: int
    path: Path

    @property
    def exists(self) -> bool:
        return self.path.is_dir()


@dataclass(frozen=True, slots=True)
class ClassInfo:
    id: int
    name: str
    position: int
    shortcut: str | None
    color: str  # '#rrggbb'


@dataclass(frozen=True, slots=True)
class ImageRow:
    """One image as the project knows it. Cheap to build; the UI fetches these lazily by id."""

    id: int
    root_id: int
    rel_path: str
    abs_path: Path
    size: int
    mtime_ns: int
    fingerprint: str | None
    format: str | None
    mode: str | None
    width: int | None
    height: int | None
    frames: int | None
    verdict: Verdict
    message: str
    check_stage: str  # "none" | "header" | "deep"
    class_id: int | None
    excluded: bool
    missing: bool
    service_skip: str | None  # reason the fine-tuning service gave for skipping it, if any
    # "face" | "person" when the moderation detector predicts the service will skip it (a warning, not a
    # rule verdict); None when nothing was found, not analysed yet, the user marked the flag wrong, or
    # the image fails the rules anyway.
    moderation: str | None = None

    @property
    def flagged(self) -> bool:
        return self.verdict.flagged


@dataclass(frozen=True, slots=True)
class ImageFilter:
    """Which images a view shows. All criteria combine with AND; None means "don't care"."""

    class_id: int | None = None
    unlabeled: bool = False
    flagged: bool = False
    reason: Verdict | None = None  # one flag reason (implies flagged)
    excluded: bool | None = None  # True: only excluded; False: hide excluded; None: both
    folder: str | None = None  # rel_path prefix, '/'-separated, no trailing slash
    name_contains: str | None = None  # case-insensitive substring of rel_path
    service_skipped: bool = False
    moderation: bool = False  # only images the moderation detector flagged (not dismissed)
    root_id: int | None = None
    include_missing: bool = False
    # Only these images: a computed set such as an evaluation's confusion cell or the images a model
    # disagrees with. Combines with the rest (a relabeled image stays in the set until it is rebuilt).
    image_ids: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class LabelChange:
    """One committed labeling action, enough to undo it: image id -> class id before the change."""

    batch_id: int
    before: dict[int, int | None]
    after: int | None


@dataclass(slots=True)
class ProjectStatus:
    total: int = 0
    labeled: int = 0
    unlabeled: int = 0
    excluded: int = 0
    missing: int = 0
    pending_checks: int = 0
    per_class: dict[str, int] = field(default_factory=dict)
    flagged: dict[str, int] = field(default_factory=dict)
    service_skipped: int = 0
    likely_skipped: dict[str, int] = field(default_factory=dict)  # moderation warning: "face"/"person" -> n

    def as_dict(self) -> dict:
        return {
            "total": self.total,
            "labeled": self.labeled,
            "unlabeled": self.unlabeled,
            "excluded": self.excluded,
            "missing": self.missing,
            "pending_checks": self.pending_checks,
            "per_class": dict(self.per_class),
            "flagged": dict(self.flagged),
            "service_skipped": self.service_skipped,
            "likely_skipped": dict(self.likely_skipped),
        }
