"""The controller: a submission becomes exactly one job that is watched until it is final."""

from studio.core.store.project_store import ProjectStore
from studio.service.submit.params import SubmitParams


def params(**kw):
    return SubmitParams(n_epochs=2, export={"workers": 0, "val_fraction": 0.25, "seed": 3}, **kw)


def test_submit_then_watch_until_succeeded(qtbot, emulator, project_path, openai_profile, make_controller):
    controller = make_controller(project_path)
    run = controller.new_submission(openai_profile, params(suffix="shapes"))
    with qtbot.waitSignal(run.created, timeout=15_000) as created:
        run.start()
    job_id = created.args[0]
    assert controller.is_watching(job_id)
    qtbot.waitUntil(lambda: not controller.is_watching(job_id), timeout=20_000)
    snap = controller.last_snapshot(job_id)
    assert snap.status == "succeeded" and snap.job.fine_tuned_model
    assert emulator.state.jobs_created == 1
    with ProjectStore.open(project_path, read_only=True) as store:
        assert store.jobs.get_job(job_id).status == "succeeded"
        assert len(store.jobs.checkpoints(job_id)) == 2
