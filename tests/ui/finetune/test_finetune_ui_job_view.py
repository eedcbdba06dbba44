"""The job view: curves fill while the job runs, checkpoints and events appear, actions confirm."""

import pytest
from PySide6.QtCore import Qt

from studio.core.store.project_store import ProjectStore
from studio.service.submit.params import SubmitParams
from studio.ui.finetune.jobs.job_view import JobView


def submitted_job(qtbot, controller, profile, **kw):
    params = SubmitParams(n_epochs=kw.pop("n_epochs", 2),
                          export={"workers": 0, "val_fraction": 0.25, "seed": 3}, **kw)
    run = controller.new_submission(profile, params)
    with qtbot.waitSignal(run.created, timeout=15_000) as created:
        run.start()
    return created.args[0]


def test_curves_fill_and_job_succeeds(qtbot, emulator, project_path, openai_profile, make_controller):
    controller = make_controller(project_path)
    job_id = submitted_job(qtbot, controller, openai_profile)
    view = JobView(controller, job_id, confirm=lambda *a: True)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.charts.loss.point_count("train_loss") > 0, timeout=15_000)
    first = view.charts.loss.point_count("train_loss")
    qtbot.waitUntil(lambda: view.status_text == "Succeeded", timeout=20_000)
    total = view._total
    assert total and view.charts.loss.point_count("train_loss") == total > first
    assert view.charts.accuracy.point_count("train_accuracy") == total
    assert view.charts.loss.point_count("valid_loss") > 0
    assert view.checkpoints.rowCount() == 2
    assert all(m.startswith("ft:") for m in view.checkpoints.model_ids())
    assert view.model_row.isVisible() and view.model_edit.text().startswith("ft:")
    assert view.progress.value() == total
    # the moderation-marked image was skipped by the service and the view says so
    assert view.skip_banner.isVisible() and "people" in view.skip_label.text()


def wait_running(qtbot, view, min_points=2):
    qtbot.waitUntil(lambda: view.status_text == "Running"
                    and view.charts.loss.point_count("train_loss") >= min_points, timeout=15_000)


def test_pause_and_resume_ask_first(qtbot, emulator, project_path, openai_profile, make_controller):
    controller = make_controller(project_path)
    job_id = submitted_job(qtbot, controller, openai_profile, n_epochs=3)
    asked = []
    answer = {"value": False}
    view = JobView(controller, job_id, confirm=lambda parent, title, text, ok: asked.append(title) or answer["value"])
    qtbot.addWidget(view)
    wait_running(qtbot, view)
    emulator.fast.hold()

    assert view.pause_button.isEnabled() and not view.resume_button.isEnabled()
    qtbot.mouseClick(view.pause_button, Qt.MouseButton.LeftButton)  # the user says no
    assert asked == ["Pause the job?"]
    qtbot.wait(200)
    assert not emulator.state.requests_matching("POST", r"/pause$")

    answer["value"] = True
    qtbot.mouseClick(view.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status_text == "Paused", timeout=10_000)
    assert view.resume_button.isEnabled() and not view.pause_button.isEnabled()
    emulator.fast.go()
    steps = view.charts.loss.point_count("train_loss")
    qtbot.wait(400)  # 16 emulated seconds pass, and a paused job does not train
    assert view.charts.loss.point_count("train_loss") == steps
    assert view.checkpoints.rowCount() >= 1  # pausing saves a checkpoint

    qtbot.mouseClick(view.resume_button, Qt.MouseButton.LeftButton)
    assert asked[-1] == "Resume the job?"
    qtbot.waitUntil(lambda: view.status_text == "Succeeded", timeout=20_000)
    assert view.charts.loss.point_count("train_loss") == view._total
    assert len(emulator.state.requests_matching("POST", r"/pause$")) == 1
    assert len(emulator.state.requests_matching("POST", r"/resume$")) == 1


def test_cancel_after_confirmation(qtbot, emulator, project_path, openai_profile, make_controller, monkeypatch):
    import studio.ui.finetune.jobs.job_view as job_view_module

    asked = []
    monkeypatch.setattr(job_view_module, "confirm_action", lambda *a: asked.append(a[1]) or True)
    controller = make_controller(project_path)
    job_id = submitted_job(qtbot, controller, openai_profile, n_epochs=3)
    view = JobView(controller, job_id)  # the default confirmation, replaced above
    qtbot.addWidget(view)
    wait_running(qtbot, view)
    emulator.fast.hold()
    qtbot.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    assert asked == ["Cancel the job?"]
    qtbot.waitUntil(lambda: view.status_text == "Cancelled", timeout=10_000)
    assert not view.cancel_button.isVisible() and not view.model_row.isVisible()
    assert not controller.is_watching(job_id)
    assert emulator.state.jobs[job_id].cancelled_at is not None
    with ProjectStore.open(project_path, read_only=True) as store:
        assert store.jobs.get_job(job_id).status == "cancelled"


@pytest.mark.parametrize("fault", ["429", "500", "disconnect"])
def test_network_trouble_shows_reconnecting_then_recovers(fault, qtbot, emulator, project_path, openai_profile,
                                                         make_controller):
    from PySide6.QtWidgets import QApplication, QMessageBox

    controller = make_controller(project_path)
    job_id = submitted_job(qtbot, controller, openai_profile, n_epochs=3)
    view = JobView(controller, job_id, confirm=lambda *a: True)
    qtbot.addWidget(view)
    wait_running(qtbot, view)
    states = []
    controller.job_updated.connect(lambda j, snap: states.append((snap.reconnecting, view.connection_text)))
    # every status request fails 3 times in a row: one poll fails after its quick retry (reconnecting),
    # the next one gets through on its retry
    emulator.faults.add(fault, r"^/fine_tuning/jobs/[^/]+$", method="GET", times=3)
    qtbot.waitUntil(lambda: any(r for r, _ in states), timeout=10_000)
    assert any(r and "Reconnecting" in text for r, text in states)
    qtbot.waitUntil(lambda: view.status_text == "Succeeded", timeout=20_000)
    assert view.connection_state == "ok" and not view.connection_label.isVisible()
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert view.charts.loss.point_count("train_loss") == view._total  # nothing lost while reconnecting


def test_event_log_filters_by_level(qtbot, emulator, project_path, openai_profile, make_controller):
    controller = make_controller(project_path)
    job_id = submitted_job(qtbot, controller, openai_profile)
    view = JobView(controller, job_id, confirm=lambda *a: True)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: view.status_text == "Succeeded", timeout=20_000)
    log = view.event_log
    everything = log.visible_messages()
    assert any("Preprocessing Summary" in m for m in everything)
    assert not any(m.startswith("Step ") for m in everything)  # step metrics hidden by default
    log.metrics_box.setChecked(True)
    assert sum(m.startswith("Step ") for m in log.visible_messages()) == view._total
    log.set_level_filter(1)  # warnings and errors
    assert log.visible_messages() == [m for m in everything if "Preprocessing Summary" in m]
    log.set_level_filter(2)  # errors only
    assert log.visible_messages() == []


def test_chart_log_scale_zoom_and_hover(qtbot, emulator, project_path, openai_profile, make_controller):
    controller = make_controller(project_path)
    job_id = submitted_job(qtbot, controller, openai_profile)
    view = JobView(controller, job_id, confirm=lambda *a: True)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitUntil(lambda: view.status_text == "Succeeded", timeout=20_000)
    loss = view.charts.loss
    n = loss.point_count("train_loss")
    view.charts.log_box.setChecked(True)
    assert loss.log_scale and loss.point_count("train_loss") == n
    assert type(loss.chart().axes(Qt.Orientation.Vertical)[0]).__name__ == "QLogValueAxis"
    loss.chart().zoomIn()
    assert loss.chart().isZoomed()
    view.charts.reset_zoom()
    assert not loss.chart().isZoomed()
    step = loss.nearest_step(2.4)
    assert step == 2 and "Training loss" in loss.hover_text(step) and "Step 2 of" in loss.hover_text(step)
