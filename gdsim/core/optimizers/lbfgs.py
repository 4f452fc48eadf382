"""L-BFGS (``torch.optim.LBFGS``): one update is one ``optimizer.step(closure)``.

Names and defaults are torch's: ``lr`` = 1, ``max_iter`` = 20 (inner iterations per step), at
most ``max_iter·5//4`` function evaluations per step (torch's default ``max_eval``),
``tolerance_grad`` = 1e-7, ``tolerance_change`` = 1e-9, ``history_size`` = 100 and
``line_search_fn`` ``"none"`` (torch's ``None``: fixed step t) or ``"strong_wolfe"``.

One step from θ with loss f and gradient g (the closure's first evaluation, counted)::

    stop at once if max|g| ≤ tolerance_grad
    repeat up to max_iter times:
        k ← k + 1 (cumulative over steps)
        k = 1:   d ← −g, no memory, H₀ ← 1
        k > 1:   y ← g − g_prev, s ← t·d; if yᵀs > 1e-10 store (y, s, ρ = 1/yᵀs) (dropping
                 the oldest beyond history_size) and H₀ ← yᵀs / yᵀy;
                 d ← −H g by the two-loop recursion (q ← −g; αᵢ ← ρᵢ sᵢᵀq, q ← q − αᵢyᵢ from
                 the newest; r ← H₀q; βᵢ ← ρᵢ yᵢᵀr, r ← r + (αᵢ − βᵢ)sᵢ from the oldest)
        t ← min(1, 1/‖g‖₁)·lr if k = 1 else lr
        stop if gᵀd > −tolerance_change
        strong_wolfe: (f, g, t) ← the strong-Wolfe line search along d (c₁ = 1e-4, c₂ = 0.9,
                      cubic interpolation, torch's ``_strong_wolfe``); θ ← θ + t·d
        none:         θ ← θ + t·d; re-evaluate f, g (not in the last iteration)
        stop if the iterations or evaluations are used up, max|g| ≤ tolerance_grad,
             max|t·d| ≤ tolerance_change or |f − f_prev| < tolerance_change

The arithmetic is torch's: ``x.add_(d, alpha=t)`` is a fused multiply-add (emulated exactly,
:func:`~gdsim.core.optimizers._common.fma`) and dot products are unfused sums, so float64
iterates agree with torch's to rounding in the tests. Every evaluation goes through the batched
closure (the run loop's :class:`~gdsim.core.optimizers.oracle.Oracle`); each lane runs torch's
control flow on its own (:mod:`._lanes`), so lanes take different numbers of evaluations.
``func_evals`` and ``n_iter`` count them per lane, cumulatively, like torch's
``state["func_evals"]`` and ``state["n_iter"]``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from gdsim.core.optimizers._common import fma, labelled, lr_spec
from gdsim.core.optimizers._lanes import LaneGen, drive, lane_value
from gdsim.core.optimizers.base import Hyper, Optimizer
from gdsim.core.optimizers.oracle import Oracle
from gdsim.core.params import ParamSpec


class LBFGSState(NamedTuple):
    step: int
    d: np.ndarray  # (runs, params): the last search direction
    t: np.ndarray  # (runs,): the last step length along d
    prev_flat_grad: np.ndarray  # (runs, params): the gradient where d was computed
    prev_loss: np.ndarray  # (runs,)
    H_diag: np.ndarray  # (runs,): the initial inverse-Hessian scale H₀
    old_dirs: np.ndarray  # (runs, m, params): gradient differences y, oldest first
    old_stps: np.ndarray  # (runs, m, params): steps s, oldest first
    ro: np.ndarray  # (runs, m): 1 / yᵀs
    history: np.ndarray  # (runs,) int: how many (y, s) pairs are stored
    n_iter: np.ndarray  # (runs,) int: inner iterations so far (torch's state["n_iter"])
    func_evals: np.ndarray  # (runs,) int: closure evaluations so far (state["func_evals"])


def _history_size(hp: Hyper) -> int:
    value = hp.get("history_size", 100)
    return int(np.max(value)) if isinstance(value, np.ndarray) else int(value)


def lbfgs_init(theta: np.ndarray, hp: Hyper) -> LBFGSState:
    runs, dim = theta.shape
    m = _history_size(hp)
    return LBFGSState(0, np.zeros_like(theta), np.zeros(runs), np.zeros_like(theta),
                      np.zeros(runs), np.ones(runs), np.zeros((runs, m, dim)),
                      np.zeros((runs, m, dim)), np.zeros((runs, m)),
                      *(np.zeros(runs, dtype=np.int64) for _ in range(3)))


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """aᵀb as torch's ``dot`` computes it for short vectors: Σ aᵢbᵢ left to right, no FMA
    (numpy's BLAS ``@`` may fuse)."""
    return float((a * b).sum())


def cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                      bounds: tuple[float, float] | None = None) -> float:
    """The minimizer of the cubic through (x₁, f₁, g₁), (x₂, f₂, g₂), clamped to ``bounds``
    (default the interval between the points); the midpoint if the cubic has none.

    torch's formula, with its IEEE division where the denominator is exactly 0 (equal slopes
    g₁ = g₂ on a line the data make exactly straight, as seen on saturated logistic losses):
    a non-zero numerator sends the minimizer to ±∞, clamped to a bound as torch's tensors do;
    0/0, where torch's tensors give NaN and the line search breaks down, gives the midpoint."""
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            origin, span, num, den = x2, x2 - x1, g2 + d2 - d1, g2 - g1 + 2 * d2
        else:
            origin, span, num, den = x1, x1 - x2, g1 + d2 - d1, g1 - g2 + 2 * d2
        if den != 0:
            ratio = num / den
        elif num != 0:
            ratio = math.copysign(math.inf, num) * math.copysign(1.0, den)
        else:
            return (xmin_bound + xmax_bound) / 2.0
        return min(max(origin - span * ratio, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


def strong_wolfe(x: np.ndarray, t: float, d: np.ndarray, f: float, g: np.ndarray, gtd: float,
                 c1: float = 1e-4, c2: float = 0.9, tolerance_change: float = 1e-9,
                 max_ls: int = 25) -> LaneGen:
    """torch's ``_strong_wolfe`` for one lane, yielding the trial points x + t·d.

    Returns ``(f_new, g_new, t, ls_func_evals)``: the accepted point's loss and gradient, the
    step length and the number of evaluations. Brackets a step satisfying the strong Wolfe
    conditions f(x + td) ≤ f + c₁t·gᵀd and |g(x + td)ᵀd| ≤ −c₂·gᵀd, then zooms in by cubic
    interpolation, nudging trials at least 10% of the bracket away from its ends.
    """
    d_norm = float(np.abs(d).max())
    g = g.copy()
    f_new, g_new = yield fma(t, d, x)
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[np.ndarray] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                              bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = yield fma(t, d, x)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                              bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = yield fma(t, d, x)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


def _lane_step(x: np.ndarray, loss: float, flat_grad: np.ndarray, mem: dict[str, Any],
               hp: dict[str, Any]) -> LaneGen:
    """One ``LBFGS.step(closure)`` for one lane; ``mem`` is the lane's state (a fresh dict)."""
    lr = float(hp["lr"])
    max_iter = int(hp["max_iter"])
    max_eval = max_iter * 5 // 4
    tolerance_grad = float(hp["tolerance_grad"])
    tolerance_change = float(hp["tolerance_change"])
    history_size = int(hp["history_size"])
    current_evals = 1
    mem["func_evals"] += 1
    if np.abs(flat_grad).max() <= tolerance_grad:
        return x, mem
    d, t = mem["d"], mem["t"]
    old_dirs, old_stps, ro = mem["old_dirs"], mem["old_stps"], mem["ro"]
    h_diag, prev_flat_grad, prev_loss = mem["H_diag"], mem["prev_flat_grad"], mem["prev_loss"]
    opt_cond = False
    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        mem["n_iter"] += 1
        if mem["n_iter"] == 1:
            d = -flat_grad
            old_dirs, old_stps, ro = [], [], []
            h_diag = 1.0
        else:
            y = flat_grad - prev_flat_grad
            s = d * t
            ys = _dot(y, s)
            if ys > 1e-10:
                if len(old_dirs) == history_size:
                    old_dirs.pop(0)
                    old_stps.pop(0)
                    ro.pop(0)
                old_dirs.append(y)
                old_stps.append(s)
                ro.append(1.0 / ys)
                h_diag = ys / _dot(y, y)
            al = [0.0] * len(old_dirs)
            q = -flat_grad
            for i in range(len(old_dirs) - 1, -1, -1):
                al[i] = _dot(old_stps[i], q) * ro[i]
                q = fma(-al[i], old_dirs[i], q)
            r = q * h_diag
            for i in range(len(old_dirs)):
                be_i = _dot(old_dirs[i], r) * ro[i]
                r = fma(al[i] - be_i, old_stps[i], r)
            d = r
        prev_flat_grad = flat_grad.copy()
        prev_loss = loss
        if mem["n_iter"] == 1:
            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr
        else:
            t = lr
        gtd = _dot(flat_grad, d)
        if gtd > -tolerance_change:
            break
        ls_func_evals = 0
        if hp["line_search_fn"] == "strong_wolfe":
            loss, flat_grad, t, ls_func_evals = yield from strong_wolfe(
                x, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
            x = fma(t, d, x)
            opt_cond = bool(np.abs(flat_grad).max() <= tolerance_grad)
        else:
            x = fma(t, d, x)
            if n_iter != max_iter:
                loss, flat_grad = yield x
                opt_cond = bool(np.abs(flat_grad).max() <= tolerance_grad)
                ls_func_evals = 1
        current_evals += ls_func_evals
        mem["func_evals"] += ls_func_evals
        if n_iter == max_iter or current_evals >= max_eval or opt_cond:
            break
        if np.abs(d * t).max() <= tolerance_change:
            break
        if abs(loss - prev_loss) < tolerance_change:
            break
    mem.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
               prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
    return x, mem


def _lane_memory(state: LBFGSState, i: int) -> dict[str, Any]:
    k = int(state.history[i])
    return {
        "d": state.d[i].copy(), "t": float(state.t[i]),
        "prev_flat_grad": state.prev_flat_grad[i].copy(), "prev_loss": float(state.prev_loss[i]),
        "H_diag": float(state.H_diag[i]),
        "old_dirs": [row.copy() for row in state.old_dirs[i, :k]],
        "old_stps": [row.copy() for row in state.old_stps[i, :k]],
        "ro": [float(v) for v in state.ro[i, :k]],
        "n_iter": int(state.n_iter[i]), "func_evals": int(state.func_evals[i]),
    }


def lbfgs_update(grad: np.ndarray, state: LBFGSState, theta: np.ndarray, hp: Hyper,
                 oracle: Oracle) -> tuple[np.ndarray, LBFGSState]:
    """One ``optimizer.step(closure)`` for every lane; arrays ``(runs, params)``."""
    runs, dim = theta.shape
    keys = ("lr", "max_iter", "tolerance_grad", "tolerance_change", "history_size",
            "line_search_fn")
    defaults = LBFGS.defaults()
    lanes = []
    for i in range(runs):
        lane_hp = {k: lane_value(hp.get(k, defaults[k]), i) for k in keys}
        lanes.append(_lane_step(theta[i].copy(), float(oracle.loss[i]), grad[i].copy(),
                                _lane_memory(state, i), lane_hp))
    results = drive(lanes, theta, oracle)
    m = max(state.old_dirs.shape[1], _history_size(hp),
            max(len(mem["old_dirs"]) for _, mem in results))
    new = lbfgs_init(np.zeros((runs, dim)), {"history_size": m})
    new_theta = np.empty_like(theta)
    for i, (x, mem) in enumerate(results):
        new_theta[i] = x
        k = len(mem["old_dirs"])
        new.d[i], new.t[i] = mem["d"], mem["t"]
        new.prev_flat_grad[i], new.prev_loss[i] = mem["prev_flat_grad"], mem["prev_loss"]
        new.H_diag[i], new.history[i] = mem["H_diag"], k
        if k:
            new.old_dirs[i, :k], new.old_stps[i, :k] = mem["old_dirs"], mem["old_stps"]
            new.ro[i, :k] = mem["ro"]
        new.n_iter[i], new.func_evals[i] = mem["n_iter"], mem["func_evals"]
    return new_theta, new._replace(step=state.step + 1)


LINE_SEARCH = ParamSpec(
    "line_search_fn", "none", "Line search along each direction: none (torch's None: a fixed "
    "step lr) or strong_wolfe.", kind="choice", choices=("none", "strong_wolfe"))

LBFGS = Optimizer(
    name="lbfgs",
    family="lbfgs",
    default_lr=1.0,
    surface_rates=False,
    needs=frozenset({"closure"}),
    vector_state=("d",),
    title="L-BFGS",
    summary="Quasi-Newton: a curvature model from recent gradient changes; one step runs up "
            "to max_iter inner iterations.",
    torch_equivalent="torch.optim.LBFGS(params, lr=1, max_iter=20, history_size=100, "
                     "line_search_fn=None)",
    specs=labelled((
        lr_spec(1.0),
        ParamSpec("max_iter", 20, "Inner iterations per step (at most max_iter·5//4 function "
                  "evaluations).", kind="int", low=1, ui_high=100),
        ParamSpec("tolerance_grad", 1e-7, "Stop when max |∇L| falls to this.", low=0.0,
                  log=True, ui_low=1e-12, ui_high=1.0),
        ParamSpec("tolerance_change", 1e-9, "Stop when the loss or θ changes less than this.",
                  low=0.0, log=True, ui_low=1e-15, ui_high=1.0),
        ParamSpec("history_size", 100, "Number of (y, s) pairs kept for the curvature model.",
                  kind="int", low=1, ui_high=200),
        LINE_SEARCH,
    ), {
        "max_iter": "Inner iterations per step",
        "tolerance_grad": "Gradient tolerance",
        "tolerance_change": "Change tolerance",
        "history_size": "History size m",
        "line_search_fn": "Line search",
    }),
    init=lbfgs_init,
    update=lbfgs_update,
    state_labels={"d": "last search direction d", "prev_flat_grad": "gradient where d was "
                  "computed"},
)
