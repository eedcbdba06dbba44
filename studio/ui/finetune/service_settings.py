"""Choosing the fine-tuning service: demo, OpenAI or Azure OpenAI, its address and its sign-in.

`ServiceProfileEditor` is one widget used twice: in "Service settings…" and on the wizard's service
page, so both say the same thing about what is configured. It edits a `ServiceProfile` (no secret
in it); keys are entered through "Sign in…" and go to the keyring. "Test connection" makes one real
call (list one job), which proves address, API version, key and permission at once.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.errors import StudioError
from studio.service.clients import ConnectionResult, test_connection
from studio.service.profile import DEFAULT_AZURE_API_VERSION, ServiceProfile
from studio.ui.finetune.credentials import FinetuneCredentials
from studio.ui.finetune.sign_in import SignInDialog
from studio.ui.common.tasks import run_in_background

SERVICE_CHOICES = (
    ("demo", "Demo (local emulator, no account needed)"),
    ("azure", "Azure OpenAI"),
    ("azure_v1", "Azure OpenAI (v1 API)"),
    ("openai", "OpenAI"),
)
API_VERSIONS = (DEFAULT_AZURE_API_VERSION, "2024-10-21")
DEMO_TEXT = (
    "The demo service runs inside the app. It trains nothing, but it accepts your dataset, checks it "
    "like the real service (and skips images it would refuse), and runs a job with realistic curves "
    "and checkpoints, so you can try the whole flow before using an account."
)


class ServiceProfileEditor(QWidget):
    profile_changed = Signal(object)  # ServiceProfile, or None while the fields are incomplete
    credentials_changed = Signal()  # a key was saved or forgotten, or an Entra sign-in completed

    def __init__(self, credentials: FinetuneCredentials, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.credentials = credentials
        self._base = ServiceProfile(kind="demo")
        self._loading = False
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.kind_combo = QComboBox()
        for kind, text in SERVICE_CHOICES:
            self.kind_combo.addItem(text, kind)
        form.addRow("Service:", self.kind_combo)
        self.demo_label = QLabel(DEMO_TEXT)
        self.demo_label.setWordWrap(True)
        form.addRow(self.demo_label)
        self.endpoint_label = QLabel("Endpoint:")
        self.endpoint_edit = QLineEdit()
        form.addRow(self.endpoint_label, self.endpoint_edit)
        self.version_label = QLabel("API version:")
        self.version_combo = QComboBox()
        self.version_combo.setEditable(True)
        self.version_combo.addItems(API_VERSIONS)
        self.version_combo.setToolTip("2025-04-01-preview or later is needed for pause/resume and training types.")
        form.addRow(self.version_label, self.version_combo)
        self.auth_label = QLabel("Sign in with:")
        self.auth_combo = QComboBox()
        self.auth_combo.addItem("API key", "api_key")
        self.auth_combo.addItem("Microsoft Entra ID", "entra")
        form.addRow(self.auth_label, self.auth_combo)
        self.org_label = QLabel("Organization:")
        self.org_edit = QLineEdit()
        self.org_edit.setPlaceholderText("optional")
        form.addRow(self.org_label, self.org_edit)

        self.credential_label = QLabel()  # one line: a wrapped label in a form row gets clipped
        self.sign_in_button = QPushButton("Sign in\u2026")
        self.forget_button = QPushButton("Forget key")
        self.test_button = QPushButton("Test connection")
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_in_button)
        buttons.addWidget(self.forget_button)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        form.addRow("Credentials:", self.credential_label)
        form.addRow("", buttons)
        self.test_label = QLabel()
        self.test_label.setWordWrap(True)
        form.addRow("", self.test_label)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #c62828;")
        form.addRow("", self.error_label)

        self.kind_combo.currentIndexChanged.connect(self._fields_changed)
        self.auth_combo.currentIndexChanged.connect(self._fields_changed)
        self.endpoint_edit.textChanged.connect(self._fields_changed)
        self.version_combo.currentTextChanged.connect(self._fields_changed)
        self.org_edit.textChanged.connect(self._fields_changed)
        self.sign_in_button.clicked.connect(self.open_sign_in)
        self.forget_button.clicked.connect(self.forget_key)
        self.test_button.clicked.connect(self.test)
        self.set_profile(self._base)

    # -- profile <-> fields -------------------------------------------------------------------------

    def set_profile(self, profile: ServiceProfile) -> None:
        self._loading = True
        try:
            self._base = profile
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(profile.kind)))
            self.endpoint_edit.setText(profile.endpoint)
            self.version_combo.setCurrentText(profile.api_version)
            self.auth_combo.setCurrentIndex(max(0, self.auth_combo.findData(profile.auth)))
            self.org_edit.setText(profile.organization or "")
        finally:
            self._loading = False
        self._fields_changed()

    def profile(self) -> ServiceProfile | None:
        """The profile the fields describe, or None (with the reason shown) when incomplete."""
        kind = self.kind_combo.currentData()
        try:
            if kind == "demo":
                return ServiceProfile(kind="demo")
            is_azure = kind in ("azure", "azure_v1")
            return ServiceProfile(
                kind=kind,
                endpoint=self.endpoint_edit.text().strip(),
                api_version=self.version_combo.currentText().strip() or DEFAULT_AZURE_API_VERSION,
                auth=self.auth_combo.currentData() if is_azure else "api_key",
                entra_method=self._base.entra_method,
                tenant_id=self._base.tenant_id,
                organization=(self.org_edit.text().strip() or None) if kind == "openai" else None,
                project=self._base.project if kind == "openai" else None,
            )
        except StudioError as error:
            self.error_label.setText(str(error))
            return None

    def _fields_changed(self) -> None:
        if self._loading:
            return
        kind = self.kind_combo.currentData()
        is_azure = kind in ("azure", "azure_v1")
        demo = kind == "demo"
        self.demo_label.setVisible(demo)
        widget: QWidget
        for widget in (self.endpoint_label, self.endpoint_edit):
            widget.setVisible(not demo)
        self.endpoint_label.setText("Endpoint:" if is_azure else "Base URL:")
        self.endpoint_edit.setPlaceholderText(
            "https://my-resource.openai.azure.com" if is_azure else "https://api.openai.com/v1 (leave empty for OpenAI)"
        )
        for widget in (self.version_label, self.version_combo):
            widget.setVisible(kind == "azure")
        for widget in (self.auth_label, self.auth_combo):
            widget.setVisible(is_azure)
        for widget in (self.org_label, self.org_edit):
            widget.setVisible(kind == "openai")
        self.error_label.setText("")
        self.test_label.setText("")
        profile = self.profile()
        self._show_credentials(profile)
        self.profile_changed.emit(profile)

    def _show_credentials(self, profile: ServiceProfile | None) -> None:
        if profile is None:
            self.credential_label.setText("Fill in the fields above first.")
            for button in (self.sign_in_button, self.forget_button, self.test_button):
                button.setEnabled(False)
            return
        self.credential_label.setText(self.credentials.status_text(profile))
        needs_account = profile.kind != "demo"
        self.sign_in_button.setVisible(needs_account)
        self.forget_button.setVisible(needs_account and profile.auth == "api_key")
        self.sign_in_button.setEnabled(True)
        self.forget_button.setEnabled(self.credentials.store.source_of(profile) is not None if needs_account else False)
        self.test_button.setEnabled(True)

    def refresh_credentials(self) -> None:
        self._show_credentials(self.profile())

    # -- sign-in and connection test ----------------------------------------------------------------

    def open_sign_in(self) -> bool:
        profile = self.profile()
        if profile is None:
            return False
        dialog = SignInDialog(profile, self.credentials, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        if accepted:
            if dialog.profile != profile:  # Entra method / tenant chosen in the dialog
                self._base = dialog.profile
            self.refresh_credentials()
            if dialog.saved_persistently is False:
                self.test_label.setText(self.credentials.keyring_message)
            self.credentials_changed.emit()
            self.profile_changed.emit(self.profile())
        return accepted

    def forget_key(self) -> None:
        profile = self.profile()
        if profile is not None:
            self.credentials.forget(profile)
            self.refresh_credentials()
            self.credentials_changed.emit()

    def test(self) -> None:
        profile = self.profile()
        if profile is None:
            return
        self.test_button.setEnabled(False)
        self.test_label.setText("Testing the connection\u2026")
        credentials = self.credentials

        def work(progress, cancel) -> ConnectionResult:
            try:
                creds = credentials.resolve(profile)
            except StudioError as error:
                return ConnectionResult(False, str(error))
            return test_connection(profile, creds)

        run_in_background(work, on_done=self._tested, on_error=lambda m: self._tested(ConnectionResult(False, m)),
                          parent=self)

    def _tested(self, result: ConnectionResult) -> None:
        self.test_button.setEnabled(True)
        mark = "\u2714" if result.ok else "\u2716"
        self.test_label.setStyleSheet("color: #2e7d32;" if result.ok else "color: #c62828;")
        self.test_label.setText(f"{mark} {result.message}")


class ServiceSettingsDialog(QDialog):
    """"Service settings…": pick and save the service every project uses for fine-tuning."""

    def __init__(self, credentials: FinetuneCredentials, profile: ServiceProfile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fine-tuning service")
        self.setMinimumWidth(620)
        self.editor = ServiceProfileEditor(credentials)
        self.editor.set_profile(profile)
        intro = QLabel("Where fine-tuning jobs run. Keys are kept in the system keyring, never in the project.")
        intro.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.editor.profile_changed.connect(lambda p: self.save_button.setEnabled(p is not None))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.editor)
        layout.addWidget(buttons)

    def chosen_profile(self) -> ServiceProfile | None:
        return self.editor.profile()
