"""Helpers for rules whose control flow differs from lane to lane (L-BFGS).

Such a rule is written, for one lane, as a generator that *yields* each trial point ``(params,)``
it wants evaluated and receives ``(loss, grad)`` back; it returns its result. :func:`drive` runs
one generator per lane side by side: every round it collects the pending trial points of all
lanes into one ``(runs, params)`` array and makes a single batched
:meth:`~gdsim.core.optimizers.oracle.Oracle.loss_and_grad` call, with the lanes that asked as
the ``active`` mask. Lanes finish after different numbers of evaluations; the batch shrinks as
they do.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

import numpy as np

from gdsim.core.optimizers.oracle import Oracle

LaneGen = Generator[np.ndarray, tuple[float, np.ndarray], Any]


def drive(lanes: Sequence[LaneGen], theta: np.ndarray, oracle: Oracle) -> list[Any]:
    """Run the per-lane generators to completion; returns their return values in lane order."""
    results: list[Any] = [None] * len(lanes)
    requests: dict[int, np.ndarray] = {}
    for i, gen in enumerate(lanes):
        try:
            requests[i] = next(gen)
        except StopIteration as stop:
            results[i] = stop.value
    while requests:
        trial = np.array(theta, dtype=float)
        active = np.zeros(len(theta), dtype=bool)
        for i, point in requests.items():
            trial[i] = point
            active[i] = True
        loss, grad = oracle.loss_and_grad(trial, active)
        for i in list(requests):
            try:
                requests[i] = lanes[i].send((float(loss[i]), np.array(grad[i], dtype=float)))
            except StopIteration as stop:
                results[i] = stop.value
                del requests[i]
    return results


def lane_value(value: Any, lane: int) -> Any:
    """Lane ``lane``'s value of a hyperparameter: a float, a bool/str, or row of ``(runs, 1)``."""
    if isinstance(value, np.ndarray):
        return float(value.reshape(len(value), -1)[lane, 0])
    return value
