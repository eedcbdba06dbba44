"""What an endpoint handler receives and returns, independent of the HTTP server plumbing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from studio.emulator.http.errors import bad_request
from studio.emulator.http.multipart import FormPart, parse_form
from studio.emulator.state.records import FLAVOR_AZURE, FLAVOR_OPENAI
from studio.emulator.http.url_styles import ApiStyle, ParsedUrl


@dataclass
class ApiRequest:
    method: str
    url: ParsedUrl
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    now: float

    @property
    def style(self) -> ApiStyle:
        return self.url.style

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

    def location(self, resource_path: str) -> str:
        """The absolute URL of a created object in this request's style (the dated API's `Location`)."""
        host = self.headers.get("host", "localhost")
        prefix = {ApiStyle.OPENAI: "/v1", ApiStyle.AZURE_DATED: "/openai", ApiStyle.AZURE_V1: "/openai/v1"}[self.style]
        query = f"?api-version={self.url.api_version}" if self.style is ApiStyle.AZURE_DATED and self.url.api_version else ""
        return f"http://{host}{prefix}{resource_path}{query}"


@dataclass
class ApiResponse:
    status: int = 200
    json_body: Any = None
    raw: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


def ok(body: Any) -> ApiResponse:
    return ApiResponse(200, json_body=body)


def created(request: ApiRequest, body: dict[str, Any], resource_path: str) -> ApiResponse:
    """A create answer: 201 + `Location` on the dated API [facts §1, §5], 200 on OpenAI and v1."""
    if request.style is ApiStyle.AZURE_DATED:
        return ApiResponse(201, json_body=body, headers={"Location": request.location(resource_path)})
    return ApiResponse(200, json_body=body)
