"""The app's curvature aids and second-order methods (issue 12), driven like a user would."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gdsim.app import MainWindow
from gdsim.core.config import RunConfig
from gdsim.core.optimizers import OPTIMIZERS

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def window(qtbot) -> Iterator[MainWindow]:
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None and w.history.length >= 1)
    yield w
    w.close()


def load(qtbot, w: MainWindow, config: RunConfig) -> None:
    """Load one run and wait for its first frame (not a stale one of the previous run)."""
    w.set_configs([config])
    qtbot.waitUntil(lambda: w.history is not None and w.history.steps == 0
                    and w.history.lanes[0].optimizer == config.optimizer
                    and np.allclose(w.history.theta[0, 0], config.start))


def step_once(qtbot, w: MainWindow) -> None:
    steps = w.history.steps if w.history is not None else 0
    w.action_step.trigger()
    qtbot.waitUntil(lambda: w.history is not None and w.history.steps == steps + 1)


def test_inspector_shows_curvature_and_the_stability_of_eta(qtbot, window: MainWindow) -> None:
    w = window
    load(qtbot, w, RunConfig(surface="bowl", optimizer="gd", lr=0.85, start=(3.0, 4.0)))
    step_once(qtbot, w)
    values = w.inspector.values()
    assert values["curv.lambda_max"] == "2" and values["curv.lambda_min"] == "2"
    assert values["curv.threshold"] == "1"
    assert values["curv.stability"] == "η·λ_max = 1.7 < 2: stable"
    assert values["rule.0"].startswith("Δθ = −0.85·(6, 8)")


def test_inspector_writes_out_adams_update_with_its_numbers(qtbot, window: MainWindow) -> None:
    w = window
    load(qtbot, w, RunConfig(surface="bowl", optimizer="adam", lr=0.1, start=(3.0, 4.0)))
    step_once(qtbot, w)
    values = w.inspector.values()
    # First Adam step: m = 0.1·g = (0.6, 0.8), v = 0.001·g² = (0.036, 0.064), m̂ = g, v̂ = g².
    assert values["rule.0"].startswith("m = (0.6, 0.8)")
    assert values["rule.1"].startswith("v = (0.036, 0.064)")
    assert "1 − β₁^1 = 0.1" in values["rule.2"] and "m̂ = (6, 8)" in values["rule.2"]
    assert values["rule.3"].endswith("= (-0.1, -0.1)") or values["rule.3"].endswith(
        "= (−0.1, −0.1)")
    h = w.history
    np.testing.assert_allclose(h.theta[1, 0] - h.theta[0, 0], [-0.1, -0.1], rtol=1e-7)


def test_curvature_aid_draws_eigen_axes_and_the_model_contour(qtbot, window: MainWindow,
                                                              artifacts_dir) -> None:
    w = window
    load(qtbot, w, RunConfig(surface="saddle", optimizer="gd", lr=0.05, start=(-1.5, 0.5)))
    w.findChild(type(w.action_run), "action_aid_curvature").setChecked(True)
    step_once(qtbot, w)
    aid = w.surface_view.aids.curvature
    qtbot.waitUntil(lambda: aid.values is not None)
    assert aid.values.tolist() == [-2.0, 2.0] and aid.negative.tolist() == [True, False]
    assert aid.axes[0].opts["pen"].style() == Qt.PenStyle.DashLine
    assert aid.axes[1].opts["pen"].style() == Qt.PenStyle.SolidLine
    assert not aid.contour.isVisible()  # indefinite: the model has no ellipse
    # The ellipse: on Booth (positive definite) through the point, centred on the minimum.
    load(qtbot, w, RunConfig(surface="booth", optimizer="gd", lr=0.05, start=(-7.0, -2.0)))
    step_once(qtbot, w)
    qtbot.waitUntil(lambda: aid.contour.isVisible())
    x, y = aid.contour.getData()
    here = w.history.theta[1, 0]
    assert np.min(np.hypot(x - here[0], y - here[1])) < 0.5  # it passes through the point
    np.testing.assert_allclose([x.mean(), y.mean()], [1.0, 3.0], atol=0.2)  # Newton: (1, 3)
    lengths = [np.hypot(*np.diff(np.array(a.getData()), axis=1)[:, 0]) for a in aid.axes]
    assert lengths[0] / lengths[1] == pytest.approx(3.0, rel=1e-6)  # √(18/2): ∝ 1/√λ
    assert "eigen-directions" in w.surface_view.caption.text()
    w.surface_view.grab().save(str(artifacts_dir / "curvature_aid_booth.png"))


def test_lbfgs_inner_evaluations_are_drawn_as_a_polyline(qtbot, window: MainWindow,
                                                         artifacts_dir) -> None:
    w = window
    load(qtbot, w, RunConfig(surface="rosenbrock", optimizer="lbfgs", lr=1.0,
                             optimizer_params={"line_search_fn": "strong_wolfe"},
                             start=(-1.5, 2.0), max_steps=10))
    step_once(qtbot, w)
    aid = w.surface_view.aids.curvature
    qtbot.waitUntil(lambda: aid.inner.isVisible())
    x, _ = aid.inner.getData()
    info = w.history.lanes[0]
    assert len(x) == len(info.inner_points) + 1 == info.evaluations
    assert "inner evaluation" in w.surface_view.caption.text()
    w.surface_view.grab().save(str(artifacts_dir / "lbfgs_inner.png"))


def test_eta_slider_marks_two_over_lambda_max(qtbot, window: MainWindow, artifacts_dir) -> None:
    w = window
    load(qtbot, w, RunConfig(surface="ellipse", optimizer="gd", lr=0.19, start=(-4.5, 2.0)))
    panel = w.optimizer_panel
    qtbot.waitUntil(lambda: panel.lr_slider.mark is not None)
    assert panel.lr_slider.mark == pytest.approx(0.2)  # κ = 10: λ_max = 10
    assert panel.stability_label.text() == "2/λ_max = 0.2 · η·λ_max = 1.9 < 2: stable"
    assert panel.lr_slider.position_of(0.2) > panel.lr_slider.value()  # the mark is right of η
    panel.grab().save(str(artifacts_dir / "eta_slider_mark.png"))


def test_sharpness_row_draws_lambda_max_and_two_over_eta(qtbot, window: MainWindow,
                                                         artifacts_dir) -> None:
    w = window
    load(qtbot, w, RunConfig(surface="ellipse", optimizer="gd", lr=0.19, start=(-4.5, 2.0),
                             max_steps=40))
    w.loss_plot.sharpness_check.setChecked(True)
    w.speed_control.set_speed(0)
    w.action_run.trigger()
    qtbot.waitUntil(lambda: w.history is not None and not w.history.playing
                    and w.history.steps == 40, timeout=10_000)
    row = w.loss_plot.sharpness
    qtbot.waitUntil(lambda: row.sharp[0].getOriginalDataset()[0] is not None
                    and len(row.sharp[0].getOriginalDataset()[0]) == 41)
    x, lam = row.sharp[0].getOriginalDataset()  # (getData is log10 on a log axis)
    np.testing.assert_array_equal(lam, 10.0)  # a quadratic: the same curvature everywhere
    _, edge = row.edge[0].getOriginalDataset()
    np.testing.assert_allclose(edge, 2 / 0.19)
    assert len(x) == 41
    w.loss_plot.grab().save(str(artifacts_dir / "sharpness_row.png"))
    w.loss_plot.sharpness_check.setChecked(False)
    assert not row.plot.isVisible()


def test_explain_rows_for_newton_at_a_saddle() -> None:
    """Qt-free: the rows the inspector shows for Newton's step on the saddle."""
    from gdsim.app.model.explain import curvature_rows, update_rule_rows
    from gdsim.app.model.frame import make_frame
    from gdsim.app.model.history import History
    from gdsim.app.model.step_snapshot import StepSnapshot
    from gdsim.core import Run

    run = Run(RunConfig(surface="saddle", optimizer="newton", start=(-1.5, 0.5), max_steps=5))
    run.step()
    history = History(1, 2)
    history.add(make_frame(run, 0, 0))
    snap = StepSnapshot.from_history(history, 0)
    rows = {key: value for key, _, value, _, _ in update_rule_rows(snap)}
    assert rows["rule.0"].endswith("= (1.5, -0.5)") or rows["rule.0"].endswith("= (1.5, −0.5)")
    assert "saddle or maximum" in rows["rule.1"]
    curv = {key: value for key, _, value, _, _ in curvature_rows(snap)}
    assert curv["curv.lambda_min"] in ("-2", "−2") and curv["curv.condition"] == "1"


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_optimizer_writes_out_its_update_rule(name: str) -> None:
    """Qt-free: after a few steps the inspector's rule rows exist for every registered optimizer
    and end with the step the run actually took."""
    from gdsim.app.model.explain import update_rule_rows
    from gdsim.app.model.frame import make_frame
    from gdsim.app.model.history import History
    from gdsim.app.model.step_snapshot import StepSnapshot
    from gdsim.core import Run

    run = Run(RunConfig(surface="bowl", optimizer=name, start=(3.0, 4.0), max_steps=5,
                        grad_tol=0.0))
    for _ in range(3):
        run.step()
    history = History(1, 2)
    history.add(make_frame(run, 0, 0))
    rows = {key: value for key, _, value, _, _ in update_rule_rows(StepSnapshot.from_history(
        history, 0))}
    assert "rule.0" in rows and rows["rule.0"], name
    assert rows["rule.actual"].startswith("(")


def test_in_one_dimension_the_curvature_aid_draws_the_quadratic_model(qtbot) -> None:  # noqa: ANN001
    """On J(w) = w² the model L + L'·d + ½λd² is the curve itself, with λ = 2."""
    from gdsim.app.main import create_window

    w = create_window()
    qtbot.addWidget(w)
    w.show()
    w.model.load([RunConfig(surface="parabola", optimizer="gd", lr=0.2, start=(4.0,),
                            max_steps=10)])
    w.model.set_aid("curvature", True)
    w.action_step.trigger()
    aid = w.surface_view.aids.curvature
    qtbot.waitUntil(lambda: w.model.step_count(0) == 1 and aid.values is not None
                    and len(aid.values) == 1 and aid.contour.isVisible(), timeout=10_000)
    x, y = aid.contour.getData()
    np.testing.assert_allclose(y, x * x, atol=1e-9)  # the model of a quadratic is itself
    assert list(aid.values) == [2.0] and "quadratic model" in aid.caption()
    w.close()
