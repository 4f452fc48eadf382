"""One lane's last completed step, read from the GUI's history (Qt-free).

The step inspector and the map's visual aids show the same facts about the update
θ_{t−1} → θ_t; this module reads them once from :class:`~gdsim.app.model.history.History` rows.
Trajectory row k holds θ_k, L(θ_k), ∇L(θ_k) and what the update *leaving* θ_k used (the
gradient of its batch, the batch loss, η_k); see :mod:`gdsim.core.trajectory`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gdsim.app.model.frame import LaneInfo
from gdsim.app.model.history import History


def last_finite_row(history: History, lane: int, rows: int) -> int:
    """The lane's last row (below ``rows``) whose θ, loss and gradient are all finite: a
    diverged run is shown in its last finite state (row 0 if none is)."""
    t = rows - 1
    if _finite_row(history, t, lane):
        return t
    ok = (np.isfinite(history.loss[:rows, lane])
          & np.isfinite(history.theta[:rows, lane]).all(axis=1)
          & np.isfinite(history.grad[:rows, lane]).all(axis=1))
    finite = np.flatnonzero(ok)
    return int(finite[-1]) if finite.size else 0


def _finite_row(history: History, t: int, lane: int) -> bool:
    return bool(np.isfinite(history.loss[t, lane]) and np.isfinite(history.theta[t, lane]).all()
                and np.isfinite(history.grad[t, lane]).all())


@dataclass(frozen=True)
class StepSnapshot:
    """The lane's current point θ_t and, if ``t > 0``, the step that led there.

    For a diverged lane, its last finite point (see :func:`last_finite_row`).

    Vectors are ``(params,)`` arrays in parameter units; losses are floats.
    """

    lane: int
    t: int  # updates this lane has made (its current row)
    theta: np.ndarray  # θ_t
    loss: float  # L(θ_t), full batch
    grad: np.ndarray  # ∇L(θ_t), full batch
    next_lr: float  # η_t, the rate of the next update (NaN if unknown)
    prev_theta: np.ndarray | None = None  # θ_{t−1}
    prev_loss: float | None = None  # L(θ_{t−1})
    prev_grad: np.ndarray | None = None  # ∇L(θ_{t−1}), full batch
    used_grad: np.ndarray | None = None  # the gradient the update used (its mini-batch)
    batch_loss: float | None = None  # the mini-batch loss at θ_{t−1}
    lr: float | None = None  # η_{t−1}, the rate of the update
    info: LaneInfo | None = None

    @property
    def has_step(self) -> bool:
        return self.prev_theta is not None

    @property
    def delta_theta(self) -> np.ndarray | None:
        """Δθ = θ_t − θ_{t−1}, the step actually taken."""
        if self.prev_theta is None:
            return None
        with np.errstate(all="ignore"):
            return self.theta - self.prev_theta

    @property
    def predicted_dl(self) -> float | None:
        """First-order (Taylor) prediction of the loss change: ∇L(θ_{t−1})·Δθ."""
        if self.prev_grad is None or self.delta_theta is None:
            return None
        with np.errstate(all="ignore"):
            return float(np.dot(self.prev_grad, self.delta_theta))

    @property
    def actual_dl(self) -> float | None:
        """The actual loss change L(θ_t) − L(θ_{t−1})."""
        if self.prev_loss is None:
            return None
        with np.errstate(all="ignore"):
            return float(self.loss - self.prev_loss)

    @property
    def full_batch(self) -> bool:
        """Whether the lane's updates use every example."""
        return self.info is None or self.info.batch_size >= self.info.n_examples

    @classmethod
    def from_history(cls, history: History, lane: int) -> StepSnapshot | None:
        """The snapshot of ``lane``, or ``None`` if the history has no row for it yet."""
        if history.length == 0 or not 0 <= lane < history.runs:
            return None
        rows = history.lane_rows(lane)
        if rows <= 0:
            return None
        t = last_finite_row(history, lane, rows)
        info = history.lanes[lane] if lane < len(history.lanes) else None
        fields: dict[str, object] = {}
        if t > 0:
            r = t - 1
            fields = {
                "prev_theta": history.theta[r, lane].copy(),
                "prev_loss": float(history.loss[r, lane]),
                "prev_grad": history.grad[r, lane].copy(),
                "used_grad": history.used_grad[r, lane].copy(),
                "batch_loss": float(history.batch_loss[r, lane]),
                "lr": float(history.lr[r, lane]),
            }
        return cls(
            lane=lane, t=t,
            theta=history.theta[t, lane].copy(),
            loss=float(history.loss[t, lane]),
            grad=history.grad[t, lane].copy(),
            next_lr=float(history.lr[t, lane]),
            info=info,
            **fields,  # type: ignore[arg-type]
        )
