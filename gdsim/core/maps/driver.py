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


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
_malloc_tuned = False


def keep_freed_memory() -> None:
    """Ask glibc's allocator to keep freed blocks of up to 64 MB in the heap (once per process;
    nothing on other C libraries).

    A map's numpy temporaries are ``(lanes, params)`` arrays of about a megabyte. By default
    glibc serves blocks that large with ``mmap`` and gives them back on ``free``, so every
    temporary of every step page-faults its memory afresh: on a 65,536-lane map the kernel's
    page faults took more time than the arithmetic. Raising the mmap and trim thresholds lets
    the heap reuse the blocks (several times faster per step); the process keeps its peak
    heap instead of returning it.
    """
    global _malloc_tuned
    if _malloc_tuned:
        return
    _malloc_tuned = True
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 64 << 20)
        libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
    except (OSError, AttributeError):
        pass


def never() -> bool:
    """The default ``cancelled``: a map runs to the end."""
    return False


def drive(run: Run, steps: int, *, on_chunk: Callable[[MapProgress], None] | None = None,
          cancelled: Cancelled = never, chunk_seconds: float = 0.05,
          between: Callable[[int], bool] | None = None,
          report_seconds: float | None = None) -> MapProgress:
    """Advance ``run`` by up to ``steps`` updates in chunks of about ``chunk_seconds``.

    Args:
        on_chunk: called with the progress so far after a chunk, at most every
            ``report_seconds`` (default 5 chunks: building a partial map costs time), and
            after the last one.
        cancelled: polled before each chunk; ``True`` stops early (the run keeps its state).
        between: ``between(t)`` is called after every single update t (1-based) — for maps
            of a few lanes that watch each step (the race, the range test); returning
            ``True`` ends the map there (complete).

    Returns the final :class:`MapProgress`; ``complete`` once every update is made or no lane
    is running any more.
    """
    keep_freed_memory()
    if report_seconds is None:
        report_seconds = 5.0 * chunk_seconds
    reported = time.perf_counter()
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
        now = time.perf_counter()
        if on_chunk is not None and done < steps and run.running and not ended \
                and now - reported >= report_seconds:
            reported = now
            on_chunk(MapProgress(done, steps))
    progress = MapProgress(done, steps, complete=True)
    if on_chunk is not None:
        on_chunk(progress)
    return progress
