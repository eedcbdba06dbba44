"""Independent check of a JSONL file against the service's documented rules.

Two jobs: the test oracle for the writer, and a pre-submit check of any file (also one the user
made elsewhere). It deliberately shares nothing with the writer but the rule constants: it parses
the lines itself, decodes the data URIs itself and opens the images itself, so a bug in the writer's
code cannot hide itself by being repeated here.

Rules checked (OpenAI vision fine-tuning guide, Azure fine-tuning docs):
- UTF-8, one JSON object per line, a UTF-8 BOM allowed only at the very start (Azure asks for it);
- {"messages": [...]} with roles system / user / assistant (tool also passes), at least one
  assistant message, an assistant `weight` of 0 or 1 when present;
- content is a string or a list of parts: {"type": "text", "text": str} or
  {"type": "image_url", "image_url": {"url": str, "detail": "low"|"high"|"auto"}};
- images only in user messages, at most 10 per example;
- data URIs `data:image/<jpeg|png|webp>;base64,...` that decode to a JPEG/PNG/WEBP image in RGB or
  RGBA, one frame, not a decompression bomb, at most 10 MB (decoded bytes); with `deep`, the pixels
  must decode too (catches truncated files);
- at least 10 examples (training files), at most 50,000 examples with images, file under 512 MB.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from studio.core.export.dataset_limits import DEFAULT_LIMITS, DatasetLimits
from studio.core.checks.rules import ALLOWED_FORMATS, ALLOWED_MODES, MAX_IMAGE_BYTES, bomb_pixel_threshold

_ROLES = frozenset({"system", "user", "assistant", "tool"})
_DETAILS = frozenset({"low", "high", "auto"})
_TOP_LEVEL_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
_DATA_URI = re.compile(r"data:(image/[A-Za-z0-9.+-]+);base64,(.*)", re.DOTALL)
_FORMAT_OF_MIME = {"image/jpeg": "JPEG", "image/jpg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Problem:
    line: int | None  # 1-based; None for a file-level problem
    message: str
    image_index: int | None = None

    def __str__(self) -> str:
        where = "file" if self.line is None else f"line {self.line}"
        if self.image_index is not None:
            where += f", image {self.image_index + 1}"
        return f"{where}: {self.message}"


@dataclass(slots=True)
class ValidationResult:
    path: Path
    examples: int = 0
    examples_with_images: int = 0
    images: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    errors_not_listed: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.errors_not_listed

    def error_lines(self) -> list[int]:
        return sorted({p.line for p in self.errors if p.line is not None})


class _Collector:
    def __init__(self, result: ValidationResult, max_errors: int) -> None:
        self.result = result
        self.max_errors = max_errors

    def error(self, line: int | None, message: str, image_index: int | None = None) -> None:
        if len(self.result.errors) < self.max_errors:
            self.result.errors.append(Problem(line, message, image_index))
        else:
            self.result.errors_not_listed += 1

    def warn(self, line: int | None, message: str, image_index: int | None = None) -> None:
        if len(self.result.warnings) < self.max_errors:
            self.result.warnings.append(Problem(line, message, image_index))


def validate_jsonl(
    path: Path | str,
    *,
    training: bool = True,
    deep: bool = True,
    limits: DatasetLimits = DEFAULT_LIMITS,
    max_errors: int = 200,
) -> ValidationResult:
    """Check `path` line by line. `training=False` for a validation file (no minimum count).
    `deep` decodes every image's pixels (slower; catches truncated images)."""
    path = Path(path)
    result = ValidationResult(path)
    out = _Collector(result, max_errors)
    size = os.path.getsize(path)
    if size >= limits.max_file_bytes:
        out.error(None, f"the file is {size:,} bytes; the service accepts files under {limits.max_file_bytes:,} bytes")
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if number == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            _check_line(number, raw, deep, limits, out)
    if training and result.examples < limits.min_examples:
        out.error(None, f"the file has {result.examples} examples; at least {limits.min_examples} are required")
    if result.examples_with_images > limits.max_examples_with_images:
        out.error(
            None,
            f"the file has {result.examples_with_images:,} examples with images; "
            f"at most {limits.max_examples_with_images:,} are allowed",
        )
    return result


def _check_line(number: int, raw: bytes, deep: bool, limits: DatasetLimits, out: _Collector) -> None:
    if not raw.endswith(b"\n") and raw.strip() == b"":
        return  # nothing after the last newline
    if raw.strip() == b"":
        out.error(number, "empty line; every line must hold one JSON example")
        return
    if _BOM in raw:
        out.error(number, "a byte-order mark (BOM) is allowed only at the start of the file")
        return
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        out.error(number, f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
        return
    try:
        example = json.loads(text)
    except json.JSONDecodeError as exc:
        out.error(number, f"not valid JSON ({exc.msg} at column {exc.colno})")
        return
    if not isinstance(example, dict):
        out.error(number, "the line must be a JSON object")
        return
    out.result.examples += 1
    unknown = set(example) - _TOP_LEVEL_KEYS
    if unknown:
        out.warn(number, f"unexpected keys {sorted(unknown)}")
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        out.error(number, "'messages' must be a non-empty list")
        return
    images = 0
    assistants = 0
    for m_index, message in enumerate(messages):
        if not isinstance(message, dict):
            out.error(number, f"message {m_index + 1} is not an object")
            continue
        role = message.get("role")
        if role not in _ROLES:
            out.error(number, f"message {m_index + 1} has role {role!r}; expected system, user or assistant")
            continue
        if role == "assistant":
            assistants += 1
            if "weight" in message and message["weight"] not in (0, 1):
                out.error(number, f"assistant message {m_index + 1} has weight {message['weight']!r}; use 0 or 1")
        images += _check_content(number, m_index, role, message.get("content"), images, deep, out)
    if assistants == 0:
        out.error(number, "no assistant message: the example has no answer to learn")
    if images > limits.max_images_per_example:
        out.error(number, f"{images} images in one example; at most {limits.max_images_per_example} are allowed")
    if images:
        out.result.examples_with_images += 1
        out.result.images += images


def _check_content(
    number: int, m_index: int, role: str, content: object, images_before: int, deep: bool, out: _Collector
) -> int:
    """Check one message's content; returns the number of images in it."""
    if isinstance(content, str):
        return 0
    if content is None and role == "assistant":
        out.error(number, f"assistant message {m_index + 1} has no content")
        return 0
    if not isinstance(content, list):
        out.error(number, f"message {m_index + 1}: content must be a string or a list of parts")
        return 0
    images = 0
    for part in content:
        if not isinstance(part, dict):
            out.error(number, f"message {m_index + 1}: a content part is not an object")
            continue
        kind = part.get("type")
        if kind == "text":
            if not isinstance(part.get("text"), str):
                out.error(number, f"message {m_index + 1}: text part without a string 'text'")
        elif kind == "image_url":
            index = images_before + images
            images += 1
            if role != "user":
                out.error(number, f"{role} message {m_index + 1} contains an image; images go in user messages only", index)
                continue
            _check_image_part(number, index, part.get("image_url"), deep, out)
        else:
            out.error(number, f"message {m_index + 1}: unknown content part type {kind!r}")
    return images


def _check_image_part(number: int, index: int, spec: object, deep: bool, out: _Collector) -> None:
    if not isinstance(spec, dict) or not isinstance(spec.get("url"), str):
        out.error(number, "image_url must be an object with a string 'url'", index)
        return
    detail = spec.get("detail", "auto")
    if detail not in _DETAILS:
        out.error(number, f"detail {detail!r} is not low, high or auto", index)
    url: str = spec["url"]
    if url.startswith(("http://", "https://")):
        out.warn(number, "image given by URL: it must be publicly reachable, which cannot be checked offline", index)
        return
    match = _DATA_URI.fullmatch(url)
    if not match:
        out.error(number, "image url is neither a data URI (data:image/...;base64,...) nor an http(s) URL", index)
        return
    mime, payload = match.group(1).lower(), match.group(2)
    declared = _FORMAT_OF_MIME.get(mime)
    if declared is None:
        out.error(number, f"data URI type {mime} is not JPEG, PNG or WEBP", index)
        return
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        out.error(number, "the data URI is not valid base64", index)
        return
    if len(data) > MAX_IMAGE_BYTES:
        out.error(number, f"the image is {len(data):,} bytes; at most {MAX_IMAGE_BYTES:,} are allowed", index)
    _check_image_bytes(number, index, data, declared, deep, out)


def _check_image_bytes(number: int, index: int, data: bytes, declared: str, deep: bool, out: _Collector) -> None:
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt, mode = im.format, im.mode
            width, height = im.size
            if width * height > bomb_pixel_threshold():
                out.error(number, f"the image has {width}x{height} pixels (decompression bomb)", index)
                return
            if fmt not in ALLOWED_FORMATS:
                out.error(number, f"the image is {fmt}; only JPEG, PNG or WEBP are accepted", index)
                return
            if mode not in ALLOWED_MODES:
                out.error(number, f"the image is in mode {mode}; only RGB or RGBA are accepted", index)
            if getattr(im, "n_frames", 1) > 1:
                out.error(number, "the image is animated; only still images are accepted", index)
            if fmt != declared:
                out.warn(number, f"the data URI says {declared} but the image is {fmt}", index)
            if deep:
                im.load()
    except Image.DecompressionBombError:
        out.error(number, "the image is a decompression bomb", index)
    except Exception as exc:  # any decoder failure means the service cannot use the image
        out.error(number, f"the image cannot be decoded ({type(exc).__name__}: {exc})", index)
