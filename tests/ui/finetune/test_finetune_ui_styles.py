"""Issue 11, GUI: submit from the wizard -> monitor -> pause -> resume -> finish on every API style,
against the strict emulator with strict SDK clients (STUDIO_STRICT_SDK=1)."""

import pytest
from PySide6.QtCore import Qt

from studio.service.profile import ServiceProfile
from studio.service.styles import TRAINING_TYPE_NEEDS_DATED
from studio.ui.app import settings as app_settings
from studio.ui.finetune.credentials import FinetuneCredentials
from studio.ui.finetune.jobs.job_view import JobView
from studio.ui.finetune.jobs.status import status_label

from finetune_ui_helpers import API_KEY, open_wizard

# kind: (URL style the emulator must see, status text right after a resume [facts §6])
KINDS = {"openai": ("openai", "Queued"), "azure": ("azure_dated", "Resuming"), "azure_v1": ("azure_v1", "Queued")}


def _profile(kind, emulator):
    return ServiceProfile(kind=kind, endpoint=emulator.base_url if kind == "openai" else emulator.azure_endpoint)


@pytest.mark.parametrize("kind", list(KINDS))
def test_gui_submit_pause_resume_finish(kind, qtbot, emulator, project_path, make_controller):
    style, resumed_text = KINDS[kind]
    profile = _profile(kind, emulator)
    FinetuneCredentials().save_key(profile, API_KEY)
    app_settings.save_profile(profile)
    controller = make_controller(project_path)
    wizard = open_wizard(qtbot, controller, at_service_page=True)
    page = wizard.service_page
    # [facts §1] trainingType exists on the dated API only: the wizard says so on v1
    assert page.training_type_combo.isVisible() == (kind != "openai")
    assert page.training_type_combo.isEnabled() == (kind == "azure")
    assert page.training_type_note.isVisible() == (kind == "azure_v1")
    if kind == "azure_v1":
        assert page.training_type_note.text() == TRAINING_TYPE_NEEDS_DATED
    page.epochs_spin.setValue(3)
    wizard.next()
    qtbot.waitUntil(wizard.estimate_page.isComplete, timeout=5000)
    with qtbot.waitSignal(wizard.job_created, timeout=20_000) as created:
        wizard.next()
    job_id = created.args[0]

    view = JobView(controller, job_id, confirm=lambda *a: True)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.status_text == "Running" and view.charts.loss.point_count("train_loss") >= 2, timeout=20_000)
    emulator.fast.hold()
    qtbot.mouseClick(view.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status_text == "Paused", timeout=10_000)
    assert view.resume_button.isEnabled() and not view.pause_button.isEnabled()
    qtbot.mouseClick(view.resume_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.status_text == resumed_text, timeout=10_000)  # the style's own answer, labelled
    assert not view.pause_button.isEnabled()
    emulator.fast.go()
    qtbot.waitUntil(lambda: view.status_text == "Succeeded", timeout=30_000)
    assert view.charts.loss.point_count("train_loss") == view._total
    models = view.checkpoints.model_ids()
    assert models and all((".ft-" in m) == (kind != "openai") for m in models)  # [facts §2, §4] names
    assert emulator.state.jobs_created == 1
    assert {r.style for r in emulator.state.requests if r.style} == {style}


def test_every_documented_status_has_a_label():
    """[facts §2, §6] statuses of all three styles read as words, not codes."""
    for status, text in {"pending": "Pending", "pausing": "Pausing", "resuming": "Resuming", "queued": "Queued",
                         "validating_files": "Validating files", "paused": "Paused"}.items():
        assert status_label(status) == text
