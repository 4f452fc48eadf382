"""Benchmark of the custom surface (a script, not a test): ``python tests/bench_custom.py``.

The same formula, Rosenbrock's (1 − x)² + 100(y − x²)², as the built-in ``rosenbrock`` surface
(hand-written numpy) and as ``custom`` (SymPy derivatives compiled by ``lambdify``), through the
same engine. Reports, measured in this one run, with the ratio custom / built-in:

1. steps per second of one run (Adam, full history), and of one run with mini-batches of 10;
2. run-steps per second of a vectorized sweep of 10,000 runs;
3. grid evaluations per second (a 200 × 200 contour grid: loss and gradient);
4. the one-off cost of building the custom surface (SymPy import, differentiation,
   compilation and the numerical search for minima), cold and cached.

Every figure is the best of a few repeats, the two surfaces timed in turns.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from gdsim.core import Run, RunConfig
from gdsim.core.surfaces import make_surface

FORMULA = "(1 - x)^2 + 100*(y - x^2)^2"
START = (-1.5, 2.0)


def best_rates(works: tuple[Callable[[], int], ...], repeats: int) -> list[float]:
    """The best rate of each of ``works``, timed in turns (a busy machine slows all alike)."""
    rates: list[list[float]] = [[] for _ in works]
    for _ in range(repeats):
        for work, out in zip(works, rates, strict=True):
            t0 = time.perf_counter()
            units = work()
            out.append(units / (time.perf_counter() - t0))
    return [max(r) for r in rates]


def config(surface: str, **changes) -> RunConfig:
    params = {"expression": FORMULA} if surface == "custom" else {}
    return RunConfig(surface=surface, surface_params=params, optimizer="adam", lr=0.01,
                     start=START, grad_tol=0.0, **changes)


def single(surface: str, steps: int, batch: int | None = None) -> int:
    run = Run(config(surface, max_steps=steps, batch_size=batch))
    return run.advance(steps)


def sweep(surface: str, runs: int, steps: int) -> int:
    starts = np.random.default_rng(0).uniform(-2, 2, (runs, 2))
    lanes = Run.sweep(config(surface, max_steps=steps), starts=starts)
    return lanes.advance(steps) * runs


def grid(surface: str, n: int, times: int) -> int:
    s = make_surface(surface, {"expression": FORMULA} if surface == "custom" else {})
    axis = np.linspace(-2, 2, n)
    points = np.stack(np.meshgrid(axis, axis), axis=-1)
    for _ in range(times):
        s.loss_and_grad(points)
    return times


def cold_build_seconds() -> float:
    code = ("import time; t = time.perf_counter(); "
            "from gdsim.core.surfaces import make_surface; "
            f"s = make_surface('custom', {{'expression': {FORMULA!r}}}); s.critical_points(); "
            "print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    return float(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer steps and repeats")
    args = parser.parse_args()
    steps, runs, repeats = (2000, 2000, 2) if args.quick else (20_000, 10_000, 5)
    make_surface("custom", {"expression": FORMULA})  # compiled once, outside the timings
    rows = [
        ("one run, full batch (steps/s)", lambda s: single(s, steps)),
        ("one run, batches of 10 (steps/s)", lambda s: single(s, steps // 2, 10)),
        (f"sweep of {runs} runs (run-steps/s)", lambda s: sweep(s, runs, 100)),
        ("200x200 grid (evaluations/s)", lambda s: grid(s, 200, 20)),
    ]
    print(f"formula: {FORMULA}")
    print(f"{'measure':<36} {'built-in':>12} {'custom':>12} {'custom/built-in':>16}")
    for label, work in rows:
        built_in, custom = best_rates((lambda w=work: w("rosenbrock"),
                                       lambda w=work: w("custom")), repeats)
        print(f"{label:<36} {built_in:>12.4g} {custom:>12.4g} {custom / built_in:>16.2f}")
    make_surface("custom", {"expression": FORMULA}).critical_points()
    t0 = time.perf_counter()
    make_surface("custom", {"expression": FORMULA}).critical_points()
    cached = time.perf_counter() - t0
    print(f"building the custom surface: cold {cold_build_seconds():.2f} s (new interpreter, "
          f"SymPy import included), cached {1000 * cached:.2f} ms")


if __name__ == "__main__":
    main()
