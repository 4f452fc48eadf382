"""Input controls generated from :class:`~gdsim.core.params.ParamSpec` tables.

Every numeric field of the window follows one rule, :class:`FieldRule`: typed text is parsed
and checked against the field's spec (a number, finite, an integer where one is needed, inside
the valid range). Text that breaks the rule is refused — the status bar gets one message that
names the field by its readable label and gives its valid range — and the field shows its
previous value again. A field never turns typed text into a different number (no clamping, no
dropped characters).

* :class:`NumberSpinBox` — a spin box for any float: shows ``%g`` text (so 1e-8 and 1000 both
  read well). Log-scaled specs step by factors of 10^0.1.
* :class:`IntSpinBox` — the same rule for integers (sizes, seeds, the step limit).
* :class:`LogSlider` — a slider over a logarithmic range (the learning rate).
* :class:`ParamForm` — a form of controls for a spec table; emits one edit at a time.

Every control carries its spec's one-sentence description as a tooltip, with the name the
command line and session files use for it.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
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
MIN_TEXT = "-0.000001"  # a number box is at least this wide
_FLOAT_MAX = sys.float_info.max


def format_number(value: float) -> str:
    """Short text for a number: ``0.1``, ``1e-8``, ``2.5e4``, ``0`` (the app's one number
    formatter, :func:`~gdsim.app.model.formatting.fmt_number`)."""
    return fmt_number(value)


def spec_label(spec: ParamSpec) -> str:
    """The readable label of a parameter (``"examples N"``), falling back to its name."""
    return str(getattr(spec, "label", "") or spec.name)


def spec_tooltip(spec: ParamSpec) -> str:
    """The description, then the name the command line and session files use (torch's
    keyword too, unless the description says otherwise)."""
    return f"{spec.description}\nOn the command line and in sessions: {spec.name}"


class FieldRule:
    """The rule of one numeric field: which text it accepts, and what it says about the rest.

    Messages read like the parameters' own (:meth:`ParamSpec.error`, so the window and the
    command line say the same): "Gradient descent's learning rate η (lr) must be ≥ 0 (got
    '-1')"; the field adds what it kept.

    Args:
        spec: the parameter (kind, range, name); an int spec's range is narrowed to what a
            spin box holds (±2³¹ − 1), and the message says the narrowed range.
        owner: who the parameter belongs to, readable (``"Gradient descent"``).
        label: the field's readable label (default: the spec's label).
    """

    def __init__(self, spec: ParamSpec, owner: str = "", label: str | None = None) -> None:
        if spec.kind == "int":
            low = -_INT_MAX if spec.low is None else max(spec.low, -_INT_MAX)
            high = _INT_MAX if spec.high is None else min(spec.high, _INT_MAX)
            spec = dataclasses.replace(spec, low=low, high=high)
        self.spec = spec
        self.owner = owner
        self.label = label if label is not None else spec_label(spec)

    def subject(self) -> str:
        """``"Gradient descent's learning rate η (lr)"``: the field as messages name it."""
        label = _lower_first(self.label) if self.owner else self.label
        name = f"{self.owner}'s {label}" if self.owner else label
        if self.spec.name != self.label and self.spec.name not in self.label:
            name += f" ({self.spec.name})"
        return name[:1].upper() + name[1:] if name[:1].isascii() else name

    def expected(self) -> str:
        """What the field takes: ``"an integer in [1, 100000]"``, ``"≥ 0"``."""
        spec = self.spec
        if spec.kind != "int":
            return spec.allowed() if hasattr(spec, "allowed") else f"in {spec.interval()}"
        return f"an integer in {self.interval()}"

    def interval(self) -> str:
        """The valid range: ``[1, 100000]`` (integers written in full), ``(0, inf)``."""
        spec = self.spec
        if spec.kind != "int":
            return spec.interval()
        low = "-inf" if spec.low is None else str(int(spec.low))
        high = "inf" if spec.high is None else str(int(spec.high))
        return (f"{'(' if spec.low is None or spec.low_open else '['}{low}, "
                f"{high}{')' if spec.high is None or spec.high_open else ']'}")

    def check(self, text: str) -> tuple[float | int | None, str]:
        """``(value, "")`` for acceptable text, else ``(None, message)``."""
        typed = text.strip()
        try:
            number = float(typed)
        except (ValueError, OverflowError):
            return None, self._refusal(typed)
        spec = self.spec
        ok = math.isfinite(number) and (spec.kind != "int" or number == int(number))
        if ok and spec.kind == "int":
            number = int(number)
        low, high = spec.low, spec.high
        if not ok or (low is not None and (number < low or (spec.low_open and number == low))) \
                or (high is not None and (number > high or (spec.high_open and number == high))):
            return None, self._refusal(typed)
        try:
            spec.validate(number, self.owner)
        except ParamError as exc:  # a check of the spec's own beyond the range
            return None, str(exc)
        return number, ""

    def _refusal(self, typed: str) -> str:
        return f"{self.subject()} must be {self.expected()} (got {typed!r})"


def _lower_first(label: str) -> str:
    """``"Learning rate η"`` → ``"learning rate η"`` after an owner; ``"T max"`` stays."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


class _RuleMixin:
    """What :class:`NumberSpinBox` and :class:`IntSpinBox` share: the :class:`FieldRule`.

    Qt asks :meth:`validate` on every key; text that breaks the rule is *Intermediate*, so the
    user can go on typing. When editing ends on such text Qt calls :meth:`fixup`, which reports
    it (``sigInvalid``), and then restores the previous value (``CorrectToPreviousValue``).
    """

    rule: FieldRule

    def _setup(self, rule: FieldRule) -> None:
        self.rule = rule
        self.setKeyboardTracking(False)  # valueChanged on Enter / focus out, not per key
        self.setAccelerated(True)
        self.setCorrectionMode(QDoubleSpinBox.CorrectionMode.CorrectToPreviousValue)
        self.setToolTip(spec_tooltip(rule.spec))

    def set_owner(self, owner: str) -> None:
        """Name the parameter's owner (an optimizer, a schedule) in messages."""
        self.rule.owner = owner

    def set_rule(self, spec: ParamSpec, owner: str | None = None,
                 label: str | None = None) -> None:
        """Check against ``spec`` from now on (e.g. a batch size bounded by a new N)."""
        self.rule = FieldRule(spec, self.rule.owner if owner is None else owner,
                              self.rule.label if label is None else label)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # Qt sizes a spin box for the text of its range's ends (±1.8e308): far wider than any
        # value typed in practice. Room for "-0.000001" and the arrows is enough.
        hint = super().minimumSizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance(MIN_TEXT) + 30),
                     hint.height())

    def _bare(self, text: str) -> str:
        text = text.strip()
        if self.isGroupSeparatorShown():
            text = text.replace(self.locale().groupSeparator(), "")
        return text

    def check(self, text: str) -> tuple[float | int | None, str]:
        """``(value, "")`` for acceptable text, else ``(None, message)``."""
        return self.rule.check(self._bare(text))

    def validate(self, text: str, pos: int) -> object:
        value, _ = self.check(text)
        state = QValidator.State.Acceptable if value is not None else \
            QValidator.State.Intermediate
        return state, text, pos

    def fixup(self, text: str) -> object:
        _, reason = self.check(text)
        if reason:
            self.sigInvalid.emit(f"{reason}; kept {self.textFromValue(self.value())}")
        return text

    def valueFromText(self, text: str) -> Any:  # noqa: N802 - Qt's name
        value, _ = self.check(text)
        return self.value() if value is None else value

    def _step_to(self, value: float | int) -> None:
        """Step to ``value`` if the rule allows it, else stay (arrows never leave the range)."""
        ok, _ = self.rule.check(repr(value))
        if ok is not None:
            self.setValue(ok)


class NumberSpinBox(_RuleMixin, QDoubleSpinBox):
    """A float spin box that follows the :class:`FieldRule` of a :class:`ParamSpec`.

    Without a spec it takes any finite number (``name``: its label in messages).

    Signals:
        sigInvalid(str): typed text was refused (the message says why and what is valid);
            the box went back to its previous value.
    """

    sigInvalid = Signal(str)

    def __init__(self, spec: ParamSpec | None = None, owner: str = "", name: str = "value",
                 parent: QWidget | None = None) -> None:
        given = spec is not None
        spec = spec if spec is not None else ParamSpec(name, 0.0, "")
        self.rule = FieldRule(spec, owner, None if given else name)
        super().__init__(parent)
        self.setDecimals(320)  # no rounding: the displayed text is %g (textFromValue)
        self.setRange(-_FLOAT_MAX, _FLOAT_MAX)  # the rule, not Qt, bounds the value
        self._setup(self.rule)
        self._log = spec.log
        self._low = spec.ui_low
        if given:
            self.setValue(float(spec.default))
            span = (spec.ui_high if spec.ui_high is not None else spec.high or 1.0) - (
                spec.ui_low if spec.ui_low is not None else spec.low or 0.0)
            self.setSingleStep(10.0 ** math.floor(math.log10(max(span, 1e-12) / 20.0)))
        else:
            self.setToolTip("")

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        return format_number(value)

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        value = self.value()
        if self._log:
            if value <= 0:
                self._step_to(self._low or 1e-6)
                return
            self._step_to(float(f"{value * 10.0 ** (0.1 * steps):.2g}"))
            return
        self._step_to(float(f"{value + steps * self.singleStep():.12g}"))


class IntSpinBox(_RuleMixin, QSpinBox):
    """An integer spin box that follows the :class:`FieldRule` of an int :class:`ParamSpec`.

    Signals:
        sigInvalid(str): typed text was refused; the box went back to its previous value.
    """

    sigInvalid = Signal(str)

    def __init__(self, spec: ParamSpec, owner: str = "", label: str | None = None,
                 parent: QWidget | None = None) -> None:
        self.rule = FieldRule(spec, owner, label)
        super().__init__(parent)
        self.setRange(-_INT_MAX, _INT_MAX)  # the rule, not Qt, bounds the value
        self._setup(self.rule)
        self.setValue(int(spec.default))

    def textFromValue(self, value: int) -> str:  # noqa: N802 - Qt's name
        if self.isGroupSeparatorShown():
            return self.locale().toString(int(value))
        return str(int(value))

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt's name
        self._step_to(self.value() + steps * self.singleStep())


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


def compact_combo(combo: QComboBox, characters: int = 10) -> None:
    """A combo box as narrow as ``characters`` (its list still shows whole names): by default
    Qt makes it as wide as its longest entry, which widens a narrow dock."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)


def tip_label(text: str, tip: str) -> QLabel:
    """A form label carrying the same tooltip as its control; a long one wraps in a narrow
    dock rather than pushing its field out of view."""
    label = QLabel(text)
    label.setToolTip(tip)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label


def make_control(spec: ParamSpec, owner: str) -> QWidget:
    """The control for one spec: a check box, an integer or a number spin box, a text field."""
    if spec.kind == "bool":
        widget: QWidget = QCheckBox()
        widget.setChecked(bool(spec.default))
    elif spec.kind == "choice":
        widget = ChoiceField(spec, owner)
    elif spec.kind == "ints":
        widget = IntsField(spec, owner)
    elif spec.kind == "text":
        widget = TextField(spec, owner)
    elif spec.kind == "int":
        widget = IntSpinBox(spec, owner)
    else:
        widget = NumberSpinBox(spec, owner)
    widget.setToolTip(spec_tooltip(spec))
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
    elif isinstance(widget, (ChoiceField, IntsField, TextField)):
        widget.setValue(value)
    elif isinstance(widget, QSpinBox):
        widget.setValue(int(value))
    else:
        widget.setValue(float(value))  # type: ignore[attr-defined]
    widget.blockSignals(False)


Section = tuple[str, Sequence[ParamSpec]]
"""A titled group of generated rows (``""``: no title)."""


class ParamForm(QWidget):
    """A form whose rows are generated from a spec table, between optional fixed rows.

    Fixed rows (:meth:`add_row`) stay; the generated ones are rebuilt whenever the table
    changes (:meth:`set_specs`, :meth:`set_sections`). One form keeps all labels of a panel in
    one aligned column. Rows show the specs' readable labels; the tooltip adds the name used
    on the command line and in torch.

    Signals:
        sigEdited(str, object): the user set parameter ``name`` to ``value``.
        sigInvalid(str): typed text was refused (see :class:`FieldRule`).
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
        self._generated = 0  # generated rows (parameters and section titles)
        self._sections: tuple[tuple[str, tuple[ParamSpec, ...]], ...] = ()
        self._owner = ""
        self.controls: dict[str, QWidget] = {}
        self.section_titles: list[QLabel] = []

    def add_row(self, label: str | QWidget, field: QWidget | QLayout, *,
                tip: str = "", above: bool = True) -> None:
        """A fixed row above (or below) the generated ones."""
        if isinstance(field, QComboBox):
            compact_combo(field)
        if isinstance(label, str):
            label = tip_label(label, tip)
        if above:
            self.form.insertRow(self._head, label, field)
            self._head += 1
        else:
            self.form.addRow(label, field)

    def set_specs(self, specs: Sequence[ParamSpec], owner: str) -> None:
        """Rebuild the generated rows for ``specs`` (a no-op if they are the same).

        ``owner`` names the parameters' owner readably in messages (``"Adam"``)."""
        self.set_sections([("", specs)], owner)

    def set_sections(self, sections: Sequence[Section], owner: str,
                     tips: Mapping[str, str] | None = None) -> None:
        """Rebuild the generated rows: each section's title (if any, with tooltip
        ``tips[title]``) above its specs' rows."""
        key = tuple((title, tuple(specs)) for title, specs in sections)
        if key == self._sections and owner == self._owner:
            return
        for _ in range(self._generated):
            self.form.removeRow(self._head)
        self.controls = {}
        self.section_titles = []
        self._sections, self._owner = key, owner
        row = self._head
        for title, specs in key:
            if title and specs:
                heading = QLabel(title)
                heading.setObjectName("param_section")
                heading.setProperty("role", "section")
                font = heading.font()
                font.setBold(True)
                heading.setFont(font)
                heading.setToolTip((tips or {}).get(title, ""))
                self.form.insertRow(row, heading)
                self.section_titles.append(heading)
                row += 1
            for spec in specs:
                control = make_control(spec, owner)
                self.form.insertRow(row, tip_label(spec_label(spec), spec_tooltip(spec)),
                                    control)
                self.controls[spec.name] = control
                self._connect(spec.name, control)
                row += 1
        self._generated = row - self._head

    def _connect(self, name: str, control: QWidget) -> None:
        def edited(*_: object) -> None:
            self.sigEdited.emit(name, control_value(control))

        if isinstance(control, QCheckBox):
            control.toggled.connect(edited)
        else:
            control.valueChanged.connect(edited)  # type: ignore[attr-defined]
        if isinstance(control, (_RuleMixin, ChoiceField, IntsField, TextField)):
            control.sigInvalid.connect(self.sigInvalid)

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Show resolved values (every spec's name) without emitting edits."""
        for name, control in self.controls.items():
            if name in values:
                set_control_value(control, values[name])
