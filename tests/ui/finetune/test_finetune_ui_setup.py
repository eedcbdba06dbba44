"""Before submitting: flagged images and their fate, prompts kept in the project, sign-in and secrets,
and a failed submission offered for retry in the Jobs panel."""

from pathlib import Path

from PySide6.QtCore import Qt

from finetune_ui_helpers import make_project
from studio.core.export.prompts import SETTING_INSTRUCTION, SETTING_SYSTEM, default_templates
from studio.core.store.project_store import ProjectStore
from studio.service.profile import ServiceProfile
from studio.service.submit.params import SubmitParams
from studio.ui.app import settings as app_settings
from studio.ui.finetune.credentials import FinetuneCredentials
from studio.core.finetune_data import imbalance_warning, load_prompt_templates, save_prompt_templates
from studio.ui.finetune.service_settings import ServiceProfileEditor
from studio.ui.finetune.sign_in import SignInDialog
from studio.ui.finetune.wizard.wizard import FinetuneWizard
from studio.ui.finetune.jobs.list_panel import JobListPanel

from finetune_ui_helpers import API_KEY


def test_flagged_images_show_their_fate_and_fix_changes_it(qtbot, tmp_path, make_controller):
    project = make_project(tmp_path / "p", {"circle": 12, "square": 12, "star": 2},
                           grayscale=("circle_01.png", "circle_02.png"), damaged=("square_05.jpg",))
    wizard = FinetuneWizard(make_controller(project))
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.dataset_page
    qtbot.waitUntil(page.isComplete, timeout=5000)
    fates = {page.flag_table.item(r, 0).text(): (page.flag_table.item(r, 1).text(), page.flag_table.item(r, 2).text())
             for r in range(page.flag_table.rowCount())}
    assert fates["Unsupported colour mode"] == ("2", "left out (turn on Fix to include a repaired copy)")
    assert fates["Damaged file"][1] == "left out (cannot be repaired)"
    assert sum(page.summary.totals.values()) == 23
    # The stored 10 % test share: per class, exactly as the split rules say (12 -> 10/1/1, 2 -> 2/0/0;
    # circle lost its two grey PNGs to the export, not to the split).
    assert {page.class_table.item(r, 0).text(): page.class_table.item(r, 3).text()
            for r in range(page.class_table.rowCount() - 1)} == {"circle": "1", "square": "1", "star": "0"}
    assert "test images stay here" in page.status_label.text()
    warnings = page.warning_label.text()
    assert "star (2)" in warnings  # a class under 10 images
    assert "very unbalanced" in warnings

    qtbot.mouseClick(page.fix_box, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.summary is not None and page.summary.fixed == 2, timeout=5000)
    assert page.flag_table.item(0, 2).text().startswith("included as a repaired copy")
    assert page.summary.examples == 25 and page.summary.left_out == 1
    assert "2 fixed" in page.flag_box.title()


def test_a_dataset_the_service_would_refuse_stops_the_wizard(qtbot, tmp_path, make_controller):
    project = make_project(tmp_path / "p", {"circle": 3, "square": 3})
    wizard = FinetuneWizard(make_controller(project))
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.dataset_page
    qtbot.waitUntil(lambda: page.summary is not None, timeout=5000)
    assert not page.isComplete()
    assert "Cannot submit" in page.warning_label.text() and "at least 10" in page.warning_label.text()


def test_prompts_are_kept_in_the_project_and_defaults_stay_defaults(tmp_path):
    project = make_project(tmp_path / "p")
    default_system, default_instruction = default_templates()
    with ProjectStore.open(project) as store:
        save_prompt_templates(store, "Name the shape: {classes}", default_instruction)
        assert store.get_setting(SETTING_SYSTEM) == "Name the shape: {classes}"
        assert store.get_setting(SETTING_INSTRUCTION) is None  # unchanged text keeps following the default
        assert load_prompt_templates(store) == ("Name the shape: {classes}", default_instruction)


def test_imbalance_warning():
    assert imbalance_warning({"a": 50, "b": 12}) is None
    text = imbalance_warning({"a": 60, "b": 12, "c": 0})
    assert "'a' has 60" in text and "'b' only 12" in text


def test_sign_in_saves_the_key_to_the_keyring_only(qtbot, tmp_path, emulator, memory_keyring,
                                                   qt_settings_in_tmp):
    profile = ServiceProfile(kind="azure", endpoint=emulator.azure_endpoint)
    credentials = FinetuneCredentials()
    editor = ServiceProfileEditor(credentials)
    qtbot.addWidget(editor)
    editor.set_profile(profile)
    assert "No API key" in editor.credential_label.text()
    assert credentials.needs_sign_in(profile)

    dialog = SignInDialog(profile, credentials)
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    qtbot.keyClicks(dialog.key_edit, API_KEY)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved_persistently is True
    assert list(memory_keyring.passwords.values()) == [API_KEY]
    editor.refresh_credentials()
    assert "saved in the system keyring" in editor.credential_label.text()

    # the connection test makes a real call with the key from the keyring
    editor.test()
    qtbot.waitUntil(lambda: editor.test_label.text().startswith(("\u2714", "\u2716")), timeout=10_000)
    assert editor.test_label.text().startswith("\u2714"), editor.test_label.text()

    # the profile the app keeps holds no secret, and nothing on disk does
    app_settings.save_profile(editor.profile())
    for path in Path(qt_settings_in_tmp).rglob("*"):
        if path.is_file():
            assert API_KEY not in path.read_text(errors="replace")


def test_no_secret_in_project_or_exports_after_a_submission(qtbot, emulator, project_path, openai_profile,
                                                           make_controller, qt_settings_in_tmp):
    controller = make_controller(project_path)
    run = controller.new_submission(openai_profile, SubmitParams(n_epochs=1, export={"workers": 0}))
    with qtbot.waitSignal(run.created, timeout=15_000) as created:
        run.start()
    qtbot.waitUntil(lambda: not controller.is_watching(created.args[0]), timeout=20_000)
    controller.close()
    needle = API_KEY.encode()
    written = [p for p in project_path.parent.rglob("*") if p.is_file()]
    written += [p for p in Path(qt_settings_in_tmp).rglob("*") if p.is_file()]
    assert any(p.suffix == ".jsonl" for p in written)
    for path in written:
        assert needle not in path.read_bytes(), path


def test_jobs_panel_retries_an_unfinished_submission(qtbot, emulator, project_path, openai_profile, make_controller):
    emulator.faults.add("disconnect", r"^/fine_tuning/jobs$", method="POST", times=2)
    controller = make_controller(project_path)
    panel = JobListPanel()
    qtbot.addWidget(panel)
    panel.set_controller(controller)
    run = controller.new_submission(openai_profile, SubmitParams(n_epochs=1, export={"workers": 0}))
    with qtbot.waitSignal(run.failed, timeout=15_000):
        run.start()
    qtbot.waitUntil(lambda: not run.running, timeout=5000)
    panel.refresh()
    rows = [panel.submissions_layout.itemAt(i).widget() for i in range(panel.submissions_layout.count())]
    assert len(rows) == 1
    from PySide6.QtWidgets import QLabel, QPushButton

    assert "did not finish" in rows[0].findChild(QLabel).text()
    with qtbot.waitSignal(panel.open_job, timeout=15_000) as opened:
        qtbot.mouseClick(rows[0].findChild(QPushButton), Qt.MouseButton.LeftButton)
    assert emulator.state.jobs_created == 1 and emulator.state.files_created == 2
    assert panel.model.rowCount() == 1 and panel.model.job_id_at(0) == opened.args[0]
    qtbot.waitUntil(lambda: panel.submissions_layout.count() == 0, timeout=5000)
    with ProjectStore.open(project_path, read_only=True) as store:
        assert [s.job_id for s in store.jobs.list_submissions()] == [opened.args[0]]


def test_service_settings_dialog_builds_profiles_without_secrets(qtbot):
    from studio.ui.finetune.service_settings import ServiceSettingsDialog

    dialog = ServiceSettingsDialog(FinetuneCredentials(), app_settings.load_profile())
    qtbot.addWidget(dialog)
    editor = dialog.editor
    assert editor.kind_combo.currentData() == "demo" and dialog.save_button.isEnabled()
    editor.kind_combo.setCurrentIndex(editor.kind_combo.findData("azure"))
    assert dialog.chosen_profile() is None and not dialog.save_button.isEnabled()
    assert "endpoint" in editor.error_label.text()
    qtbot.keyClicks(editor.endpoint_edit, "https://res.openai.azure.com/openai/v1/")
    editor.auth_combo.setCurrentIndex(editor.auth_combo.findData("entra"))
    profile = dialog.chosen_profile()
    assert dialog.save_button.isEnabled()
    assert (profile.kind, profile.auth, profile.resource_endpoint()) == ("azure", "entra", "https://res.openai.azure.com")
    assert editor.version_combo.isVisibleTo(editor) and not editor.org_edit.isVisibleTo(editor)
    assert "Entra" in editor.credential_label.text() or "Azure" in editor.credential_label.text()
