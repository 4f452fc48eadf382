"""Frames: what the simulation worker sends the GUI, at display rate (≤ 60 per second).

Qt-free on purpose: a frame is plain data (numpy copies), built in the worker thread and read in
the GUI thread. Each frame carries the trajectory rows recorded since the previous frame, plus the
last row of the previous frame again (its per-step fields — the gradient used, η — are only
known once the update leaving it is made). :class:`~gdsim.app.model.history.History` stitches frames
back into whole trajectories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from gdsim.core.run import Run

if TYPE_CHECKING:
    from gdsim.app.model.timeline import Plan


@dataclass(frozen=True)
class LaneInfo:
    """The per-lane facts that are not trajectory rows."""

    label: str
    optimizer: str  # command-line name
    status: str  # a :class:`~gdsim.core.run.Status` value
    steps_done: int
    batch_size: int
    n_examples: int
    optimizer_state: dict[str, np.ndarray]  # field -> (params,)
    state_labels: dict[str, str]  # field -> human description
    adaptive_scale: np.ndarray | None  # (params,) factor multiplying η in the last update
    last_batch: np.ndarray | None  # example indices of the last update (None before any)


@dataclass(frozen=True)
class Frame:
    """Rows ``first_row … first_row + len(theta) − 1`` of every lane's trajectory.

    Attributes:
        generation: increases whenever the run is rebuilt or reset; a frame whose generation is
            older than the GUI's is stale and dropped.
        first_row: the trajectory row of ``theta[0]``.
        theta, grad, used_grad: ``(rows, runs, params)``.
        loss, batch_loss, lr: ``(rows, runs)``.
        steps: updates done so far (the last row is ``steps``).
        lanes: one :class:`LaneInfo` per lane.
        playing: whether the worker is running freely (not paused).
        steps_per_second: measured update rate over the last second (0 when paused).
    """

    generation: int
    first_row: int
    theta: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    used_grad: np.ndarray
    batch_loss: np.ndarray
    lr: np.ndarray
    steps: int
    lanes: tuple[LaneInfo, ...]
    playing: bool = False
    steps_per_second: float = 0.0
    message: str = field(default="")
    plan: Plan = ()
    """The run's settings over time (:mod:`~gdsim.app.model.timeline`); empty if unknown."""

    @property
    def rows(self) -> int:
        return len(self.theta)


def make_frame(run: Run, generation: int, first_row: int, *, playing: bool = False,
               steps_per_second: float = 0.0) -> Frame:
    """Copy rows ``first_row …`` of ``run``'s trajectory (clamped to ≥ 0) into a frame."""
    traj = run.trajectory
    assert traj is not None, "the app's runs record their history"
    first_row = max(0, min(first_row, traj.length - 1))
    rows = slice(first_row, traj.length)
    lanes = []
    for lane in range(run.runs):
        opt = run.optimizer_of(lane)
        last_batch = run.batch_indices(run.steps - 1, lane).copy() if run.steps > 0 else None
        lanes.append(LaneInfo(
            label=run.label(lane),
            optimizer=opt.name,
            status=run.status(lane).value,
            steps_done=int(run.steps_done[lane]),
            batch_size=run.batch_size(lane),
            n_examples=run.surface.n_examples,
            optimizer_state=run.optimizer_state(lane),
            state_labels=dict(opt.state_labels),
            adaptive_scale=run.adaptive_scale(lane),
            last_batch=last_batch,
        ))
    lr = traj.lr[rows].copy()
    lr[-1] = run.lr_at(traj.length - 1)  # the rate the next update will use
    return Frame(
        generation=generation,
        first_row=first_row,
        theta=traj.theta[rows].copy(),
        loss=traj.loss[rows].copy(),
        grad=traj.grad[rows].copy(),
        used_grad=traj.used_grad[rows].copy(),
        batch_loss=traj.batch_loss[rows].copy(),
        lr=lr,
        steps=run.steps,
        lanes=tuple(lanes),
        playing=playing,
        steps_per_second=steps_per_second,
        plan=getattr(run, "plan", ()),
    )
