"""Small dialogs: the keyboard cheat sheet and the label-import preview.

The import preview exists because an import can relabel thousands of images at once: the user sees
exactly what would change (and what could not be matched) before anything is written.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.wording import plural
from studio.core import keys as key_table
from studio.ui.app import theme
from studio.ui.labeling.session import ProjectSession

_PREVIEW_ROWS = 200


def _native(text: str) -> str:
    """A portable key text ("Ctrl+Shift+Z") as this platform writes it (Cmd on macOS)."""
    return QKeySequence(text).toString(QKeySequence.SequenceFormat.NativeText) or text


def cheat_sheet_entries(session: ProjectSession | None) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section, [(keys, what they do)]) from the key table, the open project's classes first.

    The table's class row stands for the project's own keys, so with a project open it gives way to
    one line per class. Descriptions are HTML (class names escaped).
    """
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    classes = session.classes() if session is not None else []
    if classes:
        sections.append(("Classes in this project",
                         [((c.shortcut or "—").upper(), f"Label as <b>{_esc(c.name)}</b>") for c in classes]))
    for group, rows in key_table.sheet():
        entries = [
            (row.label or ", ".join(_native(k) for k in row.keys), _esc(row.text))
            for row in rows
            if not (row.scope == "class" and classes)
        ]
        if entries:
            sections.append((group, entries))
    return sections


class CheatSheet(QDialog):
    def __init__(self, session: ProjectSession | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cheatSheet")
        self.setWindowTitle("Keyboard shortcuts")
        outer = QVBoxLayout(self)
        body = QWidget()
        grid = QGridLayout(body)
        grid.setHorizontalSpacing(18)
        grid.setVerticalSpacing(4)
        row = 0
        self.entries = cheat_sheet_entries(session)
        for title, entries in self.entries:
            head = QLabel(f"<b>{_esc(title)}</b>")
            head.setObjectName("cheatHeading")
            grid.addWidget(head, row, 0, 1, 2)
            row += 1
            for key_text, text in entries:
                k = QLabel(f"<code>{_esc(key_text)}</code>")
                k.setTextFormat(Qt.TextFormat.RichText)
                d = QLabel(text)
                d.setTextFormat(Qt.TextFormat.RichText)
                d.setWordWrap(True)
                grid.addWidget(k, row, 0, Qt.AlignmentFlag.AlignTop)
                grid.addWidget(d, row, 1)
                row += 1
            grid.setRowMinimumHeight(row, 10)
            row += 1
        grid.setColumnStretch(1, 1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer.addWidget(scroll)
        note = QLabel("Class keys and digits do nothing while you type in a text field. Every change is saved at once.")
        note.setObjectName("hint")
        note.setWordWrap(True)
        outer.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.resize(620, 640)


class ImportPreviewDialog(QDialog):
    """Shows a `LabelImportPlan`; accepted means "apply it"."""

    def __init__(self, session: ProjectSession, plan, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importPreview")
        self.setWindowTitle("Import labels: preview")
        self.plan = plan
        layout = QVBoxLayout(self)
        source = QLabel(f"From: <b>{_esc(str(plan.source))}</b>")
        source.setWordWrap(True)
        layout.addWidget(source)
        summary = QLabel(_summary_html(plan))
        summary.setObjectName("importSummary")
        summary.setWordWrap(True)
        layout.addWidget(summary)

        names = session.class_names()
        changes = [(i, lab) for i, lab in plan.labels.items()]
        rows = {r.id: r for r in session.rows([i for i, _ in changes[: _PREVIEW_ROWS * 3]])}
        shown = []
        for image_id, label in changes:
            row = rows.get(image_id)
            if row is None:
                continue
            before = names.get(row.class_id) if row.class_id is not None else None
            if before != label:
                shown.append((row.rel_path, before, label))
            if len(shown) >= _PREVIEW_ROWS:
                break
        self.table = QTableWidget(len(shown), 3)
        self.table.setHorizontalHeaderLabels(["Image", "Now", "After import"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for r, (path, before, after) in enumerate(shown):
            self.table.setItem(r, 0, QTableWidgetItem(path))
            self.table.setItem(r, 1, QTableWidgetItem(before or "unlabeled"))
            self.table.setItem(r, 2, QTableWidgetItem(after or "unlabeled"))
        if shown:
            caption = "Changes" + (f" (first {_PREVIEW_ROWS})" if plan.total_changes > _PREVIEW_ROWS else "") + ":"
            layout.addWidget(QLabel(caption))
            layout.addWidget(self.table, 1)
        problems = [f"Not in the project: {p}" for p in plan.unknown_paths[:50]] + list(plan.problems[:50])
        if problems:
            layout.addWidget(QLabel("Rows that will be skipped:"))
            box = QPlainTextEdit("\n".join(problems))
            box.setReadOnly(True)
            box.setMaximumHeight(110)
            layout.addWidget(box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.apply_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.apply_button.setText(f"Apply {plural(plan.total_changes, 'change')}")
        self.apply_button.setEnabled(plan.total_changes > 0 or bool(plan.new_classes))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 520)


def _summary_html(plan) -> str:
    items = [
        f"<b>{plan.added:,}</b> unlabeled image(s) get a label",
        f"<b>{plan.changed:,}</b> image(s) change their label",
        f"{plan.unchanged:,} already have the same label",
    ]
    if plan.new_classes:
        shown = ", ".join(_esc(n) for n in plan.new_classes[:12]) + (" …" if len(plan.new_classes) > 12 else "")
        items.append(f"<b>{len(plan.new_classes)}</b> new class(es) will be created: {shown}")
    if plan.unknown_paths:
        items.append(
            f"<span style='color:{theme.FLAG_COLOR.name()}'>{plural(len(plan.unknown_paths), 'row')} name files that are "
            "not in this project and will be skipped</span>"
        )
    if plan.problems:
        items.append(f"{plural(len(plan.problems), 'row')} could not be read")
    items.append("Nothing is changed until you press Apply; Undo (Ctrl+Z) reverts the whole import.")
    return "<ul style='margin-left:-20px'>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
