"""Errors a user can act on.

Every exception that may reach a person carries a message that says what happened and what to do.
The UI shows `str(error)` as is; the CLI prints it and exits non-zero without a traceback. Anything
that is not a `StudioError` is a bug and is reported as such.
"""

from __future__ import annotations


class StudioError(Exception):
    """Base for errors caused by the user's input or environment, not by a bug."""


class ProjectOpenError(StudioError):
    """The file cannot be opened as a project (not a project, newer schema, locked, read-only...)."""


class ProjectReadOnlyError(StudioError):
    """A change was attempted on a project that can only be read."""


class DatasetError(StudioError):
    """The dataset cannot be exported or violates a service limit."""


class ServiceError(StudioError):
    """The fine-tuning service refused a request or could not be reached."""

    status_code: int | None = None  # the HTTP status, when the service answered (401/403: sign in again)


class CredentialError(StudioError):
    """Credentials are missing, invalid, or cannot be stored."""
