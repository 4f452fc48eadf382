"""The main window: views in the middle, side panels in docks, run controls in the toolbar.

The window is wiring. Every fact lives in its :class:`~gdsim.app.model.app_model.AppModel`
(``window.model``): a panel reports an edit → the model turns it into new
:class:`~gdsim.core.config.RunConfig`\\ s (:mod:`gdsim.app.model.edits`), records it for undo and
sends it to the engine (the worker in its own thread) → frames come back into the model's
history → the model tells its subscribers, and the display timer redraws the views from
:meth:`AppModel.shown_history`. The window computes nothing numerical itself.

Adding a plot: a widget with :class:`~gdsim.app.plots.protocol.PlotView`'s ``update_history``
(and, if it needs them, ``set_lanes``, ``set_selected_lane``, ``set_surface``) in its own
module, and one line in :meth:`MainWindow._build_views`: ``self._add_plot(MyPlot(), dock="My
plot")``. The window then feeds it from the model (labels, selection, surface, every redraw's
history, rewound or live).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from gdsim.app import comfort, help_menu, layout, style
from gdsim.app.actions import (
    SpeedControl,
    build_menus,
    build_toolbar,
    create_actions,
    make_step_limit_spin,
    set_run_action_playing,
)
from gdsim.app.engine.pacer import DisplayPacer
from gdsim.app.engine.worker import SimulationController
from gdsim.app.files.documents import Documents
from gdsim.app.files.settings import Settings
from gdsim.app.focus import FocusRules
from gdsim.app.maps_window import build_maps_menu
from gdsim.app.model import app_model as m
from gdsim.app.model import edits
from gdsim.app.model.formatting import fmt_number
from gdsim.app.model.frame import Frame
from gdsim.app.model.history import History
from gdsim.app.model.readout import ReadoutPace
from gdsim.app.panels import (
    BatchPanel,
    OptimizerPanel,
    RunsPanel,
    SchedulePanel,
    SurfacePanel,
)
from gdsim.app.plots.data_view import DataView
from gdsim.app.plots.inspector import StepInspector
from gdsim.app.plots.loss_plot import LossPlot
from gdsim.app.plots.network_views import NetworkView
from gdsim.app.plots.protocol import PlotView, call_optional
from gdsim.app.plots.surface_3d import install_3d_view
from gdsim.app.plots.surface_view import SurfaceView
from gdsim.app.timeline_bar import TimelineBar, add_edit_actions
from gdsim.core.config import RunConfig
from gdsim.core.optimizers import get_optimizer
from gdsim.core.run import Run
from gdsim.core.surfaces import Surface, make_surface
from gdsim.core.surfaces.network import Network

DISPLAY_INTERVAL_MS = 16
"""The display timer: at most ~60 redraws a second, fewer when a redraw is expensive."""

REDRAW_DUTY = 0.9
"""While playing, redraws (with their painting) take at most this share of the GUI's time (the
engine computes in its own process: the rest is for input and the other widgets)."""



class MainWindow(QMainWindow):
    """The gdsim main window.

    Construct it with no arguments once a ``QApplication`` exists (the default run: gradient
    descent on the bowl), or with a list of configurations to compare.

    Public API (the automation contract):
        model: the :class:`~gdsim.app.model.app_model.AppModel` — ``model.configs``,
            ``model.step_count(lane)``, ``model.cursor``, ``model.undo()``, …
        configs / set_configs(list): the runs' configurations (shared surface and seed).
        selected_run / select_run(i): the run the side panels edit.
        history: the GUI's copy of the trajectories.
        play(), pause(), step(), step_back(), reset(), set_start(point), export(path=None).
        open_session(path), save_session(path): without a dialog.
        action_undo, action_redo, action_step_back and the other ``action_*``.
        show_message(text, error=False): a line in the status bar.

    Signals:
        sigRedrawn(): the views were redrawn from the history.
    """

    sigRedrawn = Signal()

    def __init__(self, configs: Sequence[RunConfig] | None = None,
                 parent: QWidget | None = None, settings: Settings | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle("gdsim — watch gradient descent")
        self.model = m.AppModel(configs)
        self._lane_labels: tuple[str, ...] = ()
        self._dirty = False
        self.redraw_count = 0
        self._readout = ReadoutPace()
        """How many times the views were redrawn (for benchmarks)."""

        self._plots: list[Any] = []
        self._extra_docks: list[tuple[str, str, QWidget, Qt.DockWidgetArea]] = []
        self._build_views()
        self._build_panels()
        self.window_actions = create_actions(self)
        self.action_run = self.window_actions.run
        self.action_step = self.window_actions.step
        self.action_reset = self.window_actions.reset
        self.action_export = self.window_actions.export
        self.speed_control = SpeedControl()
        self.step_limit_spin = make_step_limit_spin()
        self.toolbar = build_toolbar(self, self.window_actions, self.speed_control,
                                     self.step_limit_spin)
        build_menus(self, self.window_actions, self.docks)
        self.maps_menu = build_maps_menu(self)  # map windows: sweep, basins, race, ...
        self.view_3d = self._add_plot(install_3d_view(self))  # View ▸ 3-D, its own window
        self.edit_actions = add_edit_actions(self, self.toolbar, self.action_step)
        self.action_undo = self.edit_actions.undo
        self.action_redo = self.edit_actions.redo
        self.action_step_back = self.edit_actions.step_back
        self.timeline = TimelineBar(self.model, self)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.timeline)
        self._build_status_bar()
        self.documents = Documents(self, settings)
        self.model.subscribe(self)
        help_menu.install(self)  # Help ▸ User Guide, Keyboard Shortcuts
        self.view_options = comfort.ViewOptions(self, settings)  # dark theme, presentation
        self._connect()
        self._show_configs()
        self.default_layout()
        self.layout_restored = False  # set when a remembered dock layout is restored
        layout.FirstShowArranger(self)
        self.focus_rules = FocusRules(self, self.surface_view.plot_widget,
                                      revert=self._show_configs)

        self.controller = SimulationController(self.model.engine_configs(), self)
        self.model.attach(self.controller)
        self.controller.sigFrame.connect(self._on_frame)
        self.controller.sigSurface.connect(self._on_surface)
        self.controller.sigMessage.connect(lambda text: self.show_message(text, error=True))
        self.controller.set_speed(self.speed_control.speed())
        self.pacer = DisplayPacer(self._redraw_parts, DISPLAY_INTERVAL_MS, REDRAW_DUTY, self)
        self.pacer.start()
        self.controller.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._shutdown)

    # --- construction -----------------------------------------------------------------------
    def _add_plot(self, view: Any, dock: str = "",
                  area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> Any:
        """Register a plot (:class:`~gdsim.app.plots.protocol.PlotView`): it gets the lanes'
        labels, the selection, the surface (if it has ``set_surface``) and every redraw's
        history. With ``dock`` it is placed in a dock of that title (object name from it);
        otherwise the caller places it."""
        if not isinstance(view, PlotView):
            raise TypeError(f"{type(view).__name__} is no PlotView (it has no update_history)")
        self._plots.append(view)
        if dock:
            name = "_".join(dock.lower().split()) + "_dock"
            self._extra_docks.append((dock, name, view, area))
        return view

    def _build_views(self) -> None:
        self.surface_view = self._add_plot(SurfaceView())
        self.loss_plot = self._add_plot(LossPlot())
        self.data_view = self._add_plot(DataView())
        self.inspector = self._add_plot(StepInspector())
        self.network_view = self._add_plot(NetworkView())  # instead of the map for networks
        self.data_view.setVisible(False)
        self._loss_cursor = pg.InfiniteLine(angle=90, movable=False,
                                            pen=pg.mkPen(style.STATE_COLORS["rewound"], width=1.5))
        self._loss_cursor.setVisible(False)
        self.loss_plot.plot_item.addItem(self._loss_cursor, ignoreBounds=True)
        # The map on top; below it the loss plot and, for data-driven surfaces, the data.
        self.plots_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.plots_splitter.setObjectName("plots_splitter")
        self.plots_splitter.addWidget(self.loss_plot)
        self.plots_splitter.addWidget(self.data_view)
        self.central_splitter = QSplitter(Qt.Orientation.Vertical)
        self.central_splitter.setObjectName("central_splitter")
        # The map, or for a network (θ of many dimensions) its views, in one place.
        self.map_stack = QStackedWidget(objectName="map_stack")
        self.map_stack.addWidget(self.surface_view)
        self.map_stack.addWidget(self.network_view)
        self.central_splitter.addWidget(self.map_stack)
        self.central_splitter.addWidget(self.plots_splitter)
        self.central_splitter.setStretchFactor(0, 2)
        self.central_splitter.setStretchFactor(1, 1)
        for splitter in (self.plots_splitter, self.central_splitter):
            splitter.setChildrenCollapsible(False)
            splitter.setHandleWidth(6)
        self.setCentralWidget(self.central_splitter)

    def _build_panels(self) -> None:
        self.surface_panel = SurfacePanel()
        self.optimizer_panel = OptimizerPanel()
        self.batch_panel = BatchPanel()
        self.schedule_panel = SchedulePanel()
        self.runs_panel = RunsPanel()
        # The controls the issue names, for tests and scripts.
        self.surface_combo = self.surface_panel.surface_combo
        self.optimizer_combo = self.optimizer_panel.optimizer_combo
        self.lr_spin = self.optimizer_panel.lr_spin
        self.batch_spin = self.batch_panel.batch_spin
        self.runs_list = self.runs_panel.runs_list
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.docks: list[QDockWidget] = []
        self.surface_dock = self._dock("Surface", "surface_dock", self.surface_panel, left)
        self.optimizer_dock = self._dock("Optimizer", "optimizer_dock", self.optimizer_panel,
                                         left)
        self.batch_dock = self._dock("Batch", "batch_dock", self.batch_panel, left)
        self.runs_dock = self._dock("Runs", "runs_dock", self.runs_panel, right, scroll=False)
        self.schedule_dock = self._dock("Schedule", "schedule_dock", self.schedule_panel, right)
        self.inspector_dock = self._dock("Step inspector", "inspector_dock", self.inspector,
                                         right, scroll=False)
        for title, name, view, area in self._extra_docks:  # plots registered with a dock
            self._dock(title, name, view, area, scroll=False)
        self.setCorner(Qt.Corner.BottomLeftCorner, left)
        self.setCorner(Qt.Corner.BottomRightCorner, right)

    def default_layout(self) -> None:
        """Docks, their sizes and the splitters of a fresh window, for its width (see
        :mod:`gdsim.app.layout`; done again when the window is first shown)."""
        layout.arrange(self)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea,
              scroll: bool = True) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        if scroll:
            area_widget = QScrollArea()
            area_widget.setWidget(widget)
            area_widget.setWidgetResizable(True)
            area_widget.setFrameShape(QFrame.Shape.NoFrame)
            area_widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            dock.setWidget(area_widget)
        else:
            dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks.append(dock)
        return dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        bar.setObjectName("status_bar")
        self.status_state = QLabel(objectName="status_state")
        self.status_steps = QLabel(objectName="status_steps")
        self.status_loss = QLabel(objectName="status_loss")
        self.status_speed = QLabel(objectName="status_speed")
        tips = ("The selected run's state: running, paused, converged, diverged or step limit.",
                "Updates made so far.", "The selected run's current loss L(θ).",
                "Simulation speed measured over the last second.")
        for label, tip, width in zip(
                (self.status_state, self.status_steps, self.status_loss, self.status_speed),
                tips, ("step limit", "step 1,000,000", "L = -1.2345e-123", "123,456 steps/s"),
                strict=True):
            label.setToolTip(tip)
            label.setMinimumWidth(label.fontMetrics().horizontalAdvance(width) + 16)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            bar.addPermanentWidget(label)
        bar.messageChanged.connect(lambda text: text or bar.setStyleSheet(""))

    def _connect(self) -> None:
        a, model = self.window_actions, self.model
        a.run.triggered.connect(lambda checked: self.play() if checked else self.pause())
        a.step.triggered.connect(self.step)
        a.reset.triggered.connect(self.reset)
        a.export.triggered.connect(lambda: self.export())
        a.quit.triggered.connect(self.close)
        a.reset_view.triggered.connect(self.surface_view.reset_view)
        a.log_y.toggled.connect(model.set_log_y)
        self.loss_plot.log_y_check.toggled.connect(model.set_log_y)
        for name, action in a.aids.items():
            action.setChecked(model.aids[name])
            action.toggled.connect(lambda on, n=name: model.set_aid(n, on))
            self.surface_view.set_aid(name, model.aids[name])
        self.action_undo.triggered.connect(model.undo)
        self.action_redo.triggered.connect(model.redo)
        self.action_step_back.triggered.connect(self.step_back)
        self.speed_control.sigSpeedChanged.connect(lambda s: self.controller.set_speed(s))
        self.step_limit_spin.valueChanged.connect(model.set_step_limit)
        self.surface_view.sigStartRequested.connect(self._map_clicked)
        self.network_view.landscape.message.connect(
            lambda text: self.show_message(text, error=True))
        self.surface_view.plot_item.getViewBox().sigRangeChanged.connect(self._view_changed)

        sel = lambda: model.selected  # noqa: E731 - read at edit time
        edit = model.edit
        sp = self.surface_panel
        sp.sigSurfaceChosen.connect(self._choose_surface)
        sp.sigParamEdited.connect(lambda name, value: edit(
            lambda cs: edits.set_param(cs, sel(), "surface_params", name, value)))
        sp.sigStartEdited.connect(self.set_start)
        sp.sigSeedEdited.connect(lambda seed: edit(
            lambda cs: edits.apply_changes(cs, sel(), {"seed": seed})))
        op = self.optimizer_panel
        op.sigOptimizerChosen.connect(lambda name: edit(
            lambda cs: edits.choose_optimizer(cs, sel(), name)))
        op.sigLrEdited.connect(lambda lr: edit(
            lambda cs: edits.apply_changes(cs, sel(), {"lr": lr})))
        op.sigParamEdited.connect(lambda name, value: edit(
            lambda cs: edits.set_param(cs, sel(), "optimizer_params", name, value)))
        self.batch_panel.sigBatchEdited.connect(lambda size: edit(
            lambda cs: edits.apply_changes(cs, sel(), {"batch_size": size})))
        sc = self.schedule_panel
        sc.sigScheduleChosen.connect(lambda name: edit(
            lambda cs: edits.choose_schedule(cs, sel(), name)))
        sc.sigParamEdited.connect(lambda name, value: edit(
            lambda cs: edits.set_param(cs, sel(), "schedule_params", name, value)))
        for panel in (sp, op, sc, self.batch_panel, self.step_limit_spin):
            panel.sigInvalid.connect(lambda text: self.show_message(text, error=True))
        rp = self.runs_panel
        rp.sigSelected.connect(self.select_run)
        rp.sigAddRequested.connect(model.add_run)
        rp.sigRemoveRequested.connect(model.remove_run)
        rp.sigRenamed.connect(model.rename)

    # --- public API -------------------------------------------------------------------------
    @property
    def run(self) -> Run:
        """The worker's live core run (read it only while paused); prefer :attr:`model`."""
        return self.controller.run

    @property
    def configs(self) -> list[RunConfig]:
        """The runs' configurations, in lane order (a copy; ``model.configs``)."""
        return self.model.configs

    def set_configs(self, configs: Sequence[RunConfig], view: dict | None = None) -> None:
        """Load a list of runs (a lesson, a session); selects the first. Undoable.

        Args:
            view: the axes to show, ``{"x_range": [lo, hi], "y_range": [lo, hi]}`` (a
                session's view); default: the surface's view box.

        Raises:
            ValueError: the list is empty or the runs do not share surface, parameters, seed.
        """
        configs = list(configs)
        if configs:  # a surface that cannot be built (a formula undefined everywhere) raises
            make_surface(configs[0].surface, configs[0].surface_params, configs[0].seed)
        self.model.load(configs, view=view)

    def open_session(self, path: str | Path) -> bool:
        """Open a session or lesson file without a dialog (undoable); False if it is bad."""
        return self.documents.open_session(path)

    def save_session(self, path: str | Path) -> Path | None:
        """Save every run's configuration and the view to ``path`` without a dialog."""
        return self.documents.save_session(path)

    @property
    def surface(self) -> Surface:
        """The surface of the current runs."""
        return self.model.surface

    def current_view(self) -> dict:
        """The trajectory plot's axes: ``{"x_range": [lo, hi], "y_range": [lo, hi]}``."""
        (x0, x1), (y0, y1) = self.surface_view.plot_item.viewRange()
        return {"x_range": [float(x0), float(x1)], "y_range": [float(y0), float(y1)]}

    def current_view_box(self) -> tuple[tuple[float, float], ...]:
        """The shown part of parameter space, one ``(low, high)`` per parameter."""
        view = self.current_view()
        ranges = (tuple(view["x_range"]), tuple(view["y_range"]))
        return ranges[: self.surface.dim]  # type: ignore[return-value]

    @property
    def selected_run(self) -> int:
        return self.model.selected

    def select_run(self, index: int) -> None:
        """Make run ``index`` the one the side panels edit and the aids follow."""
        self.model.select(index)

    @property
    def history(self) -> History | None:
        """The trajectories received so far (``None`` before the first frame)."""
        return self.model.history

    def play(self) -> None:
        set_run_action_playing(self.action_run, True)
        self.model.play()

    def pause(self) -> None:
        set_run_action_playing(self.action_run, False)
        self.model.pause()

    def step(self) -> None:
        """Exactly one update (pauses first); at a rewound cursor, one step forward."""
        set_run_action_playing(self.action_run, False)
        self.model.step()

    def step_back(self) -> None:
        """The timeline one step back (pauses first)."""
        set_run_action_playing(self.action_run, False)
        self.model.step_back()

    def reset(self) -> None:
        """Back to the start: same configuration, same seed; pauses."""
        set_run_action_playing(self.action_run, False)
        self.model.reset()

    def set_start(self, point: Sequence[float] | None) -> None:
        """Start every run at ``point`` (``None``: the surface's default) and restart."""
        self.model.set_start(point)

    def _view_changed(self, *_: object) -> None:
        """The user panned or zoomed: the model keeps the axes (for sessions and snapping),
        unless the map still shows the previous runs' surface."""
        shown = self.surface_view.surface
        if shown is not None and shown.name == self.model.configs[0].surface:
            self.model.set_view(self.current_view())

    def _map_clicked(self, point: Sequence[float]) -> None:
        """A click on the map: every run restarts there, snapped to the view's precision."""
        self.model.set_start(point, self.current_view_box())

    def export(self, path: str | Path | None = None, **options: Any) -> Path | None:
        """File ▸ Export…: without ``path`` the export dialog asks; with one, the format
        follows its extension (see :meth:`Documents.export` for the options). Returns the
        path written, or ``None`` (cancelled, or failed with a message in the status bar)."""
        return self.documents.export(path, **options)

    def show_message(self, text: str, error: bool = False) -> None:
        """A line in the status bar; errors in red, shown longer."""
        bar = self.statusBar()
        bar.setStyleSheet("QStatusBar { color: #B00020; }" if error else "")
        bar.showMessage(("⚠ " if error else "") + text, 10_000 if error else 6_000)

    def status_text(self) -> str:
        """The status bar's permanent fields as one line (state, steps, loss, speed)."""
        return "  ".join(label.text() for label in (self.status_state, self.status_steps,
                                                     self.status_loss, self.status_speed))

    # --- the model's changes ----------------------------------------------------------------
    def model_changed(self, change: m.Change) -> None:
        kind = change.kind
        if kind == m.CONFIGS:
            self._show_configs()
            self._sync_lanes()
        elif kind == m.SELECTION:
            self._show_configs()
            self._select_lane()
            self.update_status()
        elif kind == m.HISTORY:
            self._on_history(change.playing)
        elif kind == m.CURSOR:
            self._dirty = True
            self.pacer.mark_dirty()  # a drag moves it many times: redrawn at the display pace
        elif kind == m.VIEW:
            shown = self.surface_view.surface
            if shown is not None and shown.name == self.model.configs[0].surface:
                self._show_surface(shown)  # same surface: no new one is coming
        elif kind == m.AIDS:
            name = change.text
            self.surface_view.set_aid(name, self.model.aids[name])
            self.window_actions.aids[name].setChecked(self.model.aids[name])
        elif kind == m.LOG_Y:
            self.window_actions.log_y.setChecked(self.model.log_y)
            self.loss_plot.set_log_y(self.model.log_y)
        elif kind == m.UNDO:
            self.action_undo.setEnabled(self.model.can_undo)
            self.action_redo.setEnabled(self.model.can_redo)
        elif kind == m.MESSAGE:
            self.show_message(change.text, error=change.error)

    def _choose_surface(self, name: str) -> None:
        """A new surface for every run; the status bar says what became of η, and why."""
        before, old_surface = self.model.configs, self.model.surface
        if self.model.edit(lambda cs: edits.choose_surface(cs, name)):
            note = edits.lr_change_note(before, self.model.configs,
                                        (old_surface, self.model.surface))
            if note:
                self.show_message(note)

    def _show_configs(self) -> None:
        """Every panel shows the selected run's configuration (no edits are emitted)."""
        model = self.model
        config = model.configs[model.selected]
        surface = model.surface
        self.surface_panel.set_config(config, surface)
        self.optimizer_panel.set_config(config, config.resolved_lr(surface))
        self.batch_panel.set_config(config, surface.n_examples)
        self.schedule_panel.set_config(config)
        self.step_limit_spin.blockSignals(True)
        self.step_limit_spin.setValue(config.max_steps)
        self.step_limit_spin.blockSignals(False)
        self._show_runs()

    def _show_runs(self) -> None:
        h = self.model.history
        labels = self.model.labels
        if h is not None and len(h.lanes) == len(labels):
            statuses = [lane.status for lane in h.lanes]
        else:
            statuses = [""] * len(labels)
        self.runs_panel.set_runs(labels, statuses, self.model.selected)

    def _sync_lanes(self) -> None:
        """The views' lanes follow the model's labels (once the history has that many)."""
        h = self.model.history
        labels = tuple(self.model.labels)
        if h is None or h.runs != len(labels) or labels == self._lane_labels:
            return
        self._lane_labels = labels
        for view in self._plots:
            call_optional(view, "set_lanes", list(labels))
        self._select_lane()
        self._dirty = True

    def _select_lane(self) -> None:
        lane = self.model.selected
        for view in self._plots:
            call_optional(view, "set_selected_lane", lane)

    # --- frames and redraws -----------------------------------------------------------------
    def _on_surface(self, generation: int, surface: Surface) -> None:
        self.model.surface_changed(generation)
        self._dirty = False
        self._lane_labels = ()
        network = isinstance(surface, Network)  # θ has too many dimensions for a map
        self.map_stack.setCurrentWidget(self.network_view if network else self.surface_view)
        if not network:
            self._show_surface(surface)
        if surface.data_driven and not self.data_view.isVisible():
            self.data_view.setVisible(True)  # before set_surface: it sizes itself
            half = sum(self.plots_splitter.sizes()) // 2
            self.plots_splitter.setSizes([half, half])
        self.data_view.setVisible(surface.data_driven)
        for view in self._plots:
            if view is self.surface_view:
                continue  # drawn with the session's view above
            if view is not self.data_view or surface.data_driven:
                call_optional(view, "set_surface", surface)
        self.model.set_log_y(surface.log_scale)  # a per-surface default

    def _show_surface(self, surface: Surface) -> None:
        """Draw the surface, over the model's view if it has one."""
        view = self.model.view
        box = self.model.view_ranges(surface.dim)
        self.surface_view.set_surface(surface, box)
        if view and "x_range" in view and "y_range" in view:
            self.surface_view.plot_item.setRange(xRange=view["x_range"],
                                                 yRange=view["y_range"], padding=0)
        shown = self.model.shown_history()
        if shown is not None:
            self.surface_view.update_history(shown)

    def _on_frame(self, frame: Frame) -> None:
        self.model.receive(frame)

    def _on_history(self, playing: bool) -> None:
        self._sync_lanes()
        if self.action_run.isChecked() != playing:
            set_run_action_playing(self.action_run, playing)
        self._dirty = True
        if playing:
            self.pacer.mark_dirty()  # redrawn at the display timer's pace
        else:
            self._redraw()  # a step, a reset or an edit: show it at once

    def _redraw(self) -> None:
        """Redraw every view from the history now (after a step, a reset, an edit)."""
        for part in self._redraw_parts():
            part()

    def _redraw_parts(self) -> list[Callable[[], object]]:
        """The redraw in parts, one view each, for the display pacer; empty if up to date."""
        h = self.model.shown_history()
        if h is None or not self._dirty:
            return []
        self._dirty = False
        parts: list[Callable[[], object]] = []
        for view in self._plots:
            if view is self.inspector or not view.isVisible():
                continue  # hidden views (data, map or network) wait; the inspector is last
            source = self.model.history if view is self.loss_plot else h
            parts.append(partial(view.update_history, source))
        return [*parts, partial(self._finish_redraw, h)]

    def _finish_redraw(self, h: History) -> None:
        readout = self._readout.due(h.playing)  # text readouts: at most 10 Hz while playing
        if readout:
            self.inspector.update_history(h)
        cursor = self.model.cursor
        self._loss_cursor.setVisible(cursor is not None)
        if cursor is not None:
            self._loss_cursor.setPos(cursor)
        lane = self.model.selected
        if 0 <= lane < len(h.lanes) and h.length:  # 2/λ_max on the η slider
            # The threshold is gradient descent's (momentum's is (2 + 2μ)/λ_max; adaptive
            # methods rescale η per parameter): the other families show none.
            plain = get_optimizer(h.lanes[lane].optimizer).family == "gd"
            self.optimizer_panel.show_curvature(h.lanes[lane].hessian if plain else None,
                                                float(h.lr[-1, lane]))
        if readout:
            self.update_status()
        self._show_runs()
        self.timeline.refresh()
        self.redraw_count += 1
        self.sigRedrawn.emit()

    def update_status(self) -> None:
        """The status bar's fields for the selected run (the state word in the theme's
        colour for that state)."""
        h = self.model.shown_history()
        if h is None or not h.lanes:
            return
        lane = min(self.model.selected, len(h.lanes) - 1)
        info = h.lanes[lane]
        state = info.status
        if state == "running" and not h.playing:
            state = "paused"
        if self.model.cursor is not None:
            state = "rewound"
        self.status_state.setText(state)
        colors = style.state_colors(comfort.is_dark(self))
        self.status_state.setStyleSheet(
            f"color: {colors.get(state, self.palette().windowText().color().name())}; "
            "font-weight: bold;")
        self.status_steps.setText(f"step {info.steps_done:,}")
        loss = h.loss[h.lane_rows(lane) - 1, lane]
        self.status_loss.setText(f"L = {fmt_number(loss)}")
        self.status_speed.setText(f"{h.steps_per_second:,.0f} steps/s" if h.playing else "")

    # --- shutdown ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.documents.remember()
        self._shutdown()
        super().closeEvent(event)

    def _shutdown(self) -> None:
        """Stop the display timer and the worker thread (waits for it); idempotent."""
        self.pacer.stop()
        for view in self._plots:
            call_optional(view, "shutdown")
        self.controller.shutdown()
        self.maps_menu.shutdown()
