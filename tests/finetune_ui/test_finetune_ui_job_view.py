"""The job view: curves fill while the job runs, checkpoints and events appear, actions confirm."""

import pytest

from studio.core import job_records as jr
from studio.core.project_store import ProjectStore
from studio.service.submit_params import SubmitParams
from studio.ui.job_view import JobView


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
