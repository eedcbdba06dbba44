"""The "Sign in…" dialog: an API key for OpenAI / Azure, or a Microsoft Entra ID sign-in for Azure.

The key goes straight to `FinetuneCredentials.save_key` (system keyring, or this session only when
there is none, which the dialog says before the user types). It is never put in a profile, a setting
or a log. Entra sign-in runs on a worker thread because it waits for a browser or a device code.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from studio.service.profile import ServiceProfile
from studio.ui.finetune.credentials import FinetuneCredentials
from studio.ui.common.tasks import run_in_background

ENTRA_METHODS = (
    ("default", "Use my existing Azure sign-in (Azure CLI, environment, managed identity)"),
    ("browser", "Sign in with the web browser"),
    ("device_code", "Sign in with a code on another device"),
)


class SignInDialog(QDialog):
    device_code = Signal(str)  # message to show (from the worker thread)

    def __init__(self, profile: ServiceProfile, credentials: FinetuneCredentials, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.profile = profile
        self.credentials = credentials
        self.saved_persistently: bool | None = None
        self.setWindowTitle(f"Sign in \u2013 {profile.display_name()}")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        self.key_edit: QLineEdit | None = None
        self.method_combo: QComboBox | None = None
        if profile.auth == "entra":
            self._build_entra(form)
        else:
            self._build_key(form)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.device_code.connect(self.status.setText)

    # -- API key ------------------------------------------------------------------------------------

    def _build_key(self, form: QFormLayout) -> None:
        where = "Azure OpenAI resource" if self.profile.is_azure else "OpenAI account"
        intro = QLabel(f"Paste the API key of your {where}. {self.credentials.keyring_message}")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("API key")
        self.key_edit.textChanged.connect(self._key_changed)
        show = QCheckBox("Show key")
        show.toggled.connect(lambda on: self.key_edit.setEchoMode(
            QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        form.addRow("API key:", self.key_edit)
        form.addRow("", show)
        self.save_button = self.buttons.addButton("Save key", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_key)

    def _key_changed(self, text: str) -> None:
        self.save_button.setEnabled(bool(text.strip()))

    def save_key(self) -> None:
        assert self.key_edit is not None
        key = self.key_edit.text()
        if not key.strip():
            return
        self.saved_persistently = self.credentials.save_key(self.profile, key)
        self.key_edit.clear()
        self.accept()

    # -- Microsoft Entra ID -------------------------------------------------------------------------

    def _build_entra(self, form: QFormLayout) -> None:
        intro = QLabel("Azure OpenAI accepts a Microsoft Entra ID sign-in instead of a key. Your account needs "
                       "the \u2018Cognitive Services OpenAI Contributor\u2019 role on the resource.")
        intro.setWordWrap(True)
        form.addRow(intro)
        self.method_combo = QComboBox()
        for value, text in ENTRA_METHODS:
            self.method_combo.addItem(text, value)
        methods = [m for m, _ in ENTRA_METHODS]
        method = self.profile.entra_method
        self.method_combo.setCurrentIndex(methods.index(method) if method in methods else 0)
        self.tenant_edit = QLineEdit(self.profile.tenant_id or "")
        self.tenant_edit.setPlaceholderText("optional: directory (tenant) id")
        form.addRow("Method:", self.method_combo)
        form.addRow("Tenant:", self.tenant_edit)
        self.sign_in_button = self.buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.ActionRole)
        self.sign_in_button.clicked.connect(self.sign_in)

    def sign_in(self) -> None:
        assert self.method_combo is not None
        self.profile = dataclasses.replace(
            self.profile, entra_method=self.method_combo.currentData(), tenant_id=self.tenant_edit.text().strip() or None
        )
        self.sign_in_button.setEnabled(False)
        self.status.setText("Signing in\u2026 finish the sign-in in the browser window if one opened.")
        profile = self.profile

        def prompt(uri: str, code: str, expires: object) -> None:
            self.device_code.emit(f"Open {uri} on any device and enter the code {code}.")

        run_in_background(lambda progress, cancel: self.credentials.sign_in_entra(profile, prompt),
                          on_done=lambda _: self.accept(), on_error=self._sign_in_failed, parent=self)

    def _sign_in_failed(self, message: str) -> None:
        self.status.setText(message)
        self.sign_in_button.setEnabled(True)
