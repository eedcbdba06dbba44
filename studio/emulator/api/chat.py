"""Chat completions, the way evaluation and "Try it" call a model, on all three URL styles.

    OpenAI:      POST /v1/chat/completions                               body.model = model id
    Azure dated: POST /openai/deployments/{name}/chat/completions?api-version=...   (body.model ignored)
    Azure v1:    POST /openai/v1/chat/completions                        body.model = deployment name

Which model answers: on /v1 the model id itself (a vision base model, or a fine-tuned model or
checkpoint of an OpenAI-style job; failing that, a deployment of that name, which is how the demo
service calls the deployments it makes through ARM); on Azure the deployment's model (`EmulatorState.deployed_model`:
deployments added by tests with `state.add_deployment(name, model)` or created through the ARM
endpoints). Unknown models get OpenAI's 404 `model_not_found`; unknown deployments Azure's 404
`DeploymentNotFound`. Images must be data URIs (the emulator is offline). The answer itself follows
`studio.emulator.training.vision_model`, so tests know it in advance; `usage` counts text at 4
characters per token and images by the documented tile rule.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import threading
from dataclasses import dataclass
from typing import Any

from studio.emulator.http.errors import ApiError, bad_request, not_found
from studio.emulator.http.request import ApiRequest, ApiResponse, ok
from studio.emulator.http.url_styles import ApiStyle
from studio.emulator.state.ids import new_request_id
from studio.emulator.state.records import JobRecord
from studio.emulator.state.store import EmulatorState
from studio.emulator.training.model_names import VISION_BASE_MODELS
from studio.emulator.training.token_estimate import image_tokens, text_tokens
from studio.emulator.training.vision_model import (
    LearnedModel,
    SeenImage,
    examples_from_messages,
    first_listed_class,
    image_urls,
    look_at,
    training_examples,
)

BASE_MODEL_ALIASES = {"gpt-4o": "gpt-4o-2024-08-06", "gpt-4.1": "gpt-4.1-2025-04-14"}
ROLES = {"system", "developer", "user", "assistant"}
DETAILS = {"low", "high", "auto"}
# Request keys the chat-completions schema defines (OpenAI refuses any other key).
KNOWN_KEYS = {
    "model", "messages", "temperature", "top_p", "n", "stream", "stream_options", "stop", "max_tokens",
    "max_completion_tokens", "presence_penalty", "frequency_penalty", "logit_bias", "logprobs", "top_logprobs",
    "user", "seed", "response_format", "tools", "tool_choice", "parallel_tool_calls", "store", "metadata",
    "modalities", "audio", "prediction", "reasoning_effort", "service_tier", "verbosity", "prompt_cache_key",
    "safety_identifier", "web_search_options", "functions", "function_call",
}
AZURE_KEYS = {"data_sources", "user_security_context"}
CANNOT_TELL = "I cannot tell."
_SAFE_FILTERS = {name: {"filtered": False, "severity": "safe"} for name in ("hate", "self_harm", "sexual", "violence")}
TOKENS_PER_MESSAGE = 3
TOKENS_PER_REPLY = 3

_learn_lock = threading.Lock()
_DATA_URI_RE = re.compile(r"^data:image/[A-Za-z0-9.+-]+;base64,(?P<payload>.*)$", re.DOTALL)


@dataclass(frozen=True)
class ResolvedModel:
    name: str  # what the response's `model` says
    job: JobRecord | None  # the job that trained it (None: a base model)
    fraction: float = 1.0  # share of the training file a checkpoint has learned


def create_chat_completion(state: EmulatorState, request: ApiRequest, deployment: str | None = None) -> ApiResponse:
    style = request.url.style
    if (deployment is None) != (style is not ApiStyle.AZURE_DATED):
        raise not_found(f"Invalid URL ({request.method} {request.url.resource_path})")
    body = request.json()
    _check_body(body, style)
    target = deployment if deployment is not None else body["model"]
    with state.lock:
        resolved = _resolve(state, target, style, request.now)
    messages = body["messages"]
    images = [_read_image(url, i) for i, url in _all_image_urls(messages)]
    answer = _answer(state, resolved, messages, images)
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    finish = "stop"
    completion_tokens = max(1, text_tokens(answer))
    if limit is not None and completion_tokens > limit:
        answer, completion_tokens, finish = answer[: 4 * limit], limit, "length"
    prompt_tokens = _prompt_tokens(messages, images)
    choice = {
        "index": 0,
        "message": {"role": "assistant", "content": answer, "refusal": None},
        "finish_reason": finish,
        "logprobs": None,
    }
    if style.is_azure:  # Azure's responses carry its content-filter verdicts (all "safe" here)
        choice["content_filter_results"] = _SAFE_FILTERS
    n = int(body.get("n") or 1)
    extra = {"prompt_filter_results": [{"prompt_index": 0, "content_filter_results": _SAFE_FILTERS}]} if style.is_azure else {}
    return ok(extra | {
        "id": "chatcmpl-" + new_request_id().removeprefix("req_"),
        "object": "chat.completion",
        "created": int(request.now),
        "model": resolved.name,
        "choices": [dict(choice, index=i) for i in range(n)],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens * n,
            "total_tokens": prompt_tokens + completion_tokens * n,
        },
        "system_fingerprint": "fp_emulator",
    })


# -- request checks ---------------------------------------------------------------------------------


def _check_body(body: dict[str, Any], style: ApiStyle) -> None:
    if style is ApiStyle.OPENAI:
        unknown = sorted(set(body) - KNOWN_KEYS)
        if unknown:
            raise bad_request(f"Unrecognized request argument supplied: {unknown[0]}", param=unknown[0])
    if style is not ApiStyle.AZURE_DATED and not (isinstance(body.get("model"), str) and body["model"]):
        raise bad_request("you must provide a model parameter", param="model", code="missing_required_parameter")
    if body.get("stream"):
        raise bad_request("The emulator does not stream chat completions; send stream=false.", param="stream")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise bad_request("'messages' must be a non-empty array.", param="messages")
    for i, message in enumerate(messages):
        _check_message(message, i)
    temperature = body.get("temperature")
    if temperature is not None and (not _is_number(temperature) or not 0 <= temperature <= 2):
        raise bad_request(f"{temperature!r} is not valid for 'temperature': use a number from 0 to 2.",
                          param="temperature", code="decimal_out_of_range")
    for key in ("max_tokens", "max_completion_tokens", "n"):
        value = body.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise bad_request(f"Invalid '{key}': integer below minimum value. Expected a value >= 1.", param=key,
                              code="integer_below_min_value")
    if body.get("max_tokens") is not None and body.get("max_completion_tokens") is not None:
        raise bad_request("max_tokens and max_completion_tokens cannot both be set; send one of them.",
                          param="max_tokens")


def _check_message(message: Any, i: int) -> None:
    where = f"messages[{i}]"
    if not isinstance(message, dict) or message.get("role") not in ROLES:
        raise bad_request(f"Invalid value for '{where}.role': use one of {', '.join(sorted(ROLES))}.",
                          param=f"{where}.role", code="invalid_value")
    content = message.get("content")
    if isinstance(content, str):
        return
    if not isinstance(content, list) or not content:
        raise bad_request(f"Invalid '{where}.content': expected a string or a non-empty array of parts.",
                          param=f"{where}.content")
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            continue
        if kind == "image_url" and message["role"] == "user":
            image_url = part.get("image_url")
            if not isinstance(image_url, dict) or not isinstance(image_url.get("url"), str):
                raise bad_request(f"Invalid '{where}.content[{j}].image_url': expected an object with a 'url'.",
                                  param=f"{where}.content[{j}].image_url")
            detail = image_url.get("detail", "auto")
            if detail not in DETAILS:
                raise bad_request(f"Invalid value for '{where}.content[{j}].image_url.detail': use low, high or auto.",
                                  param=f"{where}.content[{j}].image_url.detail", code="invalid_value")
            continue
        raise bad_request(f"Invalid content part '{where}.content[{j}]' for role '{message['role']}'.",
                          param=f"{where}.content[{j}]", code="invalid_value")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _all_image_urls(messages: list[dict[str, Any]]) -> list[tuple[int, str]]:
    return [(i, url) for i, m in enumerate(messages) if m.get("role") == "user" for url in image_urls(m)]


def _read_image(url: str, message_index: int) -> tuple[SeenImage, str]:
    """(what the model sees, detail) of one image part; the service's 400 when it cannot be read."""
    if not _DATA_URI_RE.match(url):
        raise bad_request("The emulator only reads images sent as data URIs (data:image/jpeg;base64,...).",
                          param=f"messages[{message_index}].content", code="invalid_image_url")
    seen = _decode(url)
    if seen is None:
        raise bad_request("You uploaded an unsupported image. Please make sure your image is valid.",
                          param=f"messages[{message_index}].content", code="invalid_image_format")
    return seen, url


def _decode(url: str) -> SeenImage | None:
    match = _DATA_URI_RE.match(url)
    if match is None:
        return None
    try:
        return look_at(base64.b64decode(match.group("payload"), validate=True))
    except (binascii.Error, ValueError, OSError, SyntaxError):
        return None


# -- which model ------------------------------------------------------------------------------------


def _resolve(state: EmulatorState, target: str, style: ApiStyle, now: float) -> ResolvedModel:
    if style.is_azure:
        model = state.deployed_model(target, now)
        if model is None:
            raise ApiError(404, "The API deployment for this resource does not exist. If you created the deployment "
                                "within the last 5 minutes, please wait a moment and try again.",
                           code="DeploymentNotFound")
    else:
        model = target
        # The demo (OpenAI style) deploys through the emulated Resource Manager on the same emulator:
        # there a deployment name is called as `model` (the studio's Try it / evaluation of a deployment).
        if resolve_model(state, target, now) is None:
            model = state.deployed_model(target, now) or target
    found = resolve_model(state, model, now)
    if found is None and not style.is_azure:
        # The demo service speaks /v1 but deploys through ARM like Azure: a deployment name works as the
        # model there (only when it is not a model id). Real OpenAI has no deployments: 404 as below.
        deployed = state.deployed_model(target, now)
        found = resolve_model(state, deployed, now) if deployed is not None else None
    if found is None:
        if style.is_azure:  # a deployment of a model that no longer exists
            raise ApiError(404, f"The model of deployment '{target}' ({model}) is not available.",
                           code="DeploymentNotFound")
        raise ApiError(404, f"The model `{model}` does not exist or you do not have access to it.",
                       param="model", code="model_not_found")
    return found


def resolve_model(state: EmulatorState, model: str, now: float) -> ResolvedModel | None:
    """A base model, a succeeded job's fine-tuned model, or a checkpoint any job has reached."""
    base = BASE_MODEL_ALIASES.get(model, model)
    if base in VISION_BASE_MODELS:
        return ResolvedModel(base, None)
    for job in state.jobs.values():
        snap = state.snapshot(job, now)
        if snap.fine_tuned_model == model:
            return ResolvedModel(model, job)
        for checkpoint in snap.checkpoints:
            if checkpoint.model == model:
                total = max(1, job.plan.total_steps)
                return ResolvedModel(model, job, min(1.0, checkpoint.step / total))
    return None


# -- the answer -------------------------------------------------------------------------------------


def _answer(state: EmulatorState, resolved: ResolvedModel, messages: list[dict[str, Any]],
            images: list[tuple[SeenImage, str]]) -> str:
    last_user = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=None)
    query = next((seen for (seen, _), (i, _) in zip(images, _all_image_urls(messages)) if i == last_user), None)
    if resolved.job is not None:
        model = _learned_from_job(state, resolved.job, resolved.fraction)
    else:
        decoded = {url: seen for seen, url in images}
        shots = examples_from_messages(messages[: last_user or 0], decoded.get)
        if not shots:
            return _zero_shot(messages)
        model = LearnedModel(shots)
    if query is None:
        return CANNOT_TELL
    return model.predict(query) or CANNOT_TELL


def _zero_shot(messages: list[dict[str, Any]]) -> str:
    """A base model without examples: the first class the prompt lists (system message first)."""
    for message in messages:
        if message.get("role") not in ("system", "developer", "user"):
            continue
        content = message.get("content")
        texts = [content] if isinstance(content, str) else [
            p.get("text", "") for p in content or [] if isinstance(p, dict) and p.get("type") == "text"
        ]
        for text in texts:
            name = first_listed_class(text)
            if name:
                return name
    return CANNOT_TELL


def _learned_from_job(state: EmulatorState, job: JobRecord, fraction: float) -> LearnedModel:
    with _learn_lock:
        key = (job.training_file, fraction)
        cached = state.learned_models.get(key)
        if cached is None:
            try:
                content = state.blobs.get(job.training_file)
            except (KeyError, OSError):
                content = b""
            examples = training_examples(content, _decode)
            used = math.ceil(len(examples) * fraction)
            cached = LearnedModel(examples[:used])
            state.learned_models[key] = cached
        return cached


def _prompt_tokens(messages: list[dict[str, Any]], images: list[tuple[SeenImage, str]]) -> int:
    details = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            details += [p["image_url"].get("detail", "auto") for p in content
                        if isinstance(p, dict) and p.get("type") == "image_url"]
    total = TOKENS_PER_REPLY
    for message in messages:
        content = message.get("content")
        total += TOKENS_PER_MESSAGE
        if isinstance(content, str):
            total += text_tokens(content)
        else:
            total += sum(int(text_tokens(p.get("text", ""))) for p in content or []
                         if isinstance(p, dict) and p.get("type") == "text")
    for (seen, _), detail in zip(images, details):
        total += image_tokens(seen.width, seen.height, detail)
    return total
