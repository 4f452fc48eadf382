"""The Schedule dock: how the learning rate changes over the steps."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from gdsim.app.panels.controls import ParamForm
from gdsim.core.config import RunConfig
from gdsim.core.schedules import SCHEDULES

WARMUP_TITLE = "Warm-up (before the schedule)"
WARMUP_TIP = ("Optional: for the first steps η climbs linearly from start factor × η to η, "
              "then the schedule takes over (0 warm-up steps = none). Every schedule has it, "
              "the constant one too.")


class SchedulePanel(QWidget):
    """Edits the selected run's learning-rate schedule; its parameters come from its specs.

    Signals:
        sigScheduleChosen(str), sigParamEdited(str, object), sigInvalid(str)
    """

    sigScheduleChosen = Signal(str)
    sigParamEdited = Signal(str, object)
    sigInvalid = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.schedule_combo = QComboBox(objectName="schedule_combo")
        self.schedule_combo.setToolTip("How the learning rate η_t changes with the step t.")
        for i, (name, sched) in enumerate(SCHEDULES.items()):
            self.schedule_combo.addItem(sched.title, name)
            self.schedule_combo.setItemData(i, f"{sched.summary}\n= {sched.torch_equivalent}",
                                            Qt.ItemDataRole.ToolTipRole)
        self.summary = QLabel(objectName="schedule_summary")
        self.summary.setWordWrap(True)
        self.params = ParamForm()
        self.params.add_row("Schedule", self.schedule_combo, tip=self.schedule_combo.toolTip())
        self.params.add_row("", self.summary)
        layout = QVBoxLayout(self)
        layout.addWidget(self.params)
        layout.addStretch(1)
        self.schedule_combo.currentIndexChanged.connect(
            lambda i: self.sigScheduleChosen.emit(self.schedule_combo.itemData(i)))
        self.params.sigEdited.connect(self.sigParamEdited)
        self.params.sigInvalid.connect(self.sigInvalid)

    def set_config(self, config: RunConfig) -> None:
        sched = SCHEDULES[config.schedule]
        combo = self.schedule_combo
        combo.blockSignals(True)
        combo.setCurrentIndex(combo.findData(config.schedule))
        combo.blockSignals(False)
        self.summary.setText(sched.summary)
        self.summary.setToolTip(sched.torch_equivalent)
        self.params.set_sections(
            [("", sched.own_specs),
             (WARMUP_TITLE, [s for s in sched.specs if s not in sched.own_specs])],
            f"{sched.title} schedule", {WARMUP_TITLE: WARMUP_TIP})
        self.params.set_values(sched.resolve(config.schedule_params))
