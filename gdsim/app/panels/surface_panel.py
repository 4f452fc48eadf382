"""The Surface dock: which loss surface, its parameters, the start point and the seed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gdsim.app.panels.controls import IntSpinBox, NumberSpinBox, ParamForm, set_control_value
from gdsim.core.config import FIELD_LABELS, RunConfig
from gdsim.core.params import ParamSpec
from gdsim.core.surfaces import SURFACES, Surface

_SEED_TIP = "Seeds the data set, the examples' noise and the order of the mini-batches."
_START_TIP = "Where the run starts, θ₀ (or click the contour map)."
SEED_SPEC = ParamSpec("seed", 0, _SEED_TIP, kind="int", low=0, high=2**31 - 1)
START_WIDTH_TEXT = "-0.000001"  # a start box shows at least this much


class SurfacePanel(QWidget):
    """Edits what every run shares: the surface, its parameters, the start point, the seed.

    Signals:
        sigSurfaceChosen(str): a surface name.
        sigParamEdited(str, object): a surface parameter (name, value).
        sigStartEdited(object): a start point (tuple of floats), or ``None`` for the default.
        sigSeedEdited(int)
        sigInvalid(str): typed text was rejected.
    """

    sigSurfaceChosen = Signal(str)
    sigParamEdited = Signal(str, object)
    sigStartEdited = Signal(object)
    sigSeedEdited = Signal(int)
    sigInvalid = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.surface_combo = QComboBox(objectName="surface_combo")
        self.surface_combo.setToolTip("The loss surface L(θ) that the runs descend.")
        for i, (name, cls) in enumerate(SURFACES.items()):
            self.surface_combo.addItem(cls.title, name)
            self.surface_combo.setItemData(i, f"{cls.summary}\nL = {cls.formula}",
                                           role=Qt.ItemDataRole.ToolTipRole)
        self.params = ParamForm()

        self.start_spins = [NumberSpinBox(name=f"start θ₀[{i}]") for i in range(2)]
        self.start_labels = [QLabel() for _ in range(2)]
        # One row per coordinate: each box wide enough for "-0.000001" in a narrow dock.
        start_rows = QGridLayout()
        start_rows.setContentsMargins(0, 0, 0, 0)
        start_rows.setHorizontalSpacing(4)
        start_rows.setVerticalSpacing(2)
        start_rows.setColumnStretch(1, 1)
        for i, (label, spin) in enumerate(zip(self.start_labels, self.start_spins, strict=True)):
            spin.setObjectName(f"start_{i}")
            spin.setToolTip(_START_TIP)
            spin.setSingleStep(0.1)
            spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance(START_WIDTH_TEXT) + 28)
            start_rows.addWidget(label, i, 0)
            start_rows.addWidget(spin, i, 1)
        self.start_default = QToolButton(objectName="start_default_button")
        self.start_default.setText("↺")
        self.start_default.setToolTip("Start from the surface's usual start point.")
        start_rows.addWidget(self.start_default, 0, 2)
        self.seed_spin = IntSpinBox(SEED_SPEC, label=FIELD_LABELS["seed"])
        self.seed_spin.setObjectName("seed_spin")

        self.params.add_row("Surface", self.surface_combo, tip=self.surface_combo.toolTip())
        self.start_note = QLabel("the seeded initialisation (Glorot/He); change the seed to "
                                 "draw other weights")
        self.start_note.setObjectName("start_note")
        self.start_note.setWordWrap(True)
        self.start_note.setVisible(False)
        start_rows.addWidget(self.start_note, 2, 0, 1, 3)
        self.params.add_row("Start θ₀", start_rows, tip=_START_TIP, above=False)
        self.params.add_row("Seed", self.seed_spin, tip=_SEED_TIP, above=False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.params)
        layout.addStretch(1)

        self.surface_combo.currentIndexChanged.connect(
            lambda i: self.sigSurfaceChosen.emit(self.surface_combo.itemData(i)))
        self.params.sigEdited.connect(self.sigParamEdited)
        self.params.sigInvalid.connect(self.sigInvalid)
        for spin in self.start_spins:
            spin.valueChanged.connect(self._start_edited)
            spin.sigInvalid.connect(self.sigInvalid)
        self.start_default.clicked.connect(lambda: self.sigStartEdited.emit(None))
        self.seed_spin.valueChanged.connect(self.sigSeedEdited)
        self.seed_spin.sigInvalid.connect(self.sigInvalid)
        self._dim = 2

    def set_config(self, config: RunConfig, surface: Surface | None = None) -> None:
        """Show ``config``'s shared fields without emitting edits (``surface``: the surface
        built from it, whose θ names and default start may depend on its parameters)."""
        cls = SURFACES[config.surface]
        names = (surface.param_names if surface is not None
                 else cls.param_names_for(config.surface_params))
        combo = self.surface_combo
        combo.blockSignals(True)
        combo.setCurrentIndex(combo.findData(config.surface))
        combo.blockSignals(False)
        combo.setToolTip(f"The loss surface the runs descend: L({', '.join(cls.param_names)}) "
                         f"= {cls.formula}.")
        self.params.set_specs(cls.specs, cls.title)
        values = {s.name: s.default for s in cls.specs} | dict(config.surface_params)
        self.params.set_values(values)
        self._dim = len(names)
        start = config.start or (surface or cls).default_start
        editable = self._dim <= len(self.start_spins)  # a network's weights: no boxes
        self.start_note.setVisible(not editable)
        self.start_default.setVisible(editable)
        for i, (label, spin) in enumerate(zip(self.start_labels, self.start_spins, strict=True)):
            visible = editable and i < self._dim
            label.setVisible(visible)
            spin.setVisible(visible)
            if visible:
                label.setText(names[i])
                spin.rule.label = f"{FIELD_LABELS['start']} {names[i]}"
                set_control_value(spin, start[i])
        set_control_value(self.seed_spin, config.seed)

    def _start_edited(self) -> None:
        self.sigStartEdited.emit(tuple(s.value() for s in self.start_spins[: self._dim]))
