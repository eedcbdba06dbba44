"""The same flow against the Azure client paths (emulated), with credentials from the keyring or Entra."""

import pytest

from studio.service.profile import ServiceProfile
from studio.service.submit.params import SubmitParams
from studio.ui.app import settings as app_settings
from studio.ui.finetune.credentials import FinetuneCredentials

from finetune_ui_helpers import API_KEY, open_wizard


def test_wizard_on_azure_sends_the_training_type(qtbot, emulator, project_path, make_controller):
    profile = ServiceProfile(kind="azure", endpoint=emulator.azure_endpoint)
    FinetuneCredentials().save_key(profile, API_KEY)
    app_settings.save_profile(profile)
    controller = make_controller(project_path)
    wizard = open_wizard(qtbot, controller, at_service_page=True)
    page = wizard.service_page
    assert page.training_type_combo.isVisible()
    page.training_type_combo.setCurrentIndex(page.training_type_combo.findData("developer"))
    page.epochs_spin.setValue(1)
    wizard.next()
    qtbot.waitUntil(wizard.estimate_page.isComplete, timeout=5000)
    with qtbot.waitSignal(wizard.job_created, timeout=20_000) as created:
        wizard.next()
    job = emulator.state.jobs[created.args[0]]
    assert job.training_type == "developerTier"
    assert {r.style for r in emulator.state.requests if r.style} == {"azure_dated"}


@pytest.mark.parametrize("kind,auth", [("azure_v1", "api_key"), ("azure", "entra")])
def test_other_azure_paths_run_to_success(kind, auth, qtbot, emulator, project_path, make_controller):
    profile = ServiceProfile(kind=kind, endpoint=emulator.azure_endpoint, auth=auth, entra_method="browser")
    credentials = FinetuneCredentials()
    if auth == "entra":
        assert credentials.needs_sign_in(profile)
        credentials.set_token_provider(profile, lambda: API_KEY)  # what a completed browser sign-in leaves
        assert not credentials.needs_sign_in(profile)
    else:
        credentials.save_key(profile, API_KEY)
    controller = make_controller(project_path, credentials=credentials)
    run = controller.new_submission(profile, SubmitParams(n_epochs=1, export={"workers": 0}))
    with qtbot.waitSignal(run.created, timeout=15_000) as created:
        run.start()
    job_id = created.args[0]
    qtbot.waitUntil(lambda: not controller.is_watching(job_id), timeout=20_000)
    assert controller.last_snapshot(job_id).status == "succeeded"
    assert emulator.state.jobs_created == 1
    assert {r.style for r in emulator.state.requests if r.style} == {"azure_v1" if kind == "azure_v1" else "azure_dated"}
