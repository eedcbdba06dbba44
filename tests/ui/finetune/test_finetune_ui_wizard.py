"""The wizard end to end: fill the pages with the mouse and keyboard, submit, exactly one job."""

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from studio.core.export.prompts import SETTING_SYSTEM
from studio.core.splits.project_splits import split_settings
from studio.core.store.project_store import ProjectStore
from finetune_ui_helpers import open_wizard


def click(qtbot, wizard, which):
    button = wizard.button(which)
    assert button.isEnabled() and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_wizard_submits_one_job(qtbot, emulator, project_path, openai_profile, make_controller):
    controller = make_controller(project_path)
    wizard = open_wizard(qtbot, controller)

    # 1. dataset: counts per class and split, the "fewer than 50" warning
    page = wizard.dataset_page
    qtbot.waitUntil(page.isComplete, timeout=5000)
    table = page.class_table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == ["circle", "square", "All classes"]
    assert table.item(2, 4).text() == "16"
    assert table.item(2, 3).text() == "2"  # the project's 10 % test share: 8 -> 7/0/1 per class
    assert "50" in page.warning_label.text()
    page.val_spin.setValue(25)
    page.test_spin.setValue(0)
    qtbot.waitUntil(lambda: page.summary is not None and page.summary.totals["validation"] == 4
                    and page.summary.totals["test"] == 0, timeout=5000)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)

    # 2. prompts: the preview is the real example, and follows the typed system message
    prompts = wizard.prompts_page
    qtbot.waitUntil(lambda: "data:image/jpeg;base64," in prompts.example_text(), timeout=5000)
    prompts.system_edit.clear()
    qtbot.keyClicks(prompts.system_edit, "Sort shapes into {classes}.")
    qtbot.waitUntil(lambda: "Sort shapes into circle, square." in prompts.example_text(), timeout=5000)
    assert '"role": "assistant"' in prompts.example_text()
    assert prompts.thumb.pixmap() is not None and not prompts.thumb.pixmap().isNull()
    click(qtbot, wizard, QWizard.WizardButton.NextButton)

    # 3. service and model: the saved profile is shown; pick a suffix and 2 epochs
    service = wizard.service_page
    assert service.editor.profile() == openai_profile
    assert "keyring" in service.editor.credential_label.text()
    qtbot.keyClicks(service.suffix_edit, "Shapes-1!")  # the validator keeps only what the service accepts
    assert service.suffix_edit.text() == "shapes-1"
    service.epochs_spin.setValue(2)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)

    # 4. estimate, then Submit
    estimate = wizard.estimate_page
    qtbot.waitUntil(estimate.isComplete, timeout=5000)
    assert estimate.fields["examples"].text() == "12 / 4"  # 8 per class at 25 %: exactly 6 / 2
    assert estimate.fields["cost"].text().startswith("$")
    with qtbot.waitSignal(wizard.job_created, timeout=20_000) as created:
        click(qtbot, wizard, QWizard.WizardButton.CommitButton)
        assert wizard.currentPage() is wizard.submit_page
    job_id = created.args[0]
    assert wizard.submit_page.state == "created" and job_id in wizard.submit_page.result_label.text()
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()

    assert emulator.state.jobs_created == 1
    job = emulator.state.jobs[job_id]
    assert job.suffix == "shapes-1"
    with ProjectStore.open(project_path, read_only=True) as store:
        assert store.get_setting(SETTING_SYSTEM) == "Sort shapes into {classes}."
        (submission,) = store.jobs.list_submissions()
        assert submission.job_id == job_id
        assert submission.params["n_epochs"] == 2
        assert submission.params["export"]["val_fraction"] == 0.25
        assert split_settings(store).test_fraction == 0.0  # submitting stored the chosen shares
        first = json.loads((__import__("pathlib").Path(submission.export_dir) / "train.jsonl").read_text().splitlines()[0])
    assert first["messages"][0]["content"] == "Sort shapes into circle, square."


def drive_to_submit(qtbot, wizard):
    """Accept every page's defaults and press Submit; returns the submit page."""
    qtbot.waitUntil(wizard.dataset_page.isComplete, timeout=5000)
    wizard.next()
    qtbot.waitUntil(lambda: "base64," in wizard.prompts_page.example_text(), timeout=5000)
    wizard.next()
    wizard.service_page.epochs_spin.setValue(1)
    wizard.next()
    assert wizard.currentPage() is wizard.estimate_page, wizard.service_page.error_label.text()
    qtbot.waitUntil(wizard.estimate_page.isComplete, timeout=5000)
    wizard.next()
    assert wizard.currentPage() is wizard.submit_page
    return wizard.submit_page


def test_failed_submission_says_why_and_retry_makes_one_job(qtbot, emulator, project_path, openai_profile,
                                                           make_controller):
    emulator.faults.add("disconnect", r"^/fine_tuning/jobs$", method="POST", times=2)
    controller = make_controller(project_path)
    wizard = open_wizard(qtbot, controller)
    page = drive_to_submit(qtbot, wizard)
    qtbot.waitUntil(lambda: page.state == "failed", timeout=15_000)
    assert "create the fine-tuning job" in page.result_label.text()
    assert "network" in page.result_label.text()  # ... and what to do about it
    assert page.retry_button.isEnabled() and not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert emulator.state.jobs_created == 0 and emulator.state.files_created == 2

    with qtbot.waitSignal(wizard.job_created, timeout=15_000):
        qtbot.mouseClick(page.retry_button, Qt.MouseButton.LeftButton)
    assert emulator.state.jobs_created == 1
    assert emulator.state.files_created == 2  # the uploaded files were reused, not sent again
    with ProjectStore.open(project_path, read_only=True) as store:
        assert len(store.jobs.list_submissions()) == 1


def test_closing_the_wizard_mid_upload_asks_and_cancels(qtbot, emulator, project_path, openai_profile,
                                                        make_controller):
    emulator.faults.add("slow", r"^/files$", method="POST", times=1, delay=1.5)
    controller = make_controller(project_path)
    asked = []
    wizard = open_wizard(qtbot, controller, confirm=lambda parent, title, text: asked.append(title) or True)
    page = drive_to_submit(qtbot, wizard)
    qtbot.waitUntil(lambda: "Uploading" in page.step_label.text(), timeout=10_000)
    wizard.reject()
    assert asked == ["Stop the submission?"]
    qtbot.waitUntil(lambda: page.state == "cancelled", timeout=10_000)
    assert emulator.state.jobs_created == 0
    with ProjectStore.open(project_path, read_only=True) as store:
        (submission,) = store.jobs.list_submissions()
        assert submission.state == "cancelled" and submission.job_id is None


def test_demo_service_is_the_default_and_needs_no_account(qtbot, project_path, make_controller, monkeypatch):
    import studio.service.demo as demo
    from finetune_ui_helpers import FastClock
    from studio.emulator import EmulatorServer, ManualClock
    from studio.service.credentials import DEMO_API_KEY
    from studio.ui.app import settings as app_settings

    assert not app_settings.is_configured()
    clock = ManualClock()
    server = EmulatorServer(step_seconds=1.0, clock=clock, api_keys=[DEMO_API_KEY]).start()
    fast = FastClock(clock, rate=40.0)
    monkeypatch.setattr(demo, "_server", server)  # the app's demo service, on a fast clock
    try:
        controller = make_controller(project_path)
        assert controller.profile.kind == "demo"
        wizard = open_wizard(qtbot, controller, at_service_page=True)
        editor = wizard.service_page.editor
        assert editor.kind_combo.currentData() == "demo"
        assert "No account needed" in editor.credential_label.text()
        assert not editor.sign_in_button.isVisible()
        wizard.next()
        qtbot.waitUntil(wizard.estimate_page.isComplete, timeout=5000)
        with qtbot.waitSignal(wizard.job_created, timeout=20_000) as created:
            wizard.next()
        job_id = created.args[0]
        qtbot.waitUntil(lambda: not controller.is_watching(job_id), timeout=20_000)
        assert controller.last_snapshot(job_id).status == "succeeded"
        assert server.state.jobs_created == 1
    finally:
        fast.stop()
        server.stop()


def test_estimate_page_shows_tiny_costs_and_readable_notes(qtbot, project_path, openai_profile, make_controller):
    """A cost below a cent reads "< $0.01" (not "$0.00", which reads as free); the notes are ordinary,
    enabled text like the other pages' notes, not greyed out."""
    controller = make_controller(project_path)
    wizard = open_wizard(qtbot, controller, at_service_page=True)
    wizard.next()
    page = wizard.estimate_page
    assert wizard.currentPage() is page
    qtbot.waitUntil(page.isComplete, timeout=5000)
    page.price_spin.setValue(0.01)  # 16 small images at $0.01 per 1M tokens: a tiny fraction of a cent
    qtbot.waitUntil(lambda: page.isComplete() and page.fields["cost"].text() == "< $0.01", timeout=5000)
    assert page.notes_label.isEnabled()
    assert "approximated" in page.notes_label.text()
