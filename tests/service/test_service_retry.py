"""The single retry policy: what is retried, how long it waits, and that cancel wins."""

import threading
import time

import httpx2
import openai
import pytest

from studio.core.tasks import CancelToken, Cancelled
from studio.service.retry import RetryPolicy, call_with_retry, is_retryable, retry_after_seconds

REQUEST = httpx2.Request("GET", "http://127.0.0.1/v1/files")


def status_error(cls, code, headers=None):
    response = httpx2.Response(code, headers=headers or {}, request=REQUEST, json={"error": {"message": "x"}})
    return cls("x", response=response, body={"error": {"message": "x"}})


FAST = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.002, jitter=0)


def test_transient_errors_are_retried_until_success():
    errors = [
        openai.APIConnectionError(request=REQUEST),
        status_error(openai.RateLimitError, 429),
        status_error(openai.InternalServerError, 503),
    ]
    calls = []

    def fn():
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "ok"

    notices = []
    assert call_with_retry(fn, policy=FAST, on_retry=lambda a, d, e: notices.append(type(e).__name__)) == "ok"
    assert len(calls) == 4
    assert notices == ["APIConnectionError", "RateLimitError", "InternalServerError"]


def test_real_answers_are_not_retried():
    for error in (status_error(openai.AuthenticationError, 401), status_error(openai.BadRequestError, 400),
                  status_error(openai.NotFoundError, 404)):
        calls = []

        def fn():
            calls.append(1)
            raise error

        with pytest.raises(type(error)):
            call_with_retry(fn, policy=FAST)
        assert len(calls) == 1


def test_gives_up_after_max_attempts():
    calls = []

    def fn():
        calls.append(1)
        raise status_error(openai.InternalServerError, 500)

    with pytest.raises(openai.InternalServerError):
        call_with_retry(fn, policy=FAST)
    assert len(calls) == 4


def test_retry_after_headers_are_honoured():
    assert retry_after_seconds(status_error(openai.RateLimitError, 429, {"retry-after": "2"})) == 2.0
    assert retry_after_seconds(status_error(openai.RateLimitError, 429, {"retry-after-ms": "1500"})) == 1.5
    assert retry_after_seconds(status_error(openai.RateLimitError, 429)) is None
    waits = []
    errors = [status_error(openai.RateLimitError, 429, {"retry-after-ms": "50"})]

    def fn():
        if errors:
            raise errors.pop()
        return 1

    start = time.monotonic()
    call_with_retry(fn, policy=FAST, on_retry=lambda a, d, e: waits.append(d))
    assert waits[0] >= 0.05 and time.monotonic() - start >= 0.05


def test_x_should_retry_false_stops_retries():
    assert not is_retryable(status_error(openai.InternalServerError, 500, {"x-should-retry": "false"}))


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(base_delay=1, max_delay=5, jitter=0)
    assert [policy.backoff(a) for a in (1, 2, 3, 4, 5)] == [1, 2, 4, 5, 5]


def test_cancel_interrupts_a_long_backoff():
    token = CancelToken()
    policy = RetryPolicy(max_attempts=5, base_delay=30, max_delay=30, jitter=0)

    def fn():
        raise openai.APIConnectionError(request=REQUEST)

    threading.Timer(0.1, token.cancel).start()
    start = time.monotonic()
    with pytest.raises(Cancelled):
        call_with_retry(fn, policy=policy, cancel=token)
    assert time.monotonic() - start < 5
