"""Learning-rate schedules against torch.optim.lr_scheduler's closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gdsim.core import Run, RunConfig
from gdsim.core.params import ParamError
from gdsim.core.schedules import SCHEDULES, get_schedule


def rates(name: str, lr0: float, steps: int, **params: float) -> list[float]:
    s = get_schedule(name)
    return [float(s(t, lr0, s.resolve(params))) for t in range(steps)]


def test_closed_forms() -> None:
    assert rates("constant", 0.1, 3) == [0.1, 0.1, 0.1]
    assert rates("step", 1.0, 7, step_size=3, gamma=0.5) == [1, 1, 1, 0.5, 0.5, 0.5, 0.25]
    assert rates("exponential", 2.0, 3, gamma=0.9) == pytest.approx([2.0, 1.8, 1.62])
    cos = rates("cosine", 1.0, 5, T_max=4, eta_min=0.2)
    assert cos == pytest.approx([1.0, 0.2 + 0.8 * (1 + math.cos(math.pi / 4)) / 2, 0.6,
                                 0.2 + 0.8 * (1 + math.cos(3 * math.pi / 4)) / 2, 0.2])
    assert rates("inverse-time", 1.0, 3, decay=0.5) == pytest.approx([1.0, 1 / 1.5, 0.5])


def test_linear_warmup_multiplies_the_schedule() -> None:
    got = rates("constant", 1.0, 6, warmup_iters=4, start_factor=0.2)
    assert got == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0, 1.0])
    got = rates("exponential", 1.0, 3, gamma=0.5, warmup_iters=2, start_factor=0.5)
    assert got == pytest.approx([0.5, 0.75 * 0.5, 0.25])


def test_against_torch_schedulers() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        ("step", {"step_size": 3, "gamma": 0.3},
         lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.3)),
        ("exponential", {"gamma": 0.9},
         lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
        ("cosine", {"T_max": 10, "eta_min": 0.01},
         lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.01)),
    ]
    for name, params, make in cases:
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([p], lr=0.5)
        sched = make(opt)
        expected = []
        for _ in range(10):
            expected.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        np.testing.assert_allclose(rates(name, 0.5, 10, **params), expected, rtol=1e-12)


def test_run_uses_the_schedule_step_by_step() -> None:
    cfg = RunConfig(surface="bowl", optimizer="gd", lr=0.1, schedule="step",
                    schedule_params={"step_size": 2, "gamma": 0.5}, max_steps=5, start=(3, 4))
    run = Run(cfg)
    run.advance(5)
    np.testing.assert_allclose(run.trajectory.lr[:5, 0], [0.1, 0.1, 0.05, 0.05, 0.025])
    theta = np.array([3.0, 4.0])
    for lr in [0.1, 0.1, 0.05, 0.05, 0.025]:
        theta = theta - lr * 2 * theta
    np.testing.assert_allclose(run.theta[0], theta, rtol=1e-15)


@pytest.mark.parametrize("name, params, bad", [
    ("step", {"gamma": 0.0}, "gamma"), ("step", {"step_size": 0}, "step_size"),
    ("exponential", {"gamma": 1.5}, "gamma"), ("cosine", {"T_max": 0}, "T_max"),
    ("cosine", {"eta_min": -1}, "eta_min"), ("inverse-time", {"decay": -0.1}, "decay"),
    ("constant", {"warmup_iters": -1}, "warmup_iters"), ("constant", {"bogus": 1}, "bogus"),
])
def test_invalid_parameters_are_named(name: str, params: dict, bad: str) -> None:
    with pytest.raises(ParamError, match=bad):
        SCHEDULES[name].resolve(params)
