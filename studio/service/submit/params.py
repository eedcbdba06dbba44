"""What the user chose for one fine-tuning run, validated before anything is exported or uploaded.

Kept apart from the submission flow so the wizard can validate a field as the user types, and so
the chosen values can be stored with the submission (a retry reuses exactly what was chosen).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Mapping, Union

from studio.core.errors import StudioError
from studio.service.styles import TRAINING_TYPE_NEEDS_DATED

Auto = Union[str, int, float]  # "auto" or a number

SUFFIX_MAX = 18
_SUFFIX_RE = re.compile(r"^[a-z0-9_-]+$")
TRAINING_TYPES = {"standard": None, "global": "globalstandard", "developer": "developerTier"}


class InvalidParameter(StudioError):
    """A submit parameter the service would refuse; the message names the field and the rule."""


@dataclass(frozen=True, slots=True)
class SubmitParams:
    model: str = "gpt-4o-2024-08-06"
    suffix: str | None = None
    seed: int | None = None
    n_epochs: Auto = "auto"
    batch_size: Auto = "auto"
    learning_rate_multiplier: Auto = "auto"
    training_type: str | None = None  # Azure: "standard" | "global" | "developer" (or the raw API value)
    export: dict = field(default_factory=dict)  # ExportOptions fields (detail, val_fraction, seed, fix, ...)
    chunk_threshold: int = 100 * 1024 * 1024  # bytes above which the multipart Uploads API is used
    part_size: int = 64 * 1024 * 1024

    def __post_init__(self) -> None:
        # Accept `ExportOptions` (what the UI builds) as well as its dict form (what is stored).
        if not isinstance(self.export, dict):
            object.__setattr__(self, "export", asdict(self.export))

    def validate(self, azure: bool, kind: str | None = None) -> None:
        """Refuse what the service would; `kind` (profile kind) adds the per-API-style rules."""
        if not self.model or not self.model.strip():
            raise InvalidParameter("Choose a base model (e.g. gpt-4o-2024-08-06) or one of your fine-tuned models.")
        if self.suffix is not None and self.suffix != "":
            if len(self.suffix) > SUFFIX_MAX or not _SUFFIX_RE.match(self.suffix):
                raise InvalidParameter(
                    f"The model suffix {self.suffix!r} must be at most {SUFFIX_MAX} characters of lowercase "
                    "letters, digits, '-' or '_' (the strictest rule among OpenAI and Azure)."
                )
        _check_auto("number of epochs", self.n_epochs, int, 1, 50)
        _check_auto("batch size", self.batch_size, int, 1, 256)
        _check_auto("learning-rate multiplier", self.learning_rate_multiplier, float, 1e-6, 100.0)
        if self.seed is not None and not (isinstance(self.seed, int) and 0 <= self.seed <= 2**31 - 1):
            raise InvalidParameter("The seed must be a whole number between 0 and 2147483647.")
        tier = bool(self.training_type) and str(self.training_type).lower() != "standard"
        if tier and not azure:
            raise InvalidParameter("Training types (Standard / Global / Developer) exist only on Azure OpenAI.")
        if tier and kind == "azure_v1":
            raise InvalidParameter(TRAINING_TYPE_NEEDS_DATED)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "n_epochs": self.n_epochs,
            "batch_size": self.batch_size,
            "learning_rate_multiplier": self.learning_rate_multiplier,
        }

    def azure_training_type(self) -> str | None:
        """The `trainingType` body value, or None for the default (Standard)."""
        if not self.training_type:
            return None
        return TRAINING_TYPES.get(self.training_type.lower(), self.training_type)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> "SubmitParams":
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def _check_auto(label: str, value: Auto, kind: type, low: float, high: float) -> None:
    if value == "auto":
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidParameter(f"The {label} must be 'auto' or a number, not {value!r}.")
    if kind is int and int(value) != value:
        raise InvalidParameter(f"The {label} must be a whole number or 'auto'.")
    if not low <= value <= high:
        raise InvalidParameter(f"The {label} must be between {low:g} and {high:g}, or 'auto'.")
