"""Mini-batch sampling: shuffled epochs, drawn without replacement, seeded and replayable.

Like a shuffling data loader with ``drop_last=False``: each epoch is a fresh permutation of the
N examples cut into batches of ``batch_size``; the last batch of an epoch may be smaller. The
permutation of epoch e depends only on (seed, e), so batch k can be recomputed at any time —
the run records a step's batch by its index, and :meth:`BatchSampler.batch` returns its
examples.
"""

from __future__ import annotations

import math

import numpy as np


class BatchSampler:
    """Batches of example indices for steps k = 0, 1, 2, ….

    Args:
        n_examples: N, the number of examples.
        batch_size: examples per batch; ``None`` or ≥ N means the full batch (every step uses
            all examples, in order: batch gradient descent).
        seed: seeds the shuffles.
    """

    def __init__(self, n_examples: int, batch_size: int | None, seed: int) -> None:
        if n_examples < 1:
            raise ValueError(f"Invalid n_examples: {n_examples} (must be at least 1)")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"Invalid batch_size: {batch_size} (must be at least 1)")
        self.n_examples = n_examples
        self.batch_size = n_examples if batch_size is None else min(batch_size, n_examples)
        self.seed = seed
        self.batches_per_epoch = math.ceil(n_examples / self.batch_size)
        self._cached_epoch = -1
        self._cached_perm = np.arange(n_examples)

    @property
    def full(self) -> bool:
        """Whether every batch is the whole data set (batch gradient descent)."""
        return self.batch_size >= self.n_examples

    def epoch_of(self, step: int) -> int:
        return step // self.batches_per_epoch

    def permutation(self, epoch: int) -> np.ndarray:
        """The order in which epoch ``epoch`` visits the examples, shape ``(N,)``."""
        if self.full:
            return np.arange(self.n_examples)
        if epoch != self._cached_epoch:
            rng = np.random.default_rng(np.random.SeedSequence([self.seed, 0xBA7C4, epoch]))
            self._cached_perm = rng.permutation(self.n_examples)
            self._cached_epoch = epoch
        return self._cached_perm

    def bounds(self, step: int) -> tuple[int, int, int]:
        """``(epoch, start, stop)``: update ``step`` uses ``permutation(epoch)[start:stop]``."""
        epoch, j = divmod(step, self.batches_per_epoch)
        start = j * self.batch_size
        return epoch, start, min(start + self.batch_size, self.n_examples)

    def batch(self, step: int) -> np.ndarray:
        """Indices of the examples used by update ``step`` (0-based), shape ``(B,)``."""
        epoch, start, stop = self.bounds(step)
        return self.permutation(epoch)[start:stop]
