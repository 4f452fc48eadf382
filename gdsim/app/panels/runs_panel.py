"""The Runs dock: the runs compared on the same surface; add, remove, select, rename."""

from __future__ import annotations

from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gdsim.app import style


class RunsPanel(QWidget):
    """A list of the runs, each in its lane colour; an item's text is its run's label (its
    status is in the tooltip, in italics once stopped); double-click to rename. The side panels
    edit the selected run.

    Signals:
        sigSelected(int): the user selected run ``i``.
        sigRenamed(int, str): the user named run ``i`` (an empty name: back to the described
            label).
        sigAddRequested(): duplicate the selected run.
        sigRemoveRequested(): remove the selected run.
    """

    sigSelected = Signal(int)
    sigAddRequested = Signal()
    sigRemoveRequested = Signal()
    sigRenamed = Signal(int, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs_list = QListWidget(objectName="runs_list")
        self.runs_list.setToolTip("The runs compared on this surface; the side panels edit "
                                  "the selected one, double-click a run to name it.")
        self.runs_list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                       | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.runs_list.setIconSize(QSize(12, 12))
        self.add_button = QPushButton("Add", objectName="add_run_button")
        self.add_button.setToolTip("Add a copy of the selected run, to change one thing and "
                                   "compare.")
        self.remove_button = QPushButton("Remove", objectName="remove_run_button")
        self.remove_button.setToolTip("Remove the selected run.")
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.runs_list, 1)
        layout.addLayout(buttons)
        self.runs_list.currentRowChanged.connect(self._row_changed)
        self.runs_list.itemChanged.connect(self._item_changed)
        self.add_button.clicked.connect(self.sigAddRequested)
        self.remove_button.clicked.connect(self.sigRemoveRequested)
        self._rows: list[tuple[str, str]] = []

    def set_runs(self, labels: Sequence[str], statuses: Sequence[str], selected: int) -> None:
        """Show the runs (without emitting) unless nothing changed."""
        rows = [(label, status) for label, status in zip(labels, statuses, strict=False)]
        self.runs_list.blockSignals(True)
        if rows != self._rows:
            if len(rows) != self.runs_list.count():
                self.runs_list.clear()
                for i in range(len(rows)):
                    item = QListWidgetItem(_swatch(i), "", self.runs_list)
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            for i, (label, status) in enumerate(rows):
                item = self.runs_list.item(i)
                item.setText(label)
                font = item.font()
                font.setItalic(status not in ("", "running"))
                item.setFont(font)
                item.setToolTip(f"Run {i + 1}: {label} ({status or 'not started'}); "
                                "double-click to rename it.")
            self._rows = rows
        self.runs_list.setCurrentRow(selected)
        self.runs_list.blockSignals(False)
        self.remove_button.setEnabled(len(rows) > 1)

    def status(self, row: int) -> str:
        """The status shown for run ``row`` ("" before the run started)."""
        return self._rows[row][1] if 0 <= row < len(self._rows) else ""

    def _item_changed(self, item: QListWidgetItem) -> None:
        row = self.runs_list.row(item)
        if 0 <= row < len(self._rows) and item.text() != self._rows[row][0]:
            self.sigRenamed.emit(row, item.text())

    def _row_changed(self, row: int) -> None:
        if row >= 0:
            self.sigSelected.emit(row)


def _swatch(lane: int) -> QIcon:
    """The lane's marker, in its colour and shape (as on the map and the loss plot)."""
    color = style.lane_color(lane)
    pixmap = QPixmap(12, 12)
    pixmap.fill(QColor(0, 0, 0, 0))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(color)
    painter.setPen(color.darker(130))
    painter.translate(6, 6)
    painter.scale(10, 10)
    painter.setPen(pg.mkPen(color.darker(130), width=0.1))
    painter.drawPath(pg.graphicsItems.ScatterPlotItem.Symbols[style.lane_symbol(lane)])
    painter.end()
    return QIcon(pixmap)
