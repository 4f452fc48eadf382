"""The step inspector: every number of the selected lane's last update, t − 1 → t.

The seeds' bowl example reads here exactly as in the seeds: from θ = (3, 4) with η = 0.1,
∇L = (6, 8), |∇L| = 10, θ → (2.4, 3.2), L: 25 → 16; the first-order prediction
∇L·Δθ = −10 against the actual ΔL = −9.

Compact enough for a 330-pixel dock: values in a small fixed-width font, wrapped at their
commas rather than cut off, the quantity column at most :data:`LABEL_SHARE` of the width
(labels wrap too); every value's tooltip has its explanation and the value in full
precision. The header names the lane and its state: running, paused at step t, converged,
diverged or step limit.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QColor, QFontMetrics, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gdsim.app import style
from gdsim.app.model import explain
from gdsim.app.model.formatting import DASH, fmt_number, fmt_optional, fmt_vector, safe_norm
from gdsim.app.model.history import History
from gdsim.app.model.network_stats import layer_steps
from gdsim.app.model.step_snapshot import StepSnapshot
from gdsim.core.surfaces.network import Network

FULL_DIGITS = 17  # tooltips: every digit of a float64
LABEL_SHARE = 0.45  # the quantity column takes at most this share of the tree's width
RAW_ROLE = Qt.ItemDataRole.UserRole + 1  # an item's text before wrapping
CELL_PADDING = 10  # pixels of a cell that are not text


def wrap_text(text: str, fits: Callable[[str], bool]) -> str:
    """``text`` with line breaks at spaces (after a vector's commas, before a remark) so that
    every line ``fits``; a single word that does not fit stays whole."""
    words = text.split(" ")
    lines = [words[0]]
    for word in words[1:]:
        candidate = f"{lines[-1]} {word}"
        if fits(candidate) or not lines[-1]:
            lines[-1] = candidate
        else:
            lines.append(word)
    return "\n".join(lines)


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
        self._network: Network | None = None  # its layers get a row each
        self.header = QLabel("No run yet")
        self.header.setObjectName("step_inspector_header")
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setFont(style.ui_font(style.BASE_POINT_SIZE, bold=True))
        self.tree = QTreeWidget()
        self.tree.setObjectName("step_inspector_tree")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["quantity", "value"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setWordWrap(True)  # long vectors wrap at their commas, labels at spaces
        self.tree.setUniformRowHeights(False)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setIndentation(0)
        self.tree.setFont(style.ui_font(style.BASE_POINT_SIZE - 1))
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(40)
        self.tree.viewport().installEventFilter(self)
        copy = QAction("Copy", self.tree)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selection)
        self.tree.addAction(copy)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(3)
        layout.addWidget(self.header)
        layout.addWidget(self.tree, 1)
        self.setMinimumWidth(180)

        self._items: dict[str, QTreeWidgetItem] = {}
        self._tooltips: dict[str, str] = {}
        self._metrics = (QFontMetrics(self.tree.font()),
                         QFontMetrics(style.mono_font(style.BASE_POINT_SIZE - 1)))
        self._columns = (1000, 1000)  # text room per column (pixels), set by _fit_columns
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
        item.setData(0, RAW_ROLE, label)
        item.setData(1, RAW_ROLE, DASH)
        item.setToolTip(0, tooltip)
        item.setToolTip(1, tooltip)
        item.setFont(1, style.mono_font(style.BASE_POINT_SIZE - 1))
        item.setData(0, Qt.ItemDataRole.UserRole, key)
        item.setTextAlignment(0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.tree.addTopLevelItem(item)
        self._items[key] = item
        self._tooltips[key] = tooltip
        self._show_wrapped(item, 0)
        return item

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.tree.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return False

    def _fit_columns(self) -> None:
        """The quantity column as wide as its longest label, at most LABEL_SHARE of the width;
        the values get the rest; labels and values wrapped to their column."""
        width = self.tree.viewport().width()
        metrics = self.tree.fontMetrics()
        items = [self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount())]
        wanted = max((metrics.horizontalAdvance(_raw(item, 0)) for item in items),
                     default=60) + CELL_PADDING + 2
        first = max(60, min(wanted, int(LABEL_SHARE * width)))
        if self.tree.columnWidth(0) != first:
            self.tree.setColumnWidth(0, first)
        self._columns = (first - CELL_PADDING, max(40, width - first) - CELL_PADDING)
        for item in items:
            for column in (0, 1):
                self._show_wrapped(item, column)

    def _show_wrapped(self, item: QTreeWidgetItem, column: int) -> None:
        raw = item.data(column, RAW_ROLE)
        if raw is None:
            return
        metrics = self._metrics[column]
        room = self._columns[column]
        text = wrap_text(raw, lambda line: metrics.horizontalAdvance(line) <= room)
        if item.text(column) != text:
            item.setText(column, text)

    # --- input ------------------------------------------------------------------------------
    def set_surface(self, surface: object) -> None:
        """A network's layers get a row each (|∂L/∂W|, |∂L/∂b| and the step's size)."""
        self._network = surface if isinstance(surface, Network) else None

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
        full: dict[str, str] = {}
        extra: list[tuple[str, str, str, str, str]] = []  # key, label, value, full, tooltip
        if snap is None:
            self.header.setText("No run yet")
        else:
            self.header.setText(self._header_html(snap))
            texts.update(self._step_texts(snap))
            full = self._step_texts(snap, FULL_DIGITS)
            info = snap.info
            if info is not None:
                for name, value in info.optimizer_state.items():
                    if name not in info.state_labels:  # e.g. plain SGD's unused buffer
                        continue
                    extra.append((f"state.{name}", info.state_labels[name], fmt_vector(value),
                                  fmt_vector(value, FULL_DIGITS), STATE_TOOLTIP))
                if info.adaptive_scale is not None:
                    extra.append(("adaptive_scale", "adaptive scale s",
                                  fmt_vector(info.adaptive_scale),
                                  fmt_vector(info.adaptive_scale, FULL_DIGITS), SCALE_TOOLTIP))
                extra += self._layer_rows(snap)
                batch = ("full batch" if info.batch_size >= info.n_examples
                         else f"{info.batch_size} of {info.n_examples} examples")
                extra.append(("batch", "batch", batch, batch, "How many examples each update "
                              "averages its gradient over."))
                extra += explain.curvature_rows(snap) + explain.update_rule_rows(snap)
        for key, text in texts.items():
            self._set_value(key, text, full.get(key, text))
        self._set_extra_rows(extra)

    def _layer_rows(self, snap: StepSnapshot) -> list[tuple[str, str, str, str, str]]:
        """For a network: per layer ℓ, |∂L/∂W_ℓ|, |∂L/∂b_ℓ| of the gradient the step used and
        the size of the step in that layer's weights, |ΔW_ℓ|."""
        grad = snap.used_grad if snap.used_grad is not None else snap.grad
        if self._network is None or grad is None:
            return []
        rows = []
        for layer in layer_steps(self._network, grad, snap.delta_theta):
            dw = DASH if layer.step_w is None else fmt_number(layer.step_w)
            text = (f"|∇W| {fmt_number(layer.grad_w)}, |∇b| {fmt_number(layer.grad_b)}, "
                    f"|ΔW| {dw}")
            rows.append((f"layer{layer.number}", f"layer {layer.number}", text, text,
                         f"Layer {layer.number} ({layer.fan_in}→{layer.fan_out} units): the "
                         "norms of the gradient the step used, for its weights and its biases, "
                         "and how far the step moved its weights. Vanishing gradients show as "
                         "norms far smaller in the early layers than in the last."))
        return rows

    def _set_value(self, key: str, text: str, full: str) -> None:
        item = self._items[key]
        if item.data(1, RAW_ROLE) != text:
            item.setData(1, RAW_ROLE, text)
            self._show_wrapped(item, 1)
        tip = self._tooltips[key]
        if full and full != DASH:
            tip = f"{tip}\n\n{_raw(item, 0)} = {full}"
        if item.toolTip(1) != tip:
            item.setToolTip(1, tip)

    def _header_html(self, snap: StepSnapshot) -> str:
        """"<lane> — <state>", the state in its colour: running (step t), paused at step t,
        converged / diverged / step limit at step t."""
        info = snap.info
        label = html.escape(info.label if info is not None else f"lane {snap.lane + 1}")
        status = info.status if info is not None else "running"
        playing = self.history is not None and self.history.playing
        if status == "running" and not playing:
            state, text = "paused", f"paused at step {snap.t:,}"
        elif status == "running":
            state, text = "running", f"running, step {snap.t:,}"
        else:  # a diverged lane's snapshot is its last finite step: say where it stopped
            stopped = info.steps_done if info is not None else snap.t
            state, text = status, f"{status} at step {stopped:,}"
            if stopped != snap.t:
                text += f" (showing step {snap.t:,}, its last finite state)"
        window = self.window()
        dark = window is not None and bool(window.property("dark_theme"))
        color = style.state_colors(dark).get(state, style.FOREGROUND)
        return f'{label} — <span style="color:{color}">{html.escape(text)}</span>'

    @staticmethod
    def _step_texts(snap: StepSnapshot, digits: int = 6) -> dict[str, str]:
        """The rows' values with ``digits`` significant digits."""
        if not snap.has_step:
            return {
                "step": "0 (start: no step yet)",
                "theta": fmt_vector(snap.theta, digits),
                "loss": fmt_number(snap.loss, digits),
                "grad": fmt_vector(snap.grad, digits),
                "grad_norm": fmt_number(safe_norm(snap.grad), digits),
                "lr": fmt_number(snap.next_lr, digits),
            }
        assert snap.prev_grad is not None and snap.prev_loss is not None
        used = fmt_optional(snap.used_grad, digits)
        if not snap.full_batch and snap.info is not None:
            used += f" (mini-batch of {snap.info.batch_size})"
        grad_norm = safe_norm(snap.prev_grad)
        return {
            "step": str(snap.t),
            "theta": fmt_optional(snap.prev_theta, digits),
            "theta_next": fmt_vector(snap.theta, digits),
            "loss": fmt_number(snap.prev_loss, digits),
            "loss_next": fmt_number(snap.loss, digits),
            "grad": fmt_vector(snap.prev_grad, digits),
            "grad_norm": fmt_number(grad_norm, digits),
            "used_grad": used,
            "lr": fmt_optional(snap.lr, digits),
            "delta_theta": fmt_optional(snap.delta_theta, digits),
            "predicted_dl": fmt_optional(snap.predicted_dl, digits),
            "actual_dl": fmt_optional(snap.actual_dl, digits),
        }

    def _set_extra_rows(self, extra: list[tuple[str, str, str, str, str]]) -> None:
        keys = [key for key, *_ in extra]
        if keys != self._extra_keys:  # rebuild only when the set of rows changes
            for key in self._extra_keys:
                item = self._items.pop(key)
                self._tooltips.pop(key, None)
                self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
            for key, label, _, _, tooltip in extra:
                self._add_row(key, label, tooltip)
            self._extra_keys = keys
            self._fit_columns()
        for key, label, text, full, _ in extra:
            item = self._items[key]
            if item.data(0, RAW_ROLE) != label:
                item.setData(0, RAW_ROLE, label)
                self._show_wrapped(item, 0)
            self._set_value(key, text, full)
        self._section.setHidden(not extra)

    # --- output -----------------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        """The displayed value of every row, by stable key (``"theta"``, ``"grad"``, ...)."""
        return {key: _raw(item, 1) for key, item in self._items.items()}

    def copy_selection(self) -> None:
        """Copy the selected rows (all rows if none) as ``label<TAB>value`` lines."""
        items = self.tree.selectedItems() or [self.tree.topLevelItem(i)
                                              for i in range(self.tree.topLevelItemCount())]
        text = "\n".join(f"{_raw(item, 0)}\t{_raw(item, 1)}" for item in items)
        QGuiApplication.clipboard().setText(text)


def _raw(item: QTreeWidgetItem, column: int) -> str:
    """An item's text as set, before wrapping."""
    raw = item.data(column, RAW_ROLE)
    return item.text(column) if raw is None else str(raw)
