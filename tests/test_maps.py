"""Maps of many runs (gdsim.core.maps), checked against closed forms and single runs."""

from __future__ import annotations

import dataclasses
import tracemalloc

import numpy as np
import pytest

from gdsim.core.config import RunConfig
from gdsim.core.maps import basins, lr_find, lr_sweep, momentum_map, race
from gdsim.core.maps.curvature import hessian, is_quadratic, momentum_rate, stable_lr
from gdsim.core.maps.lr_find import smooth
from gdsim.core.maps.sweep import best_rate
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.run import STATUSES, Run, Status
from gdsim.core.surfaces import make_surface

DIVERGED = STATUSES.index(Status.DIVERGED)
CONVERGED = STATUSES.index(Status.CONVERGED)


# --- the sweep --------------------------------------------------------------------------------
@pytest.mark.parametrize(("surface", "params", "threshold"), [
    ("bowl", {}, 1.0),                      # λ_max = 2: η* = 2/2
    ("ellipse", {"condition": 10.0}, 0.2),  # λ_max = κ: η* = 2/κ
    ("ellipse", {"condition": 50.0}, 0.04),
])
def test_sweep_finds_the_divergence_threshold_of_a_quadratic(surface: str, params: dict,
                                                             threshold: float) -> None:
    config = RunConfig(surface=surface, surface_params=params, optimizer="gd")
    result = lr_sweep(config, 1e-3, 10.0, 400, 2000)
    eta = result.divergence_lr
    assert eta is not None
    i = int(np.flatnonzero(result.lr == eta)[0])
    # to the sweep's resolution: the last stable rate ≤ η* < the first diverging rate
    assert result.lr[i - 1] <= threshold < result.lr[i]
    assert np.all(result.status[:i] != DIVERGED) and np.all(result.status[i:] == DIVERGED)
    assert result.thresholds == {"quadratic": pytest.approx(threshold, rel=1e-8)}


def test_sweep_lanes_equal_single_runs_and_rows_follow_the_columns() -> None:
    config = RunConfig(surface="rosenbrock", optimizer="adam")
    result = lr_sweep(config, 1e-3, 1.0, 7, 150)
    np.testing.assert_allclose(result.lr, np.geomspace(1e-3, 1.0, 7), rtol=1e-15)
    for k, lr in enumerate(result.lr):
        alone = Run(config.with_changes(lr=float(lr), max_steps=150))
        alone.advance(150)
        assert result.final_loss[k] == alone.loss[0]
        assert result.steps[k] == alone.steps_done[0]
        assert STATUSES[result.status[k]] is alone.status()
    row = result.rows()[3]
    assert row == (result.lr[3], result.final_loss[3], int(result.steps[3]),
                   STATUSES[result.status[3]].value)


def test_a_map_is_one_vectorized_update_per_step(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    gd = OPTIMIZERS["gd"]

    def counted(grad, state, theta, hp):
        calls.append(len(theta))
        return gd.update(grad, state, theta, hp)

    monkeypatch.setitem(OPTIMIZERS, "gd", dataclasses.replace(gd, update=counted))
    lr_sweep(RunConfig(surface="himmelblau", optimizer="gd"), 1e-4, 0.05, 500, 40)
    assert len(calls) == 40 and set(calls) == {500}


def test_maps_keep_no_history_memory_is_flat_in_steps() -> None:
    config = RunConfig(surface="booth", optimizer="adam", grad_tol=0.0)

    def peak(steps: int) -> int:
        tracemalloc.start()
        basins(config, 30, steps)
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    peak(20)  # first-call allocations (caches) out of the way
    short, long = peak(20), peak(600)
    assert long < 1.5 * short  # 30× the steps, (nearly) the same memory (a history: 20×)


def test_best_rate_is_the_lowest_loss_and_ties_go_to_the_larger_rate() -> None:
    lr = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    status = np.array([CONVERGED, CONVERGED, CONVERGED, CONVERGED, DIVERGED])
    assert best_rate(lr, np.array([3.0, 1.0, 2.0, 5.0, 0.0]), status) == 1
    assert best_rate(lr, np.array([3.0, 1e-14, 0.0, 5.0, 0.0]), status) == 2  # a tie
    assert best_rate(lr, np.array([0.0, 0.0, 0.0, 0.0, 0.0]), status) == 3
    assert best_rate(lr, np.zeros(5), np.full(5, DIVERGED)) is None


# --- progress, cancel, partial results --------------------------------------------------------
def test_progress_reports_partial_results_and_cancel_keeps_them() -> None:
    seen = []
    config = RunConfig(surface="rosenbrock", optimizer="gd", lr=1e-3)
    result = basins(config, 32, 3000, progress=seen.append, chunk_seconds=1e-4,
                    cancelled=lambda: len(seen) >= 3)
    assert result.progress.cancelled and not result.progress.complete
    fractions = [p.progress.fraction for p in seen]
    assert fractions == sorted(fractions) and 0 < fractions[0] < 1
    done = result.progress.done
    assert 0 < done < 3000 and result.steps.max() == done
    assert np.any(result.status == STATUSES.index(Status.RUNNING))
    # the partial map is the full map's state after the same number of steps
    alone = Run.sweep(config.with_changes(max_steps=3000), starts=result.start)
    alone.advance(done)
    np.testing.assert_array_equal(result.theta, alone.theta)


def test_a_finished_map_reports_complete_once() -> None:
    seen = []
    result = lr_sweep(RunConfig(surface="bowl"), 0.01, 0.5, 20, 5000, progress=seen.append)
    assert result.progress.complete and result.progress.fraction == 1.0
    assert [p.progress.complete for p in seen].count(True) == 1 and seen[-1].progress.complete
    assert result.progress.done < 5000  # every lane converged early: the map ended there


# --- basins -----------------------------------------------------------------------------------
def test_himmelblau_basins_under_gd_assign_every_converged_start_to_a_minimum() -> None:
    surface = make_surface("himmelblau")
    result = basins(RunConfig(surface="himmelblau", optimizer="gd", lr=0.005), 64, 2000)
    converged = result.status == CONVERGED
    assert converged.mean() > 0.95
    assert set(result.minimum[converged]) == {0, 1, 2, 3}  # all four minima have a basin
    points = surface.critical_points()
    for lane in np.flatnonzero(converged):
        point = points[result.minimum[lane]]
        assert point.kind == "global minimum"
        np.testing.assert_allclose(result.theta[lane], point.theta, atol=1e-5)
    # a start in the corner near (3, 2) flows there, and the grid is laid out row by row
    lane = result.lane_at(3.4, 2.4)
    np.testing.assert_allclose(result.start[lane], [3.359375, 2.421875])
    assert result.minimum[lane] == 0
    assert result.image(result.minimum).shape == (64, 64)
    assert result.image(result.start[:, 1])[5, 0] == result.start[5 * 64, 1]


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_a_start_at_a_minimum_stays_there(optimizer: str) -> None:
    surface = make_surface("himmelblau")
    for k, point in enumerate(surface.minima()):
        x, y = point.theta
        result = basins(RunConfig(surface="himmelblau", optimizer=optimizer), 1, 100,
                        x_range=(x - 0.25, x + 0.25), y_range=(y - 0.25, y + 0.25))
        np.testing.assert_allclose(result.start[0], point.theta, atol=1e-14)
        assert result.steps[0] == 0 and STATUSES[result.status[0]] is Status.CONVERGED
        np.testing.assert_array_equal(result.theta[0], result.start[0])
        assert result.minimum[0] == k


def test_basins_label_diverged_and_far_runs_as_none() -> None:
    result = basins(RunConfig(surface="himmelblau", optimizer="gd", lr=0.05), 16, 200)
    assert np.all(result.minimum[result.status == DIVERGED] == -1)
    assert np.any(result.status == DIVERGED)
    rows = result.rows()
    assert len(rows) == 256 and all(r[7] == "" for r, s in zip(rows, result.status,
                                                               strict=True) if s == DIVERGED)


# --- curvature and the momentum map -----------------------------------------------------------
def test_hessian_uses_the_surface_s_own_batched_hessian_else_differences() -> None:
    class Own:
        view = ((-1.0, 1.0), (-1.0, 1.0))
        dim = 2

        def hessian(self, theta: np.ndarray) -> np.ndarray:
            return np.broadcast_to(np.array([[3.0, 1.0], [1.0, 5.0]]), (len(theta), 2, 2))

    class Missing(Own):
        def hessian(self, theta: np.ndarray) -> np.ndarray:
            raise NotImplementedError

        def grad(self, theta: np.ndarray) -> np.ndarray:
            return theta * np.array([2.0, 8.0])

    theta = np.zeros((3, 2))
    np.testing.assert_array_equal(hessian(Own(), theta)[1], [[3, 1], [1, 5]])
    np.testing.assert_allclose(hessian(Missing(), theta)[2], [[2, 0], [0, 8]], atol=1e-9)


def test_hessian_by_central_differences_matches_the_hand_derived_one() -> None:
    rosen = make_surface("rosenbrock")
    # ∂²L/∂x² = 2 − 400(y − x²) + 800x², ∂²L/∂x∂y = −400x, ∂²L/∂y² = 200
    x, y = -1.2, 0.7
    expected = [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200.0]]
    np.testing.assert_allclose(hessian(rosen, np.array([[x, y]]))[0], expected, rtol=1e-7)
    assert is_quadratic(make_surface("ellipse")) and is_quadratic(make_surface("booth"))
    assert not is_quadratic(rosen)


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov"])
def test_momentum_thresholds_and_rates_match_companion_matrices(optimizer: str) -> None:
    """stable_lr and momentum_rate against the eigenvalues of the 2×2 update matrices."""
    lam = 3.0
    rng = np.random.default_rng(1)
    for mu in (0.1, 0.5, 0.9):
        eta_s = stable_lr(optimizer, {"momentum": mu}, lam)
        for eta in rng.uniform(0.01, 1.5 * eta_s, 20):
            h = eta * lam
            if optimizer == "momentum":   # (θ, v): v' = μv + λθ, θ' = θ − ηv'
                m = np.array([[1 - h, -eta * mu], [lam, mu]])
            else:                         # θ' = θ − η(λθ + μv'), v' = μv + λθ
                m = np.array([[1 - h * (1 + mu), -eta * mu * mu], [lam, mu]])
            rho = np.abs(np.linalg.eigvals(m)).max()
            assert momentum_rate(eta, mu, [lam], nesterov=optimizer == "nesterov") \
                == pytest.approx(rho, rel=1e-9)
            assert (rho < 1) == (eta < eta_s) or abs(eta - eta_s) < 1e-9
    assert stable_lr("gd", {}, 4.0) == 0.5 and stable_lr("adam", {}, 4.0) is None


@pytest.mark.parametrize("optimizer", ["momentum", "nesterov"])
def test_complex_root_curves_bound_the_rotating_region(optimizer: str) -> None:
    from gdsim.core.maps.momentum_map import quadratic_theory

    surface = make_surface("ellipse", {"condition": 4.0})
    lr, mu = np.geomspace(1e-3, 1.0, 5), np.linspace(0.05, 0.95, 5)
    theory = quadratic_theory(surface, optimizer, {}, lr, mu)
    m, low = theory.curves["complex roots (λ_max), low"]
    _, high = theory.curves["complex roots (λ_max), high"]
    lam = 4.0
    for k in range(37, len(m), 37):  # μ > 0 (at μ = 0 the two curves meet)
        for eta, inside in ((0.5 * (low[k] + high[k]), True), (0.5 * low[k], False)):
            h, u = eta * lam, m[k]
            if optimizer == "momentum":
                mat = np.array([[1 - h, -eta * u], [lam, u]])
            else:
                mat = np.array([[1 - h * (1 + u), -eta * u * u], [lam, u]])
            assert (np.abs(np.linalg.eigvals(mat).imag) > 1e-12).any() == inside


def test_momentum_map_on_the_ellipse_follows_the_quadratic_theory() -> None:
    config = RunConfig(surface="ellipse", optimizer="momentum")
    result = momentum_map(config, 1e-3, 1.0, 600, lr_points=40, mu_points=24)
    theory = result.theory
    assert theory is not None and theory.eigenvalues == pytest.approx((1.0, 10.0))
    status = result.image(result.status)
    assert np.all(status[theory.rate > 1.02] == DIVERGED)
    assert np.all(status[theory.rate < 0.98] != DIVERGED)
    eta_opt, mu_opt = theory.optimum
    assert eta_opt == pytest.approx((2 / (1 + np.sqrt(10))) ** 2)
    assert mu_opt == pytest.approx(((np.sqrt(10) - 1) / (np.sqrt(10) + 1)) ** 2)
    mu, eta = theory.curves["divergence"]
    np.testing.assert_allclose(eta, 2 * (1 + mu) / 10)
    # a cell is the single run with that η and μ
    i, j = 17, 9
    assert result.cell_at(result.lr[i], result.mu[j]) == (i, j)
    alone = Run(config.with_changes(lr=float(result.lr[i]), max_steps=600,
                                    optimizer_params={"momentum": float(result.mu[j])}))
    alone.advance(600)
    assert result.image(result.final_loss)[j, i] == alone.loss[0]


def test_momentum_map_without_theory_off_quadratics() -> None:
    result = momentum_map(RunConfig(surface="rosenbrock", optimizer="nesterov"), 1e-5, 1e-2,
                          50, lr_points=8, mu_points=4)
    assert result.theory is None and result.final_loss.shape == (32,)
    assert result.mu[0] > 0  # cell centres: Nesterov never gets μ = 0


# --- the LR range test ------------------------------------------------------------------------
@pytest.mark.parametrize(("surface", "batch"), [("bowl", None), ("ellipse", None),
                                                ("linear-regression", 10)])
def test_lr_range_suggestion_lies_below_the_divergence_threshold(surface: str,
                                                                 batch: int | None) -> None:
    config = RunConfig(surface=surface, optimizer="gd", batch_size=batch)
    found = lr_find(config, 1e-5, 10.0, 400)
    sweep = lr_sweep(config, 1e-5, 10.0, 300, 400)
    assert found.stopped_early  # the ramp reached rates that blow up
    assert found.suggestion is not None
    assert found.suggestion < sweep.divergence_lr
    for eta in sweep.thresholds.values():
        assert found.suggestion < eta


def test_lr_range_test_ramps_exponentially_and_smooths_like_fastai() -> None:
    config = RunConfig(surface="linear-regression", optimizer="gd", batch_size=5)
    found = lr_find(config, 1e-4, 1.0, 100)
    n = len(found.lr)
    np.testing.assert_allclose(found.lr, 1e-4 * 1e4 ** (np.arange(n) / 99), rtol=1e-12)
    np.testing.assert_allclose(found.smoothed, smooth(found.loss), rtol=1e-12)
    # the first loss is the first mini-batch's loss at the start
    run = Run(config.with_changes(lr=1e-4))
    run.step()
    assert found.loss[0] == run.trajectory.batch_loss[0, 0]
    assert [r[0] for r in found.rows()] == list(range(n))


# --- the race ---------------------------------------------------------------------------------
def test_race_tuned_rates_are_the_argmin_of_each_sweep() -> None:
    base = RunConfig(surface="rosenbrock")
    result = race(base, ["gd", "momentum", "adam"], 300, points=40)
    for k, sweep in enumerate(result.sweeps):
        ok = sweep.status != DIVERGED
        best = sweep.final_loss[ok].min()
        tied = ok & (sweep.final_loss <= best + 1e-12)
        assert result.lr[k] == sweep.lr[tied].max()
        # the race lane is the sweep's lane at that rate
        lane = int(np.flatnonzero(sweep.lr == result.lr[k])[0])
        assert result.final_loss[k] == sweep.final_loss[lane]
    assert result.optimizers == ("gd", "momentum", "adam")
    # steps to within 1e-6 of the minimum, from the recorded loss curve
    for k in range(3):
        below = np.flatnonzero(result.loss[:, k] <= 1e-6)
        assert result.steps_to_tol[k] == (below[0] if len(below) else -1)


def test_untuned_race_uses_the_surface_default_rates() -> None:
    result = race(RunConfig(surface="bowl"), ["gd", "adam"], 100, tuned=False)
    assert list(result.lr) == [0.1, 0.2] and result.sweeps == ()
    assert result.rows()[0][0] == "gd"


# --- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize(("call", "match"), [
    (lambda: lr_sweep(RunConfig(), 1.0, 0.1, 10, 10), "lr"),
    (lambda: lr_sweep(RunConfig(), 0.1, 1.0, 0, 10), "points"),
    (lambda: lr_sweep(RunConfig(), 0.1, 1.0, 10, 0), "steps"),
    (lambda: basins(RunConfig(), 0, 10), "grid"),
    (lambda: basins(RunConfig(surface="parabola"), 8, 10), "two parameters"),
    (lambda: basins(RunConfig(), 8, 10, x_range=(1.0, 1.0)), "x-range"),
    (lambda: momentum_map(RunConfig(optimizer="gd"), 0.1, 1.0, 10), "momentum hyperparameter"),
    (lambda: momentum_map(RunConfig(optimizer="momentum"), 0.1, 1.0, 10, mu_max=1.5),
     "momentum"),
    (lambda: lr_find(RunConfig(), 0.1, 1.0, 1), "steps"),
    (lambda: race(RunConfig(), ["gd", "nope"], 10), "unknown optimizer"),
])
def test_bad_map_arguments_name_the_field(call, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        call()
