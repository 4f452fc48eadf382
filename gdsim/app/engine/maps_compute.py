"""The maps process: computes the Maps windows' jobs in its own interpreter (Qt-free).

A map steps tens of thousands of lanes for seconds. Computed in a thread of the GUI's process it
shared the GUI's interpreter lock (GIL): whenever the operating system preempted the computing
thread while it held the lock (often, on a busy machine), the GUI thread waited for it — stalls
of 100–300 ms. Here the map runs in a process of its own, as the simulation does
(:mod:`gdsim.app.engine.compute`); the GUI process only receives the partial results.

A job is a picklable callable ``job(progress, cancelled) -> result`` over the maps of
:mod:`gdsim.core.maps` — the ``*_job`` functions below, bound to their settings with
:func:`functools.partial`. ``progress(partial)`` sends a partial result to the app, unless the
app has not yet drawn the previous one (then it is dropped: a slow GUI gets fewer partial maps,
never a queue of them); ``cancelled()`` reads the pipe between the map's chunks.

Protocol (pickled tuples):

* to the process: ``("job", job_id, job)``, ``("cancel", job_id)``, ``("ack", job_id)`` (the
  app has drawn the last partial result), ``("stop",)``;
* from the process: ``("partial", job_id, result)``, ``("finished", job_id, result)``,
  ``("failed", job_id, message)``.

Every job sent is run and ends with ``finished`` (its final or cancelled result) or ``failed``
(a ``ValueError``'s message: bad settings; or the error of a bug). A newer job, a cancel or a
stop cancels the running job after its current chunk. The process ends on ``("stop",)`` or
when the pipe closes (the app went away).
"""

from __future__ import annotations

import traceback
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from gdsim.core.config import RunConfig
from gdsim.core.maps import basins, lr_find, lr_sweep, momentum_map, race

Job = Callable[[Callable[[Any], None], Callable[[], bool]], Any]

CHUNK_SECONDS = 0.02
"""A map polls Cancel this often (seconds of computing between two looks at the pipe)."""

REPORT_SECONDS = 0.25
"""And sends a partial result at most this often."""


# --- the jobs (module-level, so that they pickle) ----------------------------------------------
def sweep_job(config: RunConfig, low: float, high: float, points: int, steps: int,
              progress: Callable[[Any], None], cancelled: Callable[[], bool]) -> Any:
    return lr_sweep(config, low, high, points, steps, progress=progress, cancelled=cancelled,
                    chunk_seconds=CHUNK_SECONDS, report_seconds=REPORT_SECONDS)


def lr_find_job(config: RunConfig, low: float, high: float, steps: int,
                progress: Callable[[Any], None], cancelled: Callable[[], bool]) -> tuple:
    """The LR range test, then a sweep of 100 rates over the same range."""
    found = lr_find(config, low, high, steps, progress=progress, cancelled=cancelled,
                    chunk_seconds=CHUNK_SECONDS, report_seconds=REPORT_SECONDS)
    if found.progress.cancelled:
        return (found,)
    sweep = lr_sweep(config, low, high, 100, steps, progress=progress, cancelled=cancelled,
                     chunk_seconds=CHUNK_SECONDS, report_seconds=REPORT_SECONDS)
    return found, sweep


def basins_job(configs: Sequence[RunConfig], grid: int, steps: int,
               x_range: tuple[float, float] | None, y_range: tuple[float, float] | None,
               progress: Callable[[Any], None], cancelled: Callable[[], bool]) -> tuple:
    """One basin map per config; partial results are ``(k, partial map k)``."""
    done = []
    for k, config in enumerate(configs):
        result = basins(config, grid, steps, x_range=x_range, y_range=y_range,
                        progress=lambda r, k=k: progress((k, r)), cancelled=cancelled,
                        chunk_seconds=CHUNK_SECONDS, report_seconds=REPORT_SECONDS)
        done.append(result)
        progress((k, result))
        if result.progress.cancelled:
            break
    return tuple(done)


def momentum_job(config: RunConfig, low: float, high: float, steps: int, lr_points: int,
                 mu_points: int, progress: Callable[[Any], None],
                 cancelled: Callable[[], bool]) -> Any:
    return momentum_map(config, low, high, steps, lr_points=lr_points, mu_points=mu_points,
                        progress=progress, cancelled=cancelled, chunk_seconds=CHUNK_SECONDS,
                        report_seconds=REPORT_SECONDS)


def race_job(config: RunConfig, names: Sequence[str], steps: int, tuned: bool, points: int,
             progress: Callable[[Any], None], cancelled: Callable[[], bool]) -> Any:
    """The race; partial results are ``(stage, fraction)``."""
    return race(config, list(names), steps, tuned=tuned, points=points,
                progress=lambda stage, f: progress((stage, f)), cancelled=cancelled)


# --- the process --------------------------------------------------------------------------------
class _Stop(Exception):
    """``("stop",)`` arrived, or the app has gone."""


class _Server:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.jobs: deque[tuple[int, Job]] = deque()
        self.cancelled: set[int] = set()
        self.unacknowledged: int | None = None  # the job whose last partial is not drawn yet
        self.stopping = False

    def read(self, block: bool) -> None:
        """Take every message waiting in the pipe (wait for one if ``block``)."""
        while block or self.conn.poll(0):
            block = False
            name, *args = self.conn.recv()
            if name == "stop":
                self.stopping = True
            elif name == "job":
                self.jobs.append((args[0], args[1]))
            elif name == "cancel":
                self.cancelled.add(args[0])
            elif name == "ack" and self.unacknowledged == args[0]:
                self.unacknowledged = None

    def run(self, job_id: int, job: Job) -> None:
        def cancelled() -> bool:
            self.read(block=False)
            return self.stopping or job_id in self.cancelled or bool(self.jobs)

        def progress(partial: Any) -> None:
            self.read(block=False)
            if self.unacknowledged is None:
                self.unacknowledged = job_id
                self.conn.send(("partial", job_id, partial))

        self.unacknowledged = None
        try:
            result = job(progress, cancelled)
        except ValueError as exc:
            self.conn.send(("failed", job_id, str(exc)))
        except Exception as exc:  # a bug: report it, and keep serving
            traceback.print_exc()
            self.conn.send(("failed", job_id, f"The map failed: {type(exc).__name__}: {exc}"))
        else:
            self.conn.send(("finished", job_id, result))
        self.cancelled.discard(job_id)

    def serve(self) -> None:
        while not self.stopping:
            if not self.jobs:
                self.read(block=True)
                continue
            self.run(*self.jobs.popleft())


def serve(conn: Connection) -> None:
    """The maps process's main loop; returns on ``("stop",)`` or when the app's end of
    ``conn`` is closed."""
    try:
        _Server(conn).serve()
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        return  # the app has gone
    finally:
        conn.close()
