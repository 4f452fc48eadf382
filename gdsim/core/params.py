"""Typed, validated parameter specifications.

One :class:`ParamSpec` describes one hyperparameter of an optimizer, a schedule or a surface:
its name (the keyword used on the command line, in JSON and in code), its default, its valid
range and a one-sentence description. The same table validates user input, documents
``gdsim list`` and generates the desktop app's controls.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["float", "int", "bool", "choice", "text", "ints"]
"""``float``, ``int``, ``bool``; ``choice`` (one of ``choices``); ``text`` (a string of at most
``high`` characters, e.g. a formula); ``ints`` (a tuple of integers in ``[low, high]``, written
``30,80`` on the command line, at most ``max_items`` of them)."""


class ParamError(ValueError):
    """A parameter is unknown or has an invalid value. The message names both."""


@dataclass(frozen=True)
class ParamSpec:
    """Specification of one scalar parameter.

    Attributes:
        name: keyword name, e.g. ``"lr"`` or ``"beta1"``.
        default: value used when the parameter is omitted.
        description: one sentence, shown in ``gdsim list`` and as a tooltip.
        kind: ``"float"``, ``"int"`` or ``"bool"``.
        low, high: the valid interval (``None`` = unbounded on that side).
        low_open, high_open: whether the interval excludes that end.
        log: the parameter is naturally edited on a logarithmic scale (learning rates, eps).
        ui_low, ui_high: a sensible range for a slider (defaults to ``low``/``high``).
        choices: the allowed values of a ``choice`` parameter.
        max_items: the most values an ``ints`` parameter may hold.
    """

    name: str
    default: float | int | bool
    description: str
    kind: Kind = "float"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    log: bool = False
    ui_low: float | None = None
    ui_high: float | None = None
    choices: tuple[str, ...] = ()
    max_items: int = 16

    def interval(self) -> str:
        """The valid range as text, e.g. ``[0, 1)``."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "text":
            return f"text of at most {_fmt(self.high or 0)} characters"
        if self.kind == "ints":
            lo, hi = _fmt(self.low or 0), "inf" if self.high is None else _fmt(self.high)
            return f"up to {self.max_items} comma-separated integers in [{lo}, {hi}]"
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "inf" if self.high is None else _fmt(self.high)
        left = "(" if (self.low is None or self.low_open) else "["
        right = ")" if (self.high is None or self.high_open) else "]"
        return f"{left}{lo}, {hi}{right}"

    def format(self, value: Any) -> str:
        """``value`` as the command line writes it: ``true``, ``0.001``, ``8,8``, ``tanh``."""
        if self.kind == "bool" or isinstance(value, bool):
            return str(bool(value)).lower()
        if self.kind == "ints":
            return ",".join(str(int(i)) for i in value)
        if self.kind in ("choice", "text"):
            return str(value)
        return f"{value:g}"

    def validate(self, value: Any, owner: str = "") -> float | int | bool:
        """Return ``value`` converted to this parameter's kind, or raise :class:`ParamError`."""
        where = f"{owner} " if owner else ""
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
                return _BOOL_WORDS[value.strip().lower()]
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            raise ParamError(f"Invalid {where}{self.name}: {value!r} (expected true or false)")
        if self.kind == "choice":
            if isinstance(value, str) and value.strip() in self.choices:
                return value.strip()  # type: ignore[return-value]
            raise ParamError(f"Invalid {where}{self.name}: {value!r} (expected {self.interval()})")
        if self.kind == "text":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)  # the command line reads "2" as a number
            if not isinstance(value, str):
                raise ParamError(f"Invalid {where}{self.name}: {value!r} (expected text)")
            if self.high is not None and len(value) > self.high:
                raise ParamError(f"Invalid {where}{self.name}: {len(value)} characters "
                                 f"(expected {self.interval()})")
            return value  # type: ignore[return-value]
        if self.kind == "ints":
            return self._validate_ints(value, where)  # type: ignore[return-value]
        if isinstance(value, bool):
            raise ParamError(f"Invalid {where}{self.name}: {value!r} (expected a number)")
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ParamError(f"Invalid {where}{self.name}: {value!r} (expected a number)") from None
        if not math.isfinite(number):
            raise ParamError(f"Invalid {where}{self.name}: {value!r} (must be finite)")
        if self.kind == "int":
            if number != int(number):
                raise ParamError(f"Invalid {where}{self.name}: {value!r} (expected an integer)")
            number = int(number)
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            raise ParamError(
                f"Invalid {where}{self.name}: {value!r} (must be in {self.interval()})"
            )
        if self.high is not None and (
            number > self.high or (self.high_open and number == self.high)
        ):
            raise ParamError(
                f"Invalid {where}{self.name}: {value!r} (must be in {self.interval()})"
            )
        return number

    def _validate_ints(self, value: Any, where: str) -> tuple[int, ...]:
        """A tuple of integers from ``"8,8"``, ``[8, 8]``, ``(8, 8)`` or a single integer."""
        bad = ParamError(f"Invalid {where}{self.name}: {value!r} (expected {self.interval()})")
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",")] if value.strip() else []
            if len(parts) > self.max_items or any(len(p) > 12 for p in parts):
                raise bad
            try:
                items = [int(p) for p in parts]
            except ValueError:
                raise bad from None
        elif isinstance(value, (list, tuple)):
            items = list(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [value]
        else:
            raise bad
        if len(items) > self.max_items or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in items
        ):
            raise bad
        for i in items:
            if (self.low is not None and i < self.low) or (self.high is not None and i > self.high):
                raise bad
        return tuple(items)


_BOOL_WORDS = {"true": True, "1": True, "yes": True, "on": True,
               "false": False, "0": False, "no": False, "off": False}


def _fmt(x: float) -> str:
    return f"{x:g}"


def resolve_params(
    specs: Iterable[ParamSpec], given: Mapping[str, Any], owner: str
) -> dict[str, Any]:
    """Merge ``given`` over the specs' defaults, validating every value.

    Raises:
        ParamError: for an unknown name (the message lists the known ones) or a bad value.
    """
    table = {spec.name: spec for spec in specs}
    unknown = sorted(set(given) - set(table))
    if unknown:
        known = ", ".join(table) or "none"
        raise ParamError(f"Unknown {owner} parameter {unknown[0]!r} (known: {known})")
    return {
        name: spec.validate(given[name], owner) if name in given else spec.default
        for name, spec in table.items()
    }


def parse_value(text: str) -> float | int | bool | str:
    """Parse a command-line ``KEY=VALUE`` value: bool words, integers, floats, else the text."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text
