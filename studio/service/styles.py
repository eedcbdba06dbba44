"""What each fine-tuning API style accepts and returns, in one table the service layer consults.

The three styles (OpenAI `/v1`, Azure dated `?api-version=`, Azure v1 `/openai/v1/`) share the SDK but
not the schema: the dated API defines no `metadata`, takes numbers only for hyperparameters and lists
events oldest first; v1 has no Uploads API and no `trainingType`. Every rule here names the fact it
rests on in /work/shared/reference/api-spec-facts.md (section in brackets), so a rule can be checked
against the published specification instead of against our own emulator.

Qt-free and import-light on purpose: the submit flow, the monitor, the wizard and the CLI all ask
the same questions ("may this style carry metadata?") and must get the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Mapping, Protocol, Union

Auto = Union[str, int, float]  # "auto" or a number
AUTO = "auto"
HYPERPARAMETER_NAMES = ("n_epochs", "batch_size", "learning_rate_multiplier")

# [facts §5] MSDOC: a fine-tuning file must be "< 512 MB"; the v1 API has no /uploads, so this is the
# largest training file the v1 API can take at all.
V1_MAX_FILE_BYTES = 512 * 1024 * 1024
# [facts §5 mime_type] The OpenAI reference's create-upload example for purpose fine-tune sends
# "text/jsonl"; the dated API's own example is looser (application/json) and accepts it too.
UPLOAD_MIME_TYPE = "text/jsonl"


class ApiStyle(str, Enum):
    OPENAI = "openai"
    AZURE_DATED = "azure_dated"
    AZURE_V1 = "azure_v1"


class _HasKind(Protocol):
    @property
    def kind(self) -> str: ...


def style_of(profile: _HasKind | str) -> ApiStyle:
    """The API style a profile (or profile kind) speaks; the demo service speaks OpenAI's `/v1`."""
    kind = profile if isinstance(profile, str) else profile.kind
    if kind == "azure":
        return ApiStyle.AZURE_DATED
    if kind == "azure_v1":
        return ApiStyle.AZURE_V1
    return ApiStyle.OPENAI


@dataclass(frozen=True, slots=True)
class StyleRules:
    """The per-style answers; field docs say where each comes from."""

    label: str
    metadata: bool  # [facts §1] job-create `metadata`: OAI and AZ1 define it, AZD does not
    supervised_hyperparameters: bool  # [facts §1] `method.supervised.hyperparameters`: not defined on AZD
    auto_strings: bool  # [facts §1] "auto" as a hyperparameter value: AZD is numbers only
    training_type: bool  # [facts §1] `trainingType`: documented for AZD only (MSDOC-REST)
    uploads: bool  # [facts §5] `/uploads`: OAI and AZD; no such path in either v1 spec
    events_oldest_first: bool  # [facts §3] AZD example oldest first; OAI newest first (AZ1 INFER)
    checkpoints_oldest_first: bool  # [facts §4] same split as events
    files_list_paging: bool  # [facts §5] files list takes limit/order/after on OAI and AZD, purpose only on AZ1
    pause_needs_training_step: bool  # [facts §6] MSDOC: pause only after one step, in Running state (Azure)


RULES: Mapping[ApiStyle, StyleRules] = {
    ApiStyle.OPENAI: StyleRules("OpenAI", True, True, True, False, True, False, False, True, False),
    ApiStyle.AZURE_DATED: StyleRules("Azure OpenAI (dated API)", False, False, False, True, True, True, True, True, True),
    ApiStyle.AZURE_V1: StyleRules("Azure OpenAI (v1 API)", True, True, True, False, False, False, False, False, True),
}


def rules(profile: _HasKind | str | ApiStyle) -> StyleRules:
    return RULES[profile if isinstance(profile, ApiStyle) else style_of(profile)]


TRAINING_TYPE_NEEDS_DATED = (
    "Training tiers (Global, Developer) are documented only for the dated Azure API. Choose the "
    "'Azure OpenAI' service (dated API, e.g. 2025-04-01-preview) instead of the v1 API to pick a tier."
)


def job_create_kwargs(
    profile: _HasKind | str,
    *,
    model: str,
    training_file: str,
    validation_file: str | None,
    suffix: str | None,
    seed: int | None,
    hyperparameters: Mapping[str, Auto],
    metadata: Mapping[str, str] | None,
    training_type: str | None,
) -> dict[str, Any]:
    """Keyword arguments for `client.fine_tuning.jobs.create` carrying only what the style defines.

    OAI/AZ1: `method.supervised.hyperparameters` with "auto" kept, plus `metadata`.
    AZD: top-level `hyperparameters` with numbers only ("auto" is a key left out, [facts §1]),
    `method: {"type": "supervised"}` and no `metadata`; `trainingType` rides in `extra_body`.
    """
    style = style_of(profile)
    rule = RULES[style]
    body: dict[str, Any] = {"model": model, "training_file": training_file}
    if validation_file:
        body["validation_file"] = validation_file
    if suffix:
        body["suffix"] = suffix
    if seed is not None:
        body["seed"] = seed
    if rule.supervised_hyperparameters:
        hp = {k: v for k, v in hyperparameters.items() if k in HYPERPARAMETER_NAMES}
        body["method"] = {"type": "supervised", "supervised": {"hyperparameters": hp}}
    else:
        numbers = {k: v for k, v in hyperparameters.items() if k in HYPERPARAMETER_NAMES and v != AUTO}
        body["method"] = {"type": "supervised"}
        if numbers:
            body["hyperparameters"] = numbers
    if rule.metadata and metadata:
        body["metadata"] = dict(metadata)
    if training_type and rule.training_type:
        body["extra_body"] = {"trainingType": training_type}
    return body


def read_hyperparameter(value: Any) -> Auto | None:
    """A hyperparameter as the service echoes it: AZD's -1 and a missing value both mean "auto" [facts §1]."""
    if value is None or value == AUTO:
        return AUTO
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return AUTO if value == -1 else value


def job_hyperparameters(raw: Mapping[str, Any]) -> dict[str, Auto | None]:
    """The job's hyperparameters from wherever its style puts them (method.supervised or top level)."""
    supervised = ((raw.get("method") or {}).get("supervised") or {}).get("hyperparameters") or {}
    top = raw.get("hyperparameters") or {}
    out: dict[str, Auto | None] = {}
    for name in HYPERPARAMETER_NAMES:
        value = supervised.get(name, top.get(name))
        out[name] = read_hyperparameter(value)
    return out


def event_level(level: Any) -> str:
    """One spelling for warnings: AZD says `warning`, OAI and AZ1 say `warn` [facts §3]."""
    text = str(level or "info").lower()
    return "warn" if text == "warning" else text


# [facts §2 status enum, §6] every status any style documents, with what it means for the user.
JOB_STATUS_TEXT: Mapping[str, str] = {
    "created": "Created",
    "validating_files": "Validating files",
    "pending": "Pending",  # AZD: waiting for validation or capacity
    "queued": "Queued",  # OAI: also right after a resume
    "running": "Running",
    "pausing": "Pausing",  # AZD
    "paused": "Paused",
    "resuming": "Resuming",  # AZD: right after a resume
    "succeeded": "Succeeded",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
WAITING_STATUSES = frozenset({"created", "validating_files", "pending", "queued", "resuming"})

# [facts §5] file statuses: OAI uploaded -> processed | error; Azure pending -> running -> processed | error.
FILE_STATUS_TEXT: Mapping[str, str] = {
    "uploaded": "uploaded, waiting to be checked",
    "pending": "waiting to be checked",
    "running": "being checked",
    "processed": "checked",
    "error": "rejected",
    "deleting": "being deleted",
    "deleted": "deleted",
}
