"""Controls for the parameters that are not numbers: a choice among names, a list of integers.

Both follow the spin boxes' small interface (``value()``, ``setValue()``, ``valueChanged``,
``sigInvalid``) so a :class:`~gdsim.app.panels.controls.ParamForm` treats every control alike.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from gdsim.core.params import ParamError, ParamSpec


class ChoiceField(QComboBox):
    """One of a ``choice`` spec's names (``tanh``, ``relu``, ``sigmoid``)."""

    valueChanged = Signal(object)
    sigInvalid = Signal(str)

    def __init__(self, spec: ParamSpec, owner: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        for name in spec.choices:
            self.addItem(name, name)
        self.setValue(spec.default)
        self.currentIndexChanged.connect(lambda _: self.valueChanged.emit(self.value()))

    def value(self) -> str:
        return str(self.currentData())

    def setValue(self, value: Any) -> None:  # noqa: N802 (Qt naming, like the spin boxes)
        index = self.findData(str(value))
        if index >= 0:
            self.setCurrentIndex(index)


class IntsField(QLineEdit):
    """A list of integers typed as ``8,8``; refused text is reported and the field shows its
    previous value again (the rule of every numeric field)."""

    valueChanged = Signal(object)
    sigInvalid = Signal(str)

    def __init__(self, spec: ParamSpec, owner: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec, self.owner = spec, owner
        self._value: tuple[int, ...] = tuple(spec.default)  # type: ignore[arg-type]
        self.setText(spec.format(self._value))
        self.setPlaceholderText("e.g. 8,8")
        self.editingFinished.connect(self._apply)

    def value(self) -> tuple[int, ...]:
        return self._value

    def setValue(self, value: Any) -> None:  # noqa: N802 (Qt naming, like the spin boxes)
        self._value = tuple(self.spec.validate(value, self.owner))
        self.setText(self.spec.format(self._value))

    def _apply(self) -> None:
        try:
            value = tuple(self.spec.validate(self.text(), self.owner))
        except ParamError as exc:
            self.setText(self.spec.format(self._value))
            self.sigInvalid.emit(str(exc))
            return
        self.setText(self.spec.format(value))
        if value != self._value:
            self._value = value
            self.valueChanged.emit(value)
