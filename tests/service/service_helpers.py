"""Shared helpers of the service tests: a small labeled project and fast submit parameters.

A uniquely named module (not `conftest`) so that `from service_helpers import ...` can never resolve
to another area's conftest.
"""

from __future__ import annotations

from labeled_project import MAGENTA, make_labeled_project  # noqa: F401 - re-exported for the service tests

from studio.service.submit.params import SubmitParams


def fast_params(**changes) -> SubmitParams:
    """Export in-process (no worker pool: 2 shared cores) with a seeded split."""
    base = SubmitParams(n_epochs=2, export={"workers": 0, "val_fraction": 0.2, "seed": 1})
    return SubmitParams.from_dict(base.to_dict() | changes)
