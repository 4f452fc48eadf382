"""The curvature lessons (issue 12) make their points: the largest stable η is 2/λ_max, and
Newton's method against gradient descent on Rosenbrock."""

from __future__ import annotations

import numpy as np

from gdsim.core import Run, Status, curvature
from gdsim.core.lessons import load_lesson


def lesson_run(key: str) -> Run:
    lesson = load_lesson(key)
    run = Run(list(lesson.session.configs))
    run.advance(max(c.max_steps for c in lesson.session.configs))
    return run


def test_15_the_largest_stable_rate_is_two_over_lambda_max() -> None:
    run = lesson_run("15-curvature-stable-rate")
    hess = run.surface.hessian(run.start)
    assert np.all(curvature.lambda_max(hess) == 10.0) and np.all(curvature.lambda_min(hess) == 1)
    threshold = curvature.stability_threshold(hess)[0]
    assert threshold == 0.2
    lrs = [c.lr for c in run.configs]
    assert lrs[0] == 1 / curvature.lambda_max(hess)[0]  # 1/λ_max …
    assert lrs[1] < threshold < lrs[2]  # … and either side of 2/λ_max
    assert [curvature.stability_text(lr, 10.0).split(":")[0] for lr in lrs] == [
        "η·λ_max = 1 < 2", "η·λ_max = 1.9 < 2", "η·λ_max = 2.1 > 2"]
    assert run.statuses() == [Status.CONVERGED, Status.CONVERGED, Status.DIVERGED]
    y = run.trajectory.theta[:, :, 1]
    assert abs(y[1, 0]) < 1e-12  # η = 1/λ_max solves the steep direction in one step
    zig = y[: run.steps_done[1] + 1, 1]
    assert np.all(np.sign(zig[1:]) == -np.sign(zig[:-1]))  # η = 0.19 zigzags …
    np.testing.assert_allclose(zig[1:6] / zig[:5], -0.9, rtol=1e-12)  # … by 1 − 1.9 = −0.9
    wild = y[: run.steps_done[2] + 1, 2]
    np.testing.assert_allclose(wild[1:6] / wild[:5], -1.1, rtol=1e-12)  # and 1 − 2.1 = −1.1


def test_16_newton_vs_gradient_descent() -> None:
    run = lesson_run("16-newton-vs-gradient-descent")
    gd, armijo, newton, lbfgs = range(4)
    assert run.status(gd) is Status.STEP_LIMIT and run.loss[gd] > 5.0
    assert run.status(armijo) is Status.STEP_LIMIT and 0.45 < run.loss[armijo] < 0.5
    assert np.all(np.diff(run.trajectory.loss[:301, armijo]) <= 0)  # the line search descends
    assert run.status(newton) is Status.CONVERGED and run.steps_done[newton] == 7
    np.testing.assert_allclose(run.theta[newton], [1.0, 1.0], atol=1e-12)
    newton_loss = run.trajectory.loss[:8, newton]
    assert newton_loss[2] > 750 and newton_loss[2] > newton_loss[0]  # no descent method
    assert run.status(lbfgs) is Status.CONVERGED and run.steps_done[lbfgs] == 3
    assert run.evaluations(lbfgs) == 55
    assert len(run.inner_points(lbfgs, 0)) > 5  # the thin polyline of the first step
    # "Next to a saddle it heads straight for the saddle."
    saddle = Run(run.configs[newton].with_changes(surface="saddle", start=(-1.9, 0.001)))
    saddle.step()
    np.testing.assert_array_equal(saddle.theta[0], [0.0, 0.0])
    assert saddle.surface.critical_points()[0].kind == "saddle"
