"""Qt-side isolation for UI tests: app names, test-mode standard paths, settings in a temp folder.

HOME alone is not enough: Qt caches its settings paths, so each test points QSettings at its own
folder explicitly.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def qt_settings_in_tmp(qapp, tmp_path):
    from PySide6.QtCore import QSettings, QStandardPaths

    from studio import APP_ID, ORG_NAME

    QStandardPaths.setTestModeEnabled(True)
    qapp.setOrganizationName(ORG_NAME)
    qapp.setApplicationName(APP_ID)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    QSettings().clear()
    yield tmp_path / "settings"
