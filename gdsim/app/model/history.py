"""The GUI's copy of the trajectories, stitched together from frames (Qt-free).

The plots draw from these buffers: they grow by doubling, so a run of a million steps costs
O(log n) reallocations and every redraw is a ``setData`` on views of them.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np

from gdsim.app.model.frame import Frame, LaneInfo
from gdsim.core.trajectory import Trajectory

_FIELDS = ("theta", "loss", "grad", "used_grad", "batch_loss", "lr")


class History:
    """All rows received so far for ``runs`` lanes of ``dim`` parameters.

    Reserve ``capacity`` = the step limit + 1: the buffers then never need to grow (growing
    copies every row received so far, which at a million rows stalls the GUI).
    """

    def __init__(self, runs: int, dim: int, capacity: int = 1024) -> None:
        self.runs, self.dim = runs, dim
        # Frames bring whole rows: no prefill, so a large reservation costs nothing until used.
        self.rows = Trajectory(runs, dim, capacity, prefill=False)
        self.generation = -1
        self.lanes: tuple[LaneInfo, ...] = ()
        self.steps = 0
        self.playing = False
        self.steps_per_second = 0.0

    @property
    def length(self) -> int:
        return self.rows.length

    def clear(self, generation: int) -> None:
        self.rows.truncate(0)
        self.generation = generation
        self.steps = 0

    def add(self, frame: Frame) -> bool:
        """Merge a frame; returns False (and ignores it) if it is stale or does not fit."""
        if frame.generation < self.generation:
            return False
        if frame.generation > self.generation:
            self.clear(frame.generation)
        if frame.theta.shape[1:] != (self.runs, self.dim) or frame.first_row > self.length:
            return False
        self.rows.truncate(frame.first_row)
        self.rows.write_rows(frame.first_row, **{name: getattr(frame, name) for name in _FIELDS})
        self.lanes = frame.lanes
        self.steps = frame.steps
        self.playing = frame.playing
        self.steps_per_second = frame.steps_per_second
        return True

    # Views of the received rows: (rows, runs, ...) --------------------------------------------
    @property
    def theta(self) -> np.ndarray:
        return self.rows.theta

    @property
    def loss(self) -> np.ndarray:
        return self.rows.loss

    @property
    def grad(self) -> np.ndarray:
        return self.rows.grad

    @property
    def used_grad(self) -> np.ndarray:
        return self.rows.used_grad

    @property
    def batch_loss(self) -> np.ndarray:
        return self.rows.batch_loss

    @property
    def lr(self) -> np.ndarray:
        return self.rows.lr

    def prefix(self, rows: int) -> History:
        """A read-only view of the first ``rows`` rows (an animation's frame); shares buffers."""
        view = copy.copy(self)
        view.rows = copy.copy(self.rows)
        view.rows.length = max(1, min(rows, self.length))
        view.steps = view.length - 1
        view.lanes = tuple(replace(lane, steps_done=min(lane.steps_done, view.steps))
                           for lane in self.lanes)
        return view

    def lane_rows(self, lane: int) -> int:
        """Rows that belong to ``lane``'s own trajectory (it may have stopped earlier)."""
        if lane < len(self.lanes):
            return min(self.length, self.lanes[lane].steps_done + 1)
        return self.length
