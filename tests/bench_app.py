"""Benchmark the app at full speed (a script, not a test): ``python tests/bench_app.py``.

For each scenario it measures

* the headless engine's rate: ``Run.advance`` alone, in this process, for about 2 s;
* the app's rate: a real :class:`~gdsim.app.MainWindow` (1280×800) playing as fast as possible
  for about 5 s, the steps counted by the worker;
* redraws per second of the window's views;
* the GUI event loop's longest stall: the largest lateness of a repeating 5 ms ``QTimer`` in
  the GUI thread (how long a click or a key press could wait).

Options: ``--seconds S`` (app run length, default 5), ``--scenario NAME`` (repeatable).

The targets (issue 9), reported as one PASS/FAIL line each with every scenario's number:
≥ :data:`MIN_REDRAWS` redraws/s at maximum speed, longest event-loop stall ≤
:data:`MAX_STALL_MS`, app ≥ :data:`MIN_RATIO` × headless steps/s. Exit status 1 if one fails.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QElapsedTimer, QEventLoop, Qt, QTimer, qInstallMessageHandler  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from gdsim.core.config import RunConfig  # noqa: E402
from gdsim.core.run import Run  # noqa: E402

MIN_REDRAWS = 30.0
"""Redraws of the views per second at maximum speed, at least."""
MAX_STALL_MS = 30.0
"""Longest lateness of the GUI's 5 ms probe timer, at most (milliseconds)."""
MIN_RATIO = 0.7
"""The app's steps/s over the headless engine's, measured in the same run, at least."""

ENDLESS = {"max_steps": 2**31 - 1, "grad_tol": 0.0}
SCENARIOS: dict[str, list[RunConfig]] = {
    "rosenbrock-gd": [RunConfig(surface="rosenbrock", optimizer="gd", **ENDLESS)],
    "ellipse-3-optimizers": [RunConfig(surface="ellipse", optimizer=opt, batch_size=10,
                                       **ENDLESS) for opt in ("adam", "rmsprop", "adagrad")],
    "linreg-minibatch-adam": [RunConfig(surface="linear-regression", optimizer="adam",
                                        batch_size=10, **ENDLESS)],
}


@dataclass
class Result:
    scenario: str
    headless_rate: float
    app_rate: float
    redraws_per_second: float
    frames_per_second: float
    max_stall_ms: float
    p99_stall_ms: float
    gui_ms_per_redraw: float = float("nan")  # GUI thread CPU time per redraw (all its work)

    @property
    def ratio(self) -> float:
        return self.app_rate / self.headless_rate

    def checks(self) -> dict[str, bool]:
        return {"redraws": self.redraws_per_second >= MIN_REDRAWS,
                "stall": self.max_stall_ms <= MAX_STALL_MS,
                "ratio": self.ratio >= MIN_RATIO}

    @property
    def ok(self) -> bool:
        return all(self.checks().values())


def headless_rate(configs: list[RunConfig], seconds: float = 2.0) -> float:
    run = Run(configs)
    run.advance(200)  # warm up
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        steps += run.advance(2000)
    return steps / (time.perf_counter() - start)


def wait(app: QApplication, seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def full_speed_window(app: QApplication, configs: list[RunConfig]):  # noqa: ANN201
    """A shown 1280×800 :class:`~gdsim.app.MainWindow` of ``configs``, its engine started and
    its speed at maximum (not yet playing)."""
    from gdsim.app import MainWindow

    window = MainWindow(configs)
    window.resize(1280, 800)
    window.show()
    while window.history is None:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    window.speed_control.set_speed(0)
    return window


def app_rate(app: QApplication, name: str, configs: list[RunConfig],
             seconds: float) -> Result:
    window = full_speed_window(app, configs)
    frames = [0]
    window.controller.sigFrame.connect(lambda _f: frames.__setitem__(0, frames[0] + 1))

    # The GUI thread's responsiveness: a 5 ms timer, and how late each tick comes.
    clock = QElapsedTimer()
    gaps: list[float] = []
    last = [0.0]
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.setInterval(5)

    def tick() -> None:
        now = clock.nsecsElapsed() / 1e6
        gaps.append(now - last[0])
        last[0] = now

    probe.timeout.connect(tick)
    wait(app, 0.3)  # let the window settle
    steps0, redraws0, frames0 = window.history.steps, window.redraw_count, frames[0]
    clock.start()
    probe.start()
    start, cpu0 = time.perf_counter(), time.thread_time()
    window.action_run.trigger()
    wait(app, seconds)
    window.action_run.trigger()  # pause
    elapsed = time.perf_counter() - start
    gui_cpu = time.thread_time() - cpu0
    probe.stop()
    while window.history is None or window.history.playing:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    steps = window.history.steps - steps0
    redraws = window.redraw_count - redraws0
    lateness = sorted(max(0.0, g - 5.0) for g in gaps[1:])
    window.close()
    return Result(
        scenario=name,
        headless_rate=0.0,
        app_rate=steps / elapsed,
        redraws_per_second=redraws / elapsed,
        frames_per_second=(frames[0] - frames0) / elapsed,
        max_stall_ms=lateness[-1] if lateness else float("nan"),
        p99_stall_ms=lateness[int(0.99 * (len(lateness) - 1))] if lateness else float("nan"),
        gui_ms_per_redraw=1000.0 * gui_cpu / redraws if redraws else float("nan"),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--scenario", action="append", choices=list(SCENARIOS))
    args = parser.parse_args(argv)
    # The offscreen platform's harmless "propagateSizeHints" warning would clutter the table.
    qInstallMessageHandler(lambda *a: None)
    app = QApplication.instance() or QApplication([])
    results = []
    for name in args.scenario or list(SCENARIOS):
        configs = SCENARIOS[name]
        result = app_rate(app, name, configs, args.seconds)
        result.headless_rate = headless_rate(configs)
        results.append(result)
    print(f"{'scenario':<24}{'headless/s':>12}{'app/s':>10}{'ratio':>7}{'redraws/s':>11}"
          f"{'frames/s':>10}{'max stall':>11}{'p99 stall':>11}{'GUI ms/redraw':>15}")
    for r in results:
        print(f"{r.scenario:<24}{r.headless_rate:>12,.0f}{r.app_rate:>10,.0f}"
              f"{r.ratio:>7.2f}{r.redraws_per_second:>11.1f}"
              f"{r.frames_per_second:>10.1f}{r.max_stall_ms:>9.1f}ms{r.p99_stall_ms:>9.1f}ms"
              f"{r.gui_ms_per_redraw:>15.1f}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"platform: {app.platformName()}; app run {args.seconds:g} s per scenario; "
          f"{os.cpu_count()} cores, load average {load:.1f} (GUI ms/redraw: the GUI thread's "
          "CPU time per redraw, frames and input included)")
    targets = (
        ("redraws", f"redraws/s at maximum speed ≥ {MIN_REDRAWS:g}",
         lambda r: f"{r.redraws_per_second:.1f}"),
        ("stall", f"longest event-loop stall ≤ {MAX_STALL_MS:g} ms",
         lambda r: f"{r.max_stall_ms:.1f} ms"),
        ("ratio", f"app ≥ {MIN_RATIO:g} × headless steps/s", lambda r: f"{r.ratio:.2f}"),
    )
    for key, text, value in targets:
        passed = all(r.checks()[key] for r in results)
        numbers = ", ".join(f"{r.scenario} {value(r)}" for r in results)
        print(f"{'PASS' if passed else 'FAIL'}  {text}: {numbers}")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
