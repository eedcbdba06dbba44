"""The QApplication, made in one place for the app, the self-test, benchmarks and screenshots.

Not in the entry module (`main`): the self-test, which `main` starts, needs it too, and importing
the entry point back from there was an import cycle.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from studio import APP_ID, APP_NAME, ORG_NAME, __version__


def make_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with our names (QSettings/QStandardPaths use them) and style."""
    from studio.ui.app.theme import apply_app_style

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(
        [sys.argv[0] if sys.argv else "studio", *(argv or [])]
    )
    app.setOrganizationName(ORG_NAME)
    app.setApplicationName(APP_ID)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    apply_app_style(app)
    return app
