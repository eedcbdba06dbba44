"""The viewer's "what each model answered" block for the current image.

One line per run that asked about the image: the run's name, the answer (or that it named no class),
and a tick or cross against the current label, so a user paging through images sees at once where
the tuned model and the base model part ways with the label.
"""

from __future__ import annotations

import html
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from studio.core.models import ImageRow

AnswersFn = Callable[[int], list[tuple[Any, Any]]]  # image id -> [(EvalRun, EvalAnswer)]


class EvalAnswersPanel(QWidget):
    def __init__(self, answers: AnswersFn, class_name: Callable[[int | None], str | None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evalAnswers")
        self._answers = answers
        self._class_name = class_name
        self.title = QLabel("<b>Model answers</b>")
        self.body = QLabel()
        self.body.setObjectName("evalAnswersText")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.body)
        self.hide()

    def show_row(self, row: ImageRow | None) -> None:
        found = self._answers(row.id) if row is not None else []
        if not found:
            self.hide()
            self.body.setText("")
            return
        label = self._class_name(row.class_id) if row is not None else None
        lines = []
        for run, answer in found:
            predicted = self._class_name(answer.predicted_class_id) if answer.predicted_class_id is not None else None
            name = html.escape(run.spec.display_name())
            if predicted is None:
                said = "<i>no class</i>" + (f" (\u201c{html.escape(_short(answer.answer))}\u201d)" if answer.answer else "")
                if answer.error:
                    said = f"<i>refused</i>: {html.escape(_short(answer.error))}"
            else:
                said = f"<b>{html.escape(predicted)}</b>"
            mark = "" if label is None else (" \u2713" if predicted == label else " <span style='color:#c62828'>\u2717</span>")
            lines.append(f"{name}: {said}{mark}")
        self.body.setText("<br>".join(lines))
        self.show()

    @property
    def text(self) -> str:
        return self.body.text()


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
