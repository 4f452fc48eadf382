"""The schedules added with issue 12: multistep, polynomial, cosine-restarts, cyclic, one-cycle,
plateau — by hand, in the run loop, on the command line and (when torch is installed) η per step
against torch.optim.lr_scheduler."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from gdsim.cli import main
from gdsim.core import Run, RunConfig
from gdsim.core.params import ParamError
from gdsim.core.schedules import SCHEDULES, get_schedule


def rates(name: str, lr0: float, steps: int, **params: Any) -> list[float]:
    s = get_schedule(name)
    return [float(s(t, lr0, s.resolve(params))) for t in range(steps)]


def test_multistep_by_hand() -> None:
    got = rates("multistep", 1.0, 9, milestones="3,6", gamma=0.5)
    assert got == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert rates("multistep", 1.0, 3, milestones=(1, 1), gamma=0.5) == [1, 0.25, 0.25]
    assert get_schedule("multistep").resolve({"milestones": "30,80"})["milestones"] == (30, 80)
    with pytest.raises(ParamError, match="milestones"):
        get_schedule("multistep").resolve({"milestones": "30,x"})


def test_polynomial_and_restarts_by_hand() -> None:
    assert rates("polynomial", 1.0, 6, total_iters=4, power=2.0) == pytest.approx(
        [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0])
    # T_0 = 2, T_mult = 2: periods 2, 4, 8 — restarts at t = 2 and t = 6.
    got = rates("cosine-restarts", 1.0, 7, T_0=2, T_mult=2, eta_min=0.0)
    expected = [1.0, 0.5, 1.0, (1 + math.cos(math.pi / 4)) / 2, 0.5,
                (1 + math.cos(3 * math.pi / 4)) / 2, 1.0]
    assert got == pytest.approx(expected, abs=1e-15)


def test_cyclic_and_one_cycle_by_hand() -> None:
    # triangular from η₀ = 0.1 to 0.5, up 2 steps and down 2: 0.1, 0.3, 0.5, 0.3, 0.1, ...
    assert rates("cyclic", 0.1, 6, max_lr=0.5, step_size_up=2) == pytest.approx(
        [0.1, 0.3, 0.5, 0.3, 0.1, 0.3])
    # triangular2 halves the height in the second cycle.
    assert rates("cyclic", 0.1, 7, max_lr=0.5, step_size_up=2, mode="triangular2")[6] \
        == pytest.approx(0.3)
    # linear one-cycle over 10 steps, peak η₀ = 1 at step 2 (pct_start·10 − 1), from 1/25.
    got = rates("one-cycle", 1.0, 11, total_steps=10, pct_start=0.3, anneal_strategy="linear")
    assert got[0] == pytest.approx(1 / 25) and got[2] == pytest.approx(1.0)
    assert got[9] == pytest.approx(1 / 25 / 1e4)
    assert got[5] == pytest.approx(1.0 + (1 / 25 / 1e4 - 1.0) * 3 / 7)


def test_plateau_reduces_after_patience_steps_without_improvement() -> None:
    sched = get_schedule("plateau")
    params = sched.resolve({"patience": 2, "factor": 0.5})
    state = sched.init(np.array([1.0]), params)
    active = np.array([True])
    seen = []
    for loss in [5.0, 4.0, 4.0, 4.0, 4.0, 3.0, 3.0, 3.0, 3.0]:
        state = sched.observe(state, np.array([loss]), active, params)
        seen.append(float(sched(0, 1.0, params, state)[0]))
    # bad counts: 0, 0, 1, 2, 3 → reduce (→ 0.5), 0, 1, 2, 3 → reduce (→ 0.25)
    assert seen == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]
    frozen = sched.observe(state, np.array([9.0]), np.array([False]), params)
    assert frozen.num_bad_epochs[0] == state.num_bad_epochs[0]  # stopped lanes are not fed


def test_plateau_in_the_run_loop_watches_the_full_batch_loss() -> None:
    """Gradient descent on the bowl at η = 1 oscillates between (3, 4) and (−3, −4) for ever:
    the loss never improves, so after patience + 1 steps η is cut to 0.1 and the run converges."""
    config = RunConfig(surface="bowl", optimizer="gd", lr=1.0, start=(3.0, 4.0), max_steps=200,
                       schedule="plateau", schedule_params={"patience": 3, "factor": 0.1})
    run = Run(config)
    run.advance(200)
    lrs = run.trajectory.lr[: run.steps, 0]
    # observed after updates 1..: 25 (best), 25, 25, 25 → the 4th non-improvement reduces.
    np.testing.assert_allclose(lrs[:6], [1, 1, 1, 1, 1, 0.1])
    assert run.status().value == "converged"


def test_milestones_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run", "--surface", "bowl", "--optimizer", "gd", "--lr", "0.1",
                 "--steps", "5", "--schedule", "multistep", "--schedule-param",
                 "milestones=2,4", "--schedule-param", "gamma=0.5"])
    assert code == 0
    code = main(["run", "--surface", "bowl", "--schedule", "multistep", "--schedule-param",
                 "milestones=2,zz"])
    assert code != 0
    assert "milestones" in capsys.readouterr().err


def test_listed_with_their_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "schedules"]) == 0
    out = capsys.readouterr().out
    for name in ("multistep", "polynomial", "cosine-restarts", "cyclic", "one-cycle",
                 "plateau"):
        assert name in out and name in SCHEDULES
    assert "milestones" in out and "MultiStepLR" in out


# --- torch -------------------------------------------------------------------------------------

TORCH_CASES: list[tuple[str, dict[str, Any], Any]] = [
    ("multistep", {"milestones": (30, 80, 80), "gamma": 0.3},
     lambda S, o: S.MultiStepLR(o, milestones=[30, 80, 80], gamma=0.3)),
    ("polynomial", {"total_iters": 150, "power": 1.0},
     lambda S, o: S.PolynomialLR(o, total_iters=150, power=1.0)),
    ("polynomial", {"total_iters": 90, "power": 2.5},
     lambda S, o: S.PolynomialLR(o, total_iters=90, power=2.5)),
    ("cosine-restarts", {"T_0": 17, "T_mult": 1, "eta_min": 0.01},
     lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=17, T_mult=1, eta_min=0.01)),
    ("cosine-restarts", {"T_0": 5, "T_mult": 2, "eta_min": 0.0},
     lambda S, o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2)),
    ("cyclic", {"max_lr": 2.0, "step_size_up": 20, "mode": "triangular"},
     lambda S, o: S.CyclicLR(o, base_lr=0.5, max_lr=2.0, step_size_up=20,
                             cycle_momentum=False)),
    ("cyclic", {"max_lr": 2.0, "step_size_up": 13, "step_size_down": 29,
                "mode": "triangular2"},
     lambda S, o: S.CyclicLR(o, base_lr=0.5, max_lr=2.0, step_size_up=13, step_size_down=29,
                             mode="triangular2", cycle_momentum=False)),
    ("cyclic", {"max_lr": 2.0, "step_size_up": 10, "mode": "exp_range", "gamma": 0.99},
     lambda S, o: S.CyclicLR(o, base_lr=0.5, max_lr=2.0, step_size_up=10, mode="exp_range",
                             gamma=0.99, cycle_momentum=False)),
    ("one-cycle", {"total_steps": 300},
     lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=300, cycle_momentum=False)),
    ("one-cycle", {"total_steps": 300, "pct_start": 0.25, "anneal_strategy": "linear",
                   "div_factor": 10.0, "final_div_factor": 100.0, "three_phase": True},
     lambda S, o: S.OneCycleLR(o, max_lr=0.5, total_steps=300, pct_start=0.25,
                               anneal_strategy="linear", div_factor=10.0,
                               final_div_factor=100.0, three_phase=True,
                               cycle_momentum=False)),
]
STEPS = 300


@pytest.mark.parametrize("name,params,make", TORCH_CASES,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(TORCH_CASES)])
def test_rate_per_step_matches_torch(name: str, params: dict[str, Any], make: Any) -> None:
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.5)
    sched = make(torch.optim.lr_scheduler, opt)
    expected = []
    for _ in range(STEPS):
        expected.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    got = rates(name, 0.5, STEPS, **params)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    # and in the run loop, lane by lane
    run = Run(RunConfig(surface="bowl", optimizer="gd", lr=0.5, start=(3.0, 4.0),
                        schedule=name, schedule_params=params, max_steps=STEPS, grad_tol=0.0))
    np.testing.assert_allclose([run.lr_at(t)[0] for t in range(STEPS)], expected, rtol=1e-12,
                               atol=1e-15)


@pytest.mark.parametrize("params", [
    {}, {"patience": 3, "factor": 0.5, "threshold": 0.01, "cooldown": 2},
    {"patience": 0, "threshold_mode": "abs", "threshold": 1e-3, "min_lr": 1e-3},
])
def test_plateau_matches_torch_on_a_run(params: dict[str, Any]) -> None:
    """A noisy mini-batch run on linear regression; torch's ReduceLROnPlateau is stepped with
    the same full-batch losses and must give the same rate at every step."""
    torch = pytest.importorskip("torch")
    config = RunConfig(surface="linear-regression", optimizer="gd", lr=0.3, batch_size=4,
                       schedule="plateau", schedule_params=params, max_steps=STEPS,
                       grad_tol=0.0, seed=1)
    run = Run(config)
    run.advance(STEPS)
    losses = run.trajectory.loss[1: run.steps + 1, 0]
    ours = run.trajectory.lr[: run.steps, 0]
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.3)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **params)
    expected = []
    for loss in losses:
        expected.append(opt.param_groups[0]["lr"])
        sched.step(float(loss))
    assert len(set(expected)) > 1  # the rate really was reduced
    np.testing.assert_array_equal(ours, expected)


def test_summaries_write_choices_and_milestones() -> None:
    from gdsim.core.describe import config_summary
    from gdsim.core.surfaces import make_surface

    config = RunConfig(surface="bowl", optimizer="lbfgs",
                       optimizer_params={"line_search_fn": "strong_wolfe"},
                       schedule="multistep", schedule_params={"milestones": "30,80"})
    text = config_summary(config, make_surface("bowl"))
    assert "line_search_fn=strong_wolfe" in text and "milestones=30,80" in text
