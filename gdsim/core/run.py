"""The run loop: a batch of runs advancing together on one surface.

One :class:`Run` holds R runs ("lanes") that share a surface and its data. Each lane has its own
optimizer, hyperparameters, schedule, batch size, start point and limits. State is kept as arrays
shaped ``(runs, params)``: lanes with the same optimizer (and the same boolean switches) update in
one vectorized call of its pure rule, so a single run, a comparison of a few optimizers and a
sweep of thousands of learning rates take the same code path.

Each update t → t+1 of a lane:

1. the batch of update t (:class:`~gdsim.core.sampling.BatchSampler`) gives the gradient used;
2. the schedule gives η_t;
3. the optimizer's rule maps (θ_t, state) to (θ_{t+1}, state');
4. the full-batch loss and gradient at θ_{t+1} are recorded and the lane's status is checked:
   *diverged* (a non-finite value, or |θ| beyond the surface's bound), *converged* (|∇L| ≤
   grad_tol, or |ΔL| ≤ loss_tol), or *step limit* reached. A lane that stops keeps its last θ;
   a diverged lane also remembers the last state before it diverged (:meth:`Run.last_finite`).
   A run that records nothing, on a surface whose values are finite within its bound
   (``Surface.finite_within_bound``), evaluates only the gradient here: "non-finite" can then
   only happen beyond the bound, and :attr:`Run.loss` is computed when it is read — the same
   numbers, for a fraction of the cost per step of a large map.

Overflow is part of diverging, not an error: the loop runs under ``np.errstate(all="ignore")``,
so a learning rate of 1e300 ends the run "diverged" without a numpy warning.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gdsim.core.config import RunConfig, first_unshared
from gdsim.core.inner import InnerLog
from gdsim.core.optimizers import OPTIMIZERS, Optimizer, Oracle, state_arrays
from gdsim.core.params import plural
from gdsim.core.sampling import BatchSampler
from gdsim.core.schedules import SCHEDULES, Schedule
from gdsim.core.surfaces import Surface, make_surface
from gdsim.core.trajectory import Trajectory


class Status(enum.StrEnum):
    """A lane's status; the value is the text the app and the command line show."""

    RUNNING = "running"
    CONVERGED = "converged"
    DIVERGED = "diverged"
    STEP_LIMIT = "step limit"
    SINGULAR = "singular Hessian"  # Newton's method: H + λI singular, no step possible


_STATUS_BY_CODE = (Status.RUNNING, Status.CONVERGED, Status.DIVERGED, Status.STEP_LIMIT,
                   Status.SINGULAR)
STATUSES: tuple[Status, ...] = _STATUS_BY_CODE  # Run.status_codes() indexes this
_RUNNING, _CONVERGED, _DIVERGED, _STEP_LIMIT, _SINGULAR = range(5)


def _carried_state(groups: Sequence[_OptimizerGroup], name: str, since: int,
                   lanes: np.ndarray, runs: int) -> Any:
    """The optimizer state of ``lanes`` gathered from ``groups`` (the groups before a live
    change), if every one of them was updated by rule ``name`` since step ``since``; else
    ``None``. The per-lane fields (arrays with a row per lane) are gathered row by row; the
    others (the step count) are the same for lanes updated since the same step."""
    sources = [(g, np.arange(runs)[g.rows]) for g in groups
               if g.optimizer.name == name and g.since == since and g.state is not None]
    for g, own in sources:
        if np.array_equal(own, lanes):
            return g.state  # the same lanes: the state as it is
    found = np.zeros(len(lanes), dtype=bool)
    parts = []  # (old state, its lane count, its rows to take, where they go)
    for g, own in sources:
        mine = np.isin(lanes, own)
        if mine.any():
            parts.append((g.state, len(own), np.searchsorted(own, lanes[mine]),
                          np.flatnonzero(mine)))
            found |= mine
    if not parts or not found.all():
        return None
    first, count = parts[0][0], parts[0][1]
    fields = {}
    for field, value in first._asdict().items():
        if isinstance(value, np.ndarray) and value.ndim and len(value) == count:
            out = np.empty((len(lanes), *value.shape[1:]), dtype=value.dtype)
            for state, _, take, put in parts:
                out[put] = getattr(state, field)[take]
            fields[field] = out
        else:
            fields[field] = value
    return first._replace(**fields)


def _rows(indices: np.ndarray) -> slice | np.ndarray:
    """A slice when the lanes are contiguous (a view, no copy), else the index array."""
    if len(indices) and np.all(np.diff(indices) == 1):
        return slice(int(indices[0]), int(indices[-1]) + 1)
    return indices


@dataclass
class _OptimizerGroup:
    optimizer: Optimizer
    rows: slice | np.ndarray
    hp: dict[str, Any]  # numeric: (rows, 1) arrays; bools: bool; "lr" filled per step
    state: Any
    since: int = 0  # the step these lanes' optimizer took over (its state counts from there)
    fixed_lr: float | None = None  # the group's rate when it is constant and shared
    fixed_hp: dict[str, Any] | None = None  # hp with that rate, built once


@dataclass
class _BatchGroup:
    sampler: BatchSampler
    rows: slice | np.ndarray
    epoch: int = -1
    examples: tuple[np.ndarray, ...] = ()  # the surface's examples in this epoch's order

    def batch_examples(self, surface: Surface, step: int) -> tuple[np.ndarray, ...]:
        """The examples of update ``step`` as contiguous slices: the examples are gathered
        into the epoch's order once per epoch, not once per step."""
        epoch, start, stop = self.sampler.bounds(step)
        if epoch != self.epoch:
            order = self.sampler.permutation(epoch)
            self.examples = tuple(a[order] for a in surface.examples())
            self.epoch = epoch
        return tuple(a[start:stop] for a in self.examples)


@dataclass
class _ScheduleGroup:
    schedule: Schedule
    params: dict[str, Any]
    rows: slice | np.ndarray
    state: Any = None  # a loss-watching schedule's state (plateau), fed after every update


def _row_sum_sq(a: np.ndarray) -> np.ndarray:
    """Σⱼ a[:, j]² of a ``(runs, dim)`` array, shape ``(runs,)``: the squares in one pass, then
    added column by column in order (faster than numpy's reductions over a short last axis,
    or a product with ones)."""
    if a.shape[1] == 1:
        column = a[:, 0]
        return column * column
    squares = a * a
    out = squares[:, 0] + squares[:, 1]
    for j in range(2, a.shape[1]):
        out += squares[:, j]
    return out


def _lane_params(config: RunConfig, params: Mapping[str, np.ndarray],
                 n: int) -> dict[str, np.ndarray]:
    """Per-lane hyperparameter overrides, validated: numeric hyperparameters of the
    config's optimizer (not ``lr``: that is ``lr=``), each value accepted by its spec and the
    optimizer's combination checks; each array broadcast to ``(n,)``."""
    optimizer = OPTIMIZERS[config.optimizer]
    table = optimizer.spec_table
    out: dict[str, np.ndarray] = {}
    for key, values in params.items():
        spec = table.get(key)
        if key == "lr" or spec is None or spec.kind == "bool":
            known = ", ".join(k for k, s in table.items() if k != "lr" and s.kind != "bool")
            raise ValueError(f"params.{key}: not a numeric hyperparameter of "
                             f"{config.optimizer} (known: {known or 'none'})")
        out[key] = np.broadcast_to(np.asarray(values, dtype=float), (n,)).copy()
    if out:  # every distinct combination, with the config's other hyperparameters
        for combo in np.unique(np.stack(list(out.values()), axis=1), axis=0):
            try:
                optimizer.resolve({**config.optimizer_params,
                                   **dict(zip(out, combo.tolist(), strict=True))})
            except ValueError as exc:
                raise ValueError(f"params: {exc}") from None
    return out


class Run:
    """R runs on one surface, advanced together.

    Args:
        configs: one :class:`RunConfig` or several; all must share the surface, its parameters
            and the seed (they share the data set).
        lr, starts: optional per-lane overrides for a sweep of one config: ``lr`` of shape
            ``(R,)`` and/or ``starts`` of shape ``(R, params)``; the config is repeated R times.
        params: optional per-lane values of the optimizer's numeric hyperparameters for a
            sweep of one config, ``{name: (R,) array}`` (e.g. ``{"momentum": mu}`` for a
            momentum map); each value is validated like the config's own.
        rates: optional η_t for every update t, ``rates(t) -> (R,) array or float``, replacing
            the lanes' base rates and schedules (the LR range test's exponential ramp).
        record: keep the full per-step history (:attr:`trajectory`). Without it only the
            current state is kept — for sweeps of thousands of lanes.
    """

    def __init__(
        self,
        configs: RunConfig | Sequence[RunConfig],
        *,
        lr: np.ndarray | None = None,
        starts: np.ndarray | None = None,
        params: Mapping[str, np.ndarray] | None = None,
        rates: Callable[[int], np.ndarray | float] | None = None,
        record: bool = True,
    ) -> None:
        configs = [configs] if isinstance(configs, RunConfig) else list(configs)
        if not configs:
            raise ValueError("a run needs at least one configuration")
        base = configs[0]
        if first_unshared(configs) is not None:
            raise ValueError("runs compared together must share the surface, its "
                             "parameters and the seed")
        self.surface: Surface = make_surface(base.surface, base.surface_params, base.seed)
        sweep = lr is not None or starts is not None or bool(params)
        if sweep and len(configs) != 1:
            raise ValueError("a sweep (lr=, starts= or params=) repeats exactly one "
                             "configuration")
        n = len(configs)
        if lr is not None:
            n = len(np.atleast_1d(lr))
        if starts is not None:
            n = max(n, len(starts)) if lr is None else n
        if params and lr is None and starts is None:
            n = len(np.atleast_1d(next(iter(params.values()))))
        self._param_override = _lane_params(base, params or {}, n)
        self._rates = rates
        self.lane_config = np.zeros(n, dtype=int) if sweep else np.arange(n)
        self.configs: tuple[RunConfig, ...] = tuple(configs)
        self.record = record
        dim = self.surface.dim
        if starts is not None:
            start = np.broadcast_to(np.asarray(starts, dtype=float), (n, dim)).copy()
        else:
            start = np.array([c.start or self.surface.default_start for c in configs], float)
            start = start[self.lane_config]
        self.start: np.ndarray = start  # (runs, params)
        self._lr_override = None if lr is None else np.broadcast_to(
            np.asarray(lr, dtype=float), (n,)).copy()
        self._batch_groups = self._group_batches()
        self._full_batch = all(g.sampler.full for g in self._batch_groups)
        # The step each lane's current optimizer took over (0, or a later change of variant):
        # lanes of one rule with different start steps are updated as different groups.
        self._opt_since = np.zeros(n, dtype=np.int64)
        self._configure()
        self.reset()

    @classmethod
    def sweep(cls, config: RunConfig, *, lr: np.ndarray | None = None,
              starts: np.ndarray | None = None, params: Mapping[str, np.ndarray] | None = None,
              record: bool = False) -> Run:
        """Many lanes of one configuration, differing in learning rate, start and/or
        numeric hyperparameters."""
        return cls(config, lr=lr, starts=starts, params=params, record=record)

    # --- structure ------------------------------------------------------------------------
    @property
    def runs(self) -> int:
        return len(self.lane_config)

    @property
    def dim(self) -> int:
        return self.surface.dim

    @property
    def config(self) -> RunConfig:
        """The first lane's configuration (the only one for a single run)."""
        return self.configs[0]

    def lanes_of(self, config_index: int) -> np.ndarray:
        return np.flatnonzero(self.lane_config == config_index)

    def _group_batches(self) -> list[_BatchGroup]:
        n = self.surface.n_examples
        sizes = np.array([n if c.batch_size is None else min(c.batch_size, n)
                          for c in self.configs])[self.lane_config]  # per lane, no lane loop
        seed = self.config.seed
        return [_BatchGroup(BatchSampler(n, int(size), seed), _rows(np.flatnonzero(sizes == size)))
                for size in dict.fromkeys(sizes.tolist())]

    def _configure(self) -> None:
        """(Re)build everything derived from the configs that may change without a reset."""
        cfgs = self.configs
        lc = self.lane_config
        self.lr0 = np.array([c.resolved_lr(self.surface) for c in cfgs])[lc]
        if self._lr_override is not None:
            self.lr0 = self._lr_override.copy()
        self.max_steps = np.array([c.max_steps for c in cfgs])[lc]
        self.grad_tol = np.array([c.grad_tol for c in cfgs])[lc]
        self.loss_tol = np.array([c.loss_tol for c in cfgs])[lc]
        self._check_loss_change = bool(np.any(self.loss_tol > 0))
        self._grad_tol2 = self.grad_tol**2
        self._grad_tol_0 = float(self.grad_tol[0])
        self._grad_tol2_max = float(self._grad_tol2.max())
        self._single = len(self.lane_config) == 1
        self._min_max_steps = int(self.max_steps.min())
        self._bound = self.surface.bound
        self._bound2 = self._bound**2
        resolved = [OPTIMIZERS[c.optimizer].resolve(c.optimizer_params) for c in cfgs]
        # Optimizer groups: same rule, same boolean switches, same start step.
        keyed: dict[tuple, list[int]] = {}
        for ci, (c, hp) in enumerate(zip(cfgs, resolved, strict=True)):
            flags = tuple(sorted((k, v) for k, v in hp.items() if isinstance(v, (bool, str))))
            keyed.setdefault((c.optimizer, flags), []).append(ci)
        split: dict[tuple, tuple[list[int], np.ndarray]] = {}
        for (name, flags), cis in keyed.items():
            lanes = np.flatnonzero(np.isin(lc, cis))
            for since in np.unique(self._opt_since[lanes]).tolist():
                mine = lanes[self._opt_since[lanes] == since]
                split[(name, flags, since)] = (sorted(set(lc[mine].tolist())), mine)
        old_groups = getattr(self, "_opt_groups", [])
        self._opt_groups = []
        for (name, flags, since), (cis, lanes) in split.items():
            rows = _rows(lanes)
            hp: dict[str, Any] = dict(flags)
            for key in resolved[cis[0]]:
                if key == "lr" or key in hp:
                    continue
                per_config = np.zeros(len(cfgs))  # each config's value, looked up per lane
                per_config[cis] = [float(resolved[ci][key]) for ci in cis]
                values = per_config[lc[lanes]]
                if key in self._param_override:
                    values = self._param_override[key][lanes]
                hp[key] = float(values[0]) if np.all(values == values[0]) else values[:, None]
            group = _OptimizerGroup(OPTIMIZERS[name], rows, hp, None, since=since)
            # A live change keeps each lane's optimizer state, even when its lanes regroup
            # (a switch toggled in one of several runs); a new variant starts fresh from θ.
            group.state = _carried_state(old_groups, name, since, lanes, self.runs)
            if group.state is None and hasattr(self, "theta"):
                group.state = group.optimizer.init(self.theta[rows], hp)
            self._opt_groups.append(group)
        sched: dict[tuple, list[int]] = {}
        for ci, c in enumerate(cfgs):
            params = SCHEDULES[c.schedule].resolve(c.schedule_params)
            sched.setdefault((c.schedule, tuple(sorted(params.items()))), []).append(ci)
        self._schedule_groups = [
            _ScheduleGroup(SCHEDULES[name], dict(params),
                           _rows(np.flatnonzero(np.isin(lc, cis))))
            for (name, params), cis in sched.items()
        ]
        old_states = {(g.schedule.name, tuple(np.arange(self.runs)[g.rows])): g.state
                      for g in getattr(self, "_stateful", [])}
        self._stateful = [g for g in self._schedule_groups if g.schedule.stateful]
        for g in self._stateful:  # a live change keeps the schedule's state
            key = (g.schedule.name, tuple(np.arange(self.runs)[g.rows]))
            g.state = old_states[key] if key in old_states else g.schedule.init(
                self.lr0[g.rows], g.params)
        self._one_group = len(self._opt_groups) == 1
        # The divergence test's "non-finite value" can only happen beyond the bound.
        self._finite_inside = bool(getattr(self.surface, "finite_within_bound", False))
        # Nothing reads each step's loss: then only the gradient is evaluated per step, and
        # the loss when it is read (or a status test needs it; see the ``loss`` property).
        self._lazy_loss = (self._finite_inside and self.runs > 1 and not self.record
                           and self._full_batch and not self._check_loss_change
                           and not self._stateful
                           and not any(g.optimizer.needs for g in self._opt_groups))
        self._can_fail = any(g.optimizer.failure is not None for g in self._opt_groups)
        self._constant_lr = self._rates is None and all(
            g.schedule.name == "constant" and g.params["warmup_iters"] == 0
            for g in self._schedule_groups)
        for g in self._opt_groups:  # a shared constant rate is passed as a float: cheaper
            lr = self.lr0[g.rows]
            g.fixed_lr = float(lr[0]) if self._constant_lr and np.all(lr == lr[0]) else None
            g.fixed_hp = None if g.fixed_lr is None else {**g.hp, "lr": g.fixed_lr}

    def update_configs(self, configs: RunConfig | Sequence[RunConfig]) -> None:
        """Apply hyperparameter, schedule, limit and optimizer changes from the next step,
        keeping θ, the optimizer state and the history. A lane given another optimizer
        variant keeps θ and starts the new rule's state fresh there, as a new
        ``torch.optim`` optimizer over the same parameters would. Changes of surface, seed,
        batch size or start need a new :class:`Run` instead (:meth:`needs_reset`)."""
        configs = [configs] if isinstance(configs, RunConfig) else list(configs)
        if self.needs_reset(configs):
            raise ValueError("this change needs a reset: build a new Run")
        old = np.array([c.optimizer for c in self.configs], dtype=object)[self.lane_config]
        new = np.array([c.optimizer for c in configs], dtype=object)[self.lane_config]
        self._opt_since[old != new] = self.steps
        self.configs = tuple(configs)
        self._configure()
        below = self.steps_done < self.max_steps
        self._status[(self._status == _STEP_LIMIT) & below] = _RUNNING
        self._status[(self._status == _RUNNING) & ~below] = _STEP_LIMIT  # a lowered limit
        self._set_active(self._status == _RUNNING)

    def needs_reset(self, configs: Sequence[RunConfig]) -> bool:
        """Whether going from the current configs to ``configs`` must restart the run."""
        if len(configs) != len(self.configs):
            return True
        return any((a.surface, a.surface_params, a.seed, a.batch_size, a.start)
                   != (b.surface, b.surface_params, b.seed, b.batch_size, b.start)
                   for a, b in zip(self.configs, configs, strict=True))

    # --- lifecycle ------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the start points with fresh optimizer state; replays identically."""
        if self._opt_since.any():  # every lane's optimizer runs from step 0 again
            self._opt_since[:] = 0
            self._configure()
        for group in self._opt_groups:
            group.state = group.optimizer.init(self.start[group.rows], group.hp)
        for sg in self._stateful:
            sg.state = sg.schedule.init(self.lr0[sg.rows], sg.params)
        self.theta = self.start.copy()
        self.steps = 0
        # Reserve the step limit so that recording rarely copies its buffers: up to 2¹⁸ rows,
        # and no more than about 2²⁴ numbers per buffer (a network has thousands of weights).
        reserve = min(int(self.max_steps.max()) + 1, 1 << 18,
                      max(256, (1 << 24) // (self.runs * self.dim)))
        self.trajectory = Trajectory(self.runs, self.dim, reserve) if self.record else None
        self.inner = InnerLog(self.runs, self.record)
        self._status = np.zeros(self.runs, dtype=np.int8)
        self.steps_done = np.zeros(self.runs, dtype=np.int64)
        # The state before each diverged lane's diverging update (step −1: it diverged at once).
        self._good_step = np.full(self.runs, -1, dtype=np.int64)
        self._good_theta = np.full((self.runs, self.dim), np.nan)
        self._good_loss = np.full(self.runs, np.nan)
        self._good_grad = np.full((self.runs, self.dim), np.nan)
        with np.errstate(all="ignore"):
            self.loss, self.grad = self.surface.loss_and_grad(self.theta)
            if self.trajectory is not None:
                self.trajectory.append_point(self.theta, self.loss, self.grad)
            self._set_active(np.ones(self.runs, dtype=bool))
            self._update_status(self.theta, self.loss, self.grad, None, 0, None)

    @property
    def loss(self) -> np.ndarray:
        """Every lane's full-batch loss at its current θ, ``(runs,)``. A run whose steps need
        only the gradient evaluates it when it is read: the same numbers (a stopped lane keeps
        its θ, so its loss is the one it stopped with)."""
        if self._loss is None:
            with np.errstate(all="ignore"):
                self._loss = self.surface.loss_and_grad(self.theta)[0]
        return self._loss

    @loss.setter
    def loss(self, value: np.ndarray) -> None:
        self._loss = value

    def step(self) -> bool:
        """Make one update of every running lane; ``False`` if none was running."""
        return self.advance(1) == 1

    def advance(self, n: int) -> int:
        """Make up to ``n`` updates; stop early when no lane is running. Returns how many."""
        done = 0
        with np.errstate(all="ignore"):
            while done < n and self._any_active:
                self._step()
                done += 1
        return done

    @property
    def running(self) -> bool:
        """Whether any lane is still running."""
        return self._any_active

    # --- the update -----------------------------------------------------------------------
    def _lr_at(self, t: int) -> np.ndarray:
        if self._constant_lr:
            return self.lr0
        if self._rates is not None:
            return np.broadcast_to(np.asarray(self._rates(t), dtype=float), (self.runs,)).copy()
        lr = np.empty(self.runs)
        for g in self._schedule_groups:
            lr[g.rows] = g.schedule(t, self.lr0[g.rows], g.params, g.state)
        return lr

    def _batch_gradient(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """The gradient and loss each lane's update ``t`` uses (some lanes on mini-batches)."""
        used_grad = np.empty_like(self.theta)
        used_loss = np.empty(self.runs)
        for g in self._batch_groups:
            if g.sampler.full:
                used_grad[g.rows], used_loss[g.rows] = self.grad[g.rows], self.loss[g.rows]
            else:
                used_loss[g.rows], used_grad[g.rows] = self.surface.loss_and_grad_on(
                    self.theta[g.rows], *g.batch_examples(self.surface, t))
        return used_grad, used_loss

    def _step(self) -> None:
        t = self.steps
        theta = self.theta
        loss_now = self._loss if self._lazy_loss else self.loss  # None: not evaluated
        used_grad, used_loss = (self.grad, loss_now) if self._full_batch \
            else self._batch_gradient(t)
        lr = self.lr0 if self._constant_lr else self._lr_at(t)
        if self._one_group:
            g = self._opt_groups[0]
            hp = g.fixed_hp if g.fixed_hp is not None else {**g.hp, "lr": lr[:, None]}
            if g.optimizer.needs:
                new_theta, new_state = self._update_with_oracle(g, used_grad, used_loss, hp, t)
            else:
                new_theta, new_state = g.optimizer.update(used_grad, g.state, theta, hp)
            g.state = new_state if self._all_active else \
                self._keep_stopped(g.state, new_state, g.rows)
        else:
            new_theta = np.empty_like(theta)
            for g in self._opt_groups:
                hp = {**g.hp, "lr": lr[g.rows][:, None] if g.fixed_lr is None else g.fixed_lr}
                if g.optimizer.needs:
                    new_theta[g.rows], new_state = self._update_with_oracle(
                        g, used_grad[g.rows], used_loss[g.rows], hp, t)
                else:
                    new_theta[g.rows], new_state = g.optimizer.update(
                        used_grad[g.rows], g.state, theta[g.rows], hp)
                g.state = self._keep_stopped(g.state, new_state, g.rows)
        if not self._all_active:
            stopped = self._stopped
            if new_theta is not theta:
                new_theta[stopped] = theta[stopped]
        if self._lazy_loss:
            loss, grad = None, self.surface.grad(new_theta)
        else:
            loss, grad = self.surface.loss_and_grad(new_theta)
        if self.trajectory is not None:
            self.trajectory.record(used_grad, used_loss, lr, new_theta, loss, grad)
        previous = (theta, loss_now, self.grad)
        self.theta, self._loss, self.grad = new_theta, loss, grad
        if self._stateful:  # ReduceLROnPlateau's scheduler.step(loss)
            for sg in self._stateful:
                sg.state = sg.schedule.observe(sg.state, loss[sg.rows], self._active[sg.rows],
                                               sg.params)
        self.steps = t + 1
        if self._single and self._all_active:
            self.steps_done[0] = t + 1
        elif self._all_active:
            self.steps_done.fill(t + 1)
        else:  # the stopped lanes keep the count they stopped at
            self.steps_done.fill(t + 1)
            self.steps_done[self._stopped] = self._stopped_steps
        self._update_status(new_theta, loss, grad, previous[1], t + 1, previous)
        if self._can_fail and self._any_active:
            self._stop_failed()

    def _keep_stopped(self, old: Any, new: Any, rows: slice | np.ndarray) -> Any:
        """Optimizer state of stopped lanes stays as it was when they stopped.

        Only the stopped rows are copied back (into the update's fresh arrays): the cost is in
        the number of stopped lanes, not in the number of lanes.
        """
        if self._all_active:
            return new
        stopped = self._stopped_in(rows)
        if not len(stopped):
            return new
        fields = {}
        for name, new_value in state_arrays(new).items():
            old_value = getattr(old, name)
            if new_value is not old_value:
                new_value = np.array(new_value) if not new_value.flags.writeable else new_value
                new_value[stopped] = old_value[stopped]
            fields[name] = new_value
        return new._replace(**fields)

    # --- rules that need the closure or the Hessian (see gdsim.core.optimizers.base) ------
    def _update_with_oracle(self, g: _OptimizerGroup, grad: np.ndarray, loss: np.ndarray,
                            hp: dict[str, Any], t: int) -> tuple[np.ndarray, Any]:
        """Update group ``g`` with an oracle bound to each lane's batch of update ``t``: the
        closure and the Hessian evaluate the very examples ``grad`` and ``loss`` came from."""
        lanes = np.arange(self.runs)[g.rows]
        parts = []  # (rows within the group, examples or None for the full batch)
        for bg in self._batch_groups:
            inside = np.flatnonzero(np.isin(lanes, np.arange(self.runs)[bg.rows]))
            if len(inside):
                parts.append((inside, None if bg.sampler.full
                              else bg.batch_examples(self.surface, t)))

        def loss_and_grad(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            out_loss, out_grad = np.empty(len(theta)), np.empty_like(theta)
            for inside, examples in parts:
                out_loss[inside], out_grad[inside] = (
                    self.surface.loss_and_grad(theta[inside]) if examples is None
                    else self.surface.loss_and_grad_on(theta[inside], *examples))
            return out_loss, out_grad

        def hessian(theta: np.ndarray) -> np.ndarray:
            out = np.empty((len(theta), self.dim, self.dim))
            for inside, examples in parts:
                out[inside] = (self.surface.hessian(theta[inside]) if examples is None
                               else self.surface.hessian_on(theta[inside], *examples))
            return out

        oracle = Oracle(loss, loss_and_grad, hessian, record=self.record)
        result = g.optimizer.update(grad, g.state, self.theta[g.rows], hp, oracle)
        self.inner.add(t, lanes, self._active[g.rows], oracle)
        return result

    def _stop_failed(self) -> None:
        """Stop the running lanes whose rule reports it cannot go on (a singular Hessian)."""
        for g in self._opt_groups:
            if g.optimizer.failure is None:
                continue
            lanes = np.arange(self.runs)[g.rows]
            failed = lanes[np.asarray(g.optimizer.failure(g.state), bool) & self._active[lanes]]
            if len(failed):
                self._status[failed] = _SINGULAR
                active = self._active.copy()
                active[failed] = False
                self._set_active(active)

    def evaluations(self, lane: int = 0) -> int:
        """Loss-and-gradient evaluations lane ``lane`` has made: one per update, plus the
        inner evaluations of closure-based rules (L-BFGS's ``func_evals``, line-search trials)."""
        return int(self.steps_done[lane] + self.inner.extra_evals[lane])

    def inner_points(self, lane: int, t: int) -> np.ndarray:
        """The trial points of update ``t`` (θ_t → θ_{t+1}) of ``lane``: ``(k, params)``."""
        return self.inner.points(lane, t)

    def _update_status(self, theta: np.ndarray, loss: np.ndarray, grad: np.ndarray,
                       previous_loss: np.ndarray | None, t: int,
                       previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None) -> None:
        """Stop the lanes that diverged, converged or reached their step limit at step ``t``;
        ``previous`` is (θ, L, ∇L) before the update (``None`` at the start)."""
        if self._single and self._all_active:
            # One lane: the same tests on Python floats (numpy reductions of two numbers cost
            # microseconds each, more than the update itself).
            g = math.hypot(*grad.ravel().tolist())
            value = loss.item()
            if math.hypot(*theta.ravel().tolist()) <= self._bound and math.isfinite(value + g) \
                    and g > self._grad_tol_0 \
                    and t < self._min_max_steps and not (
                        self._check_loss_change and previous_loss is not None
                        and abs(value - previous_loss.item()) <= self.loss_tol[0]):
                return
        gnorm2 = _row_sum_sq(grad)
        if t < self._min_max_steps and not (
                self._check_loss_change and previous_loss is not None) \
                and self._none_stops(theta, loss, gnorm2):
            return
        tnorm2 = _row_sum_sq(theta)
        # ~(x <= bound) is also true for NaN; loss + |g|² is non-finite if either is (and on
        # a surface finite within its bound, only beyond it).
        diverged = ~(tnorm2 <= self._bound2)
        if not self._finite_inside:
            if loss is None:  # only the gradient was evaluated: theta is the current θ
                loss = self.loss
            diverged |= ~np.isfinite(loss + gnorm2)
        converged = gnorm2 <= self._grad_tol2
        if self._check_loss_change and previous_loss is not None:
            converged |= np.abs(loss - previous_loss) <= self.loss_tol
        stopping = diverged | converged
        if t >= self._min_max_steps:  # steps_done ≤ t: only then can a lane be at its limit
            stopping |= self.max_steps <= self.steps_done
        if not self._all_active:
            stopping &= self._active
        if stopping.any():
            status = np.where(diverged, _DIVERGED, np.where(converged, _CONVERGED, _STEP_LIMIT))
            self._status[stopping] = status[stopping]
            if previous is not None and (diverged & stopping).any():
                lanes = diverged & stopping
                self._good_step[lanes] = self.steps_done[lanes] - 1
                self._good_theta[lanes] = previous[0][lanes]
                previous_loss = previous[1] if previous[1] is not None else \
                    self.surface.loss_and_grad(previous[0])[0]
                self._good_loss[lanes] = previous_loss[lanes]
                self._good_grad[lanes] = previous[2][lanes]
            self._set_active(self._active & ~stopping)

    def _set_active(self, active: np.ndarray) -> None:
        """Which lanes run from now on; the stopped lanes' indices and step counts are kept
        for the steps to come (each step then costs in the number of stopped lanes)."""
        self._active = active
        self._all_active = bool(active.all())
        self._any_active = self._all_active or bool(active.any())
        self._stopped = np.flatnonzero(~active)
        self._stopped_steps = self.steps_done[self._stopped]
        self._stopped_by_rows: dict[Any, tuple[Any, np.ndarray]] = {}

    def _stopped_in(self, rows: slice | np.ndarray) -> np.ndarray:
        """The stopped lanes among ``rows`` (an optimizer group's), as indices into ``rows``."""
        if isinstance(rows, slice) and rows.start == 0 and rows.stop == self.runs \
                and rows.step is None:
            return self._stopped
        key = (rows.start, rows.stop, rows.step) if isinstance(rows, slice) else id(rows)
        found = self._stopped_by_rows.get(key)
        if found is None or found[0] is not rows:
            found = self._stopped_by_rows[key] = (rows, np.flatnonzero(~self._active[rows]))
        return found[1]

    def _none_stops(self, theta: np.ndarray, loss: np.ndarray | None,
                    gnorm2: np.ndarray) -> bool:
        """A sufficient test that no running lane converges or diverges at this step, from a
        few reductions: the common case of a large sweep. ``False`` means "maybe": the caller
        makes the exact, lane-wise test. Stopped lanes are left out: ``gnorm2``'s entries for
        them are overwritten (the caller's exact test never reads them)."""
        if self._all_active:
            if not gnorm2.min() > self._grad_tol2_max:
                return False  # some |∇L| ≤ grad_tol, or a NaN
            if not self._finite_inside and not math.isfinite(loss.sum() + gnorm2.sum()):
                return False  # a non-finite value (or a sum too large to tell)
            # Every |θᵢ| ≤ bound/√dim implies |θ| ≤ bound (with a margin for rounding).
            limit = self._bound / math.sqrt(self.dim) * (1.0 - 1e-9)
            return bool(theta.max() <= limit and theta.min() >= -limit)
        stopped = self._stopped
        gnorm2[stopped] = self._grad_tol2_max + 1.0
        if not gnorm2.min() > self._grad_tol2_max:
            return False
        if not self._finite_inside and not math.isfinite(loss.sum(where=self._active)
                                                         + gnorm2.sum()):
            return False
        limit = self._bound / math.sqrt(self.dim) * (1.0 - 1e-9)
        if theta.max() <= limit and theta.min() >= -limit:
            return True  # every lane, stopped or not, is within the bound
        tnorm2 = _row_sum_sq(theta)
        tnorm2[stopped] = 0.0
        return bool(tnorm2.max() <= self._bound2)

    # --- reading the run ------------------------------------------------------------------
    def status(self, lane: int = 0) -> Status:
        return _STATUS_BY_CODE[int(self._status[lane])]

    def status_codes(self) -> np.ndarray:
        """Every lane's status as an int8 array ``(runs,)`` of indices into :data:`STATUSES`
        (a copy; cheaper than :meth:`statuses` for a map of many lanes)."""
        return self._status.copy()

    def statuses(self) -> list[Status]:
        return [_STATUS_BY_CODE[int(c)] for c in self._status]

    def status_counts(self) -> dict[Status, int]:
        counts = np.bincount(self._status, minlength=len(_STATUS_BY_CODE))
        return {s: int(counts[i]) for i, s in enumerate(_STATUS_BY_CODE)}

    def lr_at(self, t: int) -> np.ndarray:
        """η_t for every lane, shape ``(runs,)``."""
        return self._lr_at(t).copy()

    def batch_indices(self, t: int, lane: int = 0) -> np.ndarray:
        """The examples update ``t`` of ``lane`` used (all of them for the full batch)."""
        for g in self._batch_groups:
            if lane in np.arange(self.runs)[g.rows]:
                return g.sampler.batch(t)
        raise IndexError(lane)

    def batch_size(self, lane: int = 0) -> int:
        for g in self._batch_groups:
            if lane in np.arange(self.runs)[g.rows]:
                return g.sampler.batch_size
        raise IndexError(lane)

    def _group_of(self, lane: int) -> tuple[_OptimizerGroup, int]:
        for g in self._opt_groups:
            lanes = np.arange(self.runs)[g.rows]
            if lane in lanes:
                return g, int(np.flatnonzero(lanes == lane)[0])
        raise IndexError(lane)

    def optimizer_of(self, lane: int = 0) -> Optimizer:
        return self._group_of(lane)[0].optimizer

    def optimizer_state(self, lane: int = 0) -> dict[str, np.ndarray]:
        """The lane's optimizer state arrays (velocity, moments, ...), each ``(params,)``."""
        group, i = self._group_of(lane)
        return {name: value[i].copy() for name, value in state_arrays(group.state).items()}

    def adaptive_scale(self, lane: int = 0) -> np.ndarray | None:
        """Per-parameter factor the last update multiplied η by (adaptive methods), else None."""
        group, i = self._group_of(lane)
        if group.optimizer.scale is None or group.state.step == 0:
            return None
        hp = {**group.hp, "lr": self._lr_at(max(self.steps - 1, 0))[group.rows][:, None]}
        return np.asarray(group.optimizer.scale(group.state, hp))[i].copy()

    def label(self, lane: int = 0) -> str:
        config = self.configs[self.lane_config[lane]]
        if config.label:
            return config.label
        return f"{self.optimizer_of(lane).title}, η = {self.lr0[lane]:g}"

    def last_finite(self, lane: int = 0) -> tuple[int, np.ndarray, float] | None:
        """The lane's last finite state ``(step, θ (params,), L)``: the current one, or for a
        diverged lane the state before the update that diverged; ``None`` if the lane diverged
        at its start (a start beyond the surface's bound or with a non-finite loss)."""
        if self._status[lane] != _DIVERGED:
            return int(self.steps_done[lane]), self.theta[lane].copy(), float(self.loss[lane])
        if self._good_step[lane] < 0:
            return None
        return (int(self._good_step[lane]), self._good_theta[lane].copy(),
                float(self._good_loss[lane]))

    def summary(self, lane: int = 0) -> str:
        """One line: status and steps, then the final point, its loss and |∇L| (for a diverged
        lane the last finite point, when there is one)."""
        steps = int(self.steps_done[lane])
        head = f"{self.status(lane).value} after {plural(steps, 'step')}"
        theta, loss, grad = self.theta[lane], self.loss[lane], self.grad[lane]
        if self._status[lane] == _DIVERGED and self._good_step[lane] >= 0:
            head += f"; last finite point at step {int(self._good_step[lane])}"
            theta, loss = self._good_theta[lane], self._good_loss[lane]
            grad = self._good_grad[lane]
        names = self.surface.param_names
        if len(names) <= 6:
            point = ", ".join(f"{n}={v:.6g}" for n, v in zip(names, theta.tolist(), strict=True))
        else:  # a network: its weights do not fit on a line
            point = f"{len(names)} parameters with |θ|={math.hypot(*theta.tolist()):.4g}"
        grad_norm = math.hypot(*grad.tolist())  # scaled: no overflow for huge components
        with np.errstate(all="ignore"):
            metrics = self.surface.metrics(np.asarray(theta)[None])
        extra = "".join(f", {name}={float(value[0]):.4g}" for name, value in metrics.items())
        return f"{head}: {point}, loss={float(loss):.6g}, |grad|={grad_norm:.3g}{extra}"
