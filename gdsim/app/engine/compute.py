"""The compute process: owns the :class:`~gdsim.core.run.Run` and steps it (Qt-free).

The app's :class:`~gdsim.app.engine.worker.SimulationWorker` (a ``QObject`` in a ``QThread``) starts
one compute process per window and talks to it through a :func:`multiprocessing.Pipe`. The
stepping runs in its own interpreter, so it never competes with the GUI for a lock: the GUI
thread paints while the engine steps on the other core.

Protocol (pickled tuples; the first item names the message):

* to the process: ``("set_configs", configs)``, ``("restore", plan, steps)``, ``("play",)``,
  ``("pause",)``, ``("step",)``, ``("reset",)``, ``("set_speed", steps_per_second)``,
  ``("set_step_limit", n)``, ``("ack",)`` (the GUI has taken the last frame), ``("get_run",)``
  (send a copy of the run), ``("stop",)``;
* from the process: ``("surface", generation, surface)``, ``("frame", frame)``,
  ``("message", text)``, ``("run", run)``.

Frames are coalesced: at most one every :data:`FRAME_INTERVAL` while playing, and never a new
one before the GUI has acknowledged the previous one (back-pressure: a slow GUI gets fewer,
larger frames, never a growing queue). A step, a reset, a pause or a change of configuration
sends a frame at once.

The process ends on ``("stop",)`` and when the pipe closes (the app went away): it looks at
the pipe between two chunks of computing (each about :data:`CHUNK_TIME`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

from gdsim.app.model.frame import make_frame
from gdsim.app.model.timeline import (
    Plan,
    RecordedRun,
    needs_restart,
    replay,
    surface_key,
    truncate,
)
from gdsim.core.config import RunConfig
from gdsim.core.run import Run

FRAME_INTERVAL = 1.0 / 60.0
"""Smallest time between two frames sent while playing (seconds)."""

CHUNK_TIME = 0.004
"""Target duration of one ``Run.advance`` call (seconds); commands are read between chunks."""

MAX_CHUNK = 100_000
"""Most steps in one ``Run.advance`` call."""

KEPT_RUNS = 2
"""Runs replaced by an edit that the engine keeps, with their records, for an undo or redo to
take back without a replay (a long run's record can be hundreds of megabytes: a few only)."""


class Engine:
    """The run and its playing state; every public method is one command of the protocol.

    ``send(message)`` delivers a message tuple to the app. :meth:`work` does one chunk of
    computing; :meth:`wait_time` says how long the loop may wait for a command before the
    next chunk is due.
    """

    def __init__(self, configs: Sequence[RunConfig],
                 send: Callable[[tuple[Any, ...]], None]) -> None:
        self.run: Run = RecordedRun(list(configs))  # frames carry its plan (undo, timeline)
        self._send = send
        self.generation = 0
        self._sent_rows = 0  # trajectory rows already sent in this generation
        self.playing = False
        self._speed = 0.0  # steps per second; 0 = as fast as possible
        self._owed = 0.0  # steps owed at a finite speed
        self._last_tick = 0.0
        self._chunk = 16  # steps per advance() call, adapted to take ~CHUNK_TIME
        self._last_emit = -1.0
        self._awaiting_ack = False
        self._rate_samples: deque[tuple[float, int]] = deque()
        self._replaced: deque[RecordedRun] = deque(maxlen=KEPT_RUNS)  # newest first

    # --- commands ---------------------------------------------------------------------------
    def start(self) -> None:
        """Announce the surface and send the first frame."""
        self._send(("surface", self.generation, self.run.surface))
        self._emit_frame(force=True)

    def set_configs(self, configs: Sequence[RunConfig]) -> None:
        """A live change from the next step when the run allows it, otherwise a new run from
        the start (keeps playing); an invalid configuration is reported, the run kept."""
        configs = list(configs)
        try:
            if needs_restart(self.run.configs, configs):
                self._replace_run(RecordedRun(configs))
            else:
                self.run.update_configs(configs)
        except (ValueError, TypeError) as exc:
            self._send(("message", f"Cannot apply the configuration: {exc}"))
            return
        if self.playing and not self.run.running:
            self._set_playing(False)
        self._emit_frame(force=True)

    def restore(self, plan: Plan, steps: int) -> None:
        """Pause, and rebuild the run from ``plan`` at step ``steps`` (undo, redo, or an edit at
        a rewound timeline cursor; see :mod:`gdsim.app.model.timeline`): a run this engine
        replaced a moment ago that is exactly that state is taken back as it is (an undo of a
        map click after a long run is instant), any other state is replayed exactly."""
        self._set_playing(False)
        kept = self._kept_run(plan, steps)
        if kept is not None:
            self._replace_run(kept)
            self._emit_frame(force=True)
            return
        try:
            run = replay(plan, steps)
        except (ValueError, TypeError) as exc:
            self._send(("message", f"Cannot restore the runs: {exc}"))
            return
        self._replace_run(run)
        self._emit_frame(force=True)

    def _kept_run(self, plan: Plan, steps: int) -> RecordedRun | None:
        """A replaced run that is the state ``plan`` reaches at ``steps``, taken off the list."""
        wanted = truncate(plan, steps)
        for run in self._replaced:
            if run.steps == steps and truncate(run.plan, steps) == wanted:
                self._replaced.remove(run)
                return run
        return None

    def _replace_run(self, run: Run) -> None:
        """A new run, a new generation; announce its surface if it changed. The run replaced
        is kept for a while (:data:`KEPT_RUNS`): undo may ask for it back."""
        old = self.run.config
        if isinstance(self.run, RecordedRun):
            self._replaced.appendleft(self.run)
        self.run = run
        self._new_generation()
        if surface_key(old) != surface_key(run.config):
            self._send(("surface", self.generation, run.surface))

    def play(self) -> None:
        if self.run.running:
            self._set_playing(True)
        self._emit_frame(force=True)

    def pause(self) -> None:
        self._set_playing(False)
        self._emit_frame(force=True)

    def step(self) -> None:
        """Pause, then make exactly one update."""
        self._set_playing(False)
        self.run.advance(1)
        self._emit_frame(force=True)

    def reset(self) -> None:
        """Pause and go back to the start: same configs, same seed, identical replay."""
        self._set_playing(False)
        self.run.reset()
        self._new_generation()
        self._emit_frame(force=True)

    def set_speed(self, steps_per_second: float) -> None:
        """Steps per second; 0 (or less) = as fast as possible."""
        self._speed = max(0.0, float(steps_per_second))
        self._owed = 0.0
        self._last_tick = time.perf_counter()

    def set_step_limit(self, max_steps: int) -> None:
        """Every run's step limit (a live change; a run stopped by the limit resumes)."""
        if max_steps < 0:
            self._send(("message", f"Invalid step limit: {max_steps} (must be ≥ 0)"))
            return
        self.set_configs([c.with_changes(max_steps=int(max_steps)) for c in self.run.configs])

    def ack(self) -> None:
        """The GUI has taken the last frame; the next one may be sent."""
        self._awaiting_ack = False

    def get_run(self) -> None:
        self._send(("run", self.run))

    # --- computing --------------------------------------------------------------------------
    def wait_time(self) -> float | None:
        """Seconds until :meth:`work` has something to do; ``None``: only after a command."""
        if not self.playing:
            return None
        if self._speed <= 0:
            return 0.0
        due = (1.0 - self._owed) / self._speed  # until one whole step is owed
        return min(max(due, 0.0), 0.05)

    def work(self) -> None:
        """One chunk of free running (about :data:`CHUNK_TIME`, or the steps owed)."""
        if not self.playing:
            return
        run = self.run
        now = time.perf_counter()
        if self._speed > 0:
            self._owed = min(self._owed + (now - self._last_tick) * self._speed,
                             max(1.0, 0.25 * self._speed))
        self._last_tick = now
        n = self._chunk if self._speed <= 0 else min(self._chunk, int(self._owed))
        if n > 0:
            t0 = time.perf_counter()
            done = run.advance(n)
            elapsed = time.perf_counter() - t0
            if self._speed > 0:
                self._owed -= done
            if done == n and elapsed > 0:  # adapt the chunk to ~CHUNK_TIME per call
                self._chunk = int(min(max(1, n * CHUNK_TIME / elapsed), 2 * n, MAX_CHUNK))
        if not run.running:
            self._set_playing(False)
            self._emit_frame(force=True)
        else:
            self._emit_frame()

    def _set_playing(self, playing: bool) -> None:
        if playing == self.playing:
            return
        self.playing = playing
        if playing:
            self._owed = 1.0 if self._speed > 0 else 0.0  # the first step comes at once
            self._last_tick = time.perf_counter()
            self._rate_samples.clear()
            self._rate_samples.append((self._last_tick, self.run.steps))

    def _new_generation(self) -> None:
        self.generation += 1
        self._sent_rows = 0
        self._owed = 0.0
        self._rate_samples.clear()
        self._rate_samples.append((time.perf_counter(), self.run.steps))

    def _steps_per_second(self, now: float) -> float:
        if not self.playing:
            return 0.0
        samples = self._rate_samples
        samples.append((now, self.run.steps))
        while len(samples) > 2 and now - samples[1][0] >= 1.0:
            samples.popleft()
        t0, s0 = samples[0]
        return (self.run.steps - s0) / (now - t0) if now > t0 else 0.0

    def _emit_frame(self, force: bool = False) -> None:
        """Send the rows since the last frame: always if ``force``, else at display rate."""
        traj = self.run.trajectory
        assert traj is not None
        now = time.perf_counter()
        if not force and (self._awaiting_ack or traj.length <= self._sent_rows
                          or now - self._last_emit < FRAME_INTERVAL):
            return
        frame = make_frame(self.run, self.generation, self._sent_rows - 1,
                           playing=self.playing, steps_per_second=self._steps_per_second(now))
        self._sent_rows = traj.length
        self._last_emit = now
        self._awaiting_ack = True
        self._send(("frame", frame))


COMMANDS = frozenset({"set_configs", "restore", "play", "pause", "step", "reset", "set_speed",
                      "set_step_limit", "ack", "get_run"})


def serve(conn: Connection, configs: Sequence[RunConfig]) -> None:
    """The compute process's main loop: read commands, step, send frames; returns on
    ``("stop",)`` or when the app's end of ``conn`` is closed."""
    try:
        engine = Engine(configs, conn.send)
        engine.start()
        while True:
            if conn.poll(engine.wait_time()):
                while True:
                    name, *args = conn.recv()
                    if name == "stop":
                        return
                    if name in COMMANDS:
                        getattr(engine, name)(*args)
                    if not conn.poll(0):
                        break
            engine.work()
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        return  # the app has gone
    finally:
        conn.close()
