"""Cursor pages as the service returns them: `{"object": "list", "data": [...], "has_more": bool}`.

`has_more` is always present: without it the SDK's auto-pagination keeps asking while pages are
non-empty. `after` is the id of the last item the client saw; the next page starts after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from studio.emulator.http.errors import bad_request


def query_value(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def parse_limit(query: Mapping[str, list[str]], default: int, maximum: int) -> int:
    raw = query_value(query, "limit")
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"Invalid 'limit': {raw!r} is not an integer.", param="limit", code="integer_below_min_value") from None
    if limit < 1 or limit > maximum:
        raise bad_request(f"Invalid 'limit': must be between 1 and {maximum}, got {limit}.", param="limit")
    return limit


def cursor_page(items: Sequence[dict[str, Any]], query: Mapping[str, list[str]], *, default_limit: int, max_limit: int) -> dict[str, Any]:
    """Slice already-ordered items by `after`/`limit`; an unknown `after` yields an empty last page."""
    limit = parse_limit(query, default_limit, max_limit)
    after = query_value(query, "after")
    start = 0
    if after:
        ids = [item["id"] for item in items]
        if after not in ids:
            return {"object": "list", "data": [], "has_more": False}
        start = ids.index(after) + 1
    page = list(items[start : start + limit])
    return {"object": "list", "data": page, "has_more": start + limit < len(items)}
