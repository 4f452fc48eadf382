"""Human-readable one-line descriptions of a run's settings (captions, legends, summaries)."""

from __future__ import annotations

from typing import Any

from gdsim.core.config import RunConfig
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.params import plural
from gdsim.core.schedules import SCHEDULES
from gdsim.core.surfaces import Surface


def number(value: Any) -> str:
    """A parameter value as text: ``0.001``, ``1e-08``, ``true``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):  # a choice: line_search_fn=strong_wolfe, mode=triangular
        return value
    if isinstance(value, (tuple, list)):  # integers: milestones=30,80
        return ",".join(number(v) for v in value)
    return f"{value:.6g}"


def optimizer_summary(config: RunConfig, surface: Surface) -> str:
    """``Adam(lr=0.05, beta1=0.9, beta2=0.999, eps=1e-08, weight_decay=0, amsgrad=false)``."""
    optimizer = OPTIMIZERS[config.optimizer]
    values = optimizer.resolve(config.optimizer_params)
    values["lr"] = config.resolved_lr(surface)
    shown = ", ".join(f"{spec.name}={number(values[spec.name])}" for spec in optimizer.specs)
    return f"{optimizer.title}({shown})"


def schedule_summary(config: RunConfig) -> str:
    schedule = SCHEDULES[config.schedule]
    values = schedule.resolve(config.schedule_params)
    own = ", ".join(f"{spec.name}={number(values[spec.name])}" for spec in schedule.own_specs)
    text = f"{schedule.title.lower()} η" + (f" ({own})" if own else "")
    if values["warmup_iters"]:
        text += (f", linear warm-up over {plural(values['warmup_iters'], 'step')} from "
                 f"{number(values['start_factor'])}·η")
    return text


def batch_summary(config: RunConfig, surface: Surface) -> str:
    n = surface.n_examples
    if config.batch_size is None or config.batch_size >= n:
        return f"full batch (N = {n})"
    if config.batch_size == 1:
        return f"SGD, batch 1 of N = {n}"
    return f"mini-batch {config.batch_size} of N = {n}"


def config_summary(config: RunConfig, surface: Surface) -> str:
    """Optimizer with every hyperparameter, batch, schedule, start and seed, on one line."""
    start = config.start if config.start is not None else surface.default_start
    if len(start) <= 6:
        where = "start (" + ", ".join(number(float(v)) for v in start) + ")"
    elif config.start is None:  # a network's weights: its seeded initialisation
        where = f"start: seeded initialisation of {len(start)} parameters"
    else:
        where = f"start: {len(start)} given parameters"
    return (f"{optimizer_summary(config, surface)} · {batch_summary(config, surface)} · "
            f"{schedule_summary(config)} · {where} · seed {config.seed}")
