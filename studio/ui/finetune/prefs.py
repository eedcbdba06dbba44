"""The user's fine-tuning preferences that outlive a project: which service, training prices.

Stored with QSettings (per user, not per project) because a service account belongs to the person,
not to a dataset. A `ServiceProfile` holds no secret (keys live in the keyring, see
`studio.service.credentials`), so storing its JSON here is safe.

With nothing configured the service is the demo (the local emulator), so a new user can run the
whole flow, from a labeled project to a trained job with curves, without any account.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from studio.core.errors import StudioError
from studio.core.export.pricing import default_training_price
from studio.service.profile import ServiceProfile

_PROFILE_KEY = "finetune/service_profile"
_PRICE_PREFIX = "finetune/prices/"

DEMO_PROFILE = ServiceProfile(kind="demo")


def settings() -> QSettings:
    """The app's own settings (the application sets its organisation and name at start-up)."""
    return QSettings()


def is_configured(store: QSettings | None = None) -> bool:
    return bool((store or settings()).value(_PROFILE_KEY, ""))


def load_profile(store: QSettings | None = None) -> ServiceProfile:
    """The chosen service; the demo when none was chosen or the stored one cannot be read."""
    text = (store or settings()).value(_PROFILE_KEY, "")
    if not text:
        return DEMO_PROFILE
    try:
        return ServiceProfile.from_json(str(text))
    except (StudioError, ValueError, TypeError):
        return DEMO_PROFILE


def save_profile(profile: ServiceProfile, store: QSettings | None = None) -> None:
    s = store or settings()
    s.setValue(_PROFILE_KEY, profile.to_json())
    s.sync()


def _price_key(model: str) -> str:
    return _PRICE_PREFIX + model.replace("/", "_")


def load_price(model: str, store: QSettings | None = None) -> float | None:
    """Training price per 1M tokens for `model`: the user's own figure, else the shipped default."""
    value = (store or settings()).value(_price_key(model), None)
    if value not in (None, ""):
        try:
            return float(value)
        except (TypeError, ValueError):
            pass
    return default_training_price(model)


def save_price(model: str, price: float | None, store: QSettings | None = None) -> None:
    s = store or settings()
    if price is None:
        s.remove(_price_key(model))
    else:
        s.setValue(_price_key(model), float(price))
    s.sync()
