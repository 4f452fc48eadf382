"""Learning-rate schedules following ``torch.optim.lr_scheduler``, with its parameter names.

A schedule maps the number of updates done, t = 0, 1, 2, …, and the optimizer's base rate η₀ to
the rate η_t used for the update that leaves θ_t (``scheduler.step()`` once per update):

=============== ================================================ ================================
name            η_t                                              torch equivalent
=============== ================================================ ================================
``constant``    η₀                                               (no scheduler)
``step``        η₀ · gamma^⌊t / step_size⌋                        ``StepLR(step_size, gamma)``
``exponential`` η₀ · gamma^t                                      ``ExponentialLR(gamma)``
``cosine``      eta_min + (η₀ − eta_min)(1 + cos(π t / T_max))/2  ``CosineAnnealingLR(T_max,
                                                                  eta_min)`` (closed form)
``inverse-time`` η₀ / (1 + decay · t)                            ``LambdaLR(lambda t: 1 / (1 +
                                                                  decay * t))``
=============== ================================================ ================================

Every schedule also takes an optional linear warm-up, torch's ``LinearLR(start_factor,
total_iters=warmup_iters)`` chained in front: η_t is multiplied by
``start_factor + (1 − start_factor) · min(t, warmup_iters) / warmup_iters``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdsim.core.params import ParamSpec, resolve_params

FactorFn = Callable[[np.ndarray, np.ndarray, Mapping[str, Any]], np.ndarray]

MAX_SCHEDULE_STEPS = 2**31 - 1
"""The largest step count a schedule parameter may hold: the largest step limit."""

WARMUP_ITERS = ParamSpec(
    "warmup_iters", 0, "Number of steps of linear warm-up before the schedule (0 = none).",
    kind="int", low=0, high=MAX_SCHEDULE_STEPS, ui_high=1000, label="Warm-up steps")
START_FACTOR = ParamSpec(
    "start_factor", 1.0 / 3.0, "Fraction of the rate used at the first warm-up step.",
    low=0.0, high=1.0, low_open=True, label="Warm-up start factor")


@dataclass(frozen=True)
class Schedule:
    """One learning-rate schedule.

    Attributes:
        name, title, summary: command-line name, display name, one line.
        torch_equivalent: the ``torch.optim.lr_scheduler`` construction it matches.
        specs: its own parameters (the warm-up parameters are appended to every schedule).
        rate: ``rate(t, lr0, params)`` with ``t`` an int array of update counts and ``lr0`` the
            base rate (broadcastable), before warm-up.
    """

    name: str
    title: str
    summary: str
    torch_equivalent: str
    own_specs: tuple[ParamSpec, ...]
    rate: FactorFn

    @property
    def specs(self) -> tuple[ParamSpec, ...]:
        return (*self.own_specs, WARMUP_ITERS, START_FACTOR)

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Validated parameters over the defaults; raises ParamError naming the bad one."""
        return resolve_params(self.specs, given, owner=f"{self.title} schedule")

    def __call__(self, t: int | np.ndarray, lr0: float | np.ndarray,
                 params: Mapping[str, Any]) -> np.ndarray:
        """η_t for update count(s) ``t`` and base rate(s) ``lr0``; ``params`` resolved."""
        t = np.asarray(t)
        lr = self.rate(t, np.asarray(lr0, dtype=float), params)
        warm = int(params["warmup_iters"])
        if warm > 0:
            start = float(params["start_factor"])
            lr = lr * (start + (1.0 - start) * np.minimum(t, warm) / warm)
        return lr


def _constant(t: np.ndarray, lr0: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    return lr0 * np.ones_like(t, dtype=float)


def _step(t: np.ndarray, lr0: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    return lr0 * float(p["gamma"]) ** (t // int(p["step_size"]))


def _exponential(t: np.ndarray, lr0: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    return lr0 * float(p["gamma"]) ** t


def _cosine(t: np.ndarray, lr0: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    eta_min = float(p["eta_min"])
    return eta_min + (lr0 - eta_min) * (1.0 + np.cos(np.pi * t / int(p["T_max"]))) / 2.0


def _inverse_time(t: np.ndarray, lr0: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    return lr0 / (1.0 + float(p["decay"]) * t)


GAMMA_STEP = ParamSpec("gamma", 0.5, "Factor multiplying η every step_size steps.",
                       low=0.0, high=1.0, low_open=True, label="Decay factor γ")
GAMMA_EXP = ParamSpec("gamma", 0.99, "Factor multiplying η after every step.",
                      low=0.0, high=1.0, low_open=True, label="Decay factor γ")

SCHEDULES: dict[str, Schedule] = {
    s.name: s
    for s in (
        Schedule("constant", "Constant", "The same learning rate at every step.",
                 "(no scheduler)", (), _constant),
        Schedule("step", "Step decay", "Multiply η by gamma every step_size steps.",
                 "torch.optim.lr_scheduler.StepLR(opt, step_size, gamma)",
                 (ParamSpec("step_size", 100, "Steps between two decays.", kind="int", low=1,
                            high=MAX_SCHEDULE_STEPS, ui_high=1000, label="Steps per decay"),
                  GAMMA_STEP),
                 _step),
        Schedule("exponential", "Exponential decay", "Multiply η by gamma after every step.",
                 "torch.optim.lr_scheduler.ExponentialLR(opt, gamma)", (GAMMA_EXP,),
                 _exponential),
        Schedule("cosine", "Cosine annealing",
                 "η follows half a cosine from its base value down to eta_min over T_max steps.",
                 "torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max, eta_min)",
                 (ParamSpec("T_max", 500, "Steps to go from the base rate to eta_min.",
                            kind="int", low=1, high=MAX_SCHEDULE_STEPS, ui_high=10_000,
                            label="Annealing steps T_max"),
                  ParamSpec("eta_min", 0.0, "The smallest learning rate.", low=0.0,
                            log=True, label="Minimum rate η_min")),
                 _cosine),
        Schedule("inverse-time", "Inverse-time decay",
                 "η decreases gradually as η₀ / (1 + decay·t).",
                 "torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 / (1 + decay * t))",
                 (ParamSpec("decay", 0.01, "How fast η decreases: it halves after 1/decay "
                            "steps.", low=0.0, ui_high=1.0, log=True, label="Decay rate"),),
                 _inverse_time),
    )
}


def get_schedule(name: str) -> Schedule:
    """The schedule called ``name``; raises ``KeyError`` listing the known names."""
    try:
        return SCHEDULES[name]
    except KeyError:
        raise KeyError(f"Unknown schedule {name!r} (known: {', '.join(SCHEDULES)})") from None
