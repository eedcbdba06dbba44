"""Read a fine-tuning JSONL file the way the service does.

Two kinds of trouble, handled differently, as the service does:
- a malformed line (not JSON, no `messages`, bad role or content, an image outside a user message)
  makes the whole file unusable: the file ends in status `error` naming the lines;
- an image the service cannot use (see `image_screening`) only drops that example ("skipped"), with a
  reason and its 1-based line number; the job later reports the skips as text.
UTF-8 with or without BOM is accepted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from studio.emulator.training.image_screening import REASON_TOO_MANY_IMAGES, screen_image_url
from studio.emulator.training.token_estimate import TOKENS_PER_EXAMPLE, TOKENS_PER_MESSAGE, image_tokens, text_tokens

MAX_IMAGES_PER_EXAMPLE = 10
ROLES = {"system", "developer", "user", "assistant", "tool"}
DETAILS = {"low", "high", "auto"}
ERROR_SAMPLES_IN_MESSAGE = 20
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ExampleInfo:
    """A usable example: where it is, what it costs, whether it is multimodal."""

    line: int
    tokens: int
    image_count: int


@dataclass
class JsonlReport:
    examples: list[ExampleInfo] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)
    line_errors: list[tuple[int, str]] = field(default_factory=list)
    fatal: str | None = None

    @property
    def malformed(self) -> bool:
        return self.fatal is not None or bool(self.line_errors)

    @property
    def skipped_count(self) -> int:
        return sum(len(lines) for lines in self.skipped.values())

    def error_message(self) -> str:
        """The file-level failure text; it names the offending lines so the user can find them."""
        if self.fatal:
            return f"Invalid file format: {self.fatal}"
        shown = "; ".join(f"Line {line}: {problem}" for line, problem in self.line_errors[:ERROR_SAMPLES_IN_MESSAGE])
        more = len(self.line_errors) - ERROR_SAMPLES_IN_MESSAGE
        tail = f"; and {more} more line(s) with errors" if more > 0 else ""
        lines = ", ".join(str(line) for line, _ in self.line_errors[:ERROR_SAMPLES_IN_MESSAGE])
        return (
            f"Invalid file format: {len(self.line_errors)} line(s) are not valid chat-format training examples "
            f"(line numbers: {lines}{', ...' if more > 0 else ''}). {shown}{tail}."
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "examples": [[e.line, e.tokens, e.image_count] for e in self.examples],
            "skipped": self.skipped,
            "line_errors": [list(item) for item in self.line_errors],
            "fatal": self.fatal,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "JsonlReport":
        return cls(
            examples=[ExampleInfo(*item) for item in data.get("examples", [])],
            skipped={k: list(v) for k, v in data.get("skipped", {}).items()},
            line_errors=[(int(a), str(b)) for a, b in data.get("line_errors", [])],
            fatal=data.get("fatal"),
        )


class _LineError(Exception):
    pass


def validate_jsonl(data: bytes) -> JsonlReport:
    report = JsonlReport()
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.fatal = f"the file is not UTF-8 text (undecodable byte at offset {exc.start}). Save it as UTF-8."
        return report
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            example = _check_line(line)
        except _LineError as exc:
            report.line_errors.append((number, str(exc)))
            continue
        tokens, image_urls = example
        reason = _skip_reason(image_urls)
        if reason is not None:
            report.skipped.setdefault(reason, []).append(number)
            continue
        tokens += sum(image_tokens(w, h, detail) for _, detail, w, h in image_urls)
        report.examples.append(ExampleInfo(number, tokens, len(image_urls)))
    return report


def _check_line(line: str) -> tuple[int, list[list[Any]]]:
    """Return (text tokens, [[url, detail, 0, 0], ...]) or raise `_LineError` with what is wrong."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _LineError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("messages"), list) or not obj["messages"]:
        raise _LineError("expected a JSON object with a non-empty 'messages' list")
    tokens = TOKENS_PER_EXAMPLE
    images: list[list[Any]] = []
    has_assistant = False
    for index, message in enumerate(obj["messages"], start=1):
        if not isinstance(message, dict):
            raise _LineError(f"message {index} is not a JSON object")
        role = message.get("role")
        if role not in ROLES:
            raise _LineError(f"message {index} has an invalid role {role!r}")
        has_assistant = has_assistant or role == "assistant"
        tokens += TOKENS_PER_MESSAGE
        content = message.get("content")
        if isinstance(content, str):
            tokens += text_tokens(content)
        elif isinstance(content, list):
            tokens += _check_parts(content, index, role, images)
        elif not (role == "assistant" and content is None and message.get("tool_calls")):
            raise _LineError(f"message {index} has no text or content parts")
        if "weight" in message and message["weight"] not in (0, 1):
            raise _LineError(f"message {index} has weight {message['weight']!r}; weight must be 0 or 1")
    if not has_assistant:
        raise _LineError("no assistant message to learn from")
    return tokens, images


def _check_parts(parts: list[Any], index: int, role: str, images: list[list[Any]]) -> int:
    tokens = 0
    for part_number, part in enumerate(parts, start=1):
        where = f"message {index} content part {part_number}"
        if not isinstance(part, dict):
            raise _LineError(f"{where} is not a JSON object")
        kind = part.get("type")
        if kind == "text":
            if not isinstance(part.get("text"), str):
                raise _LineError(f"{where} is a text part without a 'text' string")
            tokens += text_tokens(part["text"])
        elif kind == "image_url":
            if role != "user":
                raise _LineError(f"{where}: images are only allowed in user messages, not in {role} messages")
            image_url = part.get("image_url")
            if not isinstance(image_url, dict) or not isinstance(image_url.get("url"), str) or not image_url["url"]:
                raise _LineError(f"{where} is an image_url part without an 'image_url.url' string")
            detail = image_url.get("detail", "auto")
            if detail not in DETAILS:
                raise _LineError(f"{where} has detail {detail!r}; use low, high or auto")
            images.append([image_url["url"], detail, 0, 0])
        else:
            raise _LineError(f"{where} has an unsupported type {kind!r}")
    return tokens


def _skip_reason(images: list[list[Any]]) -> str | None:
    """Screen the example's images; fill in their sizes for the token count. First reason wins."""
    if len(images) > MAX_IMAGES_PER_EXAMPLE:
        return REASON_TOO_MANY_IMAGES
    for image in images:
        verdict = screen_image_url(image[0])
        if verdict.skip_reason is not None:
            return verdict.skip_reason
        image[2], image[3] = verdict.width, verdict.height
    return None
