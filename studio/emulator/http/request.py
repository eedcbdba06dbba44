"""What an endpoint handler receives and returns, independent of the HTTP server plumbing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from studio.emulator.http.errors import bad_request
from studio.emulator.http.multipart import FormPart, parse_form
from studio.emulator.state.records import FLAVOR_AZURE, FLAVOR_OPENAI
from studio.emulator.http.url_styles import ParsedUrl


@dataclass
class ApiRequest:
    method: str
    url: ParsedUrl
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    now: float

    @property
    def flavor(self) -> str:
        """Objects created through an Azure URL behave like Azure's."""
        return FLAVOR_AZURE if self.url.style.is_azure else FLAVOR_OPENAI

    def json(self) -> dict[str, Any]:
        if not self.body.strip():
            return {}
        try:
            value = json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise bad_request("We could not parse the JSON body of your request. Send a JSON object.") from None
        if not isinstance(value, dict):
            raise bad_request("The request body must be a JSON object.")
        return value

    def form(self) -> dict[str, FormPart]:
        return parse_form(self.body, self.headers.get("content-type"))


@dataclass
class ApiResponse:
    status: int = 200
    json_body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def ok(body: Any) -> ApiResponse:
    return ApiResponse(200, json_body=body)
