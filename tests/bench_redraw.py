"""Benchmark what one redraw of the views costs (a script): ``python tests/bench_redraw.py``.

:mod:`bench_app` measures the whole app at full speed, where the GUI shares the machine with
the compute process and the numbers move with the machine's load. This script isolates the
views' own work. For each of :mod:`bench_app`'s scenarios it

1. plays a real window (1280×800) at full speed until the record holds ``--rows`` rows, and
   pauses it;
2. replays the record into the window's views as if it were arriving: the live history grows
   by ``--rows-per-redraw`` rows per redraw, and each view's ``update_history`` and the
   painting that follows (Qt repaints what changed) are timed (the GUI thread's CPU time);
3. reports per view the median update and paint time, their sum over the map and the loss
   plot, and the redraw rate that sum leaves at the display pacer's duty cycle
   (:attr:`~gdsim.app.engine.pacer.DisplayPacer.duty`) — a ceiling on bench_app's
   redraws/s on this machine, whatever the engine does.

Options: ``--rows N`` (default 30,000), ``--rows-per-redraw K`` (default 200),
``--scenario NAME`` (repeatable).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_app import MIN_REDRAWS, SCENARIOS, full_speed_window, wait  # noqa: E402
from PySide6.QtCore import QEventLoop, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def record(app: QApplication, name: str, rows: int):  # noqa: ANN201 - (window, history)
    """A window of scenario ``name`` that has played ``rows`` rows at full speed, paused."""
    window = full_speed_window(app, SCENARIOS[name])
    window.action_run.trigger()
    while window.model.history.length < rows:
        wait(app, 0.2)
    window.action_run.trigger()
    while window.model.history.playing:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    return window, window.model.history


def replay(app: QApplication, window, history, step: int) -> dict[str, tuple[float, float]]:  # noqa: ANN001
    """Median (update, paint) milliseconds per view over a replay of ``history``."""
    views = {"map": window.surface_view, "loss": window.loss_plot}
    live = history.prefix(1)
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in views}
    for rows in range(min(1000, history.length), history.length + 1, step):
        live.rows.length, live.steps, live.playing = rows, rows - 1, True
        live.lanes = tuple(replace(lane, steps_done=rows - 1) for lane in history.lanes)
        for name, view in views.items():
            t0 = time.thread_time()
            view.update_history(live)
            t1 = time.thread_time()
            app.processEvents()  # Qt paints what changed, as the live app does
            t2 = time.thread_time()
            times[name][0].append(t1 - t0)
            times[name][1].append(t2 - t1)
    return {name: (1e3 * statistics.median(u), 1e3 * statistics.median(p))
            for name, (u, p) in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--rows-per-redraw", type=int, default=200)
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    args = parser.parse_args(argv)
    qInstallMessageHandler(lambda *a: None)
    app = QApplication.instance() or QApplication([])
    from gdsim.app.engine.pacer import DisplayPacer

    duty = DisplayPacer(lambda: []).duty
    print(f"{'scenario':<24}{'map update':>11}{'map paint':>10}{'loss update':>12}"
          f"{'loss paint':>11}{'sum ms':>8}{'ceiling /s':>11}")
    for name in args.scenario or list(SCENARIOS):
        window, history = record(app, name, args.rows)
        result = replay(app, window, history, args.rows_per_redraw)
        window.close()
        total = sum(u + p for u, p in result.values())
        (mu, mp), (lu, lp) = result["map"], result["loss"]
        print(f"{name:<24}{mu:>11.2f}{mp:>10.2f}{lu:>12.2f}{lp:>11.2f}{total:>8.1f}"
              f"{1e3 * duty / total:>11.1f}")
    print(f"ms: median per redraw, the GUI thread's CPU time; ceiling: redraws/s those two "
          f"views allow at the pacer's duty {duty:g} (bench_app's target: ≥ {MIN_REDRAWS:g}; "
          "the inspector, the status bar and the frames come on top)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
