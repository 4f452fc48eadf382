"""What an edit in a side panel does to the list of run configurations (Qt-free).

The panels edit the *selected* run's configuration, except what all runs share because they
share one data set: the surface, its parameters and the seed — and the start point, which the
Surface panel and a click on the map set for every run, so that compared runs race from the
same place. Every function returns new, validated configurations or raises
:class:`~gdsim.core.config.ConfigError`; nothing is changed in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gdsim.core.config import SHARED_FIELDS as SURFACE_FIELDS
from gdsim.core.config import RunConfig
from gdsim.core.optimizers import get_optimizer
from gdsim.core.surfaces import SURFACES, Surface, make_surface

SHARED_FIELDS = frozenset({*SURFACE_FIELDS, "start"})
"""Fields that every run of a comparison has in common (edits apply to all runs): what compared
runs must share (:data:`gdsim.core.config.SHARED_FIELDS`), and the start point."""


def apply_changes(configs: Sequence[RunConfig], selected: int,
                  changes: Mapping[str, Any]) -> list[RunConfig]:
    """Apply field ``changes``: shared fields to every run, the others to the selected one."""
    shared = {k: v for k, v in changes.items() if k in SHARED_FIELDS}
    own = {k: v for k, v in changes.items() if k not in SHARED_FIELDS}
    out = []
    for i, config in enumerate(configs):
        fields = {**shared, **(own if i == selected else {})}
        out.append(config.with_changes(**fields) if fields else config)
    return out


def choose_surface(configs: Sequence[RunConfig], name: str) -> list[RunConfig]:
    """Every run on surface ``name`` with its default parameters and start.

    An explicit learning rate keeps its ratio to the surface's recommended rate for that
    optimizer, so "η too small / right / too large" stays so on the new surface.
    """
    if not configs:
        return []
    first = configs[0]
    old_surface = make_surface(first.surface, first.surface_params, first.seed)
    new_surface = make_surface(name, {}, first.seed)
    out = []
    for config in configs:
        lr = config.lr
        if lr is not None:
            ratio = new_surface.default_lr(config.optimizer) / old_surface.default_lr(
                config.optimizer)
            lr = float(f"{lr * ratio:.3g}")
        out.append(config.with_changes(surface=name, surface_params={}, start=None, lr=lr))
    return out


def choose_optimizer(configs: Sequence[RunConfig], selected: int,
                     name: str) -> list[RunConfig]:
    """The selected run uses optimizer ``name`` with its defaults and the surface's rate."""
    return apply_changes(configs, selected,
                         {"optimizer": name, "optimizer_params": {}, "lr": None})


def choose_schedule(configs: Sequence[RunConfig], selected: int,
                    name: str) -> list[RunConfig]:
    """The selected run uses schedule ``name`` with its default parameters."""
    return apply_changes(configs, selected, {"schedule": name, "schedule_params": {}})


def set_param(configs: Sequence[RunConfig], selected: int, group: str, name: str,
              value: Any) -> list[RunConfig]:
    """Set one parameter of ``group`` (``"surface_params"``, ``"optimizer_params"``,
    ``"schedule_params"``); surface parameters apply to every run."""
    config = configs[selected]
    current = dict(getattr(config, group))
    current[name] = value
    changes: dict[str, Any] = {group: current}
    names_for = SURFACES[config.surface].param_names_for
    if group == "surface_params" and names_for(current) != names_for(config.surface_params):
        changes["start"] = None  # θ changed shape (a formula in w instead of x, y)
    out = apply_changes(configs, selected, changes)
    if group == "surface_params":  # e.g. a formula that parses but cannot be derived
        make_surface(config.surface, current, config.seed)
    return out


def set_step_limit(configs: Sequence[RunConfig], max_steps: int) -> list[RunConfig]:
    """Every run stops after ``max_steps`` updates."""
    return [c.with_changes(max_steps=max_steps) for c in configs]


def duplicate_run(configs: Sequence[RunConfig], selected: int) -> tuple[list[RunConfig], int]:
    """Add a copy of the selected run after the last one; returns the list and its index."""
    copy = configs[selected].with_changes(label="")
    return [*configs, copy], len(configs)


def remove_run(configs: Sequence[RunConfig], selected: int) -> tuple[list[RunConfig], int]:
    """Remove the selected run (the last one stays); returns the list and the new selection."""
    if len(configs) <= 1:
        return list(configs), 0
    out = [c for i, c in enumerate(configs) if i != selected]
    return out, min(selected, len(out) - 1)


def lr_change_note(before: Sequence[RunConfig], after: Sequence[RunConfig],
                   surfaces: tuple[Surface, Surface] | None = None) -> str:
    """What a surface change did to the runs' learning rates, for the status bar ("" if
    nothing changed): the new η of each run, and why — an explicit η keeps its ratio to the
    recommended rate, a default η is the new surface's recommended rate."""
    if not before or not after or len(before) != len(after):
        return ""
    old_surface = make_surface(before[0].surface, before[0].surface_params, before[0].seed)
    new_surface = make_surface(after[0].surface, after[0].surface_params, after[0].seed)
    notes = []
    for i, (old, new) in enumerate(zip(before, after, strict=True)):
        old_lr, new_lr = old.resolved_lr(old_surface), new.resolved_lr(new_surface)
        if old_lr == new_lr:
            continue
        who = f"run {i + 1}'s " if len(after) > 1 else ""
        title = get_optimizer(new.optimizer).title
        if new.lr is None:
            why = f"the recommended rate for {title} on {new_surface.title}"
        else:
            was = _g(old_surface.default_lr(old.optimizer))
            now = _g(new_surface.default_lr(new.optimizer))
            why = (f"it keeps its ratio to the recommended rate ({was} on {old_surface.title}, "
                   f"{now} on {new_surface.title})")
        notes.append(f"{who}η changed from {_g(old_lr)} to {_g(new_lr)}: {why}")
    if not notes:
        return ""
    text = "; ".join(notes)
    return (text[:1].upper() if text[:1].isascii() else text[:1]) + text[1:] + "."


def _g(value: float) -> str:
    return f"{value:.3g}"
