"""Typed, validated parameter specifications.

One :class:`ParamSpec` describes one hyperparameter of an optimizer, a schedule or a surface:
its name (the keyword used on the command line, in JSON and in code), a readable label for
people, its default, its valid range and a one-sentence description. The same table validates
user input, documents ``gdsim list`` and generates the desktop app's controls.

Messages name the owner's title and the label, then the valid range and the value given:
"Gradient descent's learning rate η (lr) must be > 0 (got -1)".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from numbers import Real
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
        name: keyword name, e.g. ``"lr"`` or ``"beta1"``: torch's name, the command line's
            and the session files'.
        default: value used when the parameter is omitted.
        description: one sentence, shown in ``gdsim list`` and as a tooltip.
        kind: ``"float"``, ``"int"`` or ``"bool"``.
        low, high: the valid interval (``None`` = unbounded on that side).
        low_open, high_open: whether the interval excludes that end.
        log: the parameter is naturally edited on a logarithmic scale (learning rates, eps).
        ui_low, ui_high: a sensible range for a slider (defaults to ``low``/``high``).
        choices: the allowed values of a ``choice`` parameter.
        max_items: the most values an ``ints`` parameter may hold.
        label: a readable name for people, e.g. ``"Learning rate η"`` (capitalized, as a form
            label); empty = derived from ``name`` (``"lr_decay"`` → ``"Lr decay"``).
        check: for ``text``: raises :class:`ParamError` if the text is not acceptable (e.g. a
            formula that does not parse); its message follows the parameter's name.
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
    label: str = ""
    check: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", default_label(self.name))

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

    def allowed(self) -> str:
        """The valid values in words: ``"> 0"``, ``"in [0, 1)"``, ``"an integer ≥ 1"``."""
        if self.kind in ("bool", "choice", "text", "ints"):
            return self.interval()
        prefix = "an integer " if self.kind == "int" else ""
        if self.low is not None and self.high is not None:
            return f"{prefix}in {self.interval()}"
        if self.low is not None:
            return f"{prefix}{'>' if self.low_open else '≥'} {_fmt(self.low)}"
        if self.high is not None:
            return f"{prefix}{'<' if self.high_open else '≤'} {_fmt(self.high)}"
        return "an integer" if self.kind == "int" else "a finite number"

    def error(self, value: Any, owner: str = "", got: str = "") -> ParamError:
        """The error for an invalid ``value``: whose parameter, what is allowed, what was given
        ("Adam's β₁ (beta1) must be in [0, 1) (got 1.5)"); ``owner`` is a display title."""
        label = _lower_first(self.label)
        who = f"{owner}'s {label}" if owner else self.label
        if label != self.name:
            who += f" ({self.name})"
        return ParamError(printable(f"{who} must be {self.allowed()} (got {got or _shown(value)})"))

    def refusal(self, owner: str, reason: str) -> ParamError:
        """The error for text its ``check`` refuses: whose parameter, then the check's reason
        ("Custom formula's expression: column 5: attribute access … is not allowed")."""
        label = _lower_first(self.label)
        who = f"{owner}'s {label}" if owner else self.label
        if label != self.name:
            who += f" ({self.name})"
        return ParamError(printable(f"{who}: {reason}"))

    def validate(self, value: Any, owner: str = "") -> Any:
        """Return ``value`` converted to this parameter's kind, or raise :class:`ParamError`.

        ``owner`` is the display title of the optimizer, schedule or surface, for the message.
        """
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _BOOL_WORDS:
                return _BOOL_WORDS[value.strip().lower()]
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            raise self.error(value, owner)
        if self.kind == "choice":
            if isinstance(value, str) and value.strip() in self.choices:
                return value.strip()
            raise self.error(value, owner)
        if self.kind == "text":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = str(value)  # the command line reads "2" as a number
            if not isinstance(value, str):
                raise self.error(value, owner)
            if self.high is not None and len(value) > self.high:
                raise self.error(value, owner, got=f"{len(value)} characters")
            if not _encodable(value):
                raise self.error(value, owner, got="a character that cannot be saved, "
                                 "an unpaired surrogate")
            if self.check is not None:
                try:
                    self.check(value)
                except ParamError as exc:
                    raise self.refusal(owner, str(exc)) from None
            return value
        if self.kind == "ints":
            return self._validate_ints(value, owner)
        if isinstance(value, bool) or not isinstance(value, (Real, str)):
            raise self.error(value, owner)
        try:
            number = float(value)
        except (ValueError, OverflowError):  # OverflowError: an integer beyond 1.8e308
            raise self.error(value, owner) from None
        if not math.isfinite(number):
            raise self.error(value, owner)
        if self.kind == "int":
            if number != int(number):
                raise self.error(value, owner)
            number = int(number)
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            raise self.error(value, owner)
        if self.high is not None and (
            number > self.high or (self.high_open and number == self.high)
        ):
            raise self.error(value, owner)
        return number

    def _validate_ints(self, value: Any, owner: str) -> tuple[int, ...]:
        """A tuple of integers from ``"8,8"``, ``[8, 8]``, ``(8, 8)`` or a single integer."""
        bad = self.error(value, owner)
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
    """A bound as text: integers in full (``2147483647``), other numbers short (``1e-08``)."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def default_label(name: str) -> str:
    """A readable label from a keyword name: ``"lr_decay"`` → ``"Lr decay"``."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _lower_first(label: str) -> str:
    """``"Learning rate η"`` → ``"learning rate η"``, but ``"T max"`` and ``"N"`` stay."""
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def plural(count: int, noun: str) -> str:
    """``"1 step"``, ``"2 steps"``, ``"0 steps"``, ``"1,000 steps"``."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def printable(text: str) -> str:
    """``text`` fit for a one-line message: line breaks, control characters and unpaired
    surrogates (which UTF-8 cannot encode) are written as escapes (``\\n``, ``\\ud800``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(value: Any, limit: int = 40) -> str:
    """A short, printable ``repr`` (huge integers by their length, long texts abridged)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**limit:
        return f"an integer of {len(str(abs(value)))} digits"
    try:
        text = repr(value)
    except (RecursionError, ValueError):
        return f"a {type(value).__name__}"
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def resolve_params(
    specs: Iterable[ParamSpec], given: Mapping[str, Any], owner: str
) -> dict[str, Any]:
    """Merge ``given`` over the specs' defaults, validating every value; ``owner`` is the
    display title used in messages (``"Adam"``, ``"Step decay schedule"``).

    Raises:
        ParamError: for an unknown name (the message lists the known ones) or a bad value.
    """
    table = {spec.name: spec for spec in specs}
    unknown = sorted(set(given) - set(table), key=str)
    if unknown:
        known = ", ".join(table) or "none"
        raise ParamError(f"{owner} has no parameter {_shown(unknown[0])} (known: {known})")
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
