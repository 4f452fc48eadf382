"""Optimizers following ``torch.optim``: a registry of pure, batched update rules."""

from __future__ import annotations

from gdsim.core.optimizers.base import Hyper, Optimizer, state_arrays
from gdsim.core.optimizers.sgd import GD, MOMENTUM_SGD, NESTEROV

OPTIMIZERS: dict[str, Optimizer] = {
    opt.name: opt
    for opt in (GD, MOMENTUM_SGD, NESTEROV)
}


def get_optimizer(name: str) -> Optimizer:
    """The optimizer called ``name``; raises ``KeyError`` with the known names."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise KeyError(
            f"Unknown optimizer {name!r} (known: {', '.join(OPTIMIZERS)})"
        ) from None


__all__ = ["OPTIMIZERS", "Hyper", "Optimizer", "get_optimizer", "state_arrays"]
