"""The objective as a rule that declares ``needs`` sees it during one update: a batched closure.

The run loop builds one :class:`Oracle` per optimizer group and update, bound to each lane's
current batch; tests build one from any function. Every evaluation is counted per lane and
(optionally) recorded, so a step's inner evaluations — L-BFGS's function evaluations, a line
search's trial steps — can be counted like torch's ``state["func_evals"]`` and drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

LossGradFn = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
HessianFn = Callable[[np.ndarray], np.ndarray]


@dataclass
class Oracle:
    """Loss, gradient and Hessian of each lane's current batch, for the rows of one group.

    Attributes:
        loss: ``(runs,)`` batch loss at the update's θ (where ``grad`` was evaluated).
        evals: ``(runs,)`` function evaluations in this update, counting the one at θ.
        trials: the evaluated trial points in order, each ``(theta (runs, params),
            active (runs,))``; kept only when ``record`` is true.
        hessian_evals: how many times the Hessian was asked for.
    """

    loss: np.ndarray
    fn: LossGradFn
    hess_fn: HessianFn | None = None
    record: bool = True
    evals: np.ndarray = field(init=False)
    trials: list[tuple[np.ndarray, np.ndarray]] = field(init=False, default_factory=list)
    hessian_evals: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        self.loss = np.asarray(self.loss, dtype=float)
        self.evals = np.ones(len(self.loss), dtype=np.int64)

    def loss_and_grad(self, theta: np.ndarray, active: np.ndarray | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Batch loss ``(runs,)`` and gradient ``(runs, params)`` at ``theta`` ``(runs, params)``.

        Only the ``active`` lanes (all if ``None``) count the evaluation; the values of the
        others are computed too (one vectorized call) but are meaningless to them.
        """
        active = np.ones(len(theta), dtype=bool) if active is None else np.asarray(active, bool)
        self.evals += active
        if self.record:
            self.trials.append((np.array(theta, dtype=float), active.copy()))
        return self.fn(theta)

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """The batch Hessian ``(runs, params, params)`` at ``theta`` ``(runs, params)``."""
        if self.hess_fn is None:
            raise ValueError("this objective has no Hessian")
        self.hessian_evals += 1
        return self.hess_fn(theta)

    def lane_trials(self, row: int) -> np.ndarray:
        """The points row ``row`` evaluated after θ, in order: ``(k, params)``."""
        points = [theta[row] for theta, active in self.trials if active[row]]
        dim = self.trials[0][0].shape[1] if self.trials else 0
        return np.array(points, dtype=float).reshape(len(points), dim)
