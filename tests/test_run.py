"""The run loop: the seeds' worked examples, statuses, replay, comparisons and sweeps."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gdsim.core import Run, RunConfig, Status


def test_seeds_bowl_example() -> None:
    """Bowl x² + y² from (3, 4), η = 0.1: ∇J = (6, 8), |∇J| = 10, next (2.4, 3.2), 25 → 16."""
    run = Run(RunConfig(surface="bowl", optimizer="gd", lr=0.1, start=(3, 4)))
    np.testing.assert_allclose(run.grad[0], [6, 8])
    assert np.linalg.norm(run.grad[0]) == pytest.approx(10)
    assert run.step()
    np.testing.assert_allclose(run.trajectory.theta[:, 0], [[3, 4], [2.4, 3.2]], rtol=1e-15)
    np.testing.assert_allclose(run.trajectory.loss[:, 0], [25, 16], rtol=1e-15)
    np.testing.assert_allclose(run.trajectory.used_grad[0, 0], [6, 8])
    assert run.trajectory.lr[0, 0] == 0.1


def test_seeds_parabola_example() -> None:
    """J(w) = w² from w = 4 with η = 0.2: 4 → 2.4 → 1.44 → 0.864."""
    run = Run(RunConfig(surface="parabola", optimizer="gd", lr=0.2, start=(4,)))
    run.advance(3)
    np.testing.assert_allclose(run.trajectory.theta[:, 0, 0], [4, 2.4, 1.44, 0.864], rtol=1e-14)


def test_every_step_records_point_loss_gradients_rate_and_batch() -> None:
    run = Run(RunConfig(surface="linear-regression", optimizer="momentum", batch_size=10,
                        lr=0.05, max_steps=20))
    run.advance(20)
    traj, s = run.trajectory, run.surface
    assert traj.length == 21
    for t in (0, 7, 20):
        loss, grad = s.loss_and_grad(traj.theta[t, 0])
        assert traj.loss[t, 0] == loss and np.array_equal(traj.grad[t, 0], grad)
    for t in (0, 11, 19):
        bl, bg = s.batch_loss_and_grad(traj.theta[t], run.batch_indices(t))
        np.testing.assert_array_equal(traj.used_grad[t], bg)
        np.testing.assert_array_equal(traj.batch_loss[t], bl)
    assert np.all(traj.lr[:20] == 0.05)


def test_divergence_is_detected_and_stops_cleanly() -> None:
    run = Run(RunConfig(surface="bowl", optimizer="gd", lr=1.5, max_steps=10_000))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no flood of numpy overflow warnings
        done = run.advance(10_000)
    assert run.status() is Status.DIVERGED
    assert done < 100 and not run.running
    assert not run.step()  # a stopped run does not move
    assert run.steps == done


def test_overflow_to_nan_is_divergence_without_warnings() -> None:
    run = Run(RunConfig(surface="rosenbrock", optimizer="gd", lr=0.5, start=(-1.5, 2),
                        max_steps=1000))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run.advance(1000)
    assert run.status() is Status.DIVERGED


def test_convergence_and_step_limit() -> None:
    run = Run(RunConfig(surface="bowl", optimizer="gd", lr=0.1, grad_tol=1e-6, max_steps=500))
    run.advance(500)
    assert run.status() is Status.CONVERGED
    assert np.linalg.norm(run.grad[0]) <= 1e-6
    # |g_t| = 10·0.8^t ≤ 1e-6  ⇔  t ≥ log(1e-7)/log(0.8) ≈ 72.2
    assert run.steps == 73
    slow = Run(RunConfig(surface="bowl", optimizer="gd", lr=1e-4, max_steps=40))
    slow.advance(1000)
    assert slow.status() is Status.STEP_LIMIT and slow.steps == 40


def test_loss_change_tolerance() -> None:
    run = Run(RunConfig(surface="bowl", optimizer="gd", lr=0.1, grad_tol=0, loss_tol=1e-3,
                        max_steps=500))
    run.advance(500)
    assert run.status() is Status.CONVERGED
    assert abs(run.trajectory.loss[-1, 0] - run.trajectory.loss[-2, 0]) <= 1e-3
    assert abs(run.trajectory.loss[-2, 0] - run.trajectory.loss[-3, 0]) > 1e-3


def test_reset_replays_identically() -> None:
    run = Run(RunConfig(surface="linear-regression", optimizer="adam", batch_size=5,
                        max_steps=80))
    run.advance(80)
    first = run.trajectory.theta.copy()
    run.reset()
    assert run.steps == 0 and run.status() is Status.RUNNING
    run.advance(80)
    np.testing.assert_array_equal(run.trajectory.theta, first)


def test_full_batch_gd_reaches_least_squares() -> None:
    run = Run(RunConfig(surface="linear-regression", optimizer="gd", lr=0.1, grad_tol=1e-12,
                        max_steps=20_000))
    run.advance(20_000)
    s = run.surface
    design = np.stack([s.x, np.ones_like(s.x)], axis=1)
    expected, *_ = np.linalg.lstsq(design, s.y, rcond=None)
    assert run.status() is Status.CONVERGED
    np.testing.assert_allclose(run.theta[0], expected, rtol=1e-9, atol=1e-10)


def test_comparison_lanes_equal_single_runs() -> None:
    configs = [
        RunConfig(surface="rosenbrock", optimizer="gd", lr=1e-3, max_steps=60),
        RunConfig(surface="rosenbrock", optimizer="momentum", lr=5e-4, max_steps=60),
        RunConfig(surface="rosenbrock", optimizer="adam", lr=0.05, max_steps=30),
        RunConfig(surface="rosenbrock", optimizer="rmsprop", lr=0.01, batch_size=3,
                  max_steps=60),
    ]
    together = Run(configs)
    together.advance(100)
    for lane, config in enumerate(configs):
        alone = Run(config)
        alone.advance(100)
        n = alone.trajectory.length
        np.testing.assert_array_equal(together.trajectory.theta[:n, lane],
                                      alone.trajectory.theta[:, 0])
        assert together.status(lane) == alone.status()
        # a stopped lane keeps its last point
        assert np.array_equal(together.theta[lane], alone.theta[0])


def test_sweep_is_one_vectorized_batch_equal_to_single_runs() -> None:
    cfg = RunConfig(surface="himmelblau", optimizer="adam", max_steps=50)
    lrs = np.array([1e-3, 1e-2, 0.1, 0.3])
    sweep = Run.sweep(cfg, lr=lrs, record=False)
    assert len(sweep._opt_groups) == 1  # one vectorized update for every lane
    sweep.advance(50)
    for lane, lr in enumerate(lrs):
        alone = Run(cfg.with_changes(lr=float(lr)))
        alone.advance(50)
        np.testing.assert_allclose(sweep.theta[lane], alone.theta[0], rtol=1e-13)
    starts = np.random.default_rng(0).uniform(-4, 4, (1000, 2))
    many = Run.sweep(cfg, starts=starts, record=True)
    many.advance(50)
    assert many.theta.shape == (1000, 2)
    assert many.trajectory.theta.shape == (51, 1000, 2)


def test_live_hyperparameter_change_keeps_state_and_history() -> None:
    cfg = RunConfig(surface="bowl", optimizer="momentum", lr=0.01, max_steps=100)
    run = Run(cfg)
    run.advance(10)
    state = run.optimizer_state()["momentum_buffer"].copy()
    new = cfg.with_changes(lr=0.02, optimizer_params={"momentum": 0.5})
    assert not run.needs_reset([new])
    run.update_configs(new)
    assert run.steps == 10
    np.testing.assert_array_equal(run.optimizer_state()["momentum_buffer"], state)
    theta = run.theta[0].copy()
    run.step()
    buf = 0.5 * state + 2 * theta
    np.testing.assert_allclose(run.theta[0], theta - 0.02 * buf, rtol=1e-14)
    assert run.trajectory.lr[10, 0] == 0.02
    assert run.needs_reset([cfg.with_changes(batch_size=3)])
    assert not run.needs_reset([cfg.with_changes(optimizer="adam", optimizer_params={})])


def test_another_optimizer_mid_run_continues_from_theta_with_fresh_state() -> None:
    """Switching a lane's optimizer at step k keeps θ_k and starts the new rule's state
    there: the same trajectory, bit for bit, as a new run of that rule started at θ_k; the
    other lane keeps its own rule and state; a reset runs the new rule from θ₀."""
    gd = RunConfig(surface="rosenbrock", optimizer="gd", lr=0.001)
    momentum = RunConfig(surface="rosenbrock", optimizer="momentum", lr=0.001)
    run = Run([gd, momentum])
    run.advance(50)
    at_50 = run.theta.copy()
    adam = gd.with_changes(optimizer="adam", optimizer_params={}, lr=0.01)
    run.update_configs([adam, momentum])
    run.advance(30)
    fresh = Run(adam.with_changes(start=tuple(at_50[0])))
    fresh.advance(30)
    np.testing.assert_array_equal(run.theta[0], fresh.theta[0])
    alone = Run(momentum)
    alone.advance(80)
    np.testing.assert_array_equal(run.theta[1], alone.theta[0])
    assert run.optimizer_of(0).name == "adam" and run.steps == 80
    np.testing.assert_array_equal(run.trajectory.theta[50], at_50)
    run.reset()
    run.advance(30)
    from_start = Run([adam, momentum])
    from_start.advance(30)
    np.testing.assert_array_equal(run.theta, from_start.theta)


def test_a_switch_toggled_in_one_of_two_runs_keeps_both_states() -> None:
    """Two Adam runs share one update group; AMSGrad switched on in one splits the group:
    each lane keeps its moments (it used to lose them and fail at the next step)."""
    adam = RunConfig(surface="ellipse", optimizer="adam", lr=0.05)
    ams = adam.with_changes(optimizer_params={"amsgrad": True})
    run = Run([adam, adam])
    run.advance(20)
    run.update_configs([adam, ams])
    run.advance(20)
    for lane, second in enumerate((adam, ams)):
        alone = Run(adam)
        alone.advance(20)
        alone.update_configs(second)
        alone.advance(20)
        np.testing.assert_array_equal(run.theta[lane], alone.theta[0])


def test_raising_the_step_limit_resumes() -> None:
    cfg = RunConfig(surface="bowl", optimizer="gd", lr=0.01, max_steps=5)
    run = Run(cfg)
    run.advance(100)
    assert run.status() is Status.STEP_LIMIT
    run.update_configs(cfg.with_changes(max_steps=8))
    assert run.status() is Status.RUNNING
    assert run.advance(100) == 3


def test_optimizer_state_and_adaptive_scale_are_readable() -> None:
    run = Run(RunConfig(surface="bowl", optimizer="adam", lr=0.1, start=(3, 4)))
    assert run.adaptive_scale() is None
    run.step()
    state = run.optimizer_state()
    np.testing.assert_allclose(state["exp_avg"], 0.1 * np.array([6, 8]))
    np.testing.assert_allclose(state["exp_avg_sq"], 0.001 * np.array([36, 64]))
    scale = run.adaptive_scale()
    assert scale is not None and scale.shape == (2,)
    # first Adam step: m̂ = g, v̂ = g², so the step is lr·g/(|g| + eps) ≈ lr per coordinate
    np.testing.assert_allclose(run.theta[0], [2.9, 3.9], rtol=1e-7)


def test_comparison_must_share_surface_and_seed() -> None:
    with pytest.raises(ValueError, match="share"):
        Run([RunConfig(surface="bowl"), RunConfig(surface="booth")])
    with pytest.raises(ValueError, match="share"):
        Run([RunConfig(seed=1), RunConfig(seed=2)])


# --- absurd numbers (issue 8) -------------------------------------------------------------------
def _extremes(spec) -> list[float]:
    """The ends of a float parameter's range, or ±1e300 where it is unbounded."""
    return [spec.low if spec.low is not None else -1e300,
            spec.high if spec.high is not None else 1e300]


def _extreme_cases() -> list[tuple[str, str, float]]:
    from gdsim.core.surfaces import SURFACES

    return [(name, spec.name, value) for name, cls in SURFACES.items() for spec in cls.specs
            if spec.kind == "float" for value in _extremes(spec)
            if not (spec.low_open and value == spec.low)]


@pytest.mark.parametrize("surface, key, value", _extreme_cases())
def test_surface_parameters_at_their_limits_stay_finite_and_quiet(surface: str, key: str,
                                                                  value: float) -> None:
    """Every accepted surface parameter gives finite data, a finite start and no warnings."""
    from gdsim.core.config import ConfigError

    try:
        config = RunConfig(surface=surface, surface_params={key: value}, max_steps=5)
    except ConfigError:
        return  # refused, with a message: fine
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run = Run(config)
        assert np.isfinite(run.loss).all() and np.isfinite(run.grad).all()
        for array in run.surface.examples():
            assert np.isfinite(array).all()
        run.advance(5)
        view = np.array([[lo for lo, _ in run.surface.view], [hi for _, hi in run.surface.view]])
        loss, grad = run.surface.loss_and_grad(view)
        assert np.isfinite(loss).all() and np.isfinite(grad).all()
        for point in run.surface.critical_points():
            assert np.isfinite(point.theta).all() and np.isfinite(point.loss)
        run.summary()


def test_lowering_the_step_limit_below_the_steps_made_stops_at_once() -> None:
    cfg = RunConfig(surface="bowl", optimizer="gd", lr=0.01, max_steps=100)
    run = Run(cfg)
    run.advance(10)
    run.update_configs(cfg.with_changes(max_steps=5))
    assert run.status() is Status.STEP_LIMIT and not run.running
    assert not run.step()
    assert run.steps == 10 and run.steps_done[0] == 10
    run.update_configs(cfg.with_changes(max_steps=10))  # equal to the steps made: still stopped
    assert run.status() is Status.STEP_LIMIT and run.advance(5) == 0
    run.update_configs(cfg.with_changes(max_steps=12))
    assert run.advance(5) == 2


def test_lowering_the_step_limit_stops_only_the_lanes_past_it() -> None:
    a = RunConfig(surface="bowl", optimizer="gd", lr=0.01, max_steps=100)
    b = a.with_changes(optimizer="adam")
    run = Run([a, b])
    run.advance(10)
    run.update_configs([a.with_changes(max_steps=5), b])
    assert run.statuses() == [Status.STEP_LIMIT, Status.RUNNING]
    assert run.advance(3) == 3
    assert list(run.steps_done) == [10, 13]


@pytest.mark.parametrize("lr", [1e300, 1e150, 1e30])
def test_huge_rates_diverge_silently_keeping_the_last_finite_state(lr: float) -> None:
    run = Run([RunConfig(surface="rosenbrock", optimizer=name, lr=lr, max_steps=50)
               for name in ("gd", "momentum", "adam", "rmsprop", "adagrad")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run.advance(50)
        lines = [run.summary(lane) for lane in range(run.runs)]
        finals = [run.last_finite(lane) for lane in range(run.runs)]
    for lane in range(run.runs):
        if run.status(lane) is Status.DIVERGED:
            step, theta, loss = finals[lane]
            assert np.isfinite(theta).all() and np.isfinite(loss)
            assert step < run.steps_done[lane]
            assert np.array_equal(theta, run.trajectory.theta[step, lane])
            assert "inf" not in lines[lane] and "nan" not in lines[lane]
            assert f"diverged after {run.steps_done[lane]} step" in lines[lane]
    assert Status.DIVERGED in run.statuses()


def test_last_finite_state_without_history() -> None:
    cfg = RunConfig(surface="bowl", optimizer="gd", lr=1e300, max_steps=10)
    run = Run.sweep(cfg, lr=np.array([1e300, 0.1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        run.advance(10)
    assert run.statuses() == [Status.DIVERGED, Status.STEP_LIMIT]
    step, theta, loss = run.last_finite(0)
    assert step == 0 and np.array_equal(theta, run.start[0]) and np.isfinite(loss)
    step, theta, loss = run.last_finite(1)
    assert step == 10 and np.array_equal(theta, run.theta[1]) and loss == run.loss[1]


def test_summary_counts_steps_in_words() -> None:
    run = Run(RunConfig(surface="bowl", optimizer="gd", lr=0.1, max_steps=1))
    run.advance(1)
    assert "step limit after 1 step:" in run.summary()
    run = Run(RunConfig(surface="bowl", optimizer="gd", lr=0.1, max_steps=2))
    run.advance(2)
    assert "step limit after 2 steps:" in run.summary()


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "adagrad", "rmsprop", "adadelta", "adam",
                                       "amsgrad", "adamw", "nadam", "radam", "adamax"])
def test_reading_a_diverged_run_is_quiet(optimizer: str) -> None:
    """What the views read of a run that overflowed comes without numpy warnings (surfaces
    evaluated at arbitrary points are the caller's business: they wrap them in np.errstate)."""
    from gdsim.core.csvio import run_table

    for surface, lr in (("rosenbrock", 1e300), ("linear-regression", 1e300), ("bowl", 1e200)):
        run = Run(RunConfig(surface=surface, optimizer=optimizer, lr=lr, max_steps=200,
                            batch_size=None))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            run.advance(200)
            run.adaptive_scale()
            run.optimizer_state()
            run.lr_at(run.steps)
            run.summary()
            run.last_finite()
            run_table(run)


def _int_specs() -> list[tuple[str, object]]:
    from gdsim.core.schedules import SCHEDULES
    from gdsim.core.surfaces import SURFACES

    # A schedule and a surface may share a name ("plateau"): tag each spec with its kind.
    owners = [("schedule", o) for o in SCHEDULES.values()] + [("surface", o)
                                                              for o in SURFACES.values()]
    return [(f"{kind}:{owner.name}", spec) for kind, owner in owners for spec in owner.specs
            if spec.kind == "int"]


@pytest.mark.parametrize("owner, spec", _int_specs(),
                         ids=[f"{o.split(':')[1]}.{s.name}" for o, s in _int_specs()])
def test_integer_parameters_are_bounded_and_work_at_their_limit(owner: str, spec: object) -> None:
    """Every integer parameter has an upper bound (no int beyond int64 reaches numpy), and a
    run works with it at that bound."""
    from gdsim.core.config import MAX_STEPS

    assert spec.high is not None and spec.high <= MAX_STEPS
    kind, owner = owner.split(":", 1)
    if kind == "schedule":
        config = RunConfig(schedule=owner, schedule_params={spec.name: spec.high}, max_steps=3)
    else:
        config = RunConfig(surface=owner, surface_params={spec.name: spec.high}, max_steps=3)
    run = Run(config)
    assert run.advance(3) == 3 or run.status() is not Status.RUNNING
    assert np.isfinite(run.lr_at(run.steps)).all()


@pytest.mark.parametrize("surface,optimizer,lrs", [
    ("rosenbrock", "gd", (1e-4, 0.05)), ("rosenbrock", "adam", (1e-3, 5.0)),
    ("rosenbrock", "momentum", (1e-4, 0.02)), ("himmelblau", "gd", (1e-3, 0.1)),
    ("bowl", "nesterov", (0.01, 3.0)), ("ackley", "adam", (1e-3, 10.0)),
    ("goldstein-price", "rmsprop", (1e-4, 1.0))])
def test_a_sweep_evaluating_only_the_gradient_gives_the_same_numbers(
        surface: str, optimizer: str, lrs: tuple[float, float],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A surface that promises finite values within its bound lets a run that records
    nothing evaluate only the gradient per step (the loss when read): statuses, steps, losses
    and last finite points are bitwise those of the run evaluating the loss at every step."""
    from gdsim.core.surfaces import SURFACES

    def sweep() -> Run:
        run = Run.sweep(RunConfig(surface=surface, optimizer=optimizer, max_steps=300),
                        lr=np.geomspace(*lrs, 200))
        losses = []
        for n in (1, 7, 50, 242):
            run.advance(n)
            losses.append(run.loss.copy())
        run.losses = losses
        return run

    lazy = sweep()
    assert lazy._lazy_loss
    monkeypatch.setattr(SURFACES[surface], "finite_within_bound", False)
    eager = sweep()
    assert not eager._lazy_loss
    for name in ("theta", "grad", "steps_done"):
        np.testing.assert_array_equal(getattr(lazy, name), getattr(eager, name))
    np.testing.assert_array_equal(lazy.status_codes(), eager.status_codes())
    for a, b in zip(lazy.losses, eager.losses, strict=True):
        np.testing.assert_array_equal(a, b)
    for lane in range(lazy.runs):
        assert lazy.summary(lane) == eager.summary(lane)
        a, b = lazy.last_finite(lane), eager.last_finite(lane)
        assert (a is None) == (b is None)
        if a is not None:
            assert a[0] == b[0] and a[2] == b[2] or (np.isnan(a[2]) and np.isnan(b[2]))
            np.testing.assert_array_equal(a[1], b[1])


def test_finite_within_bound_is_kept() -> None:
    """Surfaces that promise finite values within their bound keep it: on the bound's sphere
    and inside it, at the parameters' extremes."""
    from gdsim.core.surfaces import SURFACES, make_surface

    rng = np.random.default_rng(0)
    for name, cls in SURFACES.items():
        if not getattr(cls, "finite_within_bound", False):
            continue
        for params in ({}, *({s.name: v} for s in cls.specs if s.kind != "bool"
                             for v in (s.low, s.high) if v is not None)):
            surface = make_surface(name, params)
            direction = rng.normal(size=(20_000, surface.dim))
            direction /= np.sqrt((direction * direction).sum(axis=1, keepdims=True))
            radius = surface.bound * rng.uniform(0, 1, (20_000, 1))
            radius[:5000] = surface.bound * (1 - 1e-12)
            theta = radius * direction
            with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                loss, grad = surface.loss_and_grad(theta)
            assert np.all(np.abs(loss) < 1e280), name
            assert np.all((grad * grad).sum(axis=1) < 1e280), name
