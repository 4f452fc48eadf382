"""The step inspector: every number of the selected lane's last update, t − 1 → t.

The seeds' bowl example reads here exactly as in the seeds: from θ = (3, 4) with η = 0.1,
∇L = (6, 8), |∇L| = 10, θ → (2.4, 3.2), L: 25 → 16; the first-order prediction
∇L·Δθ = −10 against the actual ΔL = −9.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView, QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from gdsim.app import style
from gdsim.app.history import History
from gdsim.app.plots.formatting import DASH, fmt_number, fmt_optional, fmt_vector
from gdsim.app.plots.step_snapshot import StepSnapshot


@dataclass(frozen=True)
class Row:
    """One fixed row: a stable key, the label shown, and a one-sentence explanation."""

    key: str
    label: str
    tooltip: str


ROWS: tuple[Row, ...] = (
    Row("step", "step t", "The update shown: it took θ from step t − 1 to step t."),
    Row("theta", "θₜ₋₁", "The parameters before the update."),
    Row("theta_next", "θₜ", "The parameters after the update."),
    Row("loss", "L(θₜ₋₁)", "The full-batch loss before the update: the mean loss over "
        "all examples."),
    Row("loss_next", "L(θₜ)", "The full-batch loss after the update."),
    Row("grad", "∇L(θₜ₋₁)", "The full-batch gradient before the update: the direction of "
        "steepest ascent (uphill)."),
    Row("grad_norm", "|∇L(θₜ₋₁)|", "The length of the gradient: how steep the loss is "
        "where the update started."),
    Row("used_grad", "gradient used g", "The gradient the update actually used: the "
        "full-batch gradient, or a noisy estimate from a mini-batch."),
    Row("lr", "ηₜ₋₁", "The learning rate of this update (after the schedule)."),
    Row("delta_theta", "Δθ = θₜ − θₜ₋₁", "The step actually taken; for plain gradient "
        "descent Δθ = −η·g."),
    Row("predicted_dl", "predicted ΔL = ∇L·Δθ", "First-order Taylor prediction of the loss "
        "change: L(θ + Δθ) ≈ L(θ) + ∇L·Δθ."),
    Row("actual_dl", "actual ΔL", "The actual change of the full-batch loss, L(θ_t) − "
        "L(θ_{t−1}); close to the prediction when the step is small."),
)
SECTION_BACKGROUND = "#E8ECF2"
STATE_TOOLTIP = "Part of the optimizer's state after the update (its memory of past gradients)."
SCALE_TOOLTIP = ("The per-parameter factor the adaptive method multiplied η by in this update: "
                 "the effective rate of parameter i is η·sᵢ.")


class StepInspector(QWidget):
    """The numbers of one lane's last step (object name ``"step_inspector"``).

    Values have up to six significant digits; every row has a tooltip. Rows can be selected
    and copied (Ctrl+C) as tab-separated text.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("step_inspector")
        self.header = QLabel("No run yet")
        self.header.setObjectName("step_inspector_header")
        self.header.setWordWrap(True)
        self.header.setFont(style.ui_font(style.BASE_POINT_SIZE, bold=True))
        self.tree = QTreeWidget()
        self.tree.setObjectName("step_inspector_tree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["quantity", "value"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        copy = QAction("Copy", self.tree)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selection)
        self.tree.addAction(copy)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.tree, 1)

        self._items: dict[str, QTreeWidgetItem] = {}
        section_font = style.ui_font(style.BASE_POINT_SIZE, bold=True)
        head = QTreeWidgetItem(["last step", ""])
        head.setFont(0, section_font)
        head.setFlags(Qt.ItemFlag.ItemIsEnabled)
        for column in (0, 1):
            head.setBackground(column, QColor(SECTION_BACKGROUND))
        for column in (0, 1):
            head.setToolTip(column, "The update from θₜ₋₁ to θₜ, the last one this lane made.")
        self.tree.addTopLevelItem(head)
        for row in ROWS:
            self._add_row(row.key, row.label, row.tooltip)
        self._section = QTreeWidgetItem(["optimizer", ""])  # heads the state rows
        self._section.setFont(0, section_font)
        self._section.setFlags(Qt.ItemFlag.ItemIsEnabled)
        for column in (0, 1):
            self._section.setBackground(column, QColor(SECTION_BACKGROUND))
        for column in (0, 1):
            self._section.setToolTip(column, "The optimizer's memory after the update, and the "
                                     "batch.")
        self.tree.addTopLevelItem(self._section)
        self._extra_keys: list[str] = []
        self.selected_lane = 0
        self.history: History | None = None
        self.show_snapshot(None)

    def _add_row(self, key: str, label: str, tooltip: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([label, DASH])
        item.setToolTip(0, tooltip)
        item.setToolTip(1, tooltip)
        item.setFont(1, style.mono_font(style.BASE_POINT_SIZE))
        item.setData(0, Qt.ItemDataRole.UserRole, key)
        self.tree.addTopLevelItem(item)
        self._items[key] = item
        return item

    # --- input ------------------------------------------------------------------------------
    def set_selected_lane(self, lane: int) -> None:
        self.selected_lane = int(lane)
        if self.history is not None:
            self.update_history(self.history)

    def update_history(self, history: History) -> None:
        """Show the selected lane's last completed step in ``history``."""
        self.history = history
        self.show_snapshot(StepSnapshot.from_history(history, self.selected_lane))

    def show_snapshot(self, snap: StepSnapshot | None) -> None:
        """Fill the rows from ``snap`` (``None``: no run yet)."""
        texts = dict.fromkeys((row.key for row in ROWS), DASH)
        extra: list[tuple[str, str, str, str]] = []  # key, label, value, tooltip
        if snap is None:
            self.header.setText("No run yet")
        else:
            info = snap.info
            status = f" — {info.status}" if info is not None else ""
            label = info.label if info is not None else f"lane {snap.lane + 1}"
            self.header.setText(f"{label}{status}")
            texts.update(self._step_texts(snap))
            if info is not None:
                for name, value in info.optimizer_state.items():
                    if name not in info.state_labels:  # e.g. plain SGD's unused buffer
                        continue
                    extra.append((f"state.{name}", info.state_labels[name], fmt_vector(value),
                                  STATE_TOOLTIP))
                if info.adaptive_scale is not None:
                    extra.append(("adaptive_scale", "adaptive scale s",
                                  fmt_vector(info.adaptive_scale), SCALE_TOOLTIP))
                batch = ("full batch" if info.batch_size >= info.n_examples
                         else f"{info.batch_size} of {info.n_examples} examples")
                extra.append(("batch", "batch", batch, "How many examples each update "
                              "averages its gradient over."))
        for key, text in texts.items():
            self._items[key].setText(1, text)
        self._set_extra_rows(extra)

    @staticmethod
    def _step_texts(snap: StepSnapshot) -> dict[str, str]:
        if not snap.has_step:
            return {
                "step": "0 (start: no step yet)",
                "theta": fmt_vector(snap.theta),
                "loss": fmt_number(snap.loss),
                "grad": fmt_vector(snap.grad),
                "grad_norm": fmt_number(float(np.linalg.norm(snap.grad))),
                "lr": fmt_number(snap.next_lr),
            }
        assert snap.prev_grad is not None and snap.prev_loss is not None
        used = fmt_optional(snap.used_grad)
        if not snap.full_batch and snap.info is not None:
            used += f"   (mini-batch of {snap.info.batch_size})"
        with np.errstate(all="ignore"):
            grad_norm = float(np.linalg.norm(snap.prev_grad))
        return {
            "step": str(snap.t),
            "theta": fmt_optional(snap.prev_theta),
            "theta_next": fmt_vector(snap.theta),
            "loss": fmt_number(snap.prev_loss),
            "loss_next": fmt_number(snap.loss),
            "grad": fmt_vector(snap.prev_grad),
            "grad_norm": fmt_number(grad_norm),
            "used_grad": used,
            "lr": fmt_optional(snap.lr),
            "delta_theta": fmt_optional(snap.delta_theta),
            "predicted_dl": fmt_optional(snap.predicted_dl),
            "actual_dl": fmt_optional(snap.actual_dl),
        }

    def _set_extra_rows(self, extra: list[tuple[str, str, str, str]]) -> None:
        keys = [key for key, *_ in extra]
        if keys != self._extra_keys:  # rebuild only when the set of rows changes
            for key in self._extra_keys:
                item = self._items.pop(key)
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
            for key, label, _, tooltip in extra:
                self._add_row(key, label, tooltip)
            self._extra_keys = keys
        for key, label, text, _ in extra:
            self._items[key].setText(0, label)
            self._items[key].setText(1, text)
        self._section.setHidden(not extra)

    # --- output -----------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """The displayed value of every row, by stable key (``"theta"``, ``"grad"``, ...)."""
        return {key: item.text(1) for key, item in self._items.items()}

    def copy_selection(self) -> None:
        """Copy the selected rows (all rows if none) as ``label<TAB>value`` lines."""
        items = self.tree.selectedItems() or [self.tree.topLevelItem(i)
                                              for i in range(self.tree.topLevelItemCount())]
        text = "\n".join(f"{item.text(0)}\t{item.text(1)}" for item in items)
        QGuiApplication.clipboard().setText(text)
