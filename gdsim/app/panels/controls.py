"""Input controls generated from :class:`~gdsim.core.params.ParamSpec` tables.

* :class:`NumberSpinBox` — a spin box for any float: shows ``%g`` text (so 1e-8 and 1000 both
  read well), validates typed text with the spec (range, finiteness) and, instead of silently
  refusing bad text, reports it through :attr:`NumberSpinBox.sigInvalid` and keeps the last
  good value. Log-scaled specs step by factors of 10^0.1.
* :class:`LogSlider` — a slider over a logarithmic range (the learning rate).
* :class:`ParamForm` — a form of controls for a spec table; emits one edit at a time.

Every control carries its spec's one-sentence description as a tooltip.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLayout,
    QSlider,
    QSpinBox,
    QStyle,
    QStyleOptionSlider,
    QWidget,
)

from gdsim.app.model.formatting import fmt_number
from gdsim.app.panels.choice_field import ChoiceField, IntsField
from gdsim.app.panels.text_field import TextField
from gdsim.core.params import ParamError, ParamSpec

_INT_MAX = 2**31 - 1
_HUGE = 1e300


def format_number(value: float) -> str:
    """Short text for a number: ``0.1``, ``1e-8``, ``2.5e4``, ``0`` (the app's one number
    formatter, :func:`~gdsim.app.model.formatting.fmt_number`)."""
    return fmt_number(value)


class NumberSpinBox(QDoubleSpinBox):
    """A float spin box validated by a :class:`ParamSpec` (or only for finiteness).

    Signals:
        sigInvalid(str): typed text was rejected (the message says why); the box went back
            to its last valid value.
    """

    sigInvalid = Signal(str)

    def __init__(self, spec: ParamSpec | None = None, owner: str = "", name: str = "value",
                 parent: QWidget | None = None) -> None:
        self._spec = spec
        self._owner = owner
        self._name = spec.name if spec is not None else name
        super().__init__(parent)
        self.setDecimals(320)  # no rounding: the displayed text is %g (textFromValue)
        self.setRange(-_HUGE, _HUGE)
        self.setKeyboardTracking(False)  # valueChanged on Enter / focus out, not per key
        self.setAccelerated(True)
        self.setCorrectionMode(QDoubleSpinBox.CorrectionMode.CorrectToPreviousValue)
        if spec is not None:
            self.setToolTip(spec.description)
            self.setValue(float(spec.default))
            span = (spec.ui_high if spec.ui_high is not None else spec.high or 1.0) - (
                spec.ui_low if spec.ui_low is not None else spec.low or 0.0)
            self.setSingleStep(10.0 ** math.floor(math.log10(max(span, 1e-12) / 20.0)))

    def set_owner(self, owner: str) -> None:
        """Name the parameter's owner (an optimizer, a schedule) in messages."""
        self._owner = owner

    # --- parsing and validation -----------------------------------------------------------
    def check(self, text: str) -> tuple[float | None, str]:
        """``(value, "")`` for acceptable text, else ``(None, reason)``."""
        name = self._name
        where = f"{self._owner} " if self._owner else ""
        try:
            value = float(text.strip())
        except ValueError:
            return None, f"Invalid {where}{name}: {text.strip()!r} is not a number"
        if not math.isfinite(value):
            return None, f"Invalid {where}{name}: {text.strip()!r} (must be finite)"
        if self._spec is not None:
            try:
                self._spec.validate(value, self._owner)
            except ParamError as exc:
                return None, str(exc)
        return value, ""

    def validate(self, text: str, pos: int) -> object:
        value, _ = self.check(text)
        state = QValidator.State.Acceptable if value is not None else \
            QValidator.State.Intermediate
        return state, text, pos

    def fixup(self, text: str) -> object:
        # Called when editing ends on text that is not acceptable; Qt then restores the
        # previous value. Say why instead of failing silently.
        _, reason = self.check(text)
        if reason:
            self.sigInvalid.emit(reason)
        return text

    def valueFromText(self, text: str) -> float:
        value, _ = self.check(text)
        return self.value() if value is None else value

    def textFromValue(self, value: float) -> str:
        return format_number(value)

    def stepBy(self, steps: int) -> None:
        spec = self._spec
        if spec is not None and spec.log:
            value = self.value()
            if value <= 0:
                value = spec.ui_low or 1e-6
            else:
                value *= 10.0 ** (0.1 * steps)
                value = float(f"{value:.2g}")
            value, _ = self.check(format_number(value))
            if value is not None:
                self.setValue(value)
            return
        super().stepBy(steps)


class LogSlider(QSlider):
    """A horizontal slider over ``[low, high]`` on a logarithmic scale.

    Signals:
        sigValueChanged(float): the user moved it.
    """

    sigValueChanged = Signal(float)
    STEPS_PER_DECADE = 100

    def __init__(self, low: float, high: float, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._log_low, self._log_high = math.log10(low), math.log10(high)
        self.setRange(0, round((self._log_high - self._log_low) * self.STEPS_PER_DECADE))
        self.setSingleStep(5)
        self.setPageStep(self.STEPS_PER_DECADE)
        self.valueChanged.connect(self._moved)
        self.mark: float | None = None  # a value marked on the groove (e.g. 2/λ_max)

    def position_of(self, value: float) -> int:
        """The slider position of ``value``, clamped to the range."""
        position = self.minimum() if value <= 0 else round(
            (math.log10(value) - self._log_low) * self.STEPS_PER_DECADE)
        return max(self.minimum(), min(self.maximum(), position))

    def set_mark(self, value: float | None) -> None:
        """Mark ``value`` on the groove with a red tick (``None``, inf or ≤ 0: no mark)."""
        if value is not None and not (math.isfinite(value) and value > 0):
            value = None
        if value != self.mark:
            self.mark = value
            self.update()

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if self.mark is None:
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        groove = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                             QStyle.SubControl.SC_SliderGroove, self)
        handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                             QStyle.SubControl.SC_SliderHandle, self)
        span = groove.width() - handle.width()
        x = groove.left() + handle.width() / 2 + QStyle.sliderPositionFromValue(
            self.minimum(), self.maximum(), self.position_of(self.mark), span)
        painter = QPainter(self)
        painter.setPen(QPen(QColor("#c0392b"), 2))
        painter.drawLine(int(x), 0, int(x), self.height())
        painter.end()

    def to_value(self, position: int) -> float:
        exponent = self._log_low + position / self.STEPS_PER_DECADE
        return float(f"{10.0 ** exponent:.3g}")

    def set_float(self, value: float) -> None:
        """Show ``value`` (clamped to the range) without emitting :attr:`sigValueChanged`."""
        position = self.minimum() if value <= 0 else round(
            (math.log10(value) - self._log_low) * self.STEPS_PER_DECADE)
        self.blockSignals(True)
        self.setValue(max(self.minimum(), min(self.maximum(), position)))
        self.blockSignals(False)

    def _moved(self, position: int) -> None:
        self.sigValueChanged.emit(self.to_value(position))


def tip_label(text: str, tip: str) -> QLabel:
    """A form label carrying the same tooltip as its control."""
    label = QLabel(text)
    label.setToolTip(tip)
    return label


def make_control(spec: ParamSpec, owner: str) -> QWidget:
    """The control for one spec: a check box, an integer or a number spin box, a text field."""
    if spec.kind == "bool":
        widget: QWidget = QCheckBox()
        widget.setChecked(bool(spec.default))
    elif spec.kind == "int":
        widget = QSpinBox()
        low = int(spec.low) if spec.low is not None else -_INT_MAX
        high = int(min(spec.high, _INT_MAX)) if spec.high is not None else _INT_MAX
        widget.setRange(low + (1 if spec.low_open else 0), high - (1 if spec.high_open else 0))
        widget.setKeyboardTracking(False)
        widget.setAccelerated(True)
        widget.setValue(int(spec.default))
    elif spec.kind == "text":
        widget = TextField(spec, owner)
    elif spec.kind == "choice":
        widget = ChoiceField(spec, owner)
    elif spec.kind == "ints":
        widget = IntsField(spec, owner)
    else:
        widget = NumberSpinBox(spec, owner)
    widget.setToolTip(spec.description)
    widget.setObjectName(f"param_{spec.name}")
    return widget


def control_value(widget: QWidget) -> Any:
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    return widget.value()  # type: ignore[attr-defined]


def set_control_value(widget: QWidget, value: Any) -> None:
    """Show ``value`` without emitting change signals."""
    widget.blockSignals(True)
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QSpinBox):
        widget.setValue(int(value))
    elif isinstance(widget, (ChoiceField, IntsField, TextField)):
        widget.setValue(value)
    else:
        widget.setValue(float(value))  # type: ignore[attr-defined]
    widget.blockSignals(False)


class ParamForm(QWidget):
    """A form whose rows are generated from a spec table, between optional fixed rows.

    Fixed rows (:meth:`add_row`) stay; the generated ones are rebuilt whenever the table
    changes (:meth:`set_specs`). One form keeps all labels of a panel in one aligned column.

    Signals:
        sigEdited(str, object): the user set parameter ``name`` to ``value``.
        sigInvalid(str): typed text was rejected (see :class:`NumberSpinBox`).
    """

    sigEdited = Signal(str, object)
    sigInvalid = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self._head = 0  # fixed rows above the generated ones
        self._specs: tuple[ParamSpec, ...] = ()
        self._owner = ""
        self.controls: dict[str, QWidget] = {}

    def add_row(self, label: str | QWidget, field: QWidget | QLayout, *,
                tip: str = "", above: bool = True) -> None:
        """A fixed row above (or below) the generated ones."""
        if isinstance(label, str):
            label = tip_label(label, tip)
        if above:
            self.form.insertRow(self._head, label, field)
            self._head += 1
        else:
            self.form.addRow(label, field)

    def set_specs(self, specs: Sequence[ParamSpec], owner: str) -> None:
        """Rebuild the generated rows for ``specs`` (a no-op if they are the same)."""
        specs = tuple(specs)
        if specs == self._specs and owner == self._owner:
            return
        for _ in self._specs:
            self.form.removeRow(self._head)
        self.controls = {}
        self._specs, self._owner = specs, owner
        for k, spec in enumerate(specs):
            control = make_control(spec, owner)
            self.form.insertRow(self._head + k, tip_label(spec.name, spec.description), control)
            self.controls[spec.name] = control
            self._connect(spec.name, control)

    def _connect(self, name: str, control: QWidget) -> None:
        def edited(*_: object) -> None:
            self.sigEdited.emit(name, control_value(control))

        if isinstance(control, QCheckBox):
            control.toggled.connect(edited)
        else:
            control.valueChanged.connect(edited)  # type: ignore[attr-defined]
        if isinstance(control, (NumberSpinBox, ChoiceField, IntsField, TextField)):
            control.sigInvalid.connect(self.sigInvalid)

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show resolved values (every spec's name) without emitting edits."""
        for name, control in self.controls.items():
            if name in values:
                set_control_value(control, values[name])
