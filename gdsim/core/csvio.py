"""The trajectory as CSV: the columns ``gdsim run --csv`` and the app's export write.

Columns: ``step``; one column per parameter, named as the surface names them; ``loss``;
``grad_<name>`` per parameter (the full-batch gradient at that point); ``lr`` (the rate of the
update leaving that point). Row 0 is the start, row k the point after k updates. Numbers are
written with Python's shortest round-trip representation, so reading them back gives the exact
same floats.
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, TextIO

import numpy as np

if TYPE_CHECKING:
    from gdsim.core.run import Run


def csv_header(param_names: tuple[str, ...]) -> list[str]:
    return ["step", *param_names, "loss", *(f"grad_{n}" for n in param_names), "lr"]


def trajectory_table(theta: np.ndarray, loss: np.ndarray, grad: np.ndarray, lr: np.ndarray,
                     rows: int, lane: int = 0) -> np.ndarray:
    """Rows ``0 … rows − 1`` of one lane as a ``(rows, columns)`` array in :func:`csv_header`
    order, from history arrays shaped ``(rows, runs, …)`` (a core trajectory or the GUI's copy).
    ``lr``'s last row must hold the rate the next update would use."""
    return np.column_stack([
        np.arange(rows, dtype=float),
        theta[:rows, lane],
        loss[:rows, lane],
        grad[:rows, lane],
        lr[:rows, lane],
    ])


def run_table(run: Run, lane: int = 0) -> np.ndarray:
    """The lane's whole trajectory as a table (see :func:`trajectory_table`)."""
    traj = run.trajectory
    if traj is None:
        raise ValueError("this run keeps no history (record=False)")
    rows = int(run.steps_done[lane]) + 1
    lr = traj.lr[:rows].copy()
    lr[rows - 1] = run.lr_at(rows - 1)  # the rate the next update would use
    return trajectory_table(traj.theta, traj.loss, traj.grad, lr, rows, lane)


def write_table(stream: TextIO, param_names: tuple[str, ...], table: np.ndarray) -> int:
    """Write a table with its header; returns the number of data rows."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(csv_header(param_names))
    for row in table:
        writer.writerow([int(row[0]), *(repr(float(v)) for v in row[1:])])
    return len(table)


def write_csv(run: Run, stream: TextIO, lane: int = 0) -> int:
    """Write the lane's trajectory; returns the number of data rows."""
    return write_table(stream, run.surface.param_names, run_table(run, lane))
