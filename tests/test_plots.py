"""The plots draw what the history holds: paths, markers, aids, numbers, curves, data.

Runs are real (:mod:`gdsim.core`), frames go through :func:`gdsim.app.model.frame.make_frame` into a
:class:`~gdsim.app.model.history.History`, and the tests read back what the widgets hold.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QGraphicsItem

from gdsim.app.model import path_decimator
from gdsim.app.model.formatting import fmt_number, fmt_vector
from gdsim.app.model.frame import Frame, LaneInfo, make_frame
from gdsim.app.model.history import History
from gdsim.app.model.loss_grid import ColorScale, contour_segments
from gdsim.app.model.path_decimator import PathDecimator
from gdsim.app.plots import (
    DataView,
    LossPlot,
    StepInspector,
    SurfaceView,
    lane_paths,
    loss_plot,
)
from gdsim.app.plots.axes import NumberAxis
from gdsim.app.plots.lane_paths import PATH_POINT_BUDGET
from gdsim.app.plots.legend import title_text
from gdsim.app.plots.loss_plot import CURVE_POINTS
from gdsim.app.plots.pieces import joined
from gdsim.core import Run, RunConfig

# Qt's offscreen platform (headless CI) says this whenever a top-level window is shown; it is
# about the platform plugin, not about the plots.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


# --- helpers ----------------------------------------------------------------------------------
def make_run(surface: str, optimizers: tuple[str, ...] = ("gd",), steps: int = 0,
             **config: object) -> Run:
    run = Run([RunConfig(surface=surface, optimizer=name, **config) for name in optimizers])
    run.advance(steps)
    return run


def history_of(run: Run, generation: int = 0) -> History:
    history = History(run.runs, run.dim)
    history.add(make_frame(run, generation, 0))
    return history


def labels_of(run: Run) -> list[str]:
    return [run.label(i) for i in range(run.runs)]


def surface_view(qtbot, run: Run, history: History | None = None) -> SurfaceView:
    view = SurfaceView()
    qtbot.addWidget(view)
    view.set_surface(run.surface)
    view.set_lanes(labels_of(run))
    view.update_history(history if history is not None else history_of(run))
    return view


def shown(qtbot, widget, size: tuple[int, int] = (900, 700)):
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def scene_items(plot_item) -> int:
    return len(plot_item.scene().items())


# --- the main view ----------------------------------------------------------------------------
def test_trajectory_and_current_marker_follow_the_run(qtbot) -> None:
    run = make_run("bowl", lr=0.1, start=(3.0, 4.0), steps=20)
    view = surface_view(qtbot, run)
    x, y = view.lanes.path_data(0)
    np.testing.assert_array_equal(x, run.trajectory.theta[:, 0, 0])
    np.testing.assert_array_equal(y, run.trajectory.theta[:, 0, 1])
    np.testing.assert_array_equal(view.lanes.current_point(0), run.theta[0])
    assert view.objectName() == "surface_view"
    assert view.surface_map.level_count() > 100  # level lines are drawn
    assert not view.legend.isVisible() or "global minimum" in str(view.legend.items[0][1].text)


def test_gradient_arrow_points_uphill_and_step_is_true_scale(qtbot) -> None:
    run = make_run("bowl", lr=0.1, start=(3.0, 4.0), steps=1)
    view = surface_view(qtbot, run)
    arrow = view.aids.gradient
    assert arrow.isVisible()
    direction = arrow.tip - arrow.tail
    grad = run.grad[0]  # ∇L at θ_1 = (2.4, 3.2): (4.8, 6.4)
    np.testing.assert_allclose(arrow.tail, run.theta[0])
    factor = direction @ grad / (grad @ grad)
    assert factor > 0
    np.testing.assert_allclose(direction, factor * grad, rtol=1e-9)
    step = view.aids.step
    np.testing.assert_allclose(step.tail, [3.0, 4.0])
    np.testing.assert_allclose(step.tip - step.tail, [-0.6, -0.8], atol=1e-12)
    assert "|∇L| = 8" in view.caption.text()


def test_aids_toggle(qtbot) -> None:
    run = make_run("bowl", lr=0.1, start=(3.0, 4.0), steps=2)
    view = surface_view(qtbot, run)
    for name in ("gradient", "step"):
        view.set_aid(name, False)
        assert not getattr(view.aids, name).isVisible()
        view.set_aid(name, True)
        assert getattr(view.aids, name).isVisible()
    view.set_aid("taylor", True)
    assert view.aids.taylor_text.isVisible()
    assert "predicted ΔL" in view.aids.taylor_text.toPlainText()
    with pytest.raises(ValueError, match="unknown visual aid"):
        view.set_aid("hessian", True)


def test_momentum_state_arrow_and_adaptive_scale(qtbot) -> None:
    run = make_run("rosenbrock", ("momentum", "adam"), steps=30)
    history = history_of(run)
    view = surface_view(qtbot, run, history)
    state = view.aids.state
    assert not state.isVisible()  # off by default, as in the window (one table of aids)
    view.set_aid("state", True)
    assert state.isVisible()
    velocity = history.lanes[0].optimizer_state["momentum_buffer"]
    direction = state.tip - state.tail
    factor = -(direction @ velocity) / (velocity @ velocity)  # drawn as −b: the push on θ
    assert factor > 0
    np.testing.assert_allclose(direction, -factor * velocity, rtol=1e-9)
    assert not view.aids.scale_ellipse.isVisible()  # SGD has no adaptive scale
    view.set_selected_lane(1)  # Adam: first moment m and the per-parameter scale
    assert view.aids.state.isVisible()
    assert view.aids.scale_ellipse.isVisible()
    assert view.aids.scale_text.toPlainText().startswith("η·s = (")


def test_click_on_the_map_requests_a_start(qtbot) -> None:
    run = make_run("himmelblau", steps=5)
    view = shown(qtbot, surface_view(qtbot, run))
    vb = view.plot_item.getViewBox()
    target = QPointF(1.5, -2.0)
    pos = view.plot_widget.mapFromScene(vb.mapViewToScene(target))
    with qtbot.waitSignal(view.sigStartRequested, timeout=2000) as blocker:
        qtbot.mouseClick(view.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    (x, y), = blocker.args
    (x0, x1), (y0, y1) = vb.viewRange()
    assert x == pytest.approx(1.5, abs=(x1 - x0) / 100)
    assert y == pytest.approx(-2.0, abs=(y1 - y0) / 100)


def test_click_on_the_curve_requests_a_1d_start(qtbot) -> None:
    run = make_run("parabola", lr=0.2, steps=3)
    view = shown(qtbot, surface_view(qtbot, run))
    vb = view.plot_item.getViewBox()
    pos = view.plot_widget.mapFromScene(vb.mapViewToScene(QPointF(-2.0, 10.0)))
    with qtbot.waitSignal(view.sigStartRequested, timeout=2000) as blocker:
        qtbot.mouseClick(view.plot_widget.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    (start,) = blocker.args
    assert len(start) == 1 and start[0] == pytest.approx(-2.0, abs=0.1)


def test_parabola_curve_dots_and_tangent(qtbot) -> None:
    run = make_run("parabola", lr=0.2, start=(4.0,), steps=3)  # 4 → 2.4 → 1.44 → 0.864
    view = surface_view(qtbot, run)
    assert view.surface_curve.curve.isVisible()
    assert not view.surface_map.image.isVisible()
    w, loss = view.surface_curve.curve.getData()
    np.testing.assert_allclose(loss, w**2)
    x, y = view.lanes.path_data(0)
    np.testing.assert_allclose(x, [4.0, 2.4, 1.44, 0.864])
    np.testing.assert_allclose(y, x**2)
    view.set_aid("taylor", True)
    assert view.aids.tangent.isVisible()
    tx, ty = view.aids.tangent.getData()
    slope = (ty[1] - ty[0]) / (tx[1] - tx[0])
    assert slope == pytest.approx(2 * 0.864)  # L'(w) = 2w at the current point
    assert np.mean(tx) == pytest.approx(0.864)
    assert np.interp(0.864, tx, ty) == pytest.approx(0.864**2)


def test_diverged_run_draws_without_warnings(qtbot) -> None:
    run = make_run("bowl", lr=1.5, start=(3.0, 4.0), max_steps=200, steps=200)
    assert run.status(0).value == "diverged"
    history = history_of(run)
    # Push it further by hand: overflow to inf and NaN, as a run without a bound would.
    theta = np.array([[[1e200, -1e300]], [[np.inf, -np.inf]], [[np.nan, np.nan]]])
    more = Frame(generation=0, first_row=history.length, theta=theta,
                 loss=np.array([[1e300], [np.inf], [np.nan]]), grad=theta * 2,
                 used_grad=theta * 2, batch_loss=np.full((3, 1), np.inf),
                 lr=np.full((3, 1), 1.5), steps=history.length + 2,
                 lanes=(LaneInfo(**{**history.lanes[0].__dict__,
                                    "steps_done": history.length + 2}),))
    assert history.add(more)
    view = shown(qtbot, surface_view(qtbot, run, history))
    view.set_aid("taylor", True)
    loss_plot = LossPlot()
    qtbot.addWidget(loss_plot)
    loss_plot.set_surface(run.surface)
    loss_plot.set_lanes(labels_of(run))
    loss_plot.update_history(history)
    loss_plot.set_log_y(True)
    inspector = StepInspector()
    qtbot.addWidget(inspector)
    inspector.update_history(history)
    for widget in (view, shown(qtbot, loss_plot), inspector):
        assert not widget.grab().isNull()
    values = inspector.values()
    # Issue 8: a diverged run is shown in its last finite state, not as NaN.
    assert values["theta_next"] == "(1e200, -1e300)"
    assert values["loss_next"] == "1e300"
    assert "last finite state" in inspector.header.text()


def test_views_ignore_histories_that_do_not_fit(qtbot) -> None:
    parabola = make_run("parabola", steps=3)
    bowl = make_run("bowl", ("gd", "gd"), steps=3)
    view, data_view, loss_plot = SurfaceView(), DataView(), LossPlot()
    for widget in (view, data_view, loss_plot):
        qtbot.addWidget(widget)
    view.set_lanes(["a"])
    view.update_history(history_of(parabola))  # no surface yet: nothing to draw on
    view.set_surface(bowl.surface)
    view.update_history(history_of(parabola))  # a 1-D history on a 2-D map: stale, ignored
    assert len(view.lanes.path_data(0)[0]) == 0
    view.update_history(History(2, 2))  # no rows yet
    data_view.set_surface(make_run("linear-regression").surface)
    data_view.set_lanes(["a", "b"])
    data_view.update_history(history_of(bowl))  # fits the dimension: drawn, no error
    data_view.update_history(history_of(parabola))
    assert len(data_view.highlighted_indices()) == 0
    loss_plot.set_lanes(["a", "b", "c"])  # more lanes than runs
    loss_plot.update_history(history_of(bowl))
    x, _ = loss_plot.lanes[2].loss.getOriginalDataset()
    assert x is None or len(x) == 0
    view.set_lanes(["a", "b"])
    view.update_history(history_of(bowl))
    view.set_selected_lane(5)  # no such lane: no aids, no error
    assert not view.aids.gradient.isVisible()


# --- the step inspector -----------------------------------------------------------------------
def test_inspector_reads_the_seeds_bowl_example(qtbot) -> None:
    run = make_run("bowl", lr=0.1, start=(3.0, 4.0), steps=1)
    inspector = StepInspector()
    qtbot.addWidget(inspector)
    inspector.update_history(history_of(run))
    values = inspector.values()
    assert inspector.objectName() == "step_inspector"
    assert values["step"] == "1"
    assert values["theta"] == "(3, 4)"
    assert values["theta_next"] == "(2.4, 3.2)"
    assert values["loss"] == "25"
    assert values["loss_next"] == "16"
    assert values["grad"] == "(6, 8)"
    assert values["grad_norm"] == "10"
    assert values["used_grad"] == "(6, 8)"
    assert values["lr"] == "0.1"
    assert values["delta_theta"] == "(-0.6, -0.8)"
    assert values["predicted_dl"] == "-10"
    assert values["actual_dl"] == "-9"


def test_inspector_before_the_first_step_and_optimizer_state(qtbot) -> None:
    inspector = StepInspector()
    qtbot.addWidget(inspector)
    run = make_run("bowl", lr=0.1, start=(3.0, 4.0))
    inspector.update_history(history_of(run))
    values = inspector.values()
    assert values["theta"] == "(3, 4)" and values["grad"] == "(6, 8)"
    assert values["theta_next"] == "—" and values["delta_theta"] == "—"
    run = make_run("bowl", ("momentum",), lr=0.05, start=(3.0, 4.0), steps=1)
    inspector.update_history(history_of(run))
    values = inspector.values()
    assert values["state.momentum_buffer"] == "(6, 8)"  # b_1 = g_0
    assert values["batch"] == "full batch"
    labels = {inspector.tree.topLevelItem(i).text(0)
              for i in range(inspector.tree.topLevelItemCount())}
    assert "velocity b" in labels
    for i in range(inspector.tree.topLevelItemCount()):
        assert inspector.tree.topLevelItem(i).toolTip(1)


def test_inspector_shows_the_mini_batch_gradient(qtbot) -> None:
    run = make_run("linear-regression", batch_size=10, steps=3)
    history = history_of(run)
    inspector = StepInspector()
    qtbot.addWidget(inspector)
    inspector.update_history(history)
    values = inspector.values()
    assert values["used_grad"].startswith(fmt_vector(history.used_grad[2, 0]))
    assert "mini-batch of 10" in values["used_grad"]
    assert values["grad"] == fmt_vector(history.grad[2, 0])


# --- the loss plot ----------------------------------------------------------------------------
def test_loss_plot_curves_and_log_toggle(qtbot) -> None:
    run = make_run("rosenbrock", ("gd", "adam"), steps=50)
    history = history_of(run)
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_surface(run.surface)
    plot.set_lanes(labels_of(run))
    plot.update_history(history)
    x, y = plot.lanes[1].loss.getOriginalDataset()
    np.testing.assert_array_equal(x, np.arange(51))
    np.testing.assert_array_equal(y, run.trajectory.loss[:, 1])
    _, norms = plot.lanes[0].grad_norm.getOriginalDataset()
    np.testing.assert_allclose(norms, np.linalg.norm(run.trajectory.grad[:, 0], axis=1))
    _, lr = plot.lanes[0].lr.getOriginalDataset()
    assert np.all(lr == run.lr0[0])
    assert plot.legend.isVisible()
    check = plot.findChild(type(plot.log_y_check), "log_y_check")
    assert check is plot.log_y_check and not check.isChecked()
    assert not plot.plot_item.getAxis("left").logMode
    check.click()
    assert plot.log_y() and plot.plot_item.getAxis("left").logMode
    plot.set_log_y(False)
    assert not check.isChecked() and not plot.plot_item.getAxis("left").logMode
    assert plot.grad_plot.getAxis("left").logMode  # |∇L| is always on a log axis


def test_loss_plot_shows_the_mini_batch_loss(qtbot) -> None:
    run = make_run("linear-regression", ("gd", "gd"), steps=20, batch_size=10)
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_lanes(labels_of(run))
    plot.update_history(history_of(run))
    _, batch = plot.lanes[0].batch_loss.getOriginalDataset()
    np.testing.assert_array_equal(batch[:-1], run.trajectory.batch_loss[:-1, 0])
    assert any(label.text == "mini-batch loss" for _, label in plot.legend.items)


# --- the data view ----------------------------------------------------------------------------
def test_data_view_highlights_the_mini_batch(qtbot) -> None:
    run = make_run("linear-regression", batch_size=10, steps=4)
    view = DataView()
    qtbot.addWidget(view)
    view.set_surface(run.surface)
    view.set_lanes(labels_of(run))
    view.update_history(history_of(run))
    assert view.objectName() == "data_view"
    highlighted = view.highlighted_indices()
    assert len(highlighted) == 10
    np.testing.assert_array_equal(highlighted, run.batch_indices(3))
    assert len(view.batch_points.data) == 10
    xs, ys = view.predictions[0].getData()
    np.testing.assert_allclose(ys, run.surface.predict(run.theta[:1], xs)[0])


def test_data_view_logistic_probability_and_placeholder(qtbot) -> None:
    run = make_run("logistic-regression", steps=30)
    view = DataView()
    qtbot.addWidget(view)
    view.set_surface(run.surface)
    view.set_lanes(labels_of(run))
    view.update_history(history_of(run))
    _, p = view.predictions[0].getData()
    assert np.all((p >= 0) & (p <= 1))
    assert view.boundary.isVisible()
    w, b = run.theta[0]
    assert view.boundary.value() == pytest.approx(-b / w, abs=0.05)
    assert len(view.highlighted_indices()) == 0  # full batch: nothing singled out
    view.set_surface(make_run("bowl").surface)
    assert view.placeholder.isVisibleTo(view) or view._stack.currentWidget() is view.placeholder
    assert "no data set" in view.placeholder.text().lower()


# --- scale: a long history is redrawn by setData on the same items ---------------------------
def long_history(rows: int, runs: int = 2) -> History:
    t = np.arange(rows, dtype=float)
    theta = np.empty((rows, runs, 2))
    for lane in range(runs):  # spirals into the minimum, plus a zigzag that never settles
        r = 4.0 * np.exp(-t / (rows / 5)) + 0.05
        theta[:, lane, 0] = r * np.cos(t / 50 + lane) + 0.01 * (-1) ** t
        theta[:, lane, 1] = r * np.sin(t / 50 + lane)
    loss = (theta**2).sum(axis=-1)
    lanes = tuple(LaneInfo(label=f"lane {i}", optimizer="gd", status="running",
                           steps_done=rows - 1, batch_size=100, n_examples=100,
                           optimizer_state={}, state_labels={}, adaptive_scale=None,
                           last_batch=None) for i in range(runs))
    history = History(runs, 2)
    frame = Frame(generation=0, first_row=0, theta=theta, loss=loss, grad=2 * theta,
                  used_grad=2 * theta, batch_loss=loss, lr=np.full((rows, runs), 0.01),
                  steps=rows - 1, lanes=lanes)
    assert history.add(frame)
    return history


def truncated(history: History, rows: int) -> History:
    short = History(history.runs, history.dim)
    lanes = tuple(LaneInfo(**{**lane.__dict__, "steps_done": rows - 1})
                  for lane in history.lanes)
    short.add(Frame(0, 0, history.theta[:rows], history.loss[:rows], history.grad[:rows],
                    history.used_grad[:rows], history.batch_loss[:rows], history.lr[:rows],
                    rows - 1, lanes))
    return short


def test_200k_rows_redraw_with_the_same_items(qtbot) -> None:
    full = long_history(200_000)
    half = truncated(full, 100_000)
    run = make_run("bowl", ("gd", "gd"))
    view = SurfaceView()
    qtbot.addWidget(view)
    view.set_surface(run.surface)
    view.set_lanes(["a", "b"])
    loss_plot = LossPlot()
    qtbot.addWidget(loss_plot)
    loss_plot.set_lanes(["a", "b"])
    view.update_history(half)
    loss_plot.update_history(half)
    before = (scene_items(view.plot_item), len(view.plot_item.items),
              scene_items(loss_plot.plot_item), len(loss_plot.plot_item.items))
    path_items = view.lanes.lanes[0].items()
    view.update_history(full)
    loss_plot.update_history(full)
    after = (scene_items(view.plot_item), len(view.plot_item.items),
             scene_items(loss_plot.plot_item), len(loss_plot.plot_item.items))
    assert before == after
    assert view.lanes.lanes[0].items() == path_items
    x, _ = view.lanes.path_data(0)
    assert 0 < len(x) < 200_000  # decimated to distinct pixel-to-pixel segments
    np.testing.assert_array_equal(view.lanes.current_point(0), full.theta[-1, 0])
    x, y = loss_plot.lanes[0].loss.getOriginalDataset()
    assert x[0] == 0 and x[-1] == 199_999  # every step, peak-decimated
    assert len(x) <= 2 * CURVE_POINTS
    shown(qtbot, view)
    assert not view.grab().isNull()


# --- a million noisy steps: every paint is bounded --------------------------------------------
def noisy_history(rows: int, runs: int = 3, playing: bool = True) -> History:
    """Mini-batch-like runs: a short descent into the minimum, then a cloud of noisy steps
    (independent jitter: every step a new segment, the decimator's worst case)."""
    rng = np.random.default_rng(7)
    t = np.arange(rows, dtype=float)[:, None]
    theta = np.empty((rows, runs, 2))
    for lane in range(runs):
        start = np.array([-4.0 + lane, 2.0 - lane])
        descent = start * np.exp(-t / 300.0)
        theta[:, lane] = descent + (0.05 + 0.03 * lane) * rng.standard_normal((rows, 2))
    loss = (theta**2).sum(axis=-1)
    lanes = tuple(LaneInfo(label=f"lane {i}", optimizer="adam", status="running",
                           steps_done=rows - 1, batch_size=10, n_examples=100,
                           optimizer_state={}, state_labels={}, adaptive_scale=None,
                           last_batch=None) for i in range(runs))
    history = History(runs, 2)
    assert history.add(Frame(0, 0, theta, loss, theta, theta, loss, np.full((rows, runs), 0.01),
                             rows - 1, lanes, playing=playing))
    return history


def drawn_points(view: SurfaceView, lane: int) -> int:
    """Points handed to one lane's path items (frozen and live strokes, and their halos)."""
    graphics = view.lanes.lanes[lane]
    counts = []
    for stroke in (*graphics.frozen.strokes(), graphics.live):
        sizes = {len(item.getOriginalDataset()[0] if item.getOriginalDataset()[0] is not None
                     else []) for item in stroke.items()}
        assert len(sizes) == 1  # the halo draws the same points as the path
        counts.append(sizes.pop())
    return sum(counts)


def test_a_million_noisy_rows_stay_within_the_point_budget(qtbot) -> None:
    assert PATH_POINT_BUDGET <= 4000  # per lane and paint: ~7 ms of Qt line drawing
    full = noisy_history(1_000_000)
    view = SurfaceView()
    qtbot.addWidget(view)
    view.set_surface(make_run("ellipse").surface)
    view.set_lanes([f"lane {i}" for i in range(3)])
    for rows in (150_000, 600_000, 1_000_000):  # growing, as while playing
        view.update_history(full.prefix(rows))
        for lane in range(3):
            assert 0 < drawn_points(view, lane) <= PATH_POINT_BUDGET
            for frozen in view.lanes.lanes[lane].frozen.paths():
                assert not frozen.opts["antialias"]  # a long path: fast aliased line segments
        assert not view.lanes.catching_up  # off screen: everything drawn at once
    np.testing.assert_array_equal(view.lanes.current_point(2), full.theta[-1, 2])
    # Zoomed in on the cloud: new decimation cells, same budget.
    view.plot_item.getViewBox().setRange(xRange=(-0.3, 0.3), yRange=(-0.2, 0.2), padding=0)
    for lane in range(3):
        assert 0 < drawn_points(view, lane) <= PATH_POINT_BUDGET


def test_path_drawing_work_is_split_by_a_deadline(qtbot) -> None:
    history = noisy_history(300_000, runs=2)
    view = SurfaceView()
    qtbot.addWidget(view)
    view.set_surface(make_run("ellipse").surface)
    view.set_lanes(["a", "b"])
    lanes = view.lanes
    lanes.set_view((-5.0, 5.0), (-3.0, 3.0))
    assert not lanes.update(history, deadline=0.0)  # past: one chunk of rows per lane
    for lane in lanes.lanes:
        assert lane.decimator.examined == path_decimator.CHUNK
    calls = 1
    while not lanes.update(history, deadline=0.0):
        calls += 1
        for i in range(2):
            assert drawn_points(view, i) <= PATH_POINT_BUDGET  # partial drawings too
    assert calls >= 300_000 // path_decimator.CHUNK
    done = [lanes.path_data(i) for i in range(2)]
    old = [lane.decimator for lane in lanes.lanes]
    # A zoom keeps the old drawing on screen until the new cells have caught up.
    lanes.set_view((-1.25, 1.25), (-0.75, 0.75))
    assert not lanes.update(history, deadline=0.0)
    for i in range(2):
        assert lanes.lanes[i].decimator is old[i] and lanes.lanes[i].pending is not None
        np.testing.assert_array_equal(lanes.path_data(i)[0], done[i][0])
    while not lanes.update(history, deadline=0.0):
        pass
    for i in range(2):
        assert lanes.lanes[i].decimator is not old[i] and lanes.lanes[i].pending is None
        frozen_rows = (len(history.theta) - 1) // lane_paths.BLOCK * lane_paths.BLOCK
        assert lanes.lanes[i].decimator.examined == frozen_rows + 1  # the rest is live
        assert drawn_points(view, i) <= PATH_POINT_BUDGET
    # On screen, the view goes on by itself (a timer) until the drawing is complete.
    shown(qtbot, view)
    view.plot_item.getViewBox().setRange(xRange=(-1.0, 1.0), yRange=(-0.6, 0.6), padding=0)
    qtbot.waitUntil(lambda: not view.lanes.catching_up, timeout=20_000)


def test_renaming_lanes_keeps_their_drawing(qtbot) -> None:
    """A live edit renames a lane of a long run: the views keep their items and decimation
    (no redraw from row 0)."""
    history = noisy_history(200_000, runs=2)
    view = SurfaceView()
    qtbot.addWidget(view)
    view.set_surface(make_run("ellipse").surface)
    view.set_lanes(["a", "b"])
    view.update_history(history)
    loss_plot = LossPlot()
    qtbot.addWidget(loss_plot)
    loss_plot.set_lanes(["a", "b"])
    loss_plot.update_history(history)
    lanes, decimators = list(view.lanes.lanes), [lane.decimator for lane in view.lanes.lanes]
    curves = list(loss_plot.lanes)
    view.set_lanes(["a", "b, η = 0.2"])
    loss_plot.set_lanes(["a", "b, η = 0.2"])
    assert view.lanes.lanes == lanes
    assert [lane.decimator for lane in view.lanes.lanes] == decimators
    assert decimators[1].examined > 100_000
    assert loss_plot.lanes == curves
    assert [label.text for _, label in loss_plot.legend.items][1] == "b, η = 0.2"
    assert "b, η = 0.2" in [label.text for _, label in view.legend.items]
    view.set_lanes(["a", "b", "c"])  # another number of lanes: new items
    assert len(view.lanes.lanes) == 3 and view.lanes.lanes[0] is not lanes[0]


def test_loss_plot_curves_stay_within_the_point_budget(qtbot) -> None:
    full = noisy_history(250_000, runs=2)
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_lanes(["a", "b"])
    for pi in plot.plots:  # a PlotItem's own downsampling does not apply to these curves
        pi.setDownsampling(ds=8, auto=True, mode="subsample")
        pi.setClipToView(True)
    plot.update_history(full.prefix(100_000))
    plot.update_history(full)  # incremental: buckets of the first rows are kept
    budget = plot.bucket_budget()  # buckets: one per pixel column, at most CURVE_POINTS
    assert budget < plot.curve_points() <= 2 * budget + 2 <= 2 * CURVE_POINTS + 2 <= 4002
    for lane in range(2):
        x, y = plot.lanes[lane].loss.getOriginalDataset()
        assert x[0] == 0 and x[-1] == 249_999
        # Peak decimation keeps the extremes: the envelope of the noisy curve.
        assert y.max() == full.loss[:, lane].max() and y.min() == full.loss[:, lane].min()
        _, y2 = plot.lanes[lane].batch_loss.getOriginalDataset()
        assert len(y2) == len(y)
        # |∇L|, computed for the rows each update reads: the same envelope as every row's.
        norms = np.hypot(full.grad[:, lane, 0], full.grad[:, lane, 1])
        _, g = plot.lanes[lane].grad_norm.getOriginalDataset()
        assert len(g) == len(y)
        assert g.max() == pytest.approx(norms.max(), rel=1e-14)
        assert g.min() == pytest.approx(norms.min(), rel=1e-14)
        assert plot.lanes[lane].loss.opts["downsample"] == 1
    fresh = LossPlot()
    qtbot.addWidget(fresh)
    fresh.set_lanes(["a", "b"])
    fresh.update_history(full)
    for a, b in zip(plot.lanes, fresh.lanes, strict=True):
        for item_a, item_b in zip(a.items(), b.items(), strict=True):
            np.testing.assert_array_equal(item_a.getOriginalDataset()[1],
                                          item_b.getOriginalDataset()[1])
    # The three x-linked plots are settled before any paint: one paint per update.
    for pi in plot.plots:
        (x0, x1), _ = pi.getViewBox().viewRange()
        assert x0 <= 0 and x1 >= 249_999


def test_axes_label_small_ranges_readably(qtbot) -> None:
    axis = NumberAxis("left")
    axis.setLogMode(False, True)
    for lo, hi in ((90.0, 200.0), (120.0, 180.0), (1e-12, 10.0), (0.5, 0.5 * 1.02)):
        levels = axis.tickValues(np.log10(lo), np.log10(hi), 60)
        labelled = [s for level in levels
                    for s in axis.tickStrings(level[1], 1.0, level[0]) if s]
        assert 1 <= len(labelled) <= 2  # never crowded on a 60-pixel axis
        assert len(set(labelled)) == len(labelled)
    plot = LossPlot()
    qtbot.addWidget(plot)
    run = make_run("bowl", lr=0.001, steps=30)
    plot.set_lanes(labels_of(run))
    plot.update_history(history_of(run))
    shown(qtbot, plot, (600, 330))
    for pi in plot.plots:
        left = pi.getAxis("left")
        assert not left.autoSIPrefix and "(x" not in left.labelString()
    from PySide6.QtGui import QImage, QPainter

    lr_axis = plot.lr_plot.getAxis("left")
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    strings = [text for _, _, text in lr_axis.generateDrawSpecs(painter)[2]]  # as drawn
    painter.end()
    assert "0.001" in strings and "0" in strings and all("e" not in s for s in strings)


# --- layout: narrow widths, legends -------------------------------------------------------------
def test_data_view_fits_a_narrow_pane(qtbot) -> None:
    run = make_run("linear-regression", ("gd", "adam"), steps=20, batch_size=10)
    view = DataView()
    qtbot.addWidget(view)
    view.set_surface(run.surface)
    view.set_lanes(labels_of(run))
    view.update_history(history_of(run))
    assert view.minimumSizeHint().width() <= 200
    shown(qtbot, view, (230, 240))
    qtbot.waitUntil(lambda: "N = " not in title_text(view.plot_item) or
                    view.plot_item.titleLabel.itemRect().width() <= 230)
    # The plot is not wider than the view (a long title used to widen it: clipped right).
    assert view.plot_item.geometry().width() <= view.plot_widget.viewport().width() + 1
    assert view.plot_item.titleLabel.itemRect().width() <= view.plot_item.geometry().width()
    shown(qtbot, view, (700, 300))
    qtbot.waitUntil(lambda: "and the model" in title_text(view.plot_item))


def test_inspector_fits_a_330_pixel_dock(qtbot) -> None:
    run = make_run("linear-regression", ("adam",), steps=40, batch_size=10)
    history = history_of(run)
    inspector = StepInspector()
    qtbot.addWidget(inspector)
    inspector.update_history(history)
    shown(qtbot, inspector, (330, 520))
    tree = inspector.tree
    assert tree.columnWidth(0) <= 0.46 * tree.viewport().width()
    value_room = tree.viewport().width() - tree.columnWidth(0)
    metrics = QFontMetrics(tree.topLevelItem(1).font(1))
    values = inspector.values()
    for i in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(i)
        for line in item.text(1).split("\n"):
            assert metrics.horizontalAdvance(line) <= value_room or " " not in line, line
    assert "\n" in inspector._items["used_grad"].text(1)  # wrapped, not cut off
    assert values["used_grad"].endswith("(mini-batch of 10)")  # values() is unwrapped
    tip = inspector._items["theta_next"].toolTip(1)
    assert fmt_vector(history.theta[-1, 0], 17) in tip  # the full value
    assert "paused at step 40" in inspector.header.text()
    history.playing = True
    inspector.update_history(history)
    assert "running" in inspector.header.text() and "paused" not in inspector.header.text()
    done = make_run("bowl", lr=0.1, steps=500)
    assert done.status(0).value == "converged"
    inspector.update_history(history_of(done))
    assert f"converged at step {done.steps_done[0]:,}" in inspector.header.text()


def test_legends_and_labels_keep_off_the_paths(qtbot) -> None:
    # Every run starts in the top right, where the legend would sit.
    run = make_run("bowl", ("gd", "momentum", "adam"), lr=0.05, start=(4.0, 4.0), steps=25)
    view = shown(qtbot, surface_view(qtbot, run), (700, 520))
    view.update_history(history_of(run))
    legend = view.legend
    assert legend.isVisible()
    assert legend.corner != (1, 0)
    starts = np.array([[4.0, 4.0]])
    assert legend.cover(None, [(starts, 1.0)]) == 0
    box = legend.rect_in_view()
    for arrow in (view.aids.gradient, view.aids.step, view.aids.state):
        if arrow.isVisible():
            label = arrow.label.mapRectToView(arrow.label.boundingRect())
            assert not label.intersects(box)
    loss_plot = LossPlot()
    qtbot.addWidget(loss_plot)
    loss_plot.set_lanes(labels_of(run))
    loss_plot.update_history(history_of(run))
    shown(qtbot, loss_plot, (600, 330))
    loss_plot.update_history(history_of(run))
    curves = [lane.loss for lane in loss_plot.lanes]
    from gdsim.app.plots.legend import path_points
    assert loss_plot.legend.cover(None, [(path_points(curves), 1.0)]) <= 2


# --- Qt-free helpers --------------------------------------------------------------------------
def test_number_formatting() -> None:
    assert fmt_number(2.4000000000000004) == "2.4"
    assert fmt_number(16.000000000000004) == "16"
    assert fmt_number(1e-7) == "1e-7"
    assert fmt_number(-0.0) == "0"
    assert fmt_number(float("inf")) == "∞"
    assert fmt_vector([6.0, 8.0]) == "(6, 8)"
    assert fmt_vector([0.864]) == "0.864"


def test_contours_of_a_bowl_are_circles() -> None:
    xs = ys = np.linspace(-2, 2, 201)
    z = xs[None, :] ** 2 + ys[:, None] ** 2
    points = contour_segments(xs, ys, z, [1.0])
    assert len(points) > 100 and len(points) % 2 == 0
    np.testing.assert_allclose(np.hypot(points[:, 0], points[:, 1]), 1.0, atol=2e-3)


def test_color_scale_goes_log_over_decades() -> None:
    assert not ColorScale.for_grid(np.linspace(0, 50, 1000), prefer_log=False).log
    assert ColorScale.for_grid(np.geomspace(1e-3, 1e4, 1000), prefer_log=False).log
    scale = ColorScale.for_grid(np.geomspace(1e-3, 1e4, 1000), prefer_log=True, floor=0.0)
    ticks = scale.ticks()  # labelled by the loss they mark: L_min + 10^k
    assert [label for _, label in ticks][:3] == ["1", "10", "100"]
    np.testing.assert_allclose([scale.to_loss(z) for z, _ in ticks], [1, 10, 100, 1000, 1e4])


def test_path_decimator_keeps_short_paths_and_bounds_long_ones() -> None:
    decimator = PathDecimator(threshold=100)
    short = np.random.default_rng(0).normal(size=(50, 2))
    x, y, connect = decimator.update(short)
    assert connect == "finite" and np.array_equal(x, short[:, 0])
    decimator.set_cells(np.zeros(2), np.full(2, 0.01))
    zigzag = np.tile([[0.0, 0.0], [1.0, 1.0]], (50_000, 1))
    x, y, connect = decimator.update(zigzag)
    # The two distinct segments (0,0)→(1,1) and back, drawn once each as one polyline.
    np.testing.assert_array_equal(x, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(connect, [True, True, False])
    longer = np.vstack([zigzag, [[np.nan, np.nan], [2.0, 2.0], [3.0, 3.0], [3.0005, 3.0]]])
    x, y, connect = decimator.update(longer)  # NaN breaks the line; same-cell points merge
    np.testing.assert_array_equal(x, [0.0, 1.0, 0.0, 2.0, 3.0])
    np.testing.assert_array_equal(connect, [True, True, False, True, False])
    slow = np.column_stack([np.linspace(0, 1, 100_000), np.zeros(100_000)])
    fine = PathDecimator(threshold=100)
    fine.set_cells(np.zeros(2), np.full(2, 0.01))
    x, _, connect = fine.update(slow)
    assert 90 <= len(x) <= 110 and connect[:-1].all()  # one point per cell


def test_path_decimator_coarsens_from_its_output_exactly() -> None:
    """Coarsening reuses the output instead of the rows: the result is exactly what a
    decimation from scratch at the final level gives, and never longer than max_points."""
    rng = np.random.default_rng(3)
    walk = np.cumsum(rng.normal(size=(60_000, 2)), axis=0) * 0.01
    walk[5_000:5_004] = np.nan
    walk[40_000] = np.inf
    for max_points in (300, 2_000):
        grown = PathDecimator(threshold=100, max_points=max_points)
        grown.set_cells(np.zeros(2), np.full(2, 0.004))
        for rows in range(3_000, len(walk) + 1, 7_919):
            x, _, _ = grown.update(walk[:rows], deadline=0.0)  # a chunk per call
            assert len(x) <= max_points
        x, y, connect = grown.update(walk)
        assert grown.examined == len(walk) and len(x) <= max_points
        scratch = PathDecimator(threshold=100, max_points=10**9)
        scratch.set_cells(np.zeros(2), np.full(2, 0.004))
        scratch.coarsening = grown.coarsening
        xs, ys, cs = scratch.update(walk)
        np.testing.assert_array_equal(x, xs)
        np.testing.assert_array_equal(y, ys)
        np.testing.assert_array_equal(connect, cs)
    assert lane_paths.PATH_POINT_BUDGET == (lane_paths.FROZEN_POINTS + lane_paths.MAX_PIECES - 1
                                            + lane_paths.BLOCK)


# --- screenshots for people -------------------------------------------------------------------
SCREENSHOTS = {
    "rosenbrock_momentum": dict(surface="rosenbrock", optimizers=("momentum",), steps=400),
    "himmelblau_compare": dict(surface="himmelblau", optimizers=("gd", "momentum", "adam"),
                               steps=300),
    "parabola": dict(surface="parabola", optimizers=("gd",), steps=4),
    "linear_regression": dict(surface="linear-regression", optimizers=("gd", "adam"), steps=12,
                              batch_size=10),
}


@pytest.mark.parametrize("name", list(SCREENSHOTS))
def test_screenshots(qtbot, artifacts_dir: Path, name: str) -> None:
    spec = dict(SCREENSHOTS[name])
    run = make_run(spec.pop("surface"), spec.pop("optimizers"), spec.pop("steps"), **spec)
    history = history_of(run)
    labels = labels_of(run)
    view = SurfaceView()
    view.set_surface(run.surface)
    view.set_lanes(labels)
    view.update_history(history)
    view.set_aid("taylor", True)
    loss_plot = LossPlot()
    loss_plot.set_surface(run.surface)
    loss_plot.set_lanes(labels)
    loss_plot.update_history(history)
    loss_plot.set_log_y(True)
    data_view = DataView()
    data_view.set_surface(run.surface)
    data_view.set_lanes(labels)
    data_view.update_history(history)
    inspector = StepInspector()
    inspector.update_history(history)
    for widget, kind in ((view, "surface"), (loss_plot, "loss"), (data_view, "data"),
                         (inspector, "inspector")):
        qtbot.addWidget(widget)
        shown(qtbot, widget, (900, 700) if kind != "inspector" else (520, 560))
        path = artifacts_dir / f"plots_{name}_{kind}.png"
        assert widget.grab().save(str(path))
        assert path.stat().st_size > 5_000


def test_screenshots_of_long_noisy_runs(qtbot, artifacts_dir: Path) -> None:
    """The views at their busiest: three noisy lanes after 200,000 steps, the loss plot, the
    data view in a narrow pane, the inspector in a 330-pixel dock."""
    history = noisy_history(200_000)
    labels = ["Adam, η = 0.1", "RMSprop, η = 0.01", "Adagrad, η = 0.5"]
    lanes = tuple(LaneInfo(**{**lane.__dict__, "label": label})
                  for lane, label in zip(history.lanes, labels, strict=True))
    history.lanes = lanes
    view = SurfaceView()
    qtbot.addWidget(view)
    view.set_surface(make_run("ellipse").surface)
    view.set_lanes(labels)
    shown(qtbot, view, (760, 520))
    view.update_history(history)
    view.finish_drawing()
    assert view.grab().save(str(artifacts_dir / "plots_noisy_surface.png"))
    loss_plot = LossPlot()
    qtbot.addWidget(loss_plot)
    loss_plot.set_lanes(labels)
    loss_plot.update_history(history)
    shown(qtbot, loss_plot, (620, 330))
    assert loss_plot.grab().save(str(artifacts_dir / "plots_noisy_loss.png"))
    run = make_run("linear-regression", ("adam", "gd"), steps=300, batch_size=10)
    data_view = DataView()
    qtbot.addWidget(data_view)
    data_view.set_surface(run.surface)
    data_view.set_lanes(labels_of(run))
    data_view.update_history(history_of(run))
    shown(qtbot, data_view, (260, 260))
    assert data_view.grab().save(str(artifacts_dir / "plots_data_narrow.png"))
    inspector = StepInspector()
    qtbot.addWidget(inspector)
    inspector.update_history(history_of(run))
    shown(qtbot, inspector, (330, 520))
    assert inspector.grab().save(str(artifacts_dir / "plots_inspector_330.png"))


def test_a_growing_path_repaints_only_its_newest_piece(qtbot, monkeypatch) -> None:
    """Frame after frame, the frozen path is extended by a new small piece (the older pieces
    keep their data, hence Qt's cached pixmaps); the pieces stay few and together draw
    exactly the decimated path."""
    full = noisy_history(60_000, runs=1)
    view = SurfaceView()
    qtbot.addWidget(view)
    view.set_surface(make_run("ellipse").surface)
    view.set_lanes(["a"])
    view.lanes.set_view((-5.0, 5.0), (-3.0, 3.0))
    frozen = view.lanes.lanes[0].frozen
    handed: list[int] = []  # points handed to the frozen pieces
    for stroke in frozen.strokes():
        monkeypatch.setattr(stroke, "set_data", lambda x, *a, f=stroke.set_data: (
            handed.append(len(x)), f(x, *a)))
    every_frame = 0
    for rows in range(4_000, 60_001, 800):  # a frame every 800 steps
        view.lanes.update(full.prefix(rows))
        every_frame += frozen.count  # what repainting the whole frozen path would cost
        assert 1 <= len(frozen.pieces) <= lane_paths.MAX_PIECES
        decimator = view.lanes.lanes[0].decimator
        x, y, _ = decimator.update(full.theta[: decimator.examined, 0, :2])
        shown_x, shown_y = frozen.data()
        np.testing.assert_array_equal(shown_x, x)
        np.testing.assert_array_equal(shown_y, y)
    assert sum(handed) < 0.2 * every_frame, (sum(handed), every_frame)


@pytest.mark.parametrize("log_y", [False, True])
def test_a_growing_loss_curve_repaints_only_its_new_points(qtbot, log_y: bool) -> None:
    """The loss plot's curves hold the whole (peak-decimated) curve but paint it in cached
    pieces and a live tail: together they draw exactly the curve's display data, the pieces
    are handed final points only, :data:`~gdsim.app.plots.loss_plot.TAIL_POINTS` or more at a
    time (not every frame), and the tail holds the rest."""
    from gdsim.app.plots.loss_plot import TAIL_POINTS

    full = noisy_history(80_000, runs=2)
    history = History(2, 2)
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_lanes(["a", "b"])
    plot.set_log_y(log_y)
    shown(qtbot, plot)
    curve = plot.lanes[1].loss
    handed: list[int] = []
    for piece in curve._pieces.strokes():
        original = piece.set_data
        piece.set_data = lambda x, *a, f=original: (handed.append(len(x)), f(x, *a))
    every_frame, last, frames, extended = 0, 0, 0, 0
    for rows in range(500, 80_001, 1_500):  # frames, each sending the last row again
        lanes = tuple(replace(lane, steps_done=rows - 1) for lane in full.lanes)
        cut = slice(max(last - 1, 0), rows)
        assert history.add(Frame(0, cut.start, full.theta[cut], full.loss[cut], full.grad[cut],
                                 full.used_grad[cut], full.batch_loss[cut], full.lr[cut],
                                 rows - 1, lanes, playing=True))
        last = rows
        before, count, key = len(handed), curve._pieces.count, curve._pieces._key
        plot.update_history(history)
        every_frame += curve._pieces.count
        frames += 1
        extended += len(handed) > before
        if curve._pieces._key == key:  # not drawn afresh: extended by a tail's worth, or kept
            assert curve._pieces.count in range(count + TAIL_POINTS, 10**9) or (
                curve._pieces.count == count)
        final = curve.stable
        assert curve._pieces.count <= final  # only final points go into pieces
        assert len(curve._tail.item.xData) <= len(curve.curve.xData) - final + TAIL_POINTS
        # The pieces paint it; the curve item paints nothing but still gives the auto-range
        # its bounds.
        assert curve.curve.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents
        assert curve.dataBounds(1) == curve.curve.dataBounds(1) != (None, None)
        drawn = [(p.item.xData, p.item.yData) for p, _, _ in curve._pieces.pieces]
        drawn.append((curve._tail.item.xData, curve._tail.item.yData))
        x, y = joined(drawn)
        np.testing.assert_array_equal(x, curve.curve.xData)
        np.testing.assert_array_equal(y, curve.curve.yData)
    assert sum(handed) < 0.25 * every_frame, (sum(handed), every_frame)
    assert extended < frames, (extended, frames)  # not every frame
    # Hidden from the legend: its pieces hide with it.
    curve.setVisible(False)
    assert not any(p.item.isVisibleTo(plot.plot_item) for p, _, _ in curve._pieces.pieces)


def test_loss_curves_get_a_bucket_per_pixel_column(qtbot) -> None:
    """Shown, a curve has at most one bucket (two points) per pixel column of its plot —
    the envelope is whole, and a paint costs what the plot's width needs, not more."""
    full = noisy_history(200_000, runs=1)
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.set_lanes(["a"])
    shown(qtbot, plot, (700, 500))
    width = plot.plot_item.getViewBox().width()
    assert loss_plot.MIN_BUCKETS < width < CURVE_POINTS
    assert plot.bucket_budget() == int(width)
    plot.update_history(full)
    x, y = plot.lanes[0].loss.getOriginalDataset()
    assert width < len(x) <= 2 * width + 2
    assert y.max() == full.loss[:, 0].max() and y.min() == full.loss[:, 0].min()
