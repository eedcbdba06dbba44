"""Plain records the exporter reads and returns, so it does not depend on the project store.

`ExportItem` is one labeled image as the exporter needs it; `project_export.py` builds them from a
`ProjectStore`, tests build them directly from generated files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from studio.core.export.token_estimate import Estimate
from studio.core.models import Verdict
from studio.core.splits.quotas import Split


@dataclass(frozen=True, slots=True)
class ExportItem:
    image_id: int
    abs_path: Path
    rel_path: str
    fingerprint: str | None
    class_name: str
    verdict: Verdict
    format: str | None = None
    mode: str | None = None
    width: int | None = None
    height: int | None = None
    bytes: int | None = None
    split: Split | None = None  # the project's stored split (project_items fills it in)


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """What the user chose for one export. Defaults match `studio-cli export` without flags.

    `downscale`: re-encode images larger than what the service looks at for the chosen detail
    (low: 512 px long side; high/auto: fit 2048x2048 then 768 px short side). The model sees the
    same pixels either way, and files shrink ~50x, which is what lets big datasets stay under
    512 MB. Off: images the service accepts go byte-for-byte as they are.
    `workers`: processes for image encoding; None = one per core, 0 = in this process.
    `epochs` / `price_per_1m`: only for the token and cost estimate (None = "auto" / unknown).
    """

    detail: str = "low"
    val_fraction: float | None = None  # None: the project's stored fraction (default 0.1)
    test_fraction: float | None = None  # None: the project's stored fraction (default 0.1)
    seed: int = 42
    fix: bool = False
    drop_exact_duplicates: bool = False  # leave out byte-identical copies (the first by path is kept)
    azure_bom: bool = False
    system_prompt: str | None = None
    instruction: str | None = None
    downscale: bool = True
    jpeg_quality: int = 90
    workers: int | None = None
    epochs: int | None = None
    price_per_1m: float | None = None


@dataclass(frozen=True, slots=True)
class SkippedImage:
    """An image that was labeled but left out of the dataset, and why (user-facing sentence)."""

    image_id: int
    rel_path: str
    reason: str


@dataclass(slots=True)
class ExportReport:
    out_dir: Path
    files: dict[str, Path]  # "train" / "validation" / "test" / "manifest" / "report" -> path
    examples: dict[str, int]  # split -> examples written
    per_class: dict[str, dict[str, int]]  # class -> split -> examples
    fixed: int  # flagged images included as a repaired copy
    reencoded: int  # images whose bytes were re-encoded (fixed or downscaled)
    skipped: list[SkippedImage]
    warnings: list[str]
    estimate: Estimate
    file_bytes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "out_dir": str(self.out_dir),
            "files": {k: p.name for k, p in self.files.items()},
            "examples": dict(self.examples),
            "per_class": {c: dict(s) for c, s in self.per_class.items()},
            "fixed": self.fixed,
            "reencoded": self.reencoded,
            "skipped": [
                {"image_id": s.image_id, "rel_path": s.rel_path, "reason": s.reason} for s in self.skipped
            ],
            "warnings": list(self.warnings),
            "estimate": self.estimate.as_dict(),
            "file_bytes": dict(self.file_bytes),
        }
