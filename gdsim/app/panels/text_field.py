"""A line edit for a ``text`` parameter (a formula, a file path), checked as you type.

Each keystroke validates the text with the spec (:meth:`ParamSpec.validate`, which runs the
spec's ``check``, e.g. the formula parser); a refusal is shown at once below the field — the
column and the reason — and the field is marked, while the last accepted value stays in effect.
Accepted text is applied when editing finishes (Enter or leaving the field), so a run is not
rebuilt on every keystroke.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gdsim.core.params import ParamError, ParamSpec


class TextField(QWidget):
    """A checked line edit with an inline error line.

    Signals:
        valueChanged(object): accepted text was applied (the new value, a ``str``).
        sigInvalid(str): the text typed is refused (the message says why).
    """

    valueChanged = Signal(object)
    sigInvalid = Signal(str)

    def __init__(self, spec: ParamSpec, owner: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec, self.owner = spec, owner
        self.edit = QLineEdit(str(spec.default))
        self.edit.setObjectName(f"text_{spec.name}")
        self.edit.setClearButtonEnabled(True)
        self.error = QLabel()
        self.error.setObjectName(f"error_{spec.name}")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        self.load_button: QPushButton | None = None
        if spec.name == "data":  # a data file: pick it with a dialog
            self.edit.setPlaceholderText("generated")
            self.load_button = QPushButton("Load data…")
            self.load_button.setObjectName("load_data")
            self.load_button.setToolTip("Fit your own points: a CSV file with columns x and y")
            self.load_button.clicked.connect(self._choose_file)
            row.addWidget(self.load_button)
        layout.addLayout(row)
        layout.addWidget(self.error)
        self._value = str(spec.default)
        self.edit.textEdited.connect(self._typed)
        self.edit.editingFinished.connect(self._apply)

    def value(self) -> str:
        """The last accepted text (what the run uses)."""
        return self._value

    def setValue(self, value: object) -> None:  # noqa: N802 (Qt naming, like the spin boxes)
        """Show ``value`` as accepted, without emitting :attr:`valueChanged`."""
        self._value = str(value)
        self.edit.setText(self._value)
        self._show_error("")

    def problem(self, text: str) -> str:
        """Why ``text`` is refused (``""`` if it is accepted)."""
        try:
            self.spec.validate(text, self.owner)
        except ParamError as exc:
            return str(exc)
        return ""

    def _typed(self, text: str) -> None:
        message = self.problem(text)
        self._show_error(message)
        if message:
            self.sigInvalid.emit(message)

    def _apply(self) -> None:
        text = self.edit.text()
        if text == self._value or self.problem(text):
            return
        self._value = text
        self.valueChanged.emit(text)

    def load(self, path: str) -> bool:
        """Put ``path`` in the field and apply it if accepted (else show why); the result."""
        self.edit.setText(path)
        self._typed(path)
        if self.problem(path):
            return False
        self._apply()
        return True

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load data", self._value,
                                              "CSV files (*.csv);;All files (*)")
        if path:
            self.load(path)

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))
        self.edit.setStyleSheet("border: 1px solid #c0392b;" if message else "")
        self.edit.setToolTip(message or self.spec.description)
