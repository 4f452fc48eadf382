"""The main window: views in the middle, side panels in docks, run controls in the toolbar.

State flows one way: a panel reports an edit → :mod:`gdsim.app.model.edits` turns it into a
new list of :class:`~gdsim.core.config.RunConfig` → the worker (in its own thread) applies it
live or rebuilds the run → frames come back → :class:`~gdsim.app.model.history.History`
stitches them → the display timer redraws the views from the history. The window computes
nothing numerical itself.
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
    QWidget,
)

from gdsim.app import comfort, help_menu, layout
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
from gdsim.app.files.documents import Documents, view_box_from
from gdsim.app.files.settings import Settings
from gdsim.app.model import edits
from gdsim.app.model.frame import Frame
from gdsim.app.model.history import History
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
from gdsim.app.plots.surface_view import SurfaceView
from gdsim.core.config import ConfigError, RunConfig, first_unshared
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.params import ParamError
from gdsim.core.run import Run
from gdsim.core.surfaces import Surface, make_surface

DISPLAY_INTERVAL_MS = 16
"""The display timer: at most ~60 redraws a second, fewer when a redraw is expensive."""

HISTORY_RESERVE = 10_000_000
"""Rows the GUI's history reserves at most up front (untouched memory until used)."""

REDRAW_DUTY = 0.4
"""While playing, redraws (with their painting) take at most this share of the GUI's time."""

_STATE_COLORS = {"running": "#1E7B34", "paused": "#555555", "converged": "#0B5FA5",
                 "diverged": "#B00020", "step limit": "#A35200"}


class MainWindow(QMainWindow):
    """The gdsim main window.

    Construct it with no arguments once a ``QApplication`` exists (the default run: gradient
    descent on the bowl), or with a list of configurations to compare.

    Public API:
        run: the current core :class:`~gdsim.core.run.Run`, owned by the worker thread —
            read it only while paused.
        configs / set_configs(list): the runs' configurations (shared surface and seed).
        selected_run / select_run(i): the run the side panels edit.
        history: the GUI's copy of the trajectories.
        play(), pause(), step(), reset(), set_start(point), export(path=None).
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
        self._configs: list[RunConfig] = list(configs or [RunConfig()])
        _check_shared(self._configs)
        self._selected = 0
        self._history: History | None = None
        self._surface_cache: tuple[tuple, Surface] | None = None
        self._lane_labels: tuple[str, ...] = ()
        self._session_view: dict | None = None  # a session's view, kept while its surface is
        self._generation = 0  # frames of older generations are stale
        self._dirty = False
        self.redraw_count = 0
        """How many times the views were redrawn (for benchmarks)."""

        self._build_views()
        self._build_panels()
        self.window_actions = create_actions(self)
        self.action_run = self.window_actions.run
        self.action_step = self.window_actions.step
        self.action_reset = self.window_actions.reset
        self.action_export = self.window_actions.export
        self.speed_control = SpeedControl()
        self.step_limit_spin = make_step_limit_spin()
        build_toolbar(self, self.window_actions, self.speed_control, self.step_limit_spin)
        build_menus(self, self.window_actions, self.docks)
        self._build_status_bar()
        self.documents = Documents(self, settings)
        help_menu.install(self)  # Help ▸ User Guide, Keyboard Shortcuts
        self.view_options = comfort.ViewOptions(self, settings)  # dark theme, presentation
        self._connect()
        self._show_configs()
        self.default_layout()
        self.layout_restored = False  # set when a remembered dock layout is restored
        layout.FirstShowArranger(self)

        self.controller = SimulationController(self._configs, self)
        self.controller.sigFrame.connect(self._on_frame)
        self.controller.sigSurface.connect(self._on_surface)
        self.controller.sigMessage.connect(lambda text: self.show_message(text, error=True))
        self.controller.set_speed(self.speed_control.speed())
        self.pacer = DisplayPacer(self.controller, self._redraw_parts, DISPLAY_INTERVAL_MS,
                                  REDRAW_DUTY, self)
        self.pacer.watch(view.viewport() for view in self.findChildren(pg.GraphicsView))
        self.pacer.start()
        self.controller.start()
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self._shutdown)

    # --- construction -----------------------------------------------------------------------
    def _build_views(self) -> None:
        self.surface_view = SurfaceView()
        self.loss_plot = LossPlot()
        self.data_view = DataView()
        self.inspector = StepInspector()
        self.data_view.setVisible(False)
        # The map on top; below it the loss plot and, for data-driven surfaces, the data.
        self.plots_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.plots_splitter.setObjectName("plots_splitter")
        self.plots_splitter.addWidget(self.loss_plot)
        self.plots_splitter.addWidget(self.data_view)
        self.central_splitter = QSplitter(Qt.Orientation.Vertical)
        self.central_splitter.setObjectName("central_splitter")
        self.central_splitter.addWidget(self.surface_view)
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
        a = self.window_actions
        a.run.triggered.connect(lambda checked: self.play() if checked else self.pause())
        a.step.triggered.connect(self.step)
        a.reset.triggered.connect(self.reset)
        a.export.triggered.connect(lambda: self.export())
        a.quit.triggered.connect(self.close)
        a.reset_view.triggered.connect(self.surface_view.reset_view)
        a.log_y.toggled.connect(self.loss_plot.set_log_y)
        self.loss_plot.log_y_check.toggled.connect(a.log_y.setChecked)
        for name, action in a.aids.items():
            action.toggled.connect(lambda on, n=name: self.surface_view.set_aid(n, on))
            self.surface_view.set_aid(name, action.isChecked())
        self.speed_control.sigSpeedChanged.connect(lambda s: self.controller.set_speed(s))
        self.step_limit_spin.valueChanged.connect(self._step_limit_edited)
        self.surface_view.sigStartRequested.connect(self.set_start)

        sel = lambda: self._selected  # noqa: E731 - read at edit time
        sp = self.surface_panel
        sp.sigSurfaceChosen.connect(self._choose_surface)
        sp.sigParamEdited.connect(lambda name, value: self._edit(
            lambda cs: edits.set_param(cs, sel(), "surface_params", name, value)))
        sp.sigStartEdited.connect(self.set_start)
        sp.sigSeedEdited.connect(lambda seed: self._edit(
            lambda cs: edits.apply_changes(cs, sel(), {"seed": seed})))
        op = self.optimizer_panel
        op.sigOptimizerChosen.connect(lambda name: self._edit(
            lambda cs: edits.choose_optimizer(cs, sel(), name)))
        op.sigLrEdited.connect(lambda lr: self._edit(
            lambda cs: edits.apply_changes(cs, sel(), {"lr": lr})))
        op.sigParamEdited.connect(lambda name, value: self._edit(
            lambda cs: edits.set_param(cs, sel(), "optimizer_params", name, value)))
        self.batch_panel.sigBatchEdited.connect(lambda size: self._edit(
            lambda cs: edits.apply_changes(cs, sel(), {"batch_size": size})))
        sc = self.schedule_panel
        sc.sigScheduleChosen.connect(lambda name: self._edit(
            lambda cs: edits.choose_schedule(cs, sel(), name)))
        sc.sigParamEdited.connect(lambda name, value: self._edit(
            lambda cs: edits.set_param(cs, sel(), "schedule_params", name, value)))
        for panel in (sp, op, sc, self.batch_panel, self.step_limit_spin):
            panel.sigInvalid.connect(lambda text: self.show_message(text, error=True))
        rp = self.runs_panel
        rp.sigSelected.connect(self.select_run)
        rp.sigAddRequested.connect(lambda: self._edit(
            lambda cs: edits.duplicate_run(cs, sel())))
        rp.sigRemoveRequested.connect(lambda: self._edit(
            lambda cs: edits.remove_run(cs, sel())))

    # --- public API -------------------------------------------------------------------------
    @property
    def run(self) -> Run:
        """The current core run, owned and advanced by the worker thread.

        Read it only while paused: during play the worker mutates it between your reads. After
        :meth:`set_configs` (or any edit) it is replaced once the worker has processed the
        change, i.e. when the next frame arrives.
        """
        return self.controller.run

    @property
    def configs(self) -> list[RunConfig]:
        """The runs' configurations, in lane order (a copy)."""
        return list(self._configs)

    def set_configs(self, configs: Sequence[RunConfig], view: dict | None = None) -> None:
        """Load a list of runs (a lesson, a session); selects the first.

        Args:
            view: the axes to show, ``{"x_range": [lo, hi], "y_range": [lo, hi]}`` (a
                session's view); default: the surface's view box.

        Raises:
            ValueError: the list is empty or the runs do not share surface, parameters, seed.
        """
        configs = list(configs)
        _check_shared(configs)
        same_surface = self._surface_key(configs[0]) == self._surface_key(self._configs[0])
        self._apply(configs, selected=0)
        self._session_view = dict(view) if view else None
        if same_surface and self._session_view is not None:
            # The worker reports a surface only when it changes: show the view now.
            self._show_surface(self.surface)

    @property
    def surface(self) -> Surface:
        """The surface of the current runs."""
        return self._surface_of(self._configs[0])

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
        return self._selected

    def select_run(self, index: int) -> None:
        """Make run ``index`` the one the side panels edit and the aids follow."""
        if not 0 <= index < len(self._configs) or index == self._selected:
            return
        self._selected = index
        self._show_configs()
        self.surface_view.set_selected_lane(index)
        self.data_view.set_selected_lane(index)
        self.inspector.set_selected_lane(index)
        self._update_status()

    @property
    def history(self) -> History | None:
        """The trajectories received so far (``None`` before the first frame)."""
        return self._history

    def play(self) -> None:
        set_run_action_playing(self.action_run, True)
        self.controller.play()

    def pause(self) -> None:
        set_run_action_playing(self.action_run, False)
        self.controller.pause()

    def step(self) -> None:
        """Exactly one update (pauses first)."""
        set_run_action_playing(self.action_run, False)
        self.controller.step()

    def reset(self) -> None:
        """Back to the start: same configuration, same seed; pauses."""
        set_run_action_playing(self.action_run, False)
        self.controller.reset()

    def set_start(self, point: Sequence[float] | None) -> None:
        """Start every run at ``point`` (``None``: the surface's default) and restart."""
        start = None if point is None else tuple(float(x) for x in point)
        self._edit(lambda cs: edits.apply_changes(cs, self._selected, {"start": start}))

    def export(self, path: str | Path | None = None, **options: Any) -> Path | None:
        """File ▸ Export…: without ``path`` the export dialog asks; with one, the format
        follows its extension (see :meth:`Documents.export` for the options). Returns the
        path written, or ``None`` (cancelled, or failed with a message in the status bar)."""
        return self.documents.export(path, **options)

    def show_message(self, text: str, error: bool = False) -> None:
        """A line in the status bar; errors in red, shown longer."""
        bar = self.statusBar()
        bar.setStyleSheet("QStatusBar { color: #B00020; }" if error else "")
        bar.showMessage(("⚠ " if error else "") + text, 10_000 if error else 4_000)

    def status_text(self) -> str:
        """The status bar's permanent fields as one line (state, steps, loss, speed)."""
        return "  ".join(label.text() for label in (self.status_state, self.status_steps,
                                                     self.status_loss, self.status_speed))

    # --- editing ----------------------------------------------------------------------------
    def _edit(self, change: Callable[[list[RunConfig]], Any]) -> None:
        """Apply an edit from :mod:`~gdsim.app.model.edits`; report an invalid one."""
        try:
            result = change(list(self._configs))
        except (ConfigError, ParamError, ValueError) as exc:
            self.show_message(str(exc), error=True)
            self._show_configs()  # the controls go back to what is in force
            return
        configs, selected = result if isinstance(result, tuple) else (result, self._selected)
        self._apply(configs, selected)

    def _apply(self, configs: list[RunConfig], selected: int) -> None:
        if self._surface_key(configs[0]) != self._surface_key(self._configs[0]):
            self._session_view = None  # a session's view belongs to its surface
        self._configs = configs
        self._selected = min(selected, len(configs) - 1)
        self._show_configs()
        self.controller.set_configs(configs)

    def _choose_surface(self, name: str) -> None:
        """A new surface for every run; the status bar says what became of η, and why."""
        before, old_surface = list(self._configs), self.surface
        self._edit(lambda cs: edits.choose_surface(cs, name))
        if self._configs != before:
            note = edits.lr_change_note(before, self._configs, (old_surface, self.surface))
            if note:
                self.show_message(note)

    def _step_limit_edited(self, max_steps: int) -> None:
        self._configs = edits.set_step_limit(self._configs, max_steps)
        self.controller.set_step_limit(max_steps)

    @staticmethod
    def _surface_key(config: RunConfig) -> tuple:
        return config.surface, tuple(sorted(config.surface_params.items())), config.seed

    def _surface_of(self, config: RunConfig) -> Surface:
        """The surface object for ``config`` (built once per surface, parameters, seed)."""
        key = self._surface_key(config)
        if self._surface_cache is None or self._surface_cache[0] != key:
            self._surface_cache = (key, make_surface(config.surface, config.surface_params,
                                                     config.seed))
        return self._surface_cache[1]

    def _show_configs(self) -> None:
        """Every panel shows the selected run's configuration (no edits are emitted)."""
        config = self._configs[self._selected]
        surface = self._surface_of(config)
        self.surface_panel.set_config(config)
        self.optimizer_panel.set_config(config, config.resolved_lr(surface))
        self.batch_panel.set_config(config, surface.n_examples)
        self.schedule_panel.set_config(config)
        self.step_limit_spin.blockSignals(True)
        self.step_limit_spin.setValue(config.max_steps)
        self.step_limit_spin.blockSignals(False)
        self._show_runs()

    def _show_runs(self) -> None:
        h = self._history
        if h is not None and len(h.lanes) == len(self._configs):
            labels = [lane.label for lane in h.lanes]
            statuses = [lane.status for lane in h.lanes]
        else:
            labels = [c.label or OPTIMIZERS[c.optimizer].title for c in self._configs]
            statuses = [""] * len(self._configs)
        self.runs_panel.set_runs(labels, statuses, self._selected)

    # --- frames and redraws -----------------------------------------------------------------
    def _on_surface(self, generation: int, surface: Surface) -> None:
        self._generation = generation
        self._history = None  # the next frame starts the new run's history
        self._dirty = False
        self._show_surface(surface)
        self.loss_plot.set_surface(surface)
        if surface.data_driven and not self.data_view.isVisible():
            self.data_view.setVisible(True)  # before set_surface: it sizes itself
            half = sum(self.plots_splitter.sizes()) // 2
            self.plots_splitter.setSizes([half, half])
        self.data_view.setVisible(surface.data_driven)
        if surface.data_driven:
            self.data_view.set_surface(surface)
        self.window_actions.log_y.setChecked(surface.log_scale)  # a per-surface default

    def _show_surface(self, surface: Surface) -> None:
        """Draw the surface, over the session's view if there is one."""
        view = self._session_view
        box = view_box_from(view, surface.dim) if view else None
        self.surface_view.set_surface(surface, box)
        if view and "x_range" in view and "y_range" in view:
            self.surface_view.plot_item.setRange(xRange=view["x_range"],
                                                 yRange=view["y_range"], padding=0)
        if self._history is not None:
            self.surface_view.update_history(self._history)

    def _on_frame(self, frame: Frame) -> None:
        if frame.generation < self._generation:
            return  # stale: from before a reset or a rebuild
        self._generation = frame.generation
        runs, dim = frame.theta.shape[1:]
        h = self._history
        if h is None or (h.runs, h.dim) != (runs, dim):
            reserve = min(max(c.max_steps for c in self._configs) + 1, HISTORY_RESERVE)
            h = self._history = History(runs, dim, capacity=reserve)
        with self.pacer.holding():  # a growing history copies its buffers: no contention
            if not h.add(frame):
                return
        labels = tuple(lane.label for lane in frame.lanes)
        if labels != self._lane_labels:
            self._lane_labels = labels
            for view in (self.surface_view, self.loss_plot, self.data_view):
                view.set_lanes(list(labels))
            if self._selected >= len(labels):
                self._selected = 0
            for view in (self.surface_view, self.data_view, self.inspector):
                view.set_selected_lane(self._selected)
        if self.action_run.isChecked() != frame.playing:
            set_run_action_playing(self.action_run, frame.playing)
        self._dirty = True
        if frame.playing:
            self.pacer.mark_dirty()  # redrawn at the display timer's pace
        else:
            self._redraw()  # a step, a reset or an edit: show it at once

    def _redraw(self) -> None:
        """Redraw every view from the history now (after a step, a reset, an edit)."""
        for part in self._redraw_parts():
            part()

    def _redraw_parts(self) -> list[Callable[[], object]]:
        """The redraw in parts, one view each, for the display pacer; empty if up to date."""
        h = self._history
        if h is None or not self._dirty:
            return []
        self._dirty = False
        parts: list[Callable[[], object]] = [partial(self.surface_view.update_history, h),
                                              partial(self.loss_plot.update_history, h)]
        if self.data_view.isVisible():
            parts.append(partial(self.data_view.update_history, h))
        return [*parts, partial(self._finish_redraw, h)]

    def _finish_redraw(self, h: History) -> None:
        self.inspector.update_history(h)
        self._update_status()
        self._show_runs()
        self.redraw_count += 1
        self.sigRedrawn.emit()

    def _update_status(self) -> None:
        h = self._history
        if h is None or not h.lanes:
            return
        lane = min(self._selected, len(h.lanes) - 1)
        info = h.lanes[lane]
        state = info.status
        if state == "running" and not h.playing:
            state = "paused"
        self.status_state.setText(state)
        self.status_state.setStyleSheet(
            f"color: {_STATE_COLORS.get(state, '#000')}; font-weight: bold;")
        self.status_steps.setText(f"step {info.steps_done:,}")
        loss = h.loss[h.lane_rows(lane) - 1, lane]
        self.status_loss.setText(f"L = {loss:.6g}")
        self.status_speed.setText(f"{h.steps_per_second:,.0f} steps/s" if h.playing else "")

    # --- shutdown ---------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.documents.remember()
        self._shutdown()
        super().closeEvent(event)

    def _shutdown(self) -> None:
        """Stop the display timer and the worker thread (waits for it); idempotent."""
        self.pacer.stop()
        self.controller.shutdown()


def _check_shared(configs: Sequence[RunConfig]) -> None:
    if not configs:
        raise ValueError("at least one run configuration is needed")
    unshared = first_unshared(configs)
    if unshared is not None:
        i, name = unshared
        raise ValueError(f"run {i + 1} does not share the {name.replace('_', ' ')} "
                         "of run 1; compared runs must share it")
