"""The run loop's additions for maps: per-lane hyperparameters, a per-step rate ramp, the quick
"nobody stops" test and stopped lanes kept in place — each checked against single runs."""

from __future__ import annotations

import numpy as np
import pytest

from gdsim.core.config import RunConfig
from gdsim.core.run import Run, Status


def test_per_lane_hyperparameters_equal_single_runs() -> None:
    cfg = RunConfig(surface="rosenbrock", optimizer="momentum", lr=5e-4, max_steps=80)
    mu = np.array([0.0, 0.5, 0.9, 0.99])
    sweep = Run.sweep(cfg, lr=np.array([1e-4, 5e-4, 1e-3, 2e-3]), params={"momentum": mu})
    assert len(sweep._opt_groups) == 1  # still one vectorized update
    sweep.advance(80)
    for lane, (lr, m) in enumerate(zip(sweep.lr0, mu, strict=True)):
        alone = Run(cfg.with_changes(lr=float(lr), optimizer_params={"momentum": float(m)}))
        alone.advance(80)
        np.testing.assert_array_equal(sweep.theta[lane], alone.theta[0])
        assert sweep.status(lane) == alone.status()


def test_per_lane_hyperparameters_alone_set_the_lane_count() -> None:
    cfg = RunConfig(surface="bowl", optimizer="nesterov", lr=0.1,
                    optimizer_params={"momentum": 0.5}, max_steps=3)
    run = Run.sweep(cfg, params={"momentum": np.linspace(0.1, 0.9, 7)})
    assert run.runs == 7


@pytest.mark.parametrize(("params", "match"), [
    ({"lr": [0.1]}, "params.lr: not a numeric hyperparameter"),
    ({"nesterov": [1.0]}, "params.nesterov"),
    ({"momentum": [0.5, 1.5]}, "momentum"),
    ({"dampening": [0.0, 0.5]}, "nesterov"),  # Nesterov needs zero dampening
])
def test_per_lane_hyperparameters_are_validated(params: dict, match: str) -> None:
    cfg = RunConfig(surface="bowl", optimizer="nesterov", optimizer_params={"momentum": 0.5})
    with pytest.raises(ValueError, match=match):
        Run.sweep(cfg, params={k: np.asarray(v) for k, v in params.items()})


def test_rates_replace_the_schedule_every_step() -> None:
    cfg = RunConfig(surface="bowl", optimizer="gd", lr=0.1, start=(3, 4), max_steps=5,
                    grad_tol=0.0)
    run = Run(cfg, rates=lambda t: 0.1 * 2.0**t)
    run.advance(5)
    # gd on x² + y²: θ ← θ(1 − 2η_t)
    factor = np.prod([1 - 2 * 0.1 * 2.0**t for t in range(5)])
    np.testing.assert_allclose(run.theta[0], factor * np.array([3.0, 4.0]), rtol=1e-14)
    np.testing.assert_allclose(run.trajectory.lr[:5, 0], 0.1 * 2.0 ** np.arange(5))


def test_stopped_lanes_keep_point_state_and_steps_in_a_big_batch() -> None:
    """Lanes that converge early, diverge or keep running, in one batch, equal single runs
    (the stopped rows are restored in place, not by a full-array select)."""
    cfg = RunConfig(surface="bowl", optimizer="adam", max_steps=300)
    lrs = np.array([0.5, 0.05, 1e-4, 3.0, 1e6])
    sweep = Run.sweep(cfg, lr=lrs)
    sweep.advance(300)
    for lane, lr in enumerate(lrs):
        alone = Run(cfg.with_changes(lr=float(lr)))
        alone.advance(300)
        np.testing.assert_array_equal(sweep.theta[lane], alone.theta[0])
        assert sweep.steps_done[lane] == alone.steps_done[0]
        assert sweep.status(lane) == alone.status()
        for name, value in alone.optimizer_state().items():
            np.testing.assert_array_equal(sweep.optimizer_state(lane)[name], value)
    assert {sweep.status(i) for i in range(len(lrs))} >= {Status.CONVERGED,
                                                           Status.STEP_LIMIT}


def test_quick_test_never_hides_a_stop() -> None:
    """Every way to stop is found on the step it happens, with all lanes running before."""
    starts = np.array([[3.0, 4.0], [1e-6, 0.0], [4.0, 0.0]])
    cfg = RunConfig(surface="bowl", optimizer="gd", lr=0.25, max_steps=50)
    run = Run.sweep(cfg, starts=starts, lr=np.array([0.25, 0.25, 1e5]))
    run.step()
    # lane 1: |∇L| = 2e-6, then 1e-6 after the halving step; lane 2 left the bound in one step
    assert run.statuses() == [Status.RUNNING, Status.CONVERGED, Status.DIVERGED]
    assert list(run.steps_done) == [1, 1, 1]
    nan = Run.sweep(cfg, starts=np.array([[1.0, 1.0], [np.nan, 0.0]]))
    assert nan.statuses() == [Status.RUNNING, Status.DIVERGED]
