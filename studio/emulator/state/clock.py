"""Emulated time.

Job and file progress is a pure function of timestamps and "now", so the only thing tests need to
control is the clock: pass a `ManualClock` and call `advance()`; nothing runs in the background, so
there is nothing to race. The demo uses the wall clock, which is also what lets a restarted emulator
continue a job where it was (timestamps are stored, progress is recomputed).
"""

from __future__ import annotations

import threading
import time
from typing import Callable

Clock = Callable[[], float]

# A fixed, realistic start (2025-06-15T12:00:00Z) so manual-clock timestamps look like real ones.
MANUAL_CLOCK_START = 1_750_000_000.0


def wall_clock() -> float:
    return time.time()


class ManualClock:
    """A clock that moves only when told to; thread-safe because server threads read it."""

    def __init__(self, start: float = MANUAL_CLOCK_START) -> None:
        self._now = float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        with self._lock:
            self._now += seconds
            return self._now
