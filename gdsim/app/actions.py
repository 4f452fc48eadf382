"""The window's actions, menus and toolbar, and the toolbar's speed and step-limit controls.

Actions have stable object names (``action_run``, ``action_step``, ``action_reset``,
``action_export``, ``action_aid_<name>``, ``action_log_y``) and standard shortcuts: Space runs
or pauses, Right arrow or S makes one step, R resets, Ctrl+E exports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QStyle,
    QToolBar,
    QWidget,
)

from gdsim.app.model.aids import VISUAL_AIDS
from gdsim.app.panels.controls import IntSpinBox
from gdsim.core.config import FIELD_LABELS
from gdsim.core.params import ParamSpec


class SpeedControl(QWidget):
    """Steps per second, from 1 to as fast as possible, on a slider of round values.

    Signals:
        sigSpeedChanged(float): steps per second; 0 means as fast as possible.
    """

    SPEEDS: tuple[float, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000,
                                 10_000, 0)
    DEFAULT = 20.0
    sigSpeedChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        tip = "Simulation speed in steps per second, up to as fast as the computer can go."
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="speed_slider")
        self.slider.setRange(0, len(self.SPEEDS) - 1)
        self.slider.setPageStep(3)
        self.slider.setFixedWidth(110)
        self.slider.setToolTip(tip)
        self.label = QLabel(objectName="speed_label")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("10000 steps/s") + 4)
        self.label.setToolTip(tip)
        title = QLabel("Speed")
        title.setToolTip(tip)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(title)
        layout.addWidget(self.slider)
        layout.addWidget(self.label)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.slider.valueChanged.connect(self._moved)
        self.set_speed(self.DEFAULT)

    def speed(self) -> float:
        """Steps per second (0 = as fast as possible)."""
        return float(self.SPEEDS[self.slider.value()])

    def set_speed(self, steps_per_second: float) -> None:
        """Move to the closest offered speed (emits :attr:`sigSpeedChanged` if it changes)."""
        if steps_per_second <= 0:
            index = len(self.SPEEDS) - 1
        else:
            finite = [s for s in self.SPEEDS if s > 0]
            index = min(range(len(finite)), key=lambda i: abs(finite[i] - steps_per_second))
        self.slider.setValue(index)
        self._show()

    def _moved(self, _: int) -> None:
        self._show()
        self.sigSpeedChanged.emit(self.speed())

    def _show(self) -> None:
        speed = self.speed()
        self.label.setText("max" if speed == 0 else f"{speed:g} steps/s")


STEP_LIMIT_SPEC = ParamSpec("max_steps", 1000, "Step limit: every run stops after this many "
                            "updates.", kind="int", low=0, high=2**31 - 1)


def make_step_limit_spin() -> IntSpinBox:
    """The step limit: every run stops after this many updates (the field rule of the
    panels: a bad entry is refused with a message)."""
    spin = IntSpinBox(STEP_LIMIT_SPEC, label=FIELD_LABELS["max_steps"])
    spin.setObjectName("step_limit_spin")
    spin.setSingleStep(100)
    spin.setGroupSeparatorShown(True)
    spin.setToolTip(STEP_LIMIT_SPEC.description)
    spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance("100,000,000") + 28)
    return spin


@dataclass
class WindowActions:
    """The window's actions; connect their ``triggered`` signals to do something."""

    run: QAction
    step: QAction
    reset: QAction
    export: QAction
    quit: QAction
    reset_view: QAction
    log_y: QAction
    aids: dict[str, QAction] = field(default_factory=dict)


def _action(parent: QWidget, name: str, text: str, tip: str,
            shortcuts: Iterable[QKeySequence | str] = (),
            icon: QStyle.StandardPixmap | None = None) -> QAction:
    action = QAction(text, parent)
    action.setObjectName(name)
    keys = [QKeySequence(k) if isinstance(k, str) else k for k in shortcuts]
    if keys:
        action.setShortcuts(keys)
        tip = f"{tip} ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    if icon is not None:
        action.setIcon(parent.style().standardIcon(icon))
    return action


def create_actions(window: QMainWindow) -> WindowActions:
    """Build the actions (not yet connected) with their names, shortcuts and tooltips."""
    sp = QStyle.StandardPixmap
    run = _action(window, "action_run", "&Run", "Run or pause the simulation", ["Space"],
                  sp.SP_MediaPlay)
    run.setCheckable(True)
    step = _action(window, "action_step", "&Step", "Make exactly one update",
                   [QKeySequence(Qt.Key.Key_Right), "S"], sp.SP_MediaSkipForward)
    reset = _action(window, "action_reset", "R&eset",
                    "Back to the start: same configuration, same seed, same run", ["R"],
                    sp.SP_BrowserReload)
    export = _action(window, "action_export", "&Export…",
                     "Export the trajectory plot as a PNG image", ["Ctrl+E"],
                     sp.SP_DialogSaveButton)
    quit_ = _action(window, "action_quit", "&Quit", "Quit gdsim",
                    [QKeySequence(QKeySequence.StandardKey.Quit)])
    reset_view = _action(window, "action_reset_view", "Reset &View",
                         "Show the surface's whole view box again", ["Ctrl+0"])
    log_y = _action(window, "action_log_y", "&Logarithmic Loss Axis",
                    "Plot the loss on a logarithmic scale", ["Ctrl+L"])
    log_y.setIconText("log L")
    log_y.setCheckable(True)
    aids = {}
    for spec in VISUAL_AIDS:
        aid = _action(window, f"action_aid_{spec.name}", spec.title, spec.tooltip)
        aid.setIconText(spec.short)
        aid.setCheckable(True)
        aid.setChecked(spec.default)
        aids[spec.name] = aid
    for action in (run, step, reset, export, quit_, reset_view, log_y, *aids.values()):
        window.addAction(action)  # shortcuts work even with the toolbar hidden
    return WindowActions(run, step, reset, export, quit_, reset_view, log_y, aids)


def set_run_action_playing(action: QAction, playing: bool) -> None:
    """Show the run action as Pause while playing, as Run otherwise (without triggering)."""
    action.blockSignals(True)
    action.setChecked(playing)
    action.blockSignals(False)
    sp = QStyle.StandardPixmap
    parent = action.parent()
    action.setText("&Pause" if playing else "&Run")
    if isinstance(parent, QWidget):
        action.setIcon(parent.style().standardIcon(sp.SP_MediaPause if playing
                                                   else sp.SP_MediaPlay))


def build_menus(window: QMainWindow, actions: WindowActions,
                docks: Iterable[QDockWidget]) -> None:
    """File, Simulation and View menus."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addAction(actions.export)
    file_menu.addSeparator()
    file_menu.addAction(actions.quit)
    sim = bar.addMenu("&Simulation")
    for action in (actions.run, actions.step, actions.reset):
        sim.addAction(action)
    view = bar.addMenu("&View")
    for action in actions.aids.values():
        view.addAction(action)
    view.addSeparator()
    view.addAction(actions.log_y)
    view.addAction(actions.reset_view)
    view.addSeparator()
    panels = view.addMenu("&Panels")
    for dock in docks:
        panels.addAction(dock.toggleViewAction())


def build_toolbar(window: QMainWindow, actions: WindowActions, speed: SpeedControl,
                  step_limit: QSpinBox) -> QToolBar:
    """The main toolbar: run controls, speed, step limit, then the visual aids (the loss
    plot's log scale has its own check box, and a View menu entry)."""
    bar = QToolBar("Simulation", window)
    bar.setObjectName("simulation_toolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    for action in (actions.run, actions.step, actions.reset):
        bar.addAction(action)
    bar.addSeparator()
    bar.addWidget(speed)
    limit_label = QLabel("Step limit")
    limit_label.setToolTip(step_limit.toolTip())
    limit_label.setContentsMargins(6, 0, 4, 0)
    bar.addWidget(limit_label)
    bar.addWidget(step_limit)
    bar.addSeparator()
    show = QLabel("Show")
    show.setContentsMargins(6, 0, 2, 0)
    bar.addWidget(show)
    for action in actions.aids.values():
        bar.addAction(action)
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
    return bar
