"""Benchmark of the headless engine (a script, not a test): ``python tests/bench_core.py``.

Reports, measured in this one run on this one machine:

1. steps per second of one run (Adam on Rosenbrock, full history recorded), and of a plain
   PyTorch loop (autograd + ``torch.optim.Adam``) doing the same, when torch is installed;
2. run-steps per second of a vectorized batch of 10,000 runs (``Run.sweep``), and of a
   hand-written numpy loop of the same Adam update on the same 10,000 × 2 array.

Every figure is the best of a few repeats; the ratios compare figures from the same run.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from gdsim.core import Run, RunConfig

START = (-1.5, 2.0)
LR = 0.01


def best_rate(work: Callable[[], int], repeats: int) -> float:
    """The best of ``repeats`` timings of ``work``, as units of work per second."""
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        units = work()
        rates.append(units / (time.perf_counter() - t0))
    return max(rates)


def gdsim_single(steps: int) -> int:
    run = Run(RunConfig(surface="rosenbrock", optimizer="adam", lr=LR, start=START,
                        max_steps=steps, grad_tol=0.0))
    return run.advance(steps)


def torch_single(steps: int) -> int:
    import torch

    theta = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([theta], lr=LR)
    for _ in range(steps):
        opt.zero_grad()
        x, y = theta[0], theta[1]
        loss = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        loss.backward()
        opt.step()
    return steps


def gdsim_sweep(runs: int, steps: int) -> int:
    starts = np.random.default_rng(0).uniform(-2, 2, (runs, 2))
    sweep = Run.sweep(RunConfig(surface="rosenbrock", optimizer="adam", lr=LR, max_steps=steps,
                                grad_tol=0.0), starts=starts)
    return sweep.advance(steps) * runs


def numpy_sweep(runs: int, steps: int) -> int:
    """The same Adam update on Rosenbrock, written out by hand with no framework around it."""
    theta = np.random.default_rng(0).uniform(-2, 2, (runs, 2))
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    b1, b2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        x, y = theta[:, 0], theta[:, 1]
        r = y - x * x
        loss = (1 - x) ** 2 + 100 * r * r  # evaluated as the engine does, for the record
        g = np.stack([-2 * (1 - x) - 400 * x * r, 200 * r], axis=1)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v) / np.sqrt(1 - b2**t) + eps
        theta = theta - (LR / (1 - b1**t)) * m / denom
        del loss
    return runs * steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20_000, help="steps of the single run")
    parser.add_argument("--runs", type=int, default=10_000, help="runs in the batch")
    parser.add_argument("--batch-steps", type=int, default=200, help="steps of the batch")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    single = best_rate(lambda: gdsim_single(args.steps), args.repeats)
    print(f"one run, Adam on rosenbrock:      {single:12,.0f} steps/s (gdsim Run.advance)")
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch is not installed: no PyTorch baseline")
    else:
        torch_steps = max(1000, args.steps // 10)
        base = best_rate(lambda: torch_single(torch_steps), args.repeats)
        print(f"                                  {base:12,.0f} steps/s (PyTorch autograd + "
              "torch.optim.Adam)")
        print(f"  ratio gdsim / PyTorch:          {single / base:12.1f}x  (target ≥ 10x)")

    batch = best_rate(lambda: gdsim_sweep(args.runs, args.batch_steps), args.repeats)
    hand = best_rate(lambda: numpy_sweep(args.runs, args.batch_steps), args.repeats)
    print(f"{args.runs:,} runs, vectorized:          {batch:12,.0f} run-steps/s (gdsim Run.sweep)")
    print(f"                                  {hand:12,.0f} run-steps/s (hand-written numpy)")
    print(f"  ratio hand-written / gdsim:     {hand / batch:12.2f}x  (target ≤ 2x)")


if __name__ == "__main__":
    main()
