"""The Classes panel: add, rename, recolour, reorder, merge, delete, edit shortcuts, live counts.

A handful of classes is a handful of rows, so a QTreeWidget is fine here (the 100,000-image grid is
the part that needs a lazy model). Every change goes through the session, which validates it in the
store (duplicate names, taken or reserved keys) and reports refusals as banners.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QRadioButton,
    QStyledItemDelegate,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.wording import plural
from studio.core.models import ClassInfo
from studio.ui.app import theme
from studio.ui.labeling.session import ProjectSession

MIN_EXAMPLES = 10  # the service's minimum examples; fewer per class makes a weak classifier
_COL_NAME, _COL_KEY, _COL_COUNT = 0, 1, 2
_ID_ROLE = Qt.ItemDataRole.UserRole + 1


class _KeyDelegate(QStyledItemDelegate):
    """One character editor for the shortcut column."""

    def createEditor(self, parent, option, index):
        editor = QLineEdit(parent)
        editor.setMaxLength(1)
        editor.setPlaceholderText("key")
        return editor


class ClassPanel(QWidget):
    filter_to_class = Signal(int)  # user asked to see this class's images

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("classPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        add_row = QHBoxLayout()
        self.new_name = QLineEdit()
        self.new_name.setPlaceholderText("New class name…")
        self.new_name.setClearButtonEnabled(True)
        self.new_name.returnPressed.connect(self._add_from_field)
        add_btn = QToolButton()
        add_btn.setText("Add")
        add_btn.setToolTip("Add a class (Enter in the name field)")
        add_btn.clicked.connect(self._add_from_field)
        add_row.addWidget(self.new_name, 1)
        add_row.addWidget(add_btn)
        layout.addLayout(add_row)

        self.tree = QTreeWidget()
        self.tree.setObjectName("classTree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Class", "Key", "Images"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        header = self.tree.header()
        header.setSectionResizeMode(_COL_NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(_COL_KEY, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(_COL_COUNT, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.tree.setItemDelegateForColumn(_COL_KEY, _KeyDelegate(self.tree))
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.currentItemChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.tree, 1)

        self.class_actions: dict[str, QAction] = {}  # not `actions`: that is QWidget.actions()
        buttons = QHBoxLayout()
        buttons.setSpacing(2)
        for key, text, tip, slot in (
            ("rename", "Rename", "Rename the class (F2 or double-click)", self._rename),
            ("color", "Colour", "Change the class colour", self._recolour),
            ("up", "▲", "Move up", lambda: self._move(-1)),
            ("down", "▼", "Move down", lambda: self._move(1)),
            ("merge", "Merge…", "Move all images of this class into another class", self._merge),
            ("delete", "Delete…", "Delete the class and choose what happens to its images", self._delete),
        ):
            act = QAction(text, self)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            self.class_actions[key] = act
            btn = QToolButton()
            btn.setDefaultAction(act)
            buttons.addWidget(btn)
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.warning = QLabel()
        self.warning.setObjectName("classWarning")
        self.warning.setWordWrap(True)
        layout.addWidget(self.warning)
        self.help = QLabel("Double-click a name or key to edit it. Keys 1-9 and letters label images.")
        self.help.setObjectName("hint")
        self.help.setWordWrap(True)
        layout.addWidget(self.help)

        # Rebuilding the tree inside itemChanged (a rename) would delete the item Qt is still
        # committing; rebuild on the next event-loop turn instead, once per burst of changes.
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(0)
        self._reload_timer.timeout.connect(self.reload)
        session.classes_changed.connect(self._reload_timer.start)
        session.counts_changed.connect(self.update_counts)
        self.reload()

    # ------------------------------------------------------------------ content

    def selected_class(self) -> ClassInfo | None:
        item = self.tree.currentItem()
        return self.session.class_info(item.data(_COL_NAME, _ID_ROLE)) if item is not None else None

    def reload(self) -> None:
        current = self.selected_class()
        with QSignalBlocker(self.tree):
            self.tree.clear()
            for info in self.session.classes():
                item = QTreeWidgetItem([info.name, (info.shortcut or "").upper(), ""])
                item.setData(_COL_NAME, _ID_ROLE, info.id)
                item.setIcon(_COL_NAME, theme.color_swatch(info.color))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                item.setTextAlignment(_COL_KEY, Qt.AlignmentFlag.AlignCenter)
                item.setTextAlignment(_COL_COUNT, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip(_COL_KEY, "Double-click to change the key")
                self.tree.addTopLevelItem(item)
                if current is not None and current.id == info.id:
                    self.tree.setCurrentItem(item)
        self.update_counts()
        self._update_buttons()

    def update_counts(self) -> None:
        counts = self.session.counts.per_class
        low: list[str] = []
        with QSignalBlocker(self.tree):
            for i in range(self.tree.topLevelItemCount()):
                item = self.tree.topLevelItem(i)
                if item is None:
                    continue
                cid = item.data(_COL_NAME, _ID_ROLE)
                n = counts.get(cid, 0)
                item.setText(_COL_COUNT, f"{n:,}")
                if n < MIN_EXAMPLES:
                    low.append(item.text(_COL_NAME))
                    item.setForeground(_COL_COUNT, QColor("#e65100"))
                    item.setToolTip(_COL_COUNT, f"Only {n} examples; label at least {MIN_EXAMPLES} for fine-tuning.")
                else:
                    item.setForeground(_COL_COUNT, self.tree.palette().text())
                    item.setToolTip(_COL_COUNT, "")
        if not self.session.classes():
            self.warning.setText("No classes yet. Type a name above and press Enter.")
        elif low:
            names = ", ".join(low[:4]) + (" …" if len(low) > 4 else "")
            self.warning.setText(f"⚠ Fewer than {MIN_EXAMPLES} examples: {names}")
        else:
            self.warning.setText("")
        self.warning.setVisible(bool(self.warning.text()))

    def _update_buttons(self) -> None:
        has = self.selected_class() is not None
        writable = not self.session.read_only
        for key, act in self.class_actions.items():
            act.setEnabled(has and writable and (key != "merge" or len(self.session.classes()) > 1))
        self.new_name.setEnabled(writable)

    def _select(self, class_id: int) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item is not None and item.data(_COL_NAME, _ID_ROLE) == self.session.resolve_class(class_id):
                self.tree.setCurrentItem(item)
                return

    # ------------------------------------------------------------------ edits

    def _add_from_field(self) -> None:
        name = self.new_name.text().strip()
        if not name:
            return
        info = self.session.add_class(name)
        if info is not None:
            self.new_name.clear()
            self._select(info.id)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        cid = item.data(_COL_NAME, _ID_ROLE)
        if column == _COL_NAME:
            self.session.rename_class(cid, item.text(_COL_NAME))
        elif column == _COL_KEY:
            self.session.set_class_shortcut(cid, item.text(_COL_KEY).strip() or None)

    def _rename(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.tree.editItem(item, _COL_NAME)

    def _recolour(self) -> None:
        info = self.selected_class()
        if info is None:
            return
        color = QColorDialog.getColor(QColor(info.color), self, f"Colour of '{info.name}'")
        if color.isValid():
            self.session.set_class_color(info.id, color.name())

    def _move(self, delta: int) -> None:
        info = self.selected_class()
        if info is not None:
            self.session.move_class(info.id, delta)
            self._select(info.id)

    def _merge(self) -> None:
        info = self.selected_class()
        if info is None:
            return
        dialog = MergeDialog(self.session, info, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.target_id is not None:
            self.session.merge_classes(info.id, dialog.target_id)

    def _delete(self) -> None:
        info = self.selected_class()
        if info is None:
            return
        dialog = DeleteClassDialog(self.session, info, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.session.delete_class(info.id, dialog.reassign_to)

    def _context_menu(self, pos) -> None:
        info = self.selected_class()
        if info is None:
            return
        menu = QMenu(self)
        show = menu.addAction(f"Show images of '{info.name}'")
        show.triggered.connect(lambda: self.filter_to_class.emit(info.id))
        menu.addSeparator()
        for key in ("rename", "color", "up", "down", "merge", "delete"):
            menu.addAction(self.class_actions[key])
        menu.exec(self.tree.viewport().mapToGlobal(pos))


class MergeDialog(QDialog):
    def __init__(self, session: ProjectSession, source: ClassInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Merge classes")
        self.target_id: int | None = None
        n = session.counts.per_class.get(source.id, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Move the {plural(n, 'image')} of <b>{source.name}</b> into:"))
        self.combo = QComboBox()
        for c in session.classes():
            if c.id != source.id:
                self.combo.addItem(theme.color_swatch(c.color), c.name, c.id)
        layout.addWidget(self.combo)
        layout.addWidget(QLabel(f"'{source.name}' is then removed. Undo (Ctrl+Z) restores it."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Merge")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        self.target_id = self.combo.currentData()
        self.accept()


class DeleteClassDialog(QDialog):
    def __init__(self, session: ProjectSession, info: ClassInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Delete class '{info.name}'")
        self.reassign_to: int | None = None
        n = session.counts.per_class.get(info.id, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{info.name}</b> has {plural(n, 'labeled image')}. What should happen to them?"))
        self.unlabel = QRadioButton("Leave them unlabeled")
        self.move_to = QRadioButton("Move them to:")  # not `move`: that is QWidget.move()
        group = QButtonGroup(self)
        group.addButton(self.unlabel)
        group.addButton(self.move_to)
        self.unlabel.setChecked(True)
        self.combo = QComboBox()
        for c in session.classes():
            if c.id != info.id:
                self.combo.addItem(theme.color_swatch(c.color), c.name, c.id)
        self.move_to.setEnabled(self.combo.count() > 0)
        self.combo.setEnabled(False)
        self.move_to.toggled.connect(self.combo.setEnabled)
        layout.addWidget(self.unlabel)
        row = QHBoxLayout()
        row.addWidget(self.move_to)
        row.addWidget(self.combo, 1)
        layout.addLayout(row)
        layout.addWidget(QLabel("The images themselves are never deleted. Undo (Ctrl+Z) restores the class."))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Delete class")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        self.reassign_to = self.combo.currentData() if self.move_to.isChecked() else None
        self.accept()
