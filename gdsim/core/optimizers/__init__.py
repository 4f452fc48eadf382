"""Optimizers following ``torch.optim``: a registry of pure, batched update rules."""

from __future__ import annotations

from gdsim.core.optimizers.adadelta import ADADELTA
from gdsim.core.optimizers.adafactor import ADAFACTOR
from gdsim.core.optimizers.adagrad import ADAGRAD
from gdsim.core.optimizers.adam import ADAM, AMSGRAD
from gdsim.core.optimizers.adamax import ADAMAX
from gdsim.core.optimizers.adamw import ADAMW
from gdsim.core.optimizers.asgd import ASGD
from gdsim.core.optimizers.base import (
    Hyper,
    Optimizer,
    apply_update,
    full_batch_step,
    state_arrays,
)
from gdsim.core.optimizers.lbfgs import LBFGS
from gdsim.core.optimizers.linesearch import GD_LINESEARCH
from gdsim.core.optimizers.nadam import NADAM
from gdsim.core.optimizers.newton import NEWTON
from gdsim.core.optimizers.oracle import Oracle
from gdsim.core.optimizers.radam import RADAM
from gdsim.core.optimizers.rmsprop import RMSPROP
from gdsim.core.optimizers.rprop import RPROP
from gdsim.core.optimizers.sgd import GD, MOMENTUM_SGD, NESTEROV

OPTIMIZERS: dict[str, Optimizer] = {
    opt.name: opt
    for opt in (
        GD, MOMENTUM_SGD, NESTEROV, ADAGRAD, RMSPROP, ADADELTA,
        ADAM, AMSGRAD, ADAMW, NADAM, RADAM, ADAMAX,
        RPROP, ASGD, ADAFACTOR, LBFGS, NEWTON, GD_LINESEARCH,
    )
}


def get_optimizer(name: str) -> Optimizer:
    """The optimizer called ``name``; raises ``KeyError`` with the known names."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise KeyError(
            f"Unknown optimizer {name!r} (known: {', '.join(OPTIMIZERS)})"
        ) from None


__all__ = ["OPTIMIZERS", "Hyper", "Optimizer", "Oracle", "apply_update", "full_batch_step",
           "get_optimizer", "state_arrays"]
