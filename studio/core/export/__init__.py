"""Dataset export: labeled images -> chat-format JSONL the fine-tuning service accepts.

Modules: `prompts` (system/instruction texts), `plan` (what goes where, in the stored splits of
`studio.core.splits`), `image_encoding` (image -> data URI bytes), `token_estimate` + `pricing` (cost before
upload), `dataset_limits` (service limits), `jsonl_writer` (+ `manifest`), `jsonl_validator`
(independent checker), `project_export` (the same, straight from a ProjectStore).
"""

from studio.core.export.jsonl_validator import ValidationResult, validate_jsonl
from studio.core.export.jsonl_writer import write_dataset
from studio.core.export.manifest import ManifestIndex, read_manifest
from studio.core.export.project_export import estimate_project, export_project
from studio.core.export.records import ExportItem, ExportOptions, ExportReport, SkippedImage
from studio.core.export.token_estimate import Estimate

__all__ = [
    "Estimate",
    "ExportItem",
    "ExportOptions",
    "ExportReport",
    "ManifestIndex",
    "SkippedImage",
    "ValidationResult",
    "estimate_project",
    "export_project",
    "read_manifest",
    "validate_jsonl",
    "write_dataset",
]
