"""Trajectories as CSV: the columns ``gdsim run --csv`` and the app's export write.

One file holds every run, in long format (one row per run and step). Columns: ``run`` (the
run's 0-based index in the session), ``label`` (its legend label), ``step``; one column per
parameter, named as the surface names them; ``loss``; ``grad_<name>`` per parameter (the
full-batch gradient at that point); ``lr`` (the rate of the update leaving that point). Row
``step = 0`` is a run's start, ``step = k`` the point after k updates. Numbers are written with
Python's shortest round-trip representation, so reading them back gives the exact same floats.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, TextIO

import numpy as np

if TYPE_CHECKING:
    from gdsim.core.run import Run


def csv_header(param_names: tuple[str, ...]) -> list[str]:
    """The columns of one run's table (without ``run`` and ``label``)."""
    return ["step", *param_names, "loss", *(f"grad_{n}" for n in param_names), "lr"]


def long_header(param_names: tuple[str, ...]) -> list[str]:
    """The columns of the CSV file: ``run``, ``label``, then :func:`csv_header`."""
    return ["run", "label", *csv_header(param_names)]


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
    lr[rows - 1, lane] = run.lr_at(rows - 1)[lane]  # the rate the next update would use
    return trajectory_table(traj.theta, traj.loss, traj.grad, lr, rows, lane)


def write_tables(stream: TextIO, param_names: tuple[str, ...],
                 tables: Iterable[tuple[int, str, np.ndarray]]) -> int:
    """Write the header and each ``(run index, label, table)``; returns the data rows."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(long_header(param_names))
    count = 0
    for index, label, table in tables:
        for row in table:
            writer.writerow([index, label, int(row[0]), *(repr(float(v)) for v in row[1:])])
        count += len(table)
    return count


def write_csv(run: Run, stream: TextIO, lanes: Sequence[int] | None = None) -> int:
    """Write the runs ``lanes`` (default: all) in long format; returns the data rows."""
    chosen = range(run.runs) if lanes is None else lanes
    return write_tables(stream, run.surface.param_names,
                        ((lane, run.label(lane), run_table(run, lane)) for lane in chosen))
