"""The View menu's "Duplicates..." opens the window for the open project and closes it with the project."""

from __future__ import annotations

from studio.ui.curation.duplicates_integration import install_duplicates


def test_the_view_menu_opens_the_duplicates_window_and_closing_the_project_closes_it(qtbot, window) -> None:
    integration = install_duplicates(window)
    assert integration.action in window.view_menu.actions() and integration.action.isEnabled()
    integration.action.trigger()
    view = integration.view
    assert view is not None and view.isVisible() and view.session is window.session
    qtbot.waitUntil(lambda: "Looking" not in view.summary_label.text(), timeout=10000)
    window.close_project()
    assert integration.view is None and not integration.action.isEnabled()
