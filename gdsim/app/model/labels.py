"""Run labels, built one way for the Runs list, the legends, the exports and ``gdsim run``.

Qt-free. A run the user named (or a lesson's run that still has the lesson's settings) shows its
:attr:`RunConfig.label`; every other run is described by its settings: the optimizer's title and
η, then whatever else differs between the compared runs (a hyperparameter, the schedule, the
batch size). Identical runs are numbered so that a legend never shows one entry twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gdsim.app.model.formatting import fmt_number
from gdsim.core.config import RunConfig
from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.params import ParamError
from gdsim.core.schedules import SCHEDULES
from gdsim.core.surfaces import Surface, make_surface


def fmt_value(value: Any) -> str:
    """A parameter value as the labels show it (numbers through :func:`fmt_number`)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(fmt_value(v) for v in value) + "]"
        return str(value)
    return fmt_number(value)


def _optimizer_values(config: RunConfig) -> dict[str, Any]:
    optimizer = OPTIMIZERS[config.optimizer]
    try:
        values = optimizer.resolve(config.optimizer_params)
    except ParamError:
        values = dict(config.optimizer_params)
    return {name: values[name] for name in optimizer.spec_table if name != "lr"
            and name in values}


def _schedule_text(config: RunConfig) -> str:
    schedule = SCHEDULES[config.schedule]
    params = ", ".join(f"{k} = {fmt_value(v)}" for k, v in sorted(config.schedule_params.items()))
    return f"{schedule.title} ({params})" if params else schedule.title


def _batch_text(config: RunConfig) -> str:
    return "full batch" if config.batch_size is None else f"batch {config.batch_size}"


def describe(configs: Sequence[RunConfig], surface: Surface | None = None) -> list[str]:
    """Each run described by its settings (ignoring its ``label``): ``"Adam, η = 0.01"``, then
    what differs between the runs (``"momentum = 0.9"``, ``"batch 8"``, a schedule)."""
    if not configs:
        return []
    if surface is None:
        first = configs[0]
        surface = make_surface(first.surface, first.surface_params, first.seed)
    parts = [[f"{OPTIMIZERS[c.optimizer].title}, η = {fmt_number(c.resolved_lr(surface))}"]
             for c in configs]
    values = [_optimizer_values(c) for c in configs]
    names = dict.fromkeys(name for v in values for name in v)
    for name in names:
        having = [v[name] for v in values if name in v]
        if len(having) > 1 and any(h != having[0] for h in having):
            for part, v in zip(parts, values, strict=True):
                if name in v:
                    part.append(f"{name} = {fmt_value(v[name])}")
    for text in (_schedule_text, _batch_text):
        texts = [text(c) for c in configs]
        if len(set(texts)) > 1:
            for part, t in zip(parts, texts, strict=True):
                part.append(t)
    return [", ".join(p) for p in parts]


def run_labels(configs: Sequence[RunConfig], surface: Surface | None = None) -> list[str]:
    """The label of every run: its ``label`` if it has one, else :func:`describe`'s text;
    labels that would repeat get " (2)", " (3)", … in lane order."""
    described = describe(configs, surface)
    labels = [c.label or d for c, d in zip(configs, described, strict=True)]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out
