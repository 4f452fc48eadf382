"""The Batch dock: full batch, SGD (one example) or mini-batches, and their size."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from gdsim.app.panels.controls import IntSpinBox, ParamForm, set_control_value
from gdsim.core.config import FIELD_LABELS, RunConfig
from gdsim.core.params import ParamSpec

FULL, SGD, MINI = "full", "sgd", "mini"
_MODES = (
    (FULL, "Full batch", "Every step uses all N examples: the exact gradient (batch gradient "
     "descent)."),
    (SGD, "SGD (1 example)", "Every step uses one example: a cheap, very noisy gradient."),
    (MINI, "Mini-batch", "Every step uses B examples, visiting the data set in shuffled "
     "epochs."),
)
_SIZE_TIP = "Examples per step, B: the gradient is the mean over B examples."


def size_spec(n_examples: int) -> ParamSpec:
    """The batch size's rule: 1 to N examples (N: the whole data set, the full batch)."""
    return ParamSpec("batch_size", n_examples, _SIZE_TIP, kind="int", low=1, high=n_examples)


class BatchPanel(QWidget):
    """Edits how many examples the selected run's gradient uses.

    The mode box and the size box (``batch_spin``) agree: the size always shows the examples
    per step (N for the full batch, 1 for SGD); typing a size picks the mode that fits.

    Signals:
        sigBatchEdited(object): the new ``batch_size`` (``None`` = full batch).
        sigInvalid(str): a typed size was refused.
    """

    sigBatchEdited = Signal(object)
    sigInvalid = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode_combo = QComboBox(objectName="batch_mode_combo")
        self.mode_combo.setToolTip("How many examples each step's gradient is computed on.")
        for i, (key, text, tip) in enumerate(_MODES):
            self.mode_combo.addItem(text, key)
            self.mode_combo.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.batch_spin = IntSpinBox(size_spec(100), label=f"{FIELD_LABELS['batch_size']} B")
        self.batch_spin.setObjectName("batch_spin")
        self.note = QLabel(objectName="batch_note")
        self.note.setWordWrap(True)
        self.note.setProperty("role", "hint")
        form = ParamForm()
        form.add_row("Gradient on", self.mode_combo, tip=self.mode_combo.toolTip())
        form.add_row("Batch size B", self.batch_spin, tip=_SIZE_TIP)
        form.add_row("", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(form)
        layout.addStretch(1)
        self._n = 100
        self._mini_size = 10
        self.mode_combo.currentIndexChanged.connect(self._mode_chosen)
        self.batch_spin.valueChanged.connect(self._size_typed)
        self.batch_spin.sigInvalid.connect(self.sigInvalid)

    def set_config(self, config: RunConfig, n_examples: int) -> None:
        """Show ``config``'s batch size for a data set of ``n_examples`` without emitting."""
        self._n = n_examples
        self.batch_spin.set_rule(size_spec(n_examples))
        size = n_examples if config.batch_size is None else min(config.batch_size, n_examples)
        mode = FULL if size >= n_examples else SGD if size == 1 else MINI
        if mode == MINI:
            self._mini_size = size
        self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(mode))
        self.mode_combo.blockSignals(False)
        set_control_value(self.batch_spin, size)
        epoch = -(-n_examples // size)
        self.note.setText(f"N = {n_examples} examples; one epoch = {epoch} step"
                          f"{'s' if epoch != 1 else ''}.")

    def _mode_chosen(self, index: int) -> None:
        mode = self.mode_combo.itemData(index)
        if mode == FULL:
            self.sigBatchEdited.emit(None)
        elif mode == SGD:
            self.sigBatchEdited.emit(1)
        else:
            size = self._mini_size if 1 < self._mini_size < self._n else max(2, self._n // 10)
            self.sigBatchEdited.emit(min(size, self._n))

    def _size_typed(self, size: int) -> None:
        self.sigBatchEdited.emit(None if size >= self._n else size)
