"""Test-wide setup: no display, no network, and never the user's real settings, cache or keyring."""

from __future__ import annotations

import os

# Must be set before any Qt module is imported by a test.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Every SDK client the studio builds validates answers against the SDK's types (issue 11): a response
# shape the SDK rejects fails the test instead of silently reading as None.
os.environ.setdefault("STUDIO_STRICT_SDK", "1")

import pytest


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """Point every per-user location at a throwaway folder so tests cannot touch real user data."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    for var in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_ORG_ID",
        "OPENAI_PROJECT_ID",
        "AZURE_OPENAI_ENDPOINT",
        "AZURE_OPENAI_API_KEY",
        "AZURE_OPENAI_AD_TOKEN",
        "OPENAI_API_VERSION",
    ):
        monkeypatch.delenv(var, raising=False)
    yield home
