"""Failures on demand, so tests can prove that clients survive them.

Request faults (matched against the method and the resource path, i.e. the path after `/v1`,
`/openai` or `/openai/v1`, e.g. "/fine_tuning/jobs" or "/files/file-abc/content"):

- "429"        rate limit; option `retry_after` seconds (default 0.05; sent as retry-after-ms and retry-after)
- "500"        internal server error
- "disconnect" the socket is closed without any response
- "slow"       the response is delayed by `delay` seconds (default 1.0), then served normally

"500" and "disconnect" take `after_processing=True`: the request is carried out first and only the
answer is lost, which is how a client ends up submitting twice if it retries blindly.

Job faults (consumed by the next job created, path_pattern is ignored):

- "fail_job"    the job fails at training step `at_step` (default: half-way) with `message`/`code`
- "skip_images" `count` more usable multimodal examples are skipped with `reason`
                (default "contains people or faces"), first ones in file order

`times` is how many requests/jobs a fault applies to (None: forever).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

REQUEST_KINDS = {"429", "500", "disconnect", "slow"}
JOB_KINDS = {"fail_job", "skip_images"}
_ALIASES = {
    "rate_limit": "429",
    "server_error": "500",
    "dropped_connection": "disconnect",
    "drop": "disconnect",
    "delay": "slow",
}
_OPTIONS = {
    "429": {"retry_after"},
    "500": {"after_processing", "message"},
    "disconnect": {"after_processing"},
    "slow": {"delay"},
    "fail_job": {"at_step", "message", "code"},
    "skip_images": {"count", "reason"},
}


@dataclass
class Fault:
    kind: str
    path_pattern: str | None = None
    method: str | None = None
    times: int | None = 1
    options: dict[str, Any] = field(default_factory=dict)
    hits: int = 0

    def matches(self, method: str, resource_path: str) -> bool:
        if self.method is not None and self.method.upper() != method.upper():
            return False
        return self.path_pattern is None or re.search(self.path_pattern, resource_path) is not None

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.hits >= self.times


def normalize_kind(kind: str | int) -> str:
    name = _ALIASES.get(str(kind).lower(), str(kind).lower())
    if name not in REQUEST_KINDS | JOB_KINDS:
        known = ", ".join(sorted(REQUEST_KINDS | JOB_KINDS))
        raise ValueError(f"unknown fault kind {kind!r}; use one of: {known}")
    return name


class Faults:
    """The server's fault list; thread-safe, faults fire in the order they were added."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(
        self,
        kind: str | int,
        path_pattern: str | None = None,
        *,
        times: int | None = 1,
        method: str | None = None,
        **options: Any,
    ) -> Fault:
        name = normalize_kind(kind)
        unknown = set(options) - _OPTIONS[name]
        if unknown:
            raise ValueError(f"fault {name!r} has no option(s) {sorted(unknown)}; allowed: {sorted(_OPTIONS[name])}")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1, or None for a fault that never runs out")
        if path_pattern is not None:
            re.compile(path_pattern)
        fault = Fault(name, path_pattern, method, times, dict(options))
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def take_request_fault(self, method: str, resource_path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.kind in REQUEST_KINDS and not fault.exhausted and fault.matches(method, resource_path):
                    fault.hits += 1
                    return fault
        return None

    def take_job_faults(self) -> list[Fault]:
        taken = []
        with self._lock:
            for fault in self._faults:
                if fault.kind in JOB_KINDS and not fault.exhausted:
                    fault.hits += 1
                    taken.append(fault)
        return taken
