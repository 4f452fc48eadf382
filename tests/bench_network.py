"""Benchmark of the network surface (a script, not a test): ``python tests/bench_network.py``.

Reports, measured in this one run on this one machine (best of a few repeats; the two slice
timings interleaved, the same number of times each):

1. steps per second of a 2-8-8-1 tanh network on ``circles`` (N = 200), batch 10, Adam
   (η = 0.01), in gdsim's run loop — which also records the full-batch loss and gradient after
   every step — and in a plain PyTorch loop (``nn.Sequential`` + ``torch.optim.Adam``, float64,
   CPU, the same data, batches and initial weights) when torch is installed; target ≥ 2×;
2. a 51 × 51 slice of the full-batch loss on N = 500 points, as one vectorized batch
   (:func:`gdsim.core.landscape.loss_slice`) and as 2,601 separate loss evaluations in a plain
   numpy loop (``surface.loss`` at each point); target ≥ 5×. The batched slice is the app's
   own path: float32, checked against float64 and redone in float64 where float32 could show
   (see ``loss_slice``); the loop is float64.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from gdsim.core import Run, RunConfig
from gdsim.core.landscape import filter_normalized_directions, loss_slice, network_filters
from gdsim.core.surfaces import make_surface

PARAMS = {"dataset": "circles", "hidden": "8,8", "activation": "tanh", "n_examples": 200}
LR, BATCH = 0.01, 10


def best_time(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        work()
        times.append(time.perf_counter() - t0)
    return min(times)


def gdsim_steps(steps: int) -> None:
    config = RunConfig(surface="network", surface_params=PARAMS, optimizer="adam", lr=LR,
                       batch_size=BATCH, max_steps=steps, grad_tol=0.0, loss_tol=0.0)
    Run([config]).advance(steps)


def torch_steps(steps: int) -> None:
    import torch

    surface = make_surface("network", PARAMS)
    run = Run([RunConfig(surface="network", surface_params=PARAMS, batch_size=BATCH)])
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    theta = np.asarray(surface.default_start)
    with torch.no_grad():
        for module, layer in zip(model[::2], surface.layers, strict=True):
            w = theta[layer.w].reshape(layer.fan_in, layer.fan_out)
            module.weight.copy_(torch.tensor(w.T))
            module.bias.copy_(torch.tensor(theta[layer.b]))
    x, y = torch.tensor(surface.x), torch.tensor(surface.y)
    batches = [torch.tensor(run.batch_indices(t)) for t in range(20)]  # one epoch, reused
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    for t in range(steps):
        idx = batches[t % len(batches)]
        opt.zero_grad()
        loss = loss_fn(model(x[idx])[:, 0], y[idx])
        loss.backward()
        opt.step()


def slice_vectorized(surface: object, plane: object) -> None:
    loss_slice(surface, plane, 1.0, resolution=51)  # type: ignore[arg-type]


def slice_loop(surface: object, plane: object) -> None:
    coords = np.linspace(-1.0, 1.0, 51)
    out = np.empty((51, 51))
    for i, b in enumerate(coords):
        for j, a in enumerate(coords):
            out[i, j] = surface.loss(plane.points(np.array(a), np.array(b))[None])[0]  # type: ignore


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--slice-repeats", type=int, default=5,
                        help="rounds of the slice measurement (batched, then loop, in turn)")
    args = parser.parse_args()

    ours = best_time(lambda: gdsim_steps(args.steps), args.repeats)
    print(f"2-8-8-1 tanh, batch {BATCH}, Adam:   {args.steps / ours:10,.0f} steps/s (gdsim Run)")
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch is not installed: no PyTorch baseline")
    else:
        theirs = best_time(lambda: torch_steps(args.steps), args.repeats)
        print(f"                                 {args.steps / theirs:10,.0f} steps/s "
              "(PyTorch nn.Sequential + torch.optim.Adam, float64)")
        print(f"  ratio gdsim / PyTorch:         {theirs / ours:10.1f}x  (target ≥ 2x)")

    surface = make_surface("network", {**PARAMS, "n_examples": 500})
    filters, biases = network_filters(surface)
    plane = filter_normalized_directions(np.asarray(surface.default_start), filters, biases,
                                         np.random.default_rng(0))
    # Interleaved, the same number of times each, so both see the same load on a shared
    # machine (a 15 ms measurement is easily hit by another process's burst).
    vec = loop = float("inf")
    for _ in range(args.slice_repeats):
        vec = min(vec, best_time(lambda: slice_vectorized(surface, plane), 1))
        loop = min(loop, best_time(lambda: slice_loop(surface, plane), 1))
    print(f"51x51 slice, N = 500, batched:   {vec * 1e3:10.1f} ms")
    print(f"              2,601 evaluations: {loop * 1e3:10.1f} ms (plain numpy loop)")
    print(f"  ratio loop / batched:          {loop / vec:10.1f}x  (target ≥ 5x)")


if __name__ == "__main__":
    main()
