"""The Maps menu's windows: a learning-rate sweep, the LR range test, basins of attraction, the
momentum map and the tuned race, each computed off the GUI thread.

Each window is a self-contained :class:`MapPanel` with a narrow interface:

* :meth:`MapPanel.set_config` gives it the current run's configuration (surface, optimizer,
  start) and the view box;
* it computes its map with :class:`~gdsim.app.engine.maps_worker.MapRunner` (progress bar,
  Cancel, the partial map drawn as it grows);
* a click on the map emits ``sigLoad(configs, view)``: the runs to load (that η, that start,
  those rates).

:class:`MapsMenu` adds the "Maps" menu to the main window and registers with its application
model (:class:`~gdsim.app.model.app_model.AppModel`): the open map windows follow the selected
run, and a click on a map loads its runs into the model (undoable, like opening a session).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gdsim.app.engine import maps_compute
from gdsim.app.engine.maps_compute import CHUNK_SECONDS, REPORT_SECONDS  # noqa: F401
from gdsim.app.engine.maps_worker import MapRunner
from gdsim.app.model.app_model import CONFIGS, SELECTION, SURFACE
from gdsim.app.plots.maps_plots import BasinPlot, LRFindPlot, MomentumPlot, RacePlot, SweepPlot
from gdsim.core.config import RunConfig
from gdsim.core.describe import config_summary
from gdsim.core.maps import (
    DEFAULT_OPTIMIZERS,
    BasinResult,
    LRFindResult,
    MomentumMapResult,
    RaceResult,
    SweepResult,
)
from gdsim.core.maps.momentum_map import momentum_optimizers
from gdsim.core.maps.sweep import check_range
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.surfaces import make_surface

PROGRESS_STEPS = 1000


def _float_field(text: str, tip: str) -> QLineEdit:
    field = QLineEdit(text)
    field.setToolTip(tip)
    field.setMaximumWidth(110)
    return field


def _read_float(field: QLineEdit, name: str) -> float:
    try:
        return float(field.text())
    except ValueError:
        raise ValueError(f"{name}: not a number: {field.text()!r}") from None


def _spin(value: int, low: int, high: int, tip: str, step: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSingleStep(step)
    spin.setToolTip(tip)
    return spin


class MapPanel(QWidget):
    """One map's window: settings, Compute / Cancel, progress, the plot(s).

    Signals:
        sigLoad(list[RunConfig], dict | None): load these runs in the main window.
        sigComputed(object): a computation ended (its final or cancelled result).
    """

    sigLoad = Signal(object, object)
    sigComputed = Signal(object)
    title = "Map"
    name = "map"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName(f"maps_{self.name}")
        self.setWindowTitle(f"gdsim — {self.title}")
        self.config = RunConfig()
        self.view: dict | None = None
        self.result: Any = None
        self.runner = MapRunner(self)
        self.runner.sigPartial.connect(self._partial)
        self.runner.sigFinished.connect(self._finished)
        self.runner.sigFailed.connect(self._failed)
        self.context = QLabel()
        self.context.setWordWrap(True)
        self.form = QFormLayout()
        self.compute_button = QPushButton("Compute")
        self.compute_button.setObjectName("map_compute")
        self.compute_button.clicked.connect(self.compute)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("map_cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar()
        self.progress.setObjectName("map_progress")
        self.progress.setRange(0, PROGRESS_STEPS)
        self.message = QLabel()
        self.message.setObjectName("map_message")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.compute_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        self.plots = QHBoxLayout()
        layout = QVBoxLayout(self)
        layout.addWidget(self.context)
        layout.addLayout(self.form)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addLayout(self.plots, 1)
        self.resize(980, 720)

    # --- the narrow interface -----------------------------------------------------------
    def set_config(self, config: RunConfig, view: dict | None = None) -> None:
        """The current run's configuration and the main window's view (for ranges). The
        settings (rate ranges, ...) follow it when its surface or optimizer changes; a
        computed map stays until the next Compute."""
        kind = (config.surface, dict(config.surface_params), config.optimizer)
        fresh = kind != (self.config.surface, dict(self.config.surface_params),
                         self.config.optimizer) or not self._configured
        self.config = config
        self.view = view
        self._configured = True
        surface = make_surface(config.surface, config.surface_params, config.seed)
        self.context.setText(f"<b>{surface.title}</b>: {config_summary(config, surface)}")
        if fresh:
            self.config_changed()

    _configured = False

    def config_changed(self) -> None:
        """Adapt the settings to a configuration of another surface or optimizer."""

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def compute(self) -> None:
        """Start the map with the current settings (a bad setting is reported, nothing runs)."""
        try:
            job = self.make_job()
        except ValueError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText("Computing…")
        self.progress.setValue(0)
        self.compute_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.runner.start(job)

    def cancel(self) -> None:
        self.runner.cancel()

    def make_job(self) -> Callable:
        raise NotImplementedError

    def plot_widgets(self) -> list[QWidget]:
        """The widgets that draw partial results."""
        return [self.plots.itemAt(i).widget() for i in range(self.plots.count())
                if self.plots.itemAt(i).widget() is not None]

    def show_result(self, result: Any) -> None:
        raise NotImplementedError

    def fraction(self, result: Any) -> float:
        return float(result.progress.fraction)

    # --- worker signals -------------------------------------------------------------------
    def _partial(self, result: Any) -> None:
        self.show_result(result)
        self.progress.setValue(round(self.fraction(result) * PROGRESS_STEPS))
        for plot in self.plot_widgets():
            if plot.isVisible():
                plot.repaint()  # now: the next partial result comes once this one is drawn

    def _finished(self, result: Any) -> None:
        self.show_result(result)
        self.result = result
        cancelled = self._was_cancelled(result)
        self.progress.setValue(PROGRESS_STEPS if not cancelled
                               else round(self.fraction(result) * PROGRESS_STEPS))
        self.message.setText("Cancelled: the partial map is shown." if cancelled else
                             "Done. Click the map to load that run in the main window.")
        self._idle()
        self.sigComputed.emit(result)

    def _failed(self, message: str) -> None:
        self.message.setText(message)
        self._idle()

    def _idle(self) -> None:
        self.compute_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    @staticmethod
    def _was_cancelled(result: Any) -> bool:
        results = result if isinstance(result, tuple) else (result,)
        return any(getattr(r, "progress", None) is not None and r.progress.cancelled
                   for r in results)

    def load(self, configs: list[RunConfig], view: dict | None = None) -> None:
        self.sigLoad.emit(configs, view)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.runner.cancel()
        super().closeEvent(event)

    def shutdown(self) -> None:
        self.runner.shutdown()


# --- the sweep ------------------------------------------------------------------------------
class _RateRange:
    """η_min, η_max fields around the current rate."""

    def __init__(self, panel: MapPanel) -> None:
        self.low = _float_field("1e-4", "smallest learning rate η_min")
        self.high = _float_field("10", "largest learning rate η_max")
        panel.form.addRow("η min", self.low)
        panel.form.addRow("η max", self.high)

    def around(self, lr: float, below: float = 1e3, above: float = 1e2) -> None:
        self.low.setText(f"{lr / below:.3g}")
        self.high.setText(f"{lr * above:.3g}")

    def values(self) -> tuple[float, float]:
        """(η_min, η_max); ``ValueError`` naming the field if they are not a valid range."""
        low, high = _read_float(self.low, "η min"), _read_float(self.high, "η max")
        check_range(low, high)
        return low, high


class SweepPanel(MapPanel):
    """Learning-rate sweep: final loss, steps and status against η; click loads that η."""

    title = "Learning-rate sweep"
    name = "sweep"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rates = _RateRange(self)
        self.points_spin = _spin(400, 2, 10_000, "number of rates, log-spaced", 50)
        self.steps_spin = _spin(1000, 1, 1_000_000, "steps of every run", 100)
        self.form.addRow("rates", self.points_spin)
        self.form.addRow("steps", self.steps_spin)
        self.plot = SweepPlot()
        self.plot.sigPicked.connect(self.pick)
        self.plots.addWidget(self.plot)

    def config_changed(self) -> None:
        self.rates.around(self.config.resolved_lr())

    def make_job(self) -> Callable:
        low, high = self.rates.values()
        config, points, steps = self.config, self.points_spin.value(), self.steps_spin.value()
        return partial(maps_compute.sweep_job, config, low, high, points, steps)

    def show_result(self, result: SweepResult) -> None:
        self.plot.set_result(result)

    def pick(self, lr: float) -> None:
        base = self.result.config if isinstance(self.result, SweepResult) else self.config
        self.load([base.with_changes(lr=lr, max_steps=self.config.max_steps)], self.view)


# --- the LR range test ----------------------------------------------------------------------
class LRFindPanel(MapPanel):
    """The LR range test, then a sweep over the same range to compare with its suggestion."""

    title = "LR range test"
    name = "lr_find"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rates = _RateRange(self)
        self.steps_spin = _spin(300, 2, 100_000, "steps of the ramp (and of each sweep run)", 50)
        self.form.addRow("steps", self.steps_spin)
        self.plot = LRFindPlot()
        self.plot.sigPicked.connect(self.pick)
        self.plots.addWidget(self.plot)
        self._found: LRFindResult | None = None

    def config_changed(self) -> None:
        self.rates.around(self.config.resolved_lr(), 1e4, 1e3)

    def make_job(self) -> Callable:
        low, high = self.rates.values()
        return partial(maps_compute.lr_find_job, self.config, low, high,
                       self.steps_spin.value())

    def show_result(self, result: Any) -> None:
        if isinstance(result, LRFindResult):
            self._found = result
            self.plot.set_result(result)
        elif isinstance(result, tuple):
            self._found = result[0]
            self.plot.set_result(result[0], result[1] if len(result) > 1 else None)
        elif isinstance(result, SweepResult) and self._found is not None:
            self.plot.set_result(self._found, result)

    def fraction(self, result: Any) -> float:
        if isinstance(result, LRFindResult):
            return 0.5 * result.progress.fraction
        if isinstance(result, SweepResult):
            return 0.5 + 0.5 * result.progress.fraction
        return 1.0

    def pick(self, lr: float) -> None:
        self.load([self.config.with_changes(lr=lr)], self.view)


# --- basins ---------------------------------------------------------------------------------
class BasinsPanel(MapPanel):
    """Basins of two optimizers side by side; a click loads that start with that optimizer."""

    title = "Basins of attraction"
    name = "basins"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid_spin = _spin(128, 2, 512, "starts per side (G×G runs)", 16)
        self.steps_spin = _spin(1000, 1, 100_000, "steps of every run", 100)
        self.second = QComboBox()
        self.second.addItem("(none)", "")
        for name, opt in OPTIMIZERS.items():
            self.second.addItem(opt.title, name)
        self.second.setToolTip("a second optimizer, mapped beside the current one at the "
                               "surface's default rate for it")
        self.form.addRow("grid", self.grid_spin)
        self.form.addRow("steps", self.steps_spin)
        self.form.addRow("beside", self.second)
        self.plot_a = BasinPlot()
        self.plot_b = BasinPlot()
        self.plot_a.sigPicked.connect(lambda x, y: self.pick(0, x, y))
        self.plot_b.sigPicked.connect(lambda x, y: self.pick(1, x, y))
        self.plots.addWidget(self.plot_a)
        self.plots.addWidget(self.plot_b)
        self._shown: list[BasinResult | None] = [None, None]

    def config_changed(self) -> None:
        other = "adam" if self.config.optimizer != "adam" else "gd"
        self.second.setCurrentIndex(max(0, self.second.findData(other)))

    def _ranges(self) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
        if self.view and "x_range" in self.view and "y_range" in self.view:
            return tuple(self.view["x_range"]), tuple(self.view["y_range"])  # type: ignore
        return None, None

    def make_job(self) -> Callable:
        configs = [self.config]
        name = self.second.currentData()
        if name:
            configs.append(self.config.with_changes(optimizer=name, optimizer_params={},
                                                    lr=None))
        grid, steps = self.grid_spin.value(), self.steps_spin.value()
        x_range, y_range = self._ranges()
        self._count = len(configs)
        self.plot_b.setVisible(len(configs) > 1)
        return partial(maps_compute.basins_job, tuple(configs), grid, steps, x_range, y_range)

    def show_result(self, result: Any) -> None:
        items = list(enumerate(result)) if isinstance(result, tuple) and \
            not isinstance(result[0], int) else [result]
        for k, basin in items:
            self._shown[k] = basin
            (self.plot_a if k == 0 else self.plot_b).set_result(basin)

    def fraction(self, result: Any) -> float:
        if isinstance(result, tuple) and isinstance(result[0], int):
            k, basin = result
            return (k + basin.progress.fraction) / max(self._count, 1)
        return sum(b.progress.fraction for b in result) / max(self._count, 1)

    def pick(self, which: int, x: float, y: float) -> None:
        basin = self._shown[which]
        if basin is None:
            return
        config = basin.config.with_changes(start=(x, y), max_steps=self.config.max_steps)
        self.load([config], self.view)


# --- the momentum map -----------------------------------------------------------------------
class MomentumPanel(MapPanel):
    """The (η, μ) map; a click loads that η and μ."""

    title = "Momentum map"
    name = "momentum"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rates = _RateRange(self)
        self.lr_spin = _spin(64, 2, 512, "η cells (log-spaced)", 8)
        self.mu_spin = _spin(64, 2, 512, "μ cells in (0, 1)", 8)
        self.steps_spin = _spin(500, 1, 100_000, "steps of every run", 100)
        self.colour = QComboBox()
        self.colour.addItem("final loss", "loss")
        self.colour.addItem("steps to converge", "steps")
        self.form.addRow("η cells", self.lr_spin)
        self.form.addRow("μ cells", self.mu_spin)
        self.form.addRow("steps", self.steps_spin)
        self.form.addRow("colour", self.colour)
        self.plot = MomentumPlot()
        self.colour.currentIndexChanged.connect(
            lambda _: self.plot.set_colour(self.colour.currentData()))
        self.plot.sigPicked.connect(self.pick)
        self.plots.addWidget(self.plot)

    def _momentum_config(self) -> RunConfig:
        if self.config.optimizer in momentum_optimizers():
            return self.config
        return self.config.with_changes(optimizer="momentum", optimizer_params={}, lr=None)

    def config_changed(self) -> None:
        self.rates.around(self._momentum_config().resolved_lr(), 1e2, 1e2)

    def make_job(self) -> Callable:
        low, high = self.rates.values()
        config = self._momentum_config()
        n_lr, n_mu, steps = self.lr_spin.value(), self.mu_spin.value(), self.steps_spin.value()
        return partial(maps_compute.momentum_job, config, low, high, steps, n_lr, n_mu)

    def show_result(self, result: MomentumMapResult) -> None:
        self.plot.set_result(result)

    def pick(self, lr: float, mu: float) -> None:
        config = self._momentum_config()
        params = {**config.optimizer_params, "momentum": mu}
        self.load([config.with_changes(lr=lr, optimizer_params=params)], self.view)


# --- the race -------------------------------------------------------------------------------
RACE_HEADER = ("optimizer", "tuned η", "final loss", "steps to 1e-6", "status")


class RacePanel(MapPanel):
    """Race, tuned: each optimizer's η from its own sweep, then the race; a results table."""

    title = "Race, tuned"
    name = "race"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optimizers = QLineEdit(",".join(DEFAULT_OPTIMIZERS))
        self.optimizers.setToolTip("optimizers to race, separated by commas")
        self.steps_spin = _spin(1000, 1, 100_000, "the step budget T", 100)
        self.tune = QCheckBox("tune each η by a sweep (best final loss within T)")
        self.tune.setChecked(True)
        self.points_spin = _spin(100, 2, 10_000, "rates per tuning sweep", 10)
        self.form.addRow("optimizers", self.optimizers)
        self.form.addRow("steps", self.steps_spin)
        self.form.addRow("", self.tune)
        self.form.addRow("rates per sweep", self.points_spin)
        self.table = QTableWidget(0, len(RACE_HEADER))
        self.table.setObjectName("race_table")
        self.table.setHorizontalHeaderLabels(RACE_HEADER)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.race_button = QPushButton("Race them in the main window")
        self.race_button.setObjectName("race_load")
        self.race_button.setEnabled(False)
        self.race_button.clicked.connect(self.race_in_window)
        self.export_button = QPushButton("Export table (CSV)…")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export_csv())
        side = QVBoxLayout()
        side.addWidget(self.table, 1)
        side.addWidget(self.race_button)
        side.addWidget(self.export_button)
        self.plot = RacePlot()
        self.plots.addWidget(self.plot, 3)
        self.plots.addLayout(side, 2)

    def make_job(self) -> Callable:
        names = [n.strip() for n in self.optimizers.text().split(",") if n.strip()]
        config, steps = self.config, self.steps_spin.value()
        tuned, points = self.tune.isChecked(), self.points_spin.value()
        from gdsim.core.maps.race import check_optimizers

        check_optimizers(names)
        return partial(maps_compute.race_job, config, tuple(names), steps, tuned, points)

    def show_result(self, result: Any) -> None:
        if isinstance(result, tuple):
            stage, _ = result
            self.message.setText(f"{stage.capitalize()}…")
            return
        if result.progress.cancelled and not len(result.loss) > 1:
            return
        self.plot.set_result(result)
        rows = result.rows()
        self.table.setRowCount(len(rows))
        for i, (name, lr, loss, steps, status) in enumerate(rows):
            for j, text in enumerate((name, f"{lr:.4g}", f"{loss:.4g}",
                                      str(steps) if steps != "" else "—", status)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.race_button.setEnabled(True)
        self.export_button.setEnabled(True)

    def fraction(self, result: Any) -> float:
        if isinstance(result, tuple):
            return float(result[1])
        return 1.0

    def race_in_window(self) -> None:
        if isinstance(self.result, RaceResult):
            configs = [c.with_changes(label=f"{OPTIMIZERS[c.optimizer].title}, tuned η = "
                                             f"{c.resolved_lr():.3g}")
                       for c in self.result.configs]
            self.load(configs, self.view)

    def export_csv(self, path: str | None = None) -> str | None:
        """Write the results table (the CLI's columns); asks for a file without ``path``."""
        if not isinstance(self.result, RaceResult):
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export race results", "race.csv",
                                                  "CSV (*.csv)")
            if not path:
                return None
        from gdsim.cli_maps import RACE_COLUMNS

        with open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(RACE_COLUMNS)
            for row in self.result.rows():
                writer.writerow([repr(v) if isinstance(v, float) else v for v in row])
        return path


PANELS: dict[str, type[MapPanel]] = {
    "sweep": SweepPanel, "lr_find": LRFindPanel, "basins": BasinsPanel,
    "momentum": MomentumPanel, "race": RacePanel,
}
MENU_TEXT = {"sweep": "Learning-rate &sweep…", "lr_find": "LR &range test…",
             "basins": "&Basins of attraction…", "momentum": "&Momentum map…",
             "race": "Race, &tuned…"}


class MapsMenu:
    """The "Maps" menu of ``window`` and the map windows it opens (one per kind, reused).

    It follows ``window.model`` (an :class:`~gdsim.app.model.app_model.AppModel`): registered
    with it, it passes the selected run to the open map windows after every change of the runs
    or the selection, and loads a map's runs with ``model.load``.
    """

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.model = window.model
        self.model.subscribe(self)
        self.panels: dict[str, MapPanel] = {}
        self.menu = window.menuBar().addMenu("&Maps")
        self.menu.setObjectName("maps_menu")
        self.actions: dict[str, QAction] = {}
        for name, text in MENU_TEXT.items():
            action = QAction(text, window)
            action.setObjectName(f"action_maps_{name}")
            action.setToolTip(PANELS[name].__doc__.splitlines()[0])
            action.triggered.connect(lambda _=False, n=name: self.open(n))
            self.menu.addAction(action)
            self.actions[name] = action

    def open(self, name: str) -> MapPanel:
        """Show the map window ``name`` with the window's selected run as its configuration."""
        panel = self.panels.get(name)
        if panel is None:
            panel = PANELS[name](self.window)
            panel.sigLoad.connect(self._load)
            self.panels[name] = panel
        panel.set_config(*self._current())
        panel.show()
        if QGuiApplication.platformName() != "offscreen":  # it has no window stack
            panel.raise_()
        return panel

    def _current(self) -> tuple[RunConfig, dict | None]:
        configs = self.model.configs
        config = configs[min(self.model.selected, len(configs) - 1)]
        return config, self.model.view or self.window.current_view()

    def model_changed(self, change: Any) -> None:
        """The model's runs or selection changed: the open map windows follow."""
        if change.kind not in (CONFIGS, SELECTION, SURFACE):
            return
        config, view = self._current()
        for panel in self.panels.values():
            if panel.isVisible() and not panel.busy:
                panel.set_config(config, view)

    def _load(self, configs: list[RunConfig], view: dict | None) -> None:
        try:
            self.model.load(configs, view)
        except ValueError as exc:
            self.model.message(str(exc), error=True)

    def shutdown(self) -> None:
        self.model.unsubscribe(self)
        for panel in self.panels.values():
            panel.shutdown()


def build_maps_menu(window: QMainWindow) -> MapsMenu:
    """Add the Maps menu to ``window`` (it offers ``model`` and ``current_view()``)."""
    return MapsMenu(window)
