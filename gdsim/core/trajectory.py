"""The recorded history of a batch of runs, in preallocated buffers that grow by doubling.

Row k describes the point θ_k reached after k updates, for every run at once:

========== ====================== ===================================================
field      shape per row          meaning
========== ====================== ===================================================
theta      (runs, params)         θ_k
loss       (runs,)                full-batch L(θ_k)
grad       (runs, params)         full-batch ∇L(θ_k)
used_grad  (runs, params)         the gradient the update leaving θ_k used (mini-batch)
batch_loss (runs,)                the mini-batch loss at θ_k for that update
lr         (runs,)                η_k, the rate of the update leaving θ_k
========== ====================== ===================================================

The last row's ``used_grad``, ``batch_loss`` and ``lr`` are NaN until that update is made.
"""

from __future__ import annotations

import numpy as np

_POINT_FIELDS = ("theta", "loss", "grad")
_STEP_FIELDS = ("used_grad", "batch_loss", "lr")


class Trajectory:
    """Growing history buffers for ``runs`` runs of ``dim`` parameters."""

    def __init__(self, runs: int, dim: int, capacity: int = 256, prefill: bool = True) -> None:
        """``capacity`` rows are reserved up front (reserve the step limit to never copy).
        Without ``prefill`` the buffers are not written until used — nothing is touched up
        front, but a row's step fields hold garbage until written (for copies that receive
        whole rows, like the GUI's)."""
        self.runs, self.dim = runs, dim
        self.length = 0  # rows recorded: steps done + 1 once the start is recorded
        self._prefill = prefill
        self._alloc(max(2, capacity))

    def _alloc(self, capacity: int) -> None:
        old = {name: getattr(self, "_" + name, None) for name in _POINT_FIELDS + _STEP_FIELDS}
        shapes = {"theta": (self.runs, self.dim), "loss": (self.runs,),
                  "grad": (self.runs, self.dim), "used_grad": (self.runs, self.dim),
                  "batch_loss": (self.runs,), "lr": (self.runs,)}
        for name, shape in shapes.items():
            buf = (np.full((capacity, *shape), np.nan) if self._prefill
                   else np.empty((capacity, *shape)))
            if old[name] is not None:
                buf[: self.length] = old[name][: self.length]
            setattr(self, "_" + name, buf)
        self.capacity = capacity

    def append_point(self, theta: np.ndarray, loss: np.ndarray, grad: np.ndarray) -> None:
        """Record θ_k, L(θ_k), ∇L(θ_k) as the next row."""
        if self.length == self.capacity:
            self._alloc(2 * self.capacity)
        k = self.length
        self._theta[k] = theta
        self._loss[k] = loss
        self._grad[k] = grad
        self.length = k + 1

    def record(self, used_grad: np.ndarray, batch_loss: np.ndarray, lr: np.ndarray,
               theta: np.ndarray, loss: np.ndarray, grad: np.ndarray) -> None:
        """One update: what it used (on the last row), then the point it reached (a new row)."""
        k = self.length
        if k == self.capacity:
            self._alloc(2 * self.capacity)
        self._used_grad[k - 1] = used_grad
        self._batch_loss[k - 1] = batch_loss
        self._lr[k - 1] = lr
        self._theta[k] = theta
        self._loss[k] = loss
        self._grad[k] = grad
        self.length = k + 1

    def write_rows(self, first_row: int, **fields: np.ndarray) -> None:
        """Overwrite or extend rows ``first_row …`` with every field given as ``(rows, …)``
        arrays of one length (the GUI's copy of a trajectory is filled this way)."""
        if first_row > self.length:
            raise ValueError(f"row {first_row} would leave a gap after row {self.length - 1}")
        end = first_row + len(next(iter(fields.values())))
        if end > self.capacity:
            self._alloc(max(2 * self.capacity, end))
        for name, values in fields.items():
            getattr(self, "_" + name)[first_row:end] = values
        self.length = max(self.length, end)

    def truncate(self, length: int) -> None:
        """Forget the rows from ``length`` on (the buffers are kept)."""
        self.length = min(self.length, length)

    def record_step(self, used_grad: np.ndarray, batch_loss: np.ndarray, lr: np.ndarray) -> None:
        """Record what the update leaving the last row used."""
        k = self.length - 1
        self._used_grad[k] = used_grad
        self._batch_loss[k] = batch_loss
        self._lr[k] = lr

    # Views of the recorded rows (no copies): shape (rows, ...) ------------------------------
    @property
    def theta(self) -> np.ndarray:
        return self._theta[: self.length]

    @property
    def loss(self) -> np.ndarray:
        return self._loss[: self.length]

    @property
    def grad(self) -> np.ndarray:
        return self._grad[: self.length]

    @property
    def used_grad(self) -> np.ndarray:
        return self._used_grad[: self.length]

    @property
    def batch_loss(self) -> np.ndarray:
        return self._batch_loss[: self.length]

    @property
    def lr(self) -> np.ndarray:
        return self._lr[: self.length]
