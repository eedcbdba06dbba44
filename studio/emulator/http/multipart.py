"""Parse `multipart/form-data` request bodies (files.create, uploads.parts.create).

The stdlib's `cgi` module is deprecated and gone in 3.13, and `email` rewrites line endings in
binary parts, so this is a small exact-bytes parser.
"""

from __future__ import annotations

from dataclasses import dataclass

from studio.emulator.http.errors import bad_request


@dataclass(frozen=True)
class FormPart:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes

    def text(self) -> str:
        return self.data.decode("utf-8")


def _header_params(value: str) -> tuple[str, dict[str, str]]:
    """Split `form-data; name="file"; filename="a.jsonl"` into its main value and parameters."""
    pieces = _split_outside_quotes(value, ";")
    main = pieces[0].strip().lower()
    params: dict[str, str] = {}
    for piece in pieces[1:]:
        key, sep, raw = piece.strip().partition("=")
        if not sep:
            continue
        raw = raw.strip()
        if len(raw) >= 2 and raw[0] == raw[-1] == '"':
            raw = raw[1:-1].replace('\\"', '"')
        params[key.strip().lower()] = raw
    return main, params


def _split_outside_quotes(value: str, sep: str) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    quoted = False
    for ch in value:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            pieces.append("".join(current))
            current = []
        else:
            current.append(ch)
    pieces.append("".join(current))
    return pieces


def boundary_of(content_type: str | None) -> bytes:
    main, params = _header_params(content_type or "")
    if main != "multipart/form-data" or not params.get("boundary"):
        raise bad_request("This endpoint expects a multipart/form-data body.")
    return params["boundary"].encode("latin-1")


def parse_form(body: bytes, content_type: str | None) -> dict[str, FormPart]:
    """Return the form's parts by field name (last one wins, as in most servers)."""
    delimiter = b"--" + boundary_of(content_type)
    sections = body.split(delimiter)
    if len(sections) < 3:
        raise bad_request("The multipart body has no parts.")
    parts: dict[str, FormPart] = {}
    for section in sections[1:-1]:
        if section.startswith(b"\r\n"):
            section = section[2:]
        if section.endswith(b"\r\n"):
            section = section[:-2]
        head, sep, data = section.partition(b"\r\n\r\n")
        if not sep:
            raise bad_request("A multipart part has no header/body separator.")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        _, disposition = _header_params(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name is None:
            raise bad_request("A multipart part has no field name.")
        filename = disposition.get("filename")
        if filename is not None:  # HTML5 form encoding, as httpx sends it, escapes only these three
            filename = filename.replace("%22", '"').replace("%0D", "\r").replace("%0A", "\n")
        parts[name] = FormPart(name, filename, headers.get("content-type"), data)
    return parts
