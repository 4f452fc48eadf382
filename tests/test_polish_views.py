"""Issue 8: absurd numbers never reach the views as warnings or non-finite ranges; the
first minutes of a student (ticks, the loss plot at step 0, overlays, layout)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdsim.app import MainWindow
from gdsim.app.model.formatting import finite_range, safe_norm
from gdsim.core.config import RunConfig

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_safe_norm_and_finite_range_never_overflow() -> None:
    assert safe_norm([1e300, 1e300]) == pytest.approx(math.sqrt(2) * 1e300)
    assert safe_norm([3.0, 4.0]) == 5.0 and safe_norm([]) == 0.0
    assert math.isinf(safe_norm([1.7e308, 1.7e308]))  # truly beyond the float range
    assert math.isnan(safe_norm([1.0, math.nan]))
    lo, hi = finite_range([1.0, math.inf, -math.inf, 3.0, math.nan], 0.5)
    assert (lo, hi) == (0.0, 4.0)
    lo, hi = finite_range([-1e308, 1e308], 0.1)
    assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
    assert finite_range([math.nan]) == (-1.0, 1.0)
    lo, hi = finite_range([2.0, 2.0])
    assert lo < 2.0 < hi


def _step_until_stopped(qtbot, w: MainWindow, steps: int = 6) -> None:
    for _ in range(steps):
        h = w.history
        if h is not None and h.lanes and h.lanes[0].status != "running":
            return
        with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
            w.action_step.trigger()


@pytest.mark.parametrize("config", [
    RunConfig(lr=1e300),
    RunConfig(surface="rosenbrock", optimizer="adam", lr=1e300),
    RunConfig(surface="rosenbrock", optimizer="momentum", lr=1e300),
    RunConfig(surface="linear-regression", lr=1e300),
    RunConfig(surface="double-well", lr=1e300),
], ids=["bowl-gd", "rosenbrock-adam", "rosenbrock-momentum", "linreg-gd", "double-well"])
def test_a_run_that_overflows_ends_diverged_silently(qtbot, config: RunConfig) -> None:
    """η = 1e300 with every aid on: no RuntimeWarning (pytest turns them into errors), the
    run says "diverged", and the views show its last finite state."""
    w = MainWindow([config])
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    for action in w.window_actions.aids.values():
        action.setChecked(True)
    qtbot.waitUntil(lambda: w.history is not None)
    _step_until_stopped(qtbot, w)
    assert w.status_state.text() == "diverged"
    values = w.inspector.values()
    theta = values["theta_next"] if values["theta_next"] != "—" else values["theta"]
    assert "NaN" not in theta and "∞" not in theta, values
    assert "diverged at step" in w.inspector.header.text()
    for plot in (w.surface_view.plot_item, w.loss_plot.plot_item, w.data_view.plot_item):
        for lo, hi in plot.viewRange():
            assert math.isfinite(lo) and math.isfinite(hi)
    w.close()


def test_non_finite_data_never_reach_the_data_view_range(qtbot) -> None:
    """Targets that overflowed to ±inf (true_w = 1e308 in a session) leave the data view's
    range finite: pyqtgraph raised "Cannot set range [-inf, inf]"."""
    from gdsim.app.plots.data_view import DataView
    from gdsim.core.surfaces import make_surface

    surface = make_surface("linear-regression", {}, 0)
    surface.y = np.where(np.arange(len(surface.y)) % 2 == 0, np.inf, -np.inf)
    surface.y[3] = 5.0
    view = DataView()
    qtbot.addWidget(view)
    view.set_surface(surface)
    (x0, x1), (y0, y1) = view.plot_item.viewRange()
    assert all(math.isfinite(v) for v in (x0, x1, y0, y1))
    assert y0 < 5.0 < y1


# --- the loss plot at step 0 and after Reset ----------------------------------------------------
def drawn_labels(axis) -> list[str]:
    """The tick labels pyqtgraph actually draws on ``axis`` (after its own crowding and
    clipping rules)."""
    from PySide6.QtGui import QImage, QPainter

    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [text for _, _, text in specs[2]]


def _check_loss_plot_at_start(w: MainWindow) -> None:
    plot = w.loss_plot
    (x0, x1), _ = plot.plot_item.viewRange()
    assert -1.0 <= x0 <= 0.0 and x1 >= 5.0, (x0, x1)  # steps start at 0, never −30…30
    for pi in plot.plots:
        left = drawn_labels(pi.getAxis("left"))
        assert len(left) >= 2, (pi.getAxis("left").labelText, left)
    bottom = drawn_labels(plot.lr_plot.getAxis("bottom"))
    assert len(bottom) >= 2 and "0" in bottom and all(not s.startswith("-") for s in bottom)
    # The start point is a visible dot on every panel.
    for dot in plot.start_dots(0):
        assert dot.isVisible()
        x, y = dot.getData()
        assert list(x) == [0.0] and np.isfinite(y).all()


@pytest.mark.parametrize("config", [RunConfig(), RunConfig(surface="rosenbrock"),
                                    RunConfig(surface="linear-regression", optimizer="adam")])
def test_the_loss_plot_at_step_0_and_after_reset(qtbot, config: RunConfig) -> None:
    w = MainWindow([config])
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None and w.history.length >= 1)
    qtbot.waitUntil(lambda: w.loss_plot.plot_item.viewRange()[0][1] >= 5.0)
    _check_loss_plot_at_start(w)
    for _ in range(3):
        with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
            w.action_step.trigger()
    with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
        w.action_reset.trigger()
    assert w.history is not None and w.history.steps == 0
    _check_loss_plot_at_start(w)
    w.close()


@pytest.mark.parametrize("size", [(420, 260), (600, 400), (900, 330)])
@pytest.mark.parametrize("log", [False, True])
def test_the_loss_legend_never_covers_a_curve(qtbot, size: tuple[int, int], log: bool) -> None:
    """Four runs that start together at the top left, where a legend would sit: the legend
    gets a band of its own above the curves."""
    from gdsim.app.model.history import History
    from gdsim.app.plots.legend import path_points
    from gdsim.app.plots.loss_plot import LossPlot
    from tests.test_plots import history_of, labels_of, make_run, shown

    run = make_run("bowl", ("gd", "momentum", "adam", "rmsprop"), lr=0.05, start=(4.0, 4.0),
                   steps=40)
    history: History = history_of(run)
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_surface(run.surface)
    plot.set_lanes(labels_of(run))
    shown(qtbot, plot, size)
    plot.set_log_y(log)
    plot.update_history(history)
    qtbot.wait(20)
    plot.update_history(history)
    if not plot.legend.isVisible():  # no room even in columns: hidden, never over a curve
        assert size[1] < 300
        return
    box = plot.legend.rect_in_view()
    assert box is not None
    for lane in plot.lanes:
        xy = path_points([lane.loss])
        inside = ((xy[:, 0] >= box.left()) & (xy[:, 0] <= box.right())
                  & (xy[:, 1] >= box.top()) & (xy[:, 1] <= box.bottom()))
        assert not inside.any(), (size, log)


def test_runs_have_distinct_colour_blind_safe_colours_and_shapes(qtbot) -> None:
    """Okabe–Ito colours, and a marker shape per run: apart in greyscale too."""
    from gdsim.app import style

    okabe_ito = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#000000",
                 "#F0E442"}
    n = len(style.LANE_COLORS)
    assert set(style.LANE_COLORS) <= okabe_ito
    assert len({style.lane_symbol(i) for i in range(n)}) == n
    assert len({(style.lane_hex(i), style.lane_symbol(i)) for i in range(2 * n)}) == n
    for i in range(n):
        assert style.current_marker(i)["symbol"] == style.lane_symbol(i)
        assert style.start_marker(i)["symbol"] == style.lane_symbol(i)
    w = MainWindow([RunConfig(), RunConfig(optimizer="momentum"), RunConfig(optimizer="adam")])
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None and len(w.surface_view.lanes.lanes) == 3)
    shapes = [lane.current.opts["symbol"] for lane in w.surface_view.lanes.lanes]
    assert len(set(shapes)) == 3
    w.close()


def test_rates_far_apart_keep_the_step_axis_automatic(qtbot) -> None:
    """Rates 50× apart put η on a log axis; its range change reached the x-linked loss plot
    and switched its x auto-range off (steps stuck at −0.5…0.5)."""
    configs = [RunConfig(surface="himmelblau", start=(0.5, -4.5)),
               RunConfig(surface="himmelblau", optimizer="adam", lr=0.1, start=(0.5, -4.5))]
    w = MainWindow(configs)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None)
    for _ in range(12):
        with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
            w.action_step.trigger()
    assert w.loss_plot.lr_plot.getAxis("left").logMode
    (x0, x1), _ = w.loss_plot.plot_item.viewRange()
    assert x0 <= 0 and x1 >= 12
    w.close()


@pytest.mark.parametrize("lrs", [(None, 0.1), (0.05, 0.1)], ids=["log", "linear"])
def test_a_short_eta_panel_still_labels_its_rates(qtbot, lrs) -> None:
    """At 1024×640 the η panel is ~50 px tall: its end labels keep clear of the edges (they
    were dropped, leaving the panel without a number)."""
    configs = [RunConfig(surface="himmelblau", lr=lrs[0]),
               RunConfig(surface="himmelblau", optimizer="adam", lr=lrs[1])]
    w = MainWindow(configs)
    qtbot.addWidget(w)
    w.resize(1024, 640)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None)
    for _ in range(3):
        with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
            w.action_step.trigger()
    qtbot.wait(20)
    with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
        w.action_step.trigger()
    labels = drawn_labels(w.loss_plot.lr_plot.getAxis("left"))
    assert len(labels) >= 2, labels
    w.close()


def test_start_dots_on_a_log_axis_skip_values_it_cannot_draw(qtbot) -> None:
    """L − L* = 0 at the start (a run started at the minimum) cannot sit on a log axis: no
    dot, and no "All-NaN slice" warning from pyqtgraph's bounds."""
    from gdsim.app.plots.loss_plot import LossPlot
    from tests.test_plots import history_of, labels_of, make_run, shown

    run = make_run("bowl", ("gd",), start=(0.0, 0.0), steps=3)
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_surface(run.surface)
    plot.set_lanes(labels_of(run))
    plot.set_log_y(True)
    plot.update_history(history_of(run))
    shown(qtbot, plot, (500, 300))
    loss_dot = plot.start_dots(0)[0]
    assert len(loss_dot.getData()[0] or []) == 0
    plot.grab()
