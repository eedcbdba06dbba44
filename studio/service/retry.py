"""One retry policy for every call to the fine-tuning service.

The SDK clients are built with `max_retries=0` (see `clients.make_client`) so this module is the
only place that decides whether and when to try again. That keeps the behaviour visible (the UI can
show "retrying in 4 s"), cancellable (a user who cancels does not wait out a 60 s back-off), and the
same for every call, including multi-request flows like chunked uploads where the SDK's own retries
would hide which step failed.

Retried: connection errors and timeouts, 429 (waiting at least what `retry-after` asks), 408/409 and
5xx. Everything else (bad request, auth, not found) is a real answer and is raised at once.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass
from typing import Callable, TypeVar

import openai

from studio.core.tasks import CancelToken, Cancelled

T = TypeVar("T")

RetryNotice = Callable[[int, float, BaseException], None]
"""Called before each wait: (attempt number that failed, seconds to wait, the error)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.25  # fraction of the delay added or removed at random
    max_retry_after: float = 120.0  # never trust a server asking us to sleep longer than this

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Exponential delay for the given failed attempt (1-based), with jitter, capped."""
        raw = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        spread = raw * self.jitter
        return max(0.0, raw + (rng or random).uniform(-spread, spread))


DEFAULT_POLICY = RetryPolicy()


def is_retryable(error: BaseException) -> bool:
    if isinstance(error, (openai.APIConnectionError,)):  # includes APITimeoutError
        return True
    if isinstance(error, openai.APIStatusError):
        if error.response is not None and error.response.headers.get("x-should-retry") == "false":
            return False
        return error.status_code in (408, 409, 429) or error.status_code >= 500
    return False


def retry_after_seconds(error: BaseException) -> float | None:
    """What the server asked us to wait, from `retry-after-ms` or `retry-after` (seconds or a date)."""
    response = getattr(error, "response", None)
    if response is None:
        return None
    headers = response.headers
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def wait_before_retry(policy: RetryPolicy, attempt: int, error: BaseException) -> float:
    delay = policy.backoff(attempt)
    asked = retry_after_seconds(error)
    if asked is not None:
        delay = max(delay, min(asked, policy.max_retry_after))
    return delay


def sleep_cancellable(seconds: float, cancel: CancelToken | None) -> None:
    """Sleep, waking at once (raising `Cancelled`) when the token is cancelled."""
    if cancel is None:
        time.sleep(seconds)
        return
    cancel.raise_if_cancelled()
    if cancel.wait(seconds):
        raise Cancelled()


def call_with_retry(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    cancel: CancelToken | None = None,
    on_retry: RetryNotice | None = None,
) -> T:
    """Run `fn` until it succeeds, raises a non-retryable error, or attempts run out."""
    return _retry_loop(fn, policy, cancel, on_retry, find_existing=None)


def _retry_loop(
    fn: Callable[[], T],
    policy: RetryPolicy,
    cancel: CancelToken | None,
    on_retry: RetryNotice | None,
    find_existing: Callable[[], T | None] | None,
) -> T:
    """The one retry loop; with `find_existing`, each wait is followed by a look for the result."""
    attempt = 0
    while True:
        if cancel is not None:
            cancel.raise_if_cancelled()
        attempt += 1
        try:
            return fn()
        except Exception as error:  # noqa: BLE001 - filtered just below
            if not is_retryable(error) or attempt >= policy.max_attempts:
                raise
            delay = wait_before_retry(policy, attempt, error)
            if on_retry is not None:
                on_retry(attempt, delay, error)
            sleep_cancellable(delay, cancel)
            if find_existing is not None:
                found = call_with_retry(find_existing, policy=policy, cancel=cancel, on_retry=on_retry)
                if found is not None:
                    return found


def create_once(
    create: Callable[[], T],
    find_existing: Callable[[], T | None],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    cancel: CancelToken | None = None,
    on_retry: RetryNotice | None = None,
) -> T:
    """Retry a call that creates something, without ever creating it twice.

    A failed create may have succeeded on the server with only the response lost (dropped
    connection, 5xx after the work). So after a retryable failure we wait, then ask the service
    whether the thing exists (`find_existing`), and only create again if it does not.
    """
    return _retry_loop(create, policy, cancel, on_retry, find_existing=find_existing)
