"""The Optimizer dock: the variant, its learning rate and its own hyperparameters."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gdsim.app.model import explain
from gdsim.app.panels.controls import LogSlider, NumberSpinBox, ParamForm, set_control_value
from gdsim.core.config import RunConfig
from gdsim.core.optimizers import OPTIMIZERS


class OptimizerPanel(QWidget):
    """Edits the selected run's optimizer.

    The learning rate has a logarithmic slider (``lr_slider``, for sweeping by hand while the
    run plays) and an exact spin box (``lr_spin``); the other hyperparameters are generated
    from the variant's :class:`~gdsim.core.params.ParamSpec` table.

    Signals:
        sigOptimizerChosen(str): an optimizer name.
        sigLrEdited(float): a new base learning rate η₀.
        sigParamEdited(str, object): a hyperparameter (name, value).
        sigInvalid(str): typed text was rejected.
    """

    sigOptimizerChosen = Signal(str)
    sigLrEdited = Signal(float)
    sigParamEdited = Signal(str, object)
    sigInvalid = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optimizer_combo = QComboBox(objectName="optimizer_combo")
        self.optimizer_combo.setToolTip("The update rule: plain gradient descent, momentum or "
                                        "an adaptive method (torch.optim's formulas).")
        for i, (name, opt) in enumerate(OPTIMIZERS.items()):
            self.optimizer_combo.addItem(opt.title, name)
            self.optimizer_combo.setItemData(i, f"{opt.summary}\n= {opt.torch_equivalent}",
                                             Qt.ItemDataRole.ToolTipRole)
        self.summary = QLabel(objectName="optimizer_summary")
        self.summary.setWordWrap(True)
        lr_spec = OPTIMIZERS["gd"].spec_table["lr"]
        self.lr_spin = NumberSpinBox(lr_spec)
        self.lr_spin.setObjectName("lr_spin")
        self.lr_slider = LogSlider(lr_spec.ui_low or 1e-5, lr_spec.ui_high or 10.0)
        self.lr_slider.setObjectName("lr_slider")
        self.lr_slider.setToolTip(lr_spec.description + " (logarithmic scale)")
        lr_row = QHBoxLayout()
        lr_row.setSpacing(6)
        lr_row.addWidget(self.lr_slider, 3)
        lr_row.addWidget(self.lr_spin, 2)
        self.stability_label = QLabel(objectName="stability_label")
        self.stability_label.setWordWrap(True)
        self.stability_label.setToolTip("The Hessian at the selected run's point: gradient "
                                        "descent with a constant η is stable only below "
                                        "2/λ_max, the red mark on the slider.")

        self.params = ParamForm()
        self.params.add_row("Optimizer", self.optimizer_combo, tip=self.optimizer_combo.toolTip())
        self.params.add_row("", self.summary)
        self.params.add_row("η (lr)", lr_row, tip=lr_spec.description)
        self.params.add_row("", self.stability_label)
        layout = QVBoxLayout(self)
        layout.addWidget(self.params)
        layout.addStretch(1)

        self.optimizer_combo.currentIndexChanged.connect(
            lambda i: self.sigOptimizerChosen.emit(self.optimizer_combo.itemData(i)))
        self.lr_spin.valueChanged.connect(self._lr_typed)
        self.lr_spin.sigInvalid.connect(self.sigInvalid)
        self.lr_slider.sigValueChanged.connect(self._lr_slid)
        self.params.sigEdited.connect(self.sigParamEdited)
        self.params.sigInvalid.connect(self.sigInvalid)

    def set_config(self, config: RunConfig, lr: float) -> None:
        """Show ``config``'s optimizer with base rate ``lr`` (resolved) without emitting."""
        opt = OPTIMIZERS[config.optimizer]
        combo = self.optimizer_combo
        combo.blockSignals(True)
        combo.setCurrentIndex(combo.findData(config.optimizer))
        combo.blockSignals(False)
        self.summary.setText(opt.summary)
        self.summary.setToolTip(opt.torch_equivalent)
        self.lr_spin.set_owner(opt.title)
        self.params.set_specs([s for s in opt.specs if s.name != "lr"], opt.title)
        self.params.set_values(opt.resolve(config.optimizer_params))
        self.show_lr(lr)

    def show_curvature(self, hessian: object, lr: float) -> None:
        """Mark 2/λ_max of ``hessian`` (the selected lane's, or ``None``) on the η slider and
        say whether ``lr`` is below it."""
        threshold, text = explain.stability_line(hessian, lr)  # type: ignore[arg-type]
        self.lr_slider.set_mark(threshold)
        if self.stability_label.text() != text:
            self.stability_label.setText(text)
        self.stability_label.setVisible(bool(text))  # no empty row under the rate

    def show_lr(self, lr: float) -> None:
        set_control_value(self.lr_spin, lr)
        self.lr_slider.set_float(lr)

    def _lr_typed(self, value: float) -> None:
        self.lr_slider.set_float(value)
        self.sigLrEdited.emit(value)

    def _lr_slid(self, value: float) -> None:
        set_control_value(self.lr_spin, value)
        self.sigLrEdited.emit(value)
