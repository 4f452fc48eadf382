"""The timeline scrubber and the Edit menu (undo, redo) with Step back.

* :class:`TimelineBar` — a slider over the recorded steps (object name ``"timeline_slider"``):
  dragging it to step k shows step k everywhere, read from the history (the model's cursor).
* :func:`add_edit_actions` — ``action_undo`` (Ctrl+Z), ``action_redo`` (Ctrl+Shift+Z) in a new
  Edit menu, and ``action_step_back`` (← and Shift+S) in the Simulation menu and the toolbar.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QSlider, QStyle, QToolBar, QWidget

from gdsim.app.model import app_model as m


class TimelineBar(QToolBar):
    """Step 0 … the last step received; at the right end it follows the live run."""

    def __init__(self, model: m.AppModel, parent: QWidget | None = None) -> None:
        super().__init__("Timeline", parent)
        self.setObjectName("timeline_toolbar")
        self.setMovable(False)
        self.model = model
        tip = ("The timeline: drag to show any recorded step (without recomputing); "
               "at the right end it follows the run.")
        title = QLabel("Timeline")
        title.setContentsMargins(6, 0, 6, 0)
        title.setToolTip(tip)
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="timeline_slider")
        self.slider.setToolTip(tip)
        self.slider.setRange(0, 0)
        self.label = QLabel(objectName="timeline_label")
        self.label.setToolTip("The step shown, of the steps recorded.")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(
            "step 1,000,000 of 1,000,000") + 12)
        self.label.setContentsMargins(6, 0, 6, 0)
        self.addWidget(title)
        self.addWidget(self.slider)
        self.addWidget(self.label)
        self.slider.valueChanged.connect(self._moved)
        model.subscribe(self)
        self.refresh()

    def model_changed(self, change: m.Change) -> None:
        if change.kind in (m.CURSOR, m.SURFACE):
            self.refresh()

    def refresh(self) -> None:
        """Show the record's length and the cursor (the end when live)."""
        h = self.model.history
        last = h.steps if h is not None else 0
        cursor = self.model.cursor
        shown = last if cursor is None else cursor
        self.slider.blockSignals(True)
        self.slider.setRange(0, last)
        self.slider.setValue(shown)
        self.slider.setPageStep(max(1, last // 10))
        self.slider.blockSignals(False)
        self.label.setText(f"step {shown:,} of {last:,}" if cursor is not None
                           else f"step {last:,} (live)")

    def _moved(self, value: int) -> None:
        self.model.set_cursor(value)


@dataclass
class EditActions:
    undo: QAction
    redo: QAction
    step_back: QAction


def add_edit_actions(window: QMainWindow, toolbar: QToolBar, step: QAction) -> EditActions:
    """Undo, Redo (a new Edit menu after File) and Step back (before ``step``)."""
    sp = QStyle.StandardPixmap

    def action(name: str, text: str, tip: str, keys: list[QKeySequence],
               icon: QStyle.StandardPixmap | None = None) -> QAction:
        act = QAction(text, window)
        act.setObjectName(name)
        act.setShortcuts(keys)
        tip = f"{tip} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})"
        act.setToolTip(tip)
        act.setStatusTip(tip)
        if icon is not None:
            act.setIcon(window.style().standardIcon(icon))
        window.addAction(act)
        return act

    undo = action("action_undo", "&Undo", "Take back the last change of the runs, with their "
                  "progress", [QKeySequence("Ctrl+Z")])
    redo = action("action_redo", "&Redo", "Make the change taken back again",
                  [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    back = action("action_step_back", "Step &Back", "Show the step before, from the record",
                  [QKeySequence(Qt.Key.Key_Left), QKeySequence("Shift+S")], sp.SP_MediaSkipBackward)
    undo.setEnabled(False)
    redo.setEnabled(False)
    bar = window.menuBar()
    menus = [a for a in bar.actions() if a.menu() is not None]
    edit_menu = bar.addMenu("&Edit")
    edit_menu.addAction(undo)
    edit_menu.addAction(redo)
    if len(menus) > 1:  # after File
        bar.insertAction(menus[1], edit_menu.menuAction())
    for menu_action in menus:
        menu = menu_action.menu()
        if step in menu.actions():
            menu.insertAction(step, back)
    toolbar.insertAction(step, back)
    return EditActions(undo, redo, back)
