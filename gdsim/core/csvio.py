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


def trajectory_table(run: Run, lane: int = 0) -> np.ndarray:
    """The lane's trajectory as a ``(rows, columns)`` float array in :func:`csv_header` order."""
    traj = run.trajectory
    if traj is None:
        raise ValueError("this run keeps no history (record=False)")
    rows = int(run.steps_done[lane]) + 1
    lr = traj.lr[:rows, lane].copy()
    lr[rows - 1] = run.lr_at(rows - 1)[lane]  # the rate the next update would use
    return np.column_stack([
        np.arange(rows, dtype=float),
        traj.theta[:rows, lane],
        traj.loss[:rows, lane],
        traj.grad[:rows, lane],
        lr,
    ])


def write_csv(run: Run, stream: TextIO, lane: int = 0) -> int:
    """Write the lane's trajectory; returns the number of data rows."""
    table = trajectory_table(run, lane)
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(csv_header(run.surface.param_names))
    for row in table:
        writer.writerow([int(row[0]), *(repr(float(v)) for v in row[1:])])
    return len(table)
