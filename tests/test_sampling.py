"""Mini-batches: epochs without replacement, unbiased gradients, full batch = batch GD."""

from __future__ import annotations

import numpy as np
import pytest

from gdsim.core import Run, RunConfig
from gdsim.core.sampling import BatchSampler
from gdsim.core.surfaces import make_surface


@pytest.mark.parametrize("n, batch", [(10, 3), (100, 7), (12, 12), (5, 1), (9, 20)])
def test_each_epoch_visits_every_example_once(n: int, batch: int) -> None:
    sampler = BatchSampler(n, batch, seed=3)
    per_epoch = -(-n // min(batch, n))
    for epoch in range(4):
        seen = np.concatenate([sampler.batch(epoch * per_epoch + j) for j in range(per_epoch)])
        assert sorted(seen.tolist()) == list(range(n))
    sizes = [len(sampler.batch(j)) for j in range(per_epoch)]
    assert sizes[:-1] == [min(batch, n)] * (per_epoch - 1)
    assert sizes[-1] == n - min(batch, n) * (per_epoch - 1)  # the last partial batch is kept


def test_epochs_are_reshuffled_and_seeded() -> None:
    a, b = BatchSampler(50, 10, seed=1), BatchSampler(50, 10, seed=1)
    assert np.array_equal(a.permutation(0), b.permutation(0))
    assert not np.array_equal(a.permutation(0), a.permutation(1))
    assert not np.array_equal(a.permutation(0), BatchSampler(50, 10, seed=2).permutation(0))
    # random access: batch 7 is the same whether or not earlier batches were drawn
    assert np.array_equal(BatchSampler(50, 10, 1).batch(7), a.batch(7))


@pytest.mark.parametrize("surface", ["rosenbrock", "linear-regression", "logistic-regression"])
def test_minibatch_gradient_is_unbiased(surface: str) -> None:
    s = make_surface(surface, seed=4)
    theta = np.array([[0.3, -0.7]])
    full = s.grad(theta)[0]
    # Mean over every batch of many epochs, weighted by batch size, equals the full gradient;
    # and the plain mean over random draws converges to it.
    sampler = BatchSampler(s.n_examples, 8, seed=9)
    per_epoch = sampler.batches_per_epoch
    draws = [s.batch_loss_and_grad(theta, sampler.batch(k))[1][0]
             for k in range(per_epoch * 200) if len(sampler.batch(k)) == 8]
    mean = np.mean(draws, axis=0)
    spread = np.std(draws, axis=0) / np.sqrt(len(draws))
    assert np.all(np.abs(mean - full) <= 5 * spread + 1e-12)
    epoch = [s.batch_loss_and_grad(theta, sampler.batch(k))[1][0] * len(sampler.batch(k))
             for k in range(per_epoch)]
    np.testing.assert_allclose(np.sum(epoch, axis=0) / s.n_examples, full, rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize("surface", ["bowl", "linear-regression"])
def test_batch_size_n_is_exactly_full_batch_descent(surface: str) -> None:
    n = make_surface(surface).n_examples
    base = RunConfig(surface=surface, optimizer="gd", max_steps=30)
    full = Run(base)
    as_n = Run(base.with_changes(batch_size=n))
    bigger = Run(base.with_changes(batch_size=10 * n))
    for run in (full, as_n, bigger):
        run.advance(30)
    assert np.array_equal(full.trajectory.theta, as_n.trajectory.theta)
    assert np.array_equal(full.trajectory.theta, bigger.trajectory.theta)


def test_sgd_uses_one_example_and_the_recorded_batch() -> None:
    run = Run(RunConfig(surface="linear-regression", optimizer="gd", batch_size=1, lr=0.05,
                        max_steps=5))
    run.advance(5)
    s = run.surface
    for t in range(5):
        idx = run.batch_indices(t)
        assert idx.shape == (1,)
        theta_t = run.trajectory.theta[t]
        _, g = s.batch_loss_and_grad(theta_t, idx)
        np.testing.assert_array_equal(run.trajectory.used_grad[t], g)


def test_same_seed_same_run_different_seed_different_run() -> None:
    cfg = RunConfig(surface="linear-regression", optimizer="adam", batch_size=4, max_steps=50)
    a, b, c = Run(cfg), Run(cfg), Run(cfg.with_changes(seed=1))
    for run in (a, b, c):
        run.advance(50)
    assert np.array_equal(a.trajectory.theta, b.trajectory.theta)
    assert not np.array_equal(a.trajectory.theta, c.trajectory.theta)
