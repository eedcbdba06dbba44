"""Fine-tuning inside the real main window: menu, dock, skipped images in the grid, reopen mid-job."""

import pytest

from studio.core.store.project_store import ProjectStore
from studio.service.submit.params import SubmitParams
from studio.ui.finetune.integration import install_finetune
from studio.ui.window.main_window import MainWindow

from finetune_ui_helpers import FAST


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(thumb_dir=tmp_path / "thumbs", auto_scan=False, restore_layout=False)
    qtbot.addWidget(w)
    w.resize(1100, 760)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def submit(qtbot, integration, profile, n_epochs=2):
    run = integration.controller.new_submission(
        profile, SubmitParams(n_epochs=n_epochs, export={"workers": 0, "val_fraction": 0.25, "seed": 3}))
    with qtbot.waitSignal(run.created, timeout=15_000) as created:
        run.start()
    return created.args[0]


def test_menu_and_dock_follow_the_project(qtbot, window, project_path, openai_profile):
    integration = install_finetune(window, config=FAST, confirm=lambda *a: True)
    assert not window.action_finetune.isEnabled()
    assert window.open_path(project_path)
    assert window.action_finetune.isEnabled() and window.action_jobs.isEnabled()
    assert "Service settings" in [a.text().replace("\u2026", "") for a in window.finetune_menu.actions()][-1]
    window.action_finetune.trigger()
    assert integration.wizard is not None and integration.wizard.isVisible()
    integration.wizard.close()
    window.action_jobs.trigger()
    assert integration.dock.isVisible()
    assert "No fine-tuning jobs" in integration.panel.empty_label.text()
    assert integration.panel.service_label.text() == f"Service: {openai_profile.display_name()}"
    window.close_project()
    assert integration.controller is None and not window.action_finetune.isEnabled()


def test_skipped_images_are_marked_in_the_grid_and_filterable(qtbot, window, project_path, openai_profile):
    integration = install_finetune(window, config=FAST, confirm=lambda *a: True)
    assert window.open_path(project_path)
    with qtbot.waitSignal(integration.service_skips_changed, timeout=20_000) as skipped:
        job_id = submit(qtbot, integration, openai_profile)
    (image_id,) = skipped.args[0]
    # the filter lists exactly the skipped image, and its row carries the reason
    integration.show_skipped()
    model = window.workspace.model
    assert list(model.ids) == [image_id]
    row = model.row_at(0)
    assert row.rel_path == "square_03.jpg" and "people or faces" in row.service_skip
    assert "Skipped by service (1)" in window.workspace.filter_bar.show_combo.currentText()
    # the job view says the same and its "Show them" goes to the same filter
    view = integration.open_job(job_id)
    qtbot.waitUntil(lambda: view.skip_banner.isVisible(), timeout=10_000)
    window.workspace.show_filter("all")
    view.show_skipped_requested.emit()
    assert list(window.workspace.model.ids) == [image_id]
    with ProjectStore.open(project_path, read_only=True) as store:
        assert [s.image_id for s in store.jobs.service_skips(job_id)] == [image_id]


def test_reopening_the_project_mid_job_resumes_monitoring(qtbot, window, project_path, openai_profile, emulator):
    integration = install_finetune(window, config=FAST, confirm=lambda *a: True)
    assert window.open_path(project_path)
    job_id = submit(qtbot, integration, openai_profile, n_epochs=3)
    view = integration.open_job(job_id)
    qtbot.waitUntil(lambda: view.charts.loss.point_count("train_loss") >= 3, timeout=15_000)
    emulator.fast.hold()  # the job stays mid-run while the project is closed
    window.close_project()
    assert integration.controller is None and not integration.job_views
    with ProjectStore.open(project_path, read_only=True) as store:
        seen = len(store.jobs.metrics(job_id))
        assert not store.jobs.get_job(job_id).terminal
    emulator.fast.go()

    assert window.open_path(project_path)
    controller = integration.controller
    assert controller.is_watching(job_id)  # re-attached on open, without opening any window
    assert integration.dock.isVisible()
    assert integration.panel.model.rowCount() == 1
    view = integration.open_job(job_id)
    assert view.charts.loss.point_count("train_loss") == seen  # drawn from the records at once
    qtbot.waitUntil(lambda: view.status_text == "Succeeded", timeout=20_000)
    assert view.charts.loss.point_count("train_loss") == view._total > seen
    assert integration.panel.model.status_of(job_id) == "succeeded"
    assert emulator.state.jobs_created == 1


def test_the_session_is_the_one_owner_of_the_project_file_on_the_ui_thread(
        qtbot, window, project_path, openai_profile, monkeypatch):
    """Opening a project with fine-tuning installed opens the file once on the UI thread; the
    fine-tune side reads through the session, and submissions and polls use their own connections."""
    import threading

    opened: list[tuple[str, bool]] = []
    real_open = ProjectStore.open.__func__

    def counting_open(cls, path, *, read_only=False):
        opened.append((threading.current_thread().name, read_only))
        return real_open(cls, path, read_only=read_only)

    monkeypatch.setattr(ProjectStore, "open", classmethod(counting_open))
    integration = install_finetune(window, config=FAST, confirm=lambda *a: True)
    assert window.open_path(project_path)
    ui_thread = threading.main_thread().name
    assert [o for o in opened if o[0] == ui_thread] == [(ui_thread, False)]
    controller = integration.controller
    assert controller.session is window.session and not hasattr(controller, "store")
    job_id = submit(qtbot, integration, openai_profile, n_epochs=1)
    qtbot.waitUntil(lambda: controller.job(job_id) is not None and controller.job(job_id).terminal, timeout=30_000)
    assert [o for o in opened if o[0] == ui_thread] == [(ui_thread, False)]  # still just the session's
    assert len(opened) >= 3  # the submission and the poller opened their own
