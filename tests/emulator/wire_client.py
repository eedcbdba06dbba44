"""An SDK client whose answers are the JSON the service sent, for the styles the SDK's types cannot hold.

The SDK's response types are OpenAI's (six job statuses, three file statuses, level `warn`,
`organization_id` required). The Azure styles document other values [facts §2, §3, §5], so a
strict client (`_strict_response_validation=True`) refuses real Azure answers by design. Tests of
those styles therefore call through `client.with_raw_response...` — the SDK still builds the URL,
the auth header and the api-version and raises its error classes — and assert the JSON against the
facts. `JsonClient(client).files.create(...)` reads like the SDK call and returns a `Json` view.

A uniquely named module (not conftest) so `from wire_client import ...` resolves from any test area.
"""

from __future__ import annotations

import json
from typing import Any


class Json(dict):
    """A JSON object with attribute access (`job.status`); nested objects and lists are wrapped too."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return wrap(self.get(name))  # absent reads as None, as in the SDK; assert `"key" not in obj` for absence

    def __iter__(self):  # a list answer iterates over its items, like an SDK page
        if "data" in self and isinstance(self["data"], list):
            return iter(wrap(self["data"]))
        return super().__iter__()


def wrap(value: Any) -> Any:
    if isinstance(value, dict) and not isinstance(value, Json):
        return Json(value)
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


class JsonClient:
    """Proxy: attribute paths follow `client.with_raw_response`; calls return `Json` (or bytes)."""

    def __init__(self, client: Any, _node: Any = None) -> None:
        self._client = client
        self._node = client.with_raw_response if _node is None else _node

    @property
    def sdk(self) -> Any:
        """The underlying (strict) SDK client."""
        return self._client

    def __getattr__(self, name: str) -> Any:
        if name == "with_raw_response":  # `client.x.with_raw_response.y(...)` reads as with the SDK itself
            return self._node
        return JsonClient(self._client, getattr(self._node, name))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        response = self._node(*args, **kwargs)
        try:
            body = json.loads(response.content) if response.content else {}
        except ValueError:
            return response.content
        result = wrap(body)
        if isinstance(result, Json):  # the HTTP status and headers ride along as attributes, not keys
            result.http_status = response.status_code
            result.http_headers = {k.lower(): v for k, v in response.headers.items()}
        return result
