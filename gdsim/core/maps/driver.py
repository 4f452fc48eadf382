"""Driving one vectorized :class:`~gdsim.core.run.Run` through a map's steps in chunks.

A map is one batch of lanes advanced together; between chunks the driver reports progress (so a
window can draw the partial map) and asks whether to stop (Cancel). Chunks are sized by time, not
by step count, so a 100-lane sweep and a 262,144-lane basin map both report a few times a second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from gdsim.core.run import Run

#: ``cancelled() -> True`` asks a map to stop after the current chunk.
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class MapProgress:
    """How far a map has got: ``done`` of ``total`` updates (every lane advances together)."""

    done: int
    total: int
    complete: bool = False  # every update made, or every lane stopped
    cancelled: bool = False

    @property
    def fraction(self) -> float:
        return 1.0 if self.complete or self.total == 0 else self.done / self.total


def never() -> bool:
    """The default ``cancelled``: a map runs to the end."""
    return False


def drive(run: Run, steps: int, *, on_chunk: Callable[[MapProgress], None] | None = None,
          cancelled: Cancelled = never, chunk_seconds: float = 0.05,
          between: Callable[[int], bool] | None = None) -> MapProgress:
    """Advance ``run`` by up to ``steps`` updates in chunks of about ``chunk_seconds``.

    Args:
        on_chunk: called after each chunk with the progress so far (also after the last one).
        cancelled: polled before each chunk; ``True`` stops early (the run keeps its state).
        between: ``between(t)`` is called after every single update t (1-based) — for maps
            of a few lanes that watch each step (the race, the range test); returning
            ``True`` ends the map there (complete).

    Returns the final :class:`MapProgress`; ``complete`` once every update is made or no lane
    is running any more.
    """
    done = 0
    chunk = 1
    ended = False
    while done < steps and run.running and not ended:
        if cancelled():
            progress = MapProgress(done, steps, cancelled=True)
            if on_chunk is not None:
                on_chunk(progress)
            return progress
        n = min(chunk, steps - done)
        began = time.perf_counter()
        if between is None:
            made = run.advance(n)
        else:
            made = 0
            while made < n and not ended and run.step():
                made += 1
                ended = bool(between(done + made))
        done += made
        elapsed = time.perf_counter() - began
        # Aim the next chunk at the time budget, growing at most fourfold at a time.
        per_step = elapsed / max(made, 1)
        chunk = max(1, min(4 * chunk, int(chunk_seconds / per_step) if per_step > 0 else 4 * chunk))
        if on_chunk is not None and done < steps and run.running and not ended:
            on_chunk(MapProgress(done, steps))
    progress = MapProgress(done, steps, complete=True)
    if on_chunk is not None:
        on_chunk(progress)
    return progress
