"""Fixtures shared by the check, walk and scan tests."""

from __future__ import annotations

import pytest

from studio.core.checks.pool import CheckPool


@pytest.fixture(scope="session")
def check_pool():
    """One worker pool for the whole session: spawning workers costs ~0.2 s each time."""
    with CheckPool(workers=2, timeout=20) as pool:
        yield pool
