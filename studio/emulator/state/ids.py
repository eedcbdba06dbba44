"""Object ids shaped like the service's, per flavor (OpenAI vs Azure).

Random ids for objects the client creates; deterministic ids (hash of the owner id and a key) for
objects the emulator derives from a timeline (events, checkpoints, result files), so recomputing the
timeline after a restart yields the same ids and clients that dedupe by id see no duplicates.
"""

from __future__ import annotations

import hashlib
import secrets
import string

_ALPHANUM = string.ascii_letters + string.digits


def _random_alnum(n: int) -> str:
    return "".join(secrets.choice(_ALPHANUM) for _ in range(n))


def new_file_id(azure: bool) -> str:
    return "file-" + (secrets.token_hex(16) if azure else _random_alnum(24))


def new_job_id(azure: bool) -> str:
    return "ftjob-" + (secrets.token_hex(16) if azure else _random_alnum(24))


def new_upload_id() -> str:
    return "upload_" + _random_alnum(24)


def new_part_id() -> str:
    return "part_" + _random_alnum(24)


def new_request_id() -> str:
    return "req_" + secrets.token_hex(16)


def derived_id(prefix: str, owner_id: str, key: str, length: int = 24) -> str:
    digest = hashlib.sha256(f"{owner_id}/{key}".encode()).hexdigest()
    return prefix + digest[:length]
