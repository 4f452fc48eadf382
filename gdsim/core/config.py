"""A run's configuration: a plain, validated dataclass that round-trips through JSON.

Omitted values (``lr=None``, ``start=None``, ``batch_size=None``) mean "the default": the
surface's instructive learning rate for the optimizer, the surface's default start, the full
batch. :meth:`RunConfig.resolved` fills them in.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from gdsim.core.optimizers import OPTIMIZERS
from gdsim.core.params import ParamError
from gdsim.core.schedules import SCHEDULES
from gdsim.core.surfaces import SURFACES, Surface, make_surface


class ConfigError(ValueError):
    """A configuration value is invalid; ``field`` names it (``"optimizer_params.beta1"``)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.reason = message


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines one run; the same config always gives the same trajectory.

    Attributes:
        surface: surface name (``gdsim list surfaces``).
        surface_params: the surface's parameters (shape constants, ``n_examples``, noise).
        optimizer: optimizer name (``gdsim list optimizers``).
        lr: base learning rate η₀; ``None`` = the surface's default for this optimizer.
        optimizer_params: the optimizer's other hyperparameters, torch's names.
        schedule: learning-rate schedule name; ``schedule_params`` its parameters.
        batch_size: examples per step; ``None`` = the full batch (batch gradient descent),
            1 = SGD.
        start: θ₀, one float per surface parameter; ``None`` = the surface's default start.
        seed: seeds the data set, the examples' noise and the batch shuffles.
        max_steps: the step limit.
        grad_tol: converged when the full-batch |∇L| ≤ grad_tol.
        loss_tol: converged when |L_{t+1} − L_t| ≤ loss_tol (0 disables this test).
        label: a name for this run in legends (empty = derived from the optimizer).
    """

    surface: str = "bowl"
    surface_params: Mapping[str, Any] = field(default_factory=dict)
    optimizer: str = "gd"
    lr: float | None = None
    optimizer_params: Mapping[str, Any] = field(default_factory=dict)
    schedule: str = "constant"
    schedule_params: Mapping[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    start: tuple[float, ...] | None = None
    seed: int = 0
    max_steps: int = 1000
    grad_tol: float = 1e-6
    loss_tol: float = 0.0
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "surface_params", dict(self.surface_params))
        object.__setattr__(self, "optimizer_params", dict(self.optimizer_params))
        object.__setattr__(self, "schedule_params", dict(self.schedule_params))
        if self.start is not None:
            object.__setattr__(self, "start", tuple(self.start))
        self.validate()

    # --- validation -----------------------------------------------------------------------
    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first invalid field."""
        if self.surface not in SURFACES:
            raise ConfigError("surface", f"unknown surface {self.surface!r} "
                              f"(known: {', '.join(SURFACES)})")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError("optimizer", f"unknown optimizer {self.optimizer!r} "
                              f"(known: {', '.join(OPTIMIZERS)})")
        if self.schedule not in SCHEDULES:
            raise ConfigError("schedule", f"unknown schedule {self.schedule!r} "
                              f"(known: {', '.join(SCHEDULES)})")
        surface_cls = SURFACES[self.surface]
        for name, specs, given, owner in (
            ("surface_params", surface_cls.specs, self.surface_params, self.surface),
            ("optimizer_params", OPTIMIZERS[self.optimizer].specs, self.optimizer_params,
             self.optimizer),
            ("schedule_params", SCHEDULES[self.schedule].specs, self.schedule_params,
             self.schedule),
        ):
            table = {s.name: s for s in specs}
            for key, value in given.items():
                if key not in table or (name == "optimizer_params" and key == "lr"):
                    known = ", ".join(k for k in table if not (name == "optimizer_params"
                                                              and k == "lr"))
                    raise ConfigError(f"{name}.{key}", f"unknown parameter for {owner} "
                                      f"(known: {known or 'none'})")
                try:
                    table[key].validate(value, owner)
                except ParamError as exc:
                    raise ConfigError(f"{name}.{key}", str(exc)) from None
        optimizer = OPTIMIZERS[self.optimizer]
        if self.lr is not None:
            _check_number("lr", self.lr)
            try:
                optimizer.spec_table["lr"].validate(self.lr, self.optimizer)
            except ParamError as exc:
                raise ConfigError("lr", str(exc)) from None
        try:
            optimizer.resolve(self.optimizer_params)
        except ParamError as exc:
            raise ConfigError("optimizer_params", str(exc)) from None
        if self.batch_size is not None:
            _check_int("batch_size", self.batch_size, low=1)
        if self.start is not None:
            names = surface_cls.param_names_for(self.surface_params)
            if len(self.start) != len(names):
                shown = ", ".join(names) if len(names) <= 6 else f"{names[0]}, …, {names[-1]}"
                raise ConfigError("start", f"{self.surface} has {len(names)} parameter(s) "
                                  f"({shown}), got {len(self.start)} coordinate(s)")
            for i, x in enumerate(self.start):
                _check_number(f"start[{i}]", x)
        _check_int("seed", self.seed, low=0)
        _check_int("max_steps", self.max_steps, low=0)
        _check_number("grad_tol", self.grad_tol, low=0.0)
        _check_number("loss_tol", self.loss_tol, low=0.0)
        if not isinstance(self.label, str):
            raise ConfigError("label", f"expected text, got {self.label!r}")

    # --- defaults -------------------------------------------------------------------------
    def resolved_lr(self, surface: Surface | None = None) -> float:
        """``lr``, or the surface's default for the optimizer (``surface`` saves building it)."""
        if self.lr is not None:
            return float(self.lr)
        if surface is None:
            surface = make_surface(self.surface, self.surface_params, self.seed)
        return surface.default_lr(self.optimizer)

    def with_changes(self, **changes: Any) -> RunConfig:
        """A validated copy with some fields replaced."""
        return replace(self, **changes)

    # --- JSON -----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["start"] = None if self.start is None else list(self.start)
        return data

    @classmethod
    def from_dict(cls, data: Any, where: str = "") -> RunConfig:
        """Build from a JSON object; raise :class:`ConfigError` naming the bad field."""
        prefix = f"{where}." if where else ""
        if not isinstance(data, Mapping):
            raise ConfigError(where or "config", "expected a JSON object")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(prefix + unknown[0], "unknown field")
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key in ("surface_params", "optimizer_params", "schedule_params"):
                if not isinstance(value, Mapping):
                    raise ConfigError(prefix + key, "expected a JSON object")
            elif key == "start" and value is not None:
                if not isinstance(value, list) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in value
                ):
                    raise ConfigError(prefix + key, "expected a list of numbers")
            kwargs[key] = value
        try:
            return cls(**kwargs)
        except ConfigError as exc:
            raise ConfigError(prefix + exc.field, exc.reason) from None

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError("config", f"not valid JSON ({exc})") from None
        return cls.from_dict(data)


def _check_number(name: str, value: Any, low: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(name, f"expected a number, got {value!r}")
    if not math.isfinite(value):
        raise ConfigError(name, f"must be finite, got {value!r}")
    if low is not None and value < low:
        raise ConfigError(name, f"must be ≥ {low:g}, got {value!r}")


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(name, f"expected an integer, got {value!r}")
    if value < low:
        raise ConfigError(name, f"must be ≥ {low}, got {value!r}")


SHARED_FIELDS = ("surface", "surface_params", "seed")
"""What runs compared together must share: they walk the same surface and data."""


def first_unshared(configs: Sequence[RunConfig]) -> tuple[int, str] | None:
    """The first ``(index, field)`` where a run differs from run 0 in :data:`SHARED_FIELDS`."""
    for i, config in enumerate(configs[1:], start=1):
        for name in SHARED_FIELDS:
            if getattr(config, name) != getattr(configs[0], name):
                return i, name
    return None
