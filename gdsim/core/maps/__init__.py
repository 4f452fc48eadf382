"""Maps of many runs: each one vectorized batch of lanes through the run loop.

* :func:`lr_sweep` — final loss, steps and status against K log-spaced learning rates;
* :func:`lr_find` — the LR range test (one run with an exponentially growing rate);
* :func:`basins` — a G×G grid of starts coloured by the minimum each run ends in;
* :func:`momentum_map` — a grid over (η, μ), with the quadratic theory's regions;
* :func:`race` — optimizers raced at rates tuned by a sweep each.

Every map runs without per-step history (memory flat in the number of steps), in chunks of
about ``chunk_seconds`` with a ``progress(partial result)`` callback and a ``cancelled()``
poll between chunks, so a window can draw it as it grows and stop it.
"""

from gdsim.core.maps.basins import BasinResult, basins
from gdsim.core.maps.driver import MapProgress
from gdsim.core.maps.lr_find import LRFindResult, lr_find
from gdsim.core.maps.momentum_map import MomentumMapResult, momentum_map
from gdsim.core.maps.race import DEFAULT_OPTIMIZERS, RaceResult, race
from gdsim.core.maps.sweep import SweepResult, lr_sweep

__all__ = [
    "DEFAULT_OPTIMIZERS", "BasinResult", "LRFindResult", "MapProgress", "MomentumMapResult",
    "RaceResult", "SweepResult", "basins", "lr_find", "lr_sweep", "momentum_map", "race",
]
