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
from gdsim.core.params import ParamError, plural, printable
from gdsim.core.schedules import SCHEDULES
from gdsim.core.surfaces import SURFACES, Surface, make_surface

MAX_STEPS = 2**31 - 1
"""The largest step limit a configuration may hold (the app's step-limit box)."""

MAX_SEED = 2**63 - 1
"""The largest seed."""


class ConfigError(ValueError):
    """A configuration value is invalid; ``field`` names it (``"optimizer_params.beta1"``).

    Text that UTF-8 cannot encode (a lone surrogate from a hostile file) is shown escaped, so
    the message itself can always be printed or saved.
    """

    def __init__(self, field_name: str, message: str) -> None:
        field_name, message = printable(field_name), printable(message)
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.reason = message


def shown(value: Any, limit: int = 40) -> str:
    """A short ``repr`` of a value for a message: huge numbers and long texts are abridged."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"an integer of {len(str(abs(value)))} digits"
    try:
        text = repr(value)
    except (RecursionError, ValueError):
        return f"a {type(value).__name__}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_text(name: str, value: Any) -> None:
    """Raise :class:`ConfigError` unless ``value`` is a ``str`` that UTF-8 can encode."""
    if not isinstance(value, str):
        raise ConfigError(name, f"expected text (got {shown(value)})")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConfigError(name, f"holds a character that cannot be saved "
                          f"({value[exc.start]!r} at position {exc.start}, an unpaired "
                          "surrogate)") from None


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
        for name in ("surface_params", "optimizer_params", "schedule_params"):
            value = getattr(self, name)
            if not isinstance(value, Mapping):
                raise ConfigError(name, f"expected a table of parameters, got {shown(value)}")
            object.__setattr__(self, name, dict(value))
        if self.start is not None:
            if isinstance(self.start, (str, bytes)) or not isinstance(self.start, Sequence):
                raise ConfigError("start", f"expected a list of numbers, got {shown(self.start)}")
            object.__setattr__(self, "start", tuple(self.start))
        self.validate()

    # --- validation -----------------------------------------------------------------------
    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first invalid field."""
        for name, registry in (("surface", SURFACES), ("optimizer", OPTIMIZERS),
                               ("schedule", SCHEDULES)):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise ConfigError(name, f"expected a {name} name, got {shown(value)} "
                                  f"(known: {', '.join(registry)})")
            if value not in registry:
                raise ConfigError(name, f"unknown {name} {shown(value)} "
                                  f"(known: {', '.join(registry)})")
        surface_cls = SURFACES[self.surface]
        for name, specs, given, owner in (
            ("surface_params", surface_cls.specs, self.surface_params, self.surface),
            ("optimizer_params", OPTIMIZERS[self.optimizer].specs, self.optimizer_params,
             self.optimizer),
            ("schedule_params", SCHEDULES[self.schedule].specs, self.schedule_params,
             self.schedule),
        ):
            table = {s.name: s for s in specs}
            title = _title(name, owner)
            for key, value in given.items():
                if key not in table or (name == "optimizer_params" and key == "lr"):
                    known = ", ".join(k for k in table if not (name == "optimizer_params"
                                                              and k == "lr"))
                    raise ConfigError(f"{name}.{key}", f"{title} has no parameter {shown(key)} "
                                      f"(known: {known or 'none'})")
                try:
                    table[key].validate(value, title)
                except ParamError as exc:
                    raise ConfigError(f"{name}.{key}", str(exc)) from None
        optimizer = OPTIMIZERS[self.optimizer]
        if self.lr is not None:
            _check_number("lr", self.lr)
            try:
                optimizer.spec_table["lr"].validate(self.lr, optimizer.title)
            except ParamError as exc:
                raise ConfigError("lr", str(exc)) from None
        try:
            optimizer.resolve(self.optimizer_params)
        except ParamError as exc:
            raise ConfigError("optimizer_params", str(exc)) from None
        if self.batch_size is not None:
            _check_int("batch_size", self.batch_size, low=1, high=MAX_SEED)
        if self.start is not None:
            names = surface_cls.param_names_for(self.surface_params)
            if len(self.start) != len(names):
                listed = ", ".join(names) if len(names) <= 6 else f"{names[0]}, …, {names[-1]}"
                raise ConfigError("start", f"Start θ₀ (start) needs one coordinate per parameter: "
                                  f"{surface_cls.title} has {plural(len(names), 'parameter')} "
                                  f"({listed}) (got {len(self.start)})")
            for i, x in enumerate(self.start):
                _check_number(f"start[{i}]", x)
            bound = surface_cls.bound_for(surface_cls.view)
            if math.hypot(*self.start) > bound:
                raise ConfigError("start", f"Start θ₀ (start) must lie within |θ| ≤ {bound:g} "
                                  f"on {surface_cls.title}: beyond it a run counts as diverged "
                                  f"(got |θ| = {math.hypot(*self.start):.3g})")
        _check_int("seed", self.seed, low=0, high=MAX_SEED)
        _check_int("max_steps", self.max_steps, low=0, high=MAX_STEPS)
        _check_number("grad_tol", self.grad_tol, low=0.0)
        _check_number("loss_tol", self.loss_tol, low=0.0)
        check_text("label", self.label)

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
        except RecursionError:
            raise ConfigError("config", "not a configuration: nested too deeply") from None
        except ValueError:  # an integer of more than 4300 digits
            raise ConfigError("config", "not a configuration: a number has too many digits") \
                from None
        return cls.from_dict(data)


def _title(field_name: str, owner: str) -> str:
    """The display title of a parameter table's owner (``"gd"`` → ``"Gradient descent"``)."""
    if field_name == "surface_params":
        return SURFACES[owner].title
    if field_name == "optimizer_params":
        return OPTIMIZERS[owner].title
    return f"{SCHEDULES[owner].title} schedule"


FIELD_LABELS = {
    "lr": "Learning rate η", "batch_size": "Batch size", "start": "Start θ₀", "seed": "Seed",
    "max_steps": "Step limit", "grad_tol": "Gradient tolerance",
    "loss_tol": "Loss-change tolerance", "label": "Run label",
}
"""Readable names of the configuration's own fields, for messages and forms."""


def _who(name: str) -> str:
    """``"max_steps"`` → ``"Step limit (max_steps)"``."""
    return f"{FIELD_LABELS.get(name.split('[')[0], name)} ({name})"


def _check_number(name: str, value: Any, low: float | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(name, f"{_who(name)} must be a number (got {shown(value)})")
    try:
        finite = math.isfinite(value)
    except OverflowError:  # an int too large for a float
        finite = False
    if not finite:
        raise ConfigError(name, f"{_who(name)} must be a finite number (got {shown(value)})")
    if low is not None and value < low:
        raise ConfigError(name, f"{_who(name)} must be ≥ {low:g} (got {shown(value)})")


def _check_int(name: str, value: Any, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(name, f"{_who(name)} must be an integer from {low} to {high:,} "
                          f"(got {shown(value)})")


SHARED_FIELDS = ("surface", "surface_params", "seed")
"""What runs compared together must share: they walk the same surface and data."""


def first_unshared(configs: Sequence[RunConfig]) -> tuple[int, str] | None:
    """The first ``(index, field)`` where a run differs from run 0 in :data:`SHARED_FIELDS`."""
    for i, config in enumerate(configs[1:], start=1):
        for name in SHARED_FIELDS:
            if getattr(config, name) != getattr(configs[0], name):
                return i, name
    return None
