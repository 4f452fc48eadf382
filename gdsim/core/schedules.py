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
``multistep``   η₀ · gamma^(milestones ≤ t)                       ``MultiStepLR(milestones,
                                                                  gamma)``
``polynomial``  η₀ · (1 − min(t, total_iters)/total_iters)^power  ``PolynomialLR(total_iters,
                                                                  power)``
``cosine-       eta_min + (η₀ − eta_min)(1 + cos(π T_cur/T_i))/2, ``CosineAnnealingWarmRestarts(
restarts``      restarting every T_i = T_0·T_mult^i steps          T_0, T_mult, eta_min)``
``cyclic``      η₀ ↔ max_lr, triangular waves (see :func:`_cyclic`) ``CyclicLR(base_lr=η₀, max_lr,
                                                                  ..., cycle_momentum=False)``
``one-cycle``   max_lr/div_factor → η₀ = max_lr → min_lr           ``OneCycleLR(max_lr=η₀,
                                                                  total_steps, ...)``
``plateau``     η₀, times factor after patience steps without      ``ReduceLROnPlateau(factor,
                improvement of the full-batch loss                 patience, ...)``
=============== ================================================ ================================

Where torch's scheduler takes the rate from its own arguments, gdsim's base rate η₀ (the
optimizer's ``lr``) plays that role: CyclicLR's ``base_lr`` (the lower bound) and OneCycleLR's
``max_lr`` (the peak). CyclicLR and OneCycleLR cycle the optimizer's momentum by default; gdsim
schedules the rate only (torch's ``cycle_momentum=False``).

``plateau`` is the one schedule with state: it watches the full-batch loss after every update
(torch's ``scheduler.step(loss)`` after ``optimizer.step()``), so the run loop feeds it the loss
through :meth:`Schedule.observe`; the rate of update t is the rate after observing L(θ_t). Its
preview without a run (``state=None``) is the constant η₀.

Every schedule also takes an optional linear warm-up, torch's ``LinearLR(start_factor,
total_iters=warmup_iters)`` chained in front: η_t is multiplied by
``start_factor + (1 − start_factor) · min(t, warmup_iters) / warmup_iters``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from gdsim.core.params import ParamSpec, resolve_params

FactorFn = Callable[[np.ndarray, np.ndarray, Mapping[str, Any]], np.ndarray]
InitFn = Callable[[np.ndarray, Mapping[str, Any]], Any]
ObserveFn = Callable[[Any, np.ndarray, np.ndarray, Mapping[str, Any]], Any]

MAX_SCHEDULE_STEPS = 2**31 - 1
"""The largest step count a schedule parameter may hold: the largest step limit."""

MAX_INT = 2**31 - 1  # integer parameters stay below the step counter's limit (MAX_STEPS)

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
            base rate (broadcastable), before warm-up. For a stateful schedule, the rate given
            its state: ``rate(state, lr0, params)`` is ignored; see ``init``.
        init: for a schedule that watches the loss (``plateau``): ``init(lr0, params)`` gives
            its state for lanes with base rates ``lr0`` ``(rows,)``; ``None`` for closed forms.
        observe: ``observe(state, loss, active, params) -> state`` after every update, with the
            full-batch loss ``(rows,)`` at the new θ and the lanes that made it.
        current: ``current(state) -> (rows,)`` the rate the state gives for the next update.
    """

    name: str
    title: str
    summary: str
    torch_equivalent: str
    own_specs: tuple[ParamSpec, ...]
    rate: FactorFn
    init: InitFn | None = None
    observe: ObserveFn | None = None
    current: Callable[[Any], np.ndarray] | None = None

    @property
    def stateful(self) -> bool:
        """Whether the schedule depends on the loss (it has state the run loop must feed)."""
        return self.init is not None

    @property
    def specs(self) -> tuple[ParamSpec, ...]:
        return (*self.own_specs, WARMUP_ITERS, START_FACTOR)

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Validated parameters over the defaults; raises ParamError naming the bad one."""
        return resolve_params(self.specs, given, owner=f"{self.title} schedule")

    def __call__(self, t: int | np.ndarray, lr0: float | np.ndarray,
                 params: Mapping[str, Any], state: Any = None) -> np.ndarray:
        """η_t for update count(s) ``t`` and base rate(s) ``lr0``; ``params`` resolved.

        A stateful schedule gives the rate of its ``state`` (η₀ without one)."""
        t = np.asarray(t)
        if self.stateful:
            lr0 = np.asarray(lr0, dtype=float)
            base = lr0 * np.ones_like(t, dtype=float) if state is None else self.current(state)
            lr = np.asarray(base, dtype=float)
        else:
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


def _cos(x: np.ndarray) -> np.ndarray:
    """cos elementwise with C's ``cos`` (as torch's ``math.cos``; numpy's SIMD cos may differ
    in the last bit)."""
    x = np.asarray(x, dtype=float)
    return np.vectorize(math.cos, otypes=[float])(x) if x.ndim else np.asarray(math.cos(x))


def _multistep(t: np.ndarray, lr0: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    """η₀ multiplied by gamma^(count) at each milestone ≤ t, in order (torch's chained product;
    a milestone listed twice counts twice)."""
    gamma = float(p["gamma"])
    milestones = sorted(int(m) for m in p["milestones"])
    distinct = sorted(set(milestones))
    out = lr0 * np.ones_like(t, dtype=float)
    value = lr0 * 1.0
    for m in distinct:
        value = value * gamma ** milestones.count(m)
        out = np.where(t >= m, value, out)
    return out


def _polynomial(t: np.ndarray, lr0: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    total = int(p["total_iters"])
    return lr0 * (1.0 - np.minimum(total, t) / total) ** float(p["power"])


def _cosine_restarts(t: np.ndarray, lr0: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    """T_cur counts the steps since the last restart; each period T_i is T_mult times longer."""
    t_cur = np.array(t, dtype=np.int64, ndmin=1)
    t_i = np.full(t_cur.shape, int(p["T_0"]), dtype=np.int64)
    mult = int(p["T_mult"])
    while np.any(t_cur >= t_i):
        over = t_cur >= t_i
        t_cur = np.where(over, t_cur - t_i, t_cur)
        t_i = np.where(over, t_i * mult, t_i)
    eta_min = float(p["eta_min"])
    cos = _cos(math.pi * t_cur / t_i).reshape(np.shape(t))
    return eta_min + (lr0 - eta_min) * (1 + cos) / 2


def _cyclic(t: np.ndarray, lr0: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    """torch's CyclicLR with base_lr = η₀: cycle = ⌊1 + t/(up + down)⌋, x the position in the
    cycle, the rate rises linearly from η₀ to max_lr over ``step_size_up`` steps and falls back
    over ``step_size_down``; the height is scaled by 1 (triangular), 1/2^(cycle−1)
    (triangular2) or gamma^t (exp_range)."""
    up = float(p["step_size_up"])
    down = float(p["step_size_down"]) if int(p["step_size_down"]) > 0 else up
    total = up + down
    ratio = up / total
    t = np.asarray(t, dtype=float)
    cycle = np.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    scale = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    height = (float(p["max_lr"]) - lr0) * scale
    mode = p["mode"]
    if mode == "triangular":
        factor: Any = 1.0
    elif mode == "triangular2":
        factor = 1 / (2.0 ** (cycle - 1))
    else:  # exp_range, scaled per iteration
        factor = float(p["gamma"]) ** t
    return lr0 + height * factor


def _one_cycle(t: np.ndarray, lr0: np.ndarray, p: Mapping[str, Any]) -> np.ndarray:
    """torch's OneCycleLR with max_lr = η₀: from η₀/div_factor up to η₀ over the first
    ``pct_start`` of ``total_steps``, then down to η₀/(div_factor·final_div_factor) (with
    ``three_phase``: back to η₀/div_factor, then down). Past ``total_steps`` (where torch
    raises) the rate stays at its last value."""
    total = int(p["total_steps"])
    pct_start = float(p["pct_start"])
    initial = lr0 / float(p["div_factor"])
    minimum = initial / float(p["final_div_factor"])
    if p["three_phase"]:
        phases = [(pct_start * total - 1, initial, lr0), (2 * pct_start * total - 2, lr0, initial),
                  (total - 1.0, initial, minimum)]
    else:
        phases = [(pct_start * total - 1, initial, lr0), (total - 1.0, lr0, minimum)]
    step = np.minimum(np.asarray(t, dtype=float), total)
    out = np.zeros(np.broadcast_shapes(step.shape, np.shape(lr0)))
    done = np.zeros(step.shape, dtype=bool)
    start_step = 0.0
    for i, (end_step, start_lr, end_lr) in enumerate(phases):
        here = ~done & ((step <= end_step) | (i == len(phases) - 1))
        pct = (step - start_step) / (end_step - start_step)
        if p["anneal_strategy"] == "cos":
            value = end_lr + (start_lr - end_lr) / 2.0 * (_cos(math.pi * pct) + 1)
        else:
            value = (end_lr - start_lr) * pct + start_lr
        out = np.where(here, value, out)
        done |= here
        start_step = end_step
    return out


class PlateauState(NamedTuple):
    """ReduceLROnPlateau's state per lane, each ``(rows,)``."""

    lr: np.ndarray
    best: np.ndarray
    num_bad_epochs: np.ndarray
    cooldown_counter: np.ndarray


def _plateau_init(lr0: np.ndarray, p: Mapping[str, Any]) -> PlateauState:
    lr0 = np.array(lr0, dtype=float, ndmin=1)
    worst = np.inf if p["mode"] == "min" else -np.inf
    zeros = np.zeros(lr0.shape, dtype=np.int64)
    return PlateauState(lr0.copy(), np.full(lr0.shape, worst), zeros, zeros.copy())


def _plateau_observe(state: PlateauState, loss: np.ndarray, active: np.ndarray,
                     p: Mapping[str, Any]) -> PlateauState:
    """torch's ``ReduceLROnPlateau.step(loss)`` for the ``active`` lanes."""
    threshold = float(p["threshold"])
    best = state.best
    if p["mode"] == "min":
        better = loss < (best * (1 - threshold) if p["threshold_mode"] == "rel"
                         else best - threshold)
    else:
        better = loss > (best * (threshold + 1) if p["threshold_mode"] == "rel"
                         else best + threshold)
    new_best = np.where(better, loss, best)
    bad = np.where(better, 0, state.num_bad_epochs + 1)
    cooldown = state.cooldown_counter
    in_cooldown = cooldown > 0
    cooldown = np.where(in_cooldown, cooldown - 1, cooldown)
    bad = np.where(in_cooldown, 0, bad)
    reduce = bad > int(p["patience"])
    new_lr = np.maximum(state.lr * float(p["factor"]), float(p["min_lr"]))
    lr = np.where(reduce & (state.lr - new_lr > float(p["eps"])), new_lr, state.lr)
    cooldown = np.where(reduce, int(p["cooldown"]), cooldown)
    bad = np.where(reduce, 0, bad)
    return PlateauState(*(np.where(active, new, old) for new, old in
                          zip((lr, new_best, bad, cooldown), state, strict=True)))


def _plateau_current(state: PlateauState) -> np.ndarray:
    return state.lr


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
        Schedule("multistep", "Multi-step decay",
                 "Multiply η by gamma at each milestone step.",
                 "torch.optim.lr_scheduler.MultiStepLR(opt, milestones, gamma)",
                 (ParamSpec("milestones", (300, 600), label="Milestones",
                            description="Steps at which η is multiplied by gamma, "
                            "e.g. 30,80.", kind="ints", low=0, high=10**9),
                  ParamSpec("gamma", 0.1, "Factor multiplying η at each milestone.", low=0.0,
                            high=1.0, low_open=True)),
                 _multistep),
        Schedule("polynomial", "Polynomial decay",
                 "η falls as (1 − t/total_iters)^power, reaching 0 at total_iters.",
                 "torch.optim.lr_scheduler.PolynomialLR(opt, total_iters, power)",
                 (ParamSpec("total_iters", 5, label="Steps to zero",
                            description="Steps until η reaches 0.", kind="int", high=MAX_INT, low=1,
                            ui_high=10_000),
                  ParamSpec("power", 1.0, label="Power",
                            description="Power of the decay (1: linear).", low=0.0,
                            ui_high=5.0)),
                 _polynomial),
        Schedule("cosine-restarts", "Cosine with warm restarts",
                 "Cosine annealing that restarts at η₀ every T_i steps, T_i growing by T_mult.",
                 "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0, T_mult, "
                 "eta_min)",
                 (ParamSpec("T_0", 100, label="First period T₀",
                            description="Steps until the first restart.",
                            kind="int", high=MAX_INT, low=1, ui_high=10_000),
                  ParamSpec("T_mult", 1, label="Period factor T_mult",
                            description="Factor by which each period is longer than the last.",
                            kind="int", high=MAX_INT, low=1, ui_high=10),
                  ParamSpec("eta_min", 0.0, label="Smallest rate η_min",
                            description="The smallest learning rate.", low=0.0, log=True)),
                 _cosine_restarts),
        Schedule("cyclic", "Cyclic (CyclicLR)",
                 "η sweeps between η₀ and max_lr in triangular waves.",
                 "torch.optim.lr_scheduler.CyclicLR(opt, base_lr=lr, max_lr, step_size_up, "
                 "step_size_down, mode, gamma, cycle_momentum=False)",
                 (ParamSpec("max_lr", 0.1, label="Upper rate max_lr",
                            description="Upper end of the cycle (η₀ is the lower end, "
                            "torch's base_lr).", low=0.0, log=True, ui_low=1e-5, ui_high=10.0),
                  ParamSpec("step_size_up", 2000, label="Steps up",
                            description="Steps from η₀ up to max_lr.", kind="int", high=MAX_INT,
                            low=1, ui_high=10_000),
                  ParamSpec("step_size_down", 0, label="Steps down",
                            description="Steps from max_lr back down (0: torch's "
                            "None, the same as step_size_up).", kind="int", high=MAX_INT, low=0,
                            ui_high=10_000),
                  ParamSpec("mode", "triangular", label="Wave shape",
                            description="triangular, triangular2 (the height halves "
                            "every cycle) or exp_range (scaled by gamma^t).", kind="choice",
                            choices=("triangular", "triangular2", "exp_range")),
                  ParamSpec("gamma", 1.0, "Decay per step of exp_range's height.", low=0.0,
                            high=1.0, low_open=True)),
                 _cyclic),
        Schedule("one-cycle", "One cycle (OneCycleLR)",
                 "η warms up from η₀/div_factor to η₀, then anneals far below it.",
                 "torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps, pct_start, "
                 "anneal_strategy, div_factor, final_div_factor, three_phase, "
                 "cycle_momentum=False)",
                 (ParamSpec("total_steps", 1000, label="Cycle length",
                            description="Length of the cycle in steps.", kind="int", high=MAX_INT,
                            low=1, ui_high=10_000),
                  ParamSpec("pct_start", 0.3, label="Warm-up fraction",
                            description="Fraction of the cycle spent warming up.",
                            low=0.0, high=1.0, low_open=True, high_open=True),
                  ParamSpec("anneal_strategy", "cos", label="Annealing",
                            description="cos or linear annealing.",
                            kind="choice", choices=("cos", "linear")),
                  ParamSpec("div_factor", 25.0, label="Start divisor",
                            description="The start rate is η₀/div_factor.", low=0.0,
                            low_open=True, ui_low=1.0, ui_high=1000.0, log=True),
                  ParamSpec("final_div_factor", 1e4, label="Final divisor",
                            description="The final rate is the start rate divided "
                            "by this.", low=0.0, low_open=True, ui_low=1.0, ui_high=1e6,
                            log=True),
                  ParamSpec("three_phase", False, label="Three phases",
                            description="Come back down to the start rate before "
                            "the final annealing.", kind="bool")),
                 _one_cycle),
        Schedule("plateau", "Reduce on plateau",
                 "Multiply η by factor when the full-batch loss stops improving.",
                 "torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode, factor, patience, "
                 "threshold, threshold_mode, cooldown, min_lr, eps); step(loss)",
                 (ParamSpec("mode", "min", label="Direction",
                            description="min: the loss should fall; max: rise.",
                            kind="choice", choices=("min", "max")),
                  ParamSpec("factor", 0.1, label="Reduction factor",
                            description="Factor multiplying η on a plateau.", low=0.0,
                            high=1.0, low_open=True, high_open=True),
                  ParamSpec("patience", 10, label="Patience",
                            description="Steps without improvement tolerated.",
                            kind="int", high=MAX_INT, low=0, ui_high=1000),
                  ParamSpec("threshold", 1e-4, label="Improvement threshold",
                            description="Smallest improvement that counts.", low=0.0,
                            log=True, ui_low=1e-8, ui_high=1.0),
                  ParamSpec("threshold_mode", "rel", label="Relative or absolute threshold",
                            description="rel: relative to the best loss; abs: "
                            "absolute.", kind="choice", choices=("rel", "abs")),
                  ParamSpec("cooldown", 0, label="Cooldown",
                            description="Steps to wait after a reduction.",
                            kind="int", high=MAX_INT, low=0, ui_high=1000),
                  ParamSpec("min_lr", 0.0, label="Smallest rate",
                            description="The rate never falls below this.", low=0.0,
                            log=True),
                  ParamSpec("eps", 1e-8, label="Smallest change ε",
                            description="Reductions smaller than this are skipped.", low=0.0,
                            log=True, ui_low=1e-12, ui_high=1.0)),
                 _constant, init=_plateau_init, observe=_plateau_observe,
                 current=_plateau_current),
    )
}


def get_schedule(name: str) -> Schedule:
    """The schedule called ``name``; raises ``KeyError`` listing the known names."""
    try:
        return SCHEDULES[name]
    except KeyError:
        raise KeyError(f"Unknown schedule {name!r} (known: {', '.join(SCHEDULES)})") from None
