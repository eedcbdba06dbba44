"""The emulator's stored objects. Only facts fixed at creation (and client actions with their times)
are stored; everything that changes with time is derived from them (see `job_timeline`).

Each record round-trips through plain JSON for the persistent demo (`to_dict` / `from_dict`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from studio.emulator.training.file_validation import JsonlReport

FLAVOR_OPENAI = "openai"
FLAVOR_AZURE = "azure"


@dataclass(frozen=True)
class Timing:
    """Emulated durations. Everything scales with `step_seconds` (time per training step)."""

    step_seconds: float
    file_processing_seconds: float
    validation_seconds: float
    queue_seconds: float

    @classmethod
    def from_step_seconds(cls, step_seconds: float) -> "Timing":
        if step_seconds <= 0:
            raise ValueError("step_seconds must be > 0")
        return cls(step_seconds, 2 * step_seconds, 10 * step_seconds, 6 * step_seconds)


@dataclass
class FileRecord:
    id: str
    flavor: str
    filename: str
    purpose: str
    bytes: int
    created_at: float
    ready_at: float
    final_status: str  # "processed" | "error"
    status_details: str | None = None
    expires_at: int | None = None
    report: JsonlReport | None = None

    @property
    def azure(self) -> bool:
        return self.flavor == FLAVOR_AZURE

    def status_at(self, now: float) -> str:
        if now < self.ready_at:
            return "pending" if self.azure else "uploaded"
        return self.final_status

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "report"}
        data["report"] = self.report.to_dict() if self.report is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "FileRecord":
        data = dict(data)
        report = data.pop("report", None)
        return cls(**data, report=JsonlReport.from_dict(report) if report is not None else None)


@dataclass
class UploadRecord:
    id: str
    filename: str
    purpose: str
    bytes: int
    mime_type: str
    created_at: float
    expires_at: float
    status: str = "pending"  # pending | completed | cancelled (expired is derived)
    part_ids: list[str] = field(default_factory=list)
    part_sizes: dict[str, int] = field(default_factory=dict)
    file_id: str | None = None

    def status_at(self, now: float) -> str:
        if self.status == "pending" and now > self.expires_at:
            return "expired"
        return self.status

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "UploadRecord":
        return cls(**data)


@dataclass
class JobPlan:
    """What training will look like, decided when the job is created (the service does it in validation)."""

    n_epochs: int
    batch_size: int
    learning_rate_multiplier: float
    n_examples: int
    steps_per_epoch: int
    total_steps: int
    trained_tokens: int
    has_validation: bool
    failure: dict[str, Any] | None = None  # {"code", "message", "param"}: the job fails when validation ends
    warnings: list[str] = field(default_factory=list)  # warn events when validation ends


@dataclass
class JobRecord:
    id: str
    flavor: str
    created_at: float
    model: str
    base_model: str
    training_file: str
    validation_file: str | None
    suffix: str | None
    seed: int
    requested_hyperparameters: dict[str, Any]
    metadata: dict[str, str] | None
    integrations: list[Any] | None
    training_type: str | None
    timing: Timing
    plan: JobPlan
    injected_failure: dict[str, Any] | None = None  # {"at_step", "code", "message"}
    pauses: list[list[float | None]] = field(default_factory=list)  # [[paused_at, resumed_at | None], ...]
    cancelled_at: float | None = None
    finalized: bool = False  # terminal state seen and result file (if any) materialized

    @property
    def azure(self) -> bool:
        return self.flavor == FLAVOR_AZURE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "JobRecord":
        data = dict(data)
        data["timing"] = Timing(**data["timing"])
        data["plan"] = JobPlan(**data["plan"])
        return cls(**data)
