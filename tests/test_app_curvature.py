"""The app's curvature aids and second-order methods (issue 12), driven like a user would."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from gdsim.app import MainWindow
from gdsim.core.config import RunConfig

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


def step_once(qtbot, w: MainWindow) -> None:
    steps = w.history.steps if w.history is not None else 0
    w.action_step.trigger()
    qtbot.waitUntil(lambda: w.history is not None and w.history.steps == steps + 1)


def test_inspector_shows_curvature_and_the_stability_of_eta(qtbot, window: MainWindow) -> None:
    w = window
    w.set_configs([RunConfig(surface="bowl", optimizer="gd", lr=0.85, start=(3.0, 4.0))])
    qtbot.waitUntil(lambda: w.history is not None and w.history.lanes[0].hessian is not None)
    step_once(qtbot, w)
    values = w.inspector.values()
    assert values["curv.lambda_max"] == "2" and values["curv.lambda_min"] == "2"
    assert values["curv.threshold"] == "1"
    assert values["curv.stability"] == "η·λ_max = 1.7 < 2: stable"
    assert values["rule.0"].startswith("Δθ = −0.85·(6, 8)")


def test_inspector_writes_out_adams_update_with_its_numbers(qtbot, window: MainWindow) -> None:
    w = window
    w.set_configs([RunConfig(surface="bowl", optimizer="adam", lr=0.1, start=(3.0, 4.0))])
    qtbot.waitUntil(lambda: w.history is not None and w.history.lanes[0].optimizer == "adam")
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
