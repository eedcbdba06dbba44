"""Everything the user chose in the fine-tune wizard, in one plain object the pages share.

The pages write their fields here and read what earlier pages decided (the estimate needs the
detail level from the service page and the split from the dataset page). Turning the choices into
`ExportOptions` and `SubmitParams` happens in one place, so the preview, the estimate and the real
submission are always built from the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from studio.core.export import ExportOptions
from studio.service.profile import BASE_MODELS, ServiceProfile
from studio.service.submit.params import SubmitParams

AUTO = "auto"


@dataclass
class FinetuneChoices:
    fix: bool = False
    val_fraction: float | None = None  # None: the project's stored split fractions
    test_fraction: float | None = None
    detail: str = "low"
    system: str = ""
    instruction: str = ""
    profile: ServiceProfile | None = None
    model: str = BASE_MODELS[0]
    suffix: str = ""
    n_epochs: int | str = AUTO
    batch_size: int | str = AUTO
    learning_rate_multiplier: float | str = AUTO
    training_type: str = "standard"
    price_per_1m: float | None = None
    export_extra: dict[str, Any] = field(default_factory=dict)  # machine settings (e.g. worker count)

    def export_options(self, **changes: Any) -> ExportOptions:
        values: dict[str, Any] = {
            "detail": self.detail,
            "val_fraction": self.val_fraction,
            "test_fraction": self.test_fraction,
            "fix": self.fix,
            "system_prompt": self.system or None,
            "instruction": self.instruction or None,
            "epochs": self.n_epochs if isinstance(self.n_epochs, int) else None,
            "price_per_1m": self.price_per_1m,
            "azure_bom": bool(self.profile and self.profile.is_azure),
        }
        values.update(self.export_extra)
        values.update(changes)
        return ExportOptions(**values)

    def submit_params(self) -> SubmitParams:
        """What the submission records and sends. Prompts are not in it: the export reads the
        project's own prompt settings, which the prompts page saved."""
        is_azure = bool(self.profile and self.profile.is_azure)
        export = {
            "detail": self.detail,
            "val_fraction": self.val_fraction,
            "test_fraction": self.test_fraction,
            "fix": self.fix,
            "azure_bom": is_azure,
            **self.export_extra,
        }
        return SubmitParams(
            model=self.model.strip(),
            suffix=self.suffix.strip() or None,
            n_epochs=self.n_epochs,
            batch_size=self.batch_size,
            learning_rate_multiplier=self.learning_rate_multiplier,
            training_type=self.training_type if is_azure and self.training_type != "standard" else None,
            export=export,
        )
