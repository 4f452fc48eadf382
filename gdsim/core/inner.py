"""Inner evaluations of rules that evaluate the loss at trial points (L-BFGS, line search).

The run loop keeps one :class:`InnerLog` per :class:`~gdsim.core.run.Run`: for every update
t → t+1 and every lane whose rule declared ``needs``, the trial points its closure evaluated (in
order) and how many evaluations the update took. The app draws the points as a thin polyline
from θ_t; ``gdsim`` counts the evaluations like torch's ``state["func_evals"]``.
"""

from __future__ import annotations

import numpy as np

from gdsim.core.optimizers.oracle import Oracle


class InnerLog:
    """Per-update trial points and evaluation counts of the lanes with closure-based rules.

    Args:
        runs: number of lanes.
        record: keep the trial points (a sweep keeps only the counts).
    """

    def __init__(self, runs: int, record: bool) -> None:
        self.record = record
        self.extra_evals = np.zeros(runs, dtype=np.int64)  # evaluations beyond one per update
        self._points: dict[tuple[int, int], np.ndarray] = {}

    def add(self, t: int, lanes: np.ndarray, active: np.ndarray, oracle: Oracle) -> None:
        """Log update ``t`` of ``lanes`` (indices into the run) from the group's ``oracle``;
        only ``active`` lanes (a ``(len(lanes),)`` mask) made the update."""
        self.extra_evals[lanes[active]] += oracle.evals[active] - 1
        if self.record and oracle.trials:
            for row in np.flatnonzero(active):
                points = oracle.lane_trials(int(row))
                if len(points):
                    self._points[(t, int(lanes[row]))] = points

    def points(self, lane: int, t: int) -> np.ndarray:
        """The trial points lane ``lane`` evaluated during update ``t`` (θ_t → θ_{t+1}), in
        order: ``(k, params)``; empty for rules without a closure or when not recorded."""
        found = self._points.get((t, lane))
        return np.empty((0, 0)) if found is None else found.copy()
