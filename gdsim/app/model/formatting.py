"""Number formatting for the views: up to six significant digits, no noise digits.

``fmt_number(2.4000000000000004) == "2.4"``, ``fmt_vector([6, 8]) == "(6, 8)"``: the seeds'
bowl example reads exactly as written in the seeds. Qt-free.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

SIGNIFICANT_DIGITS = 6
DASH = "—"  # shown where a quantity does not exist yet (no step made)


def fmt_number(value: float, digits: int = SIGNIFICANT_DIGITS) -> str:
    """``value`` with up to ``digits`` significant digits; "∞", "-∞", "NaN" if not finite."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    text = f"{value:.{digits}g}"
    if "e" in text:  # 1e-07 -> 1e-7, 1.5e+10 -> 1.5e10
        mantissa, exponent = text.split("e")
        sign = "-" if exponent.startswith("-") else ""
        text = f"{mantissa}e{sign}{exponent.lstrip('+-').lstrip('0') or '0'}"
    if text in ("-0", "-0.0"):
        text = "0"
    return text


VECTOR_LIMIT = 6
"""Longer vectors (a network's weights) are shown by their norm and first components."""


def fmt_vector(values: Iterable[float] | np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> str:
    """A vector as ``"(a, b)"``; a single component as the plain number ``"a"``; more than
    :data:`VECTOR_LIMIT` components as ``"‖·‖ = n; 105 values (a, b, c, …)"``."""
    array = np.atleast_1d(np.asarray(values, dtype=float))
    if len(array) > VECTOR_LIMIT:
        norm = math.hypot(*array.tolist())  # scaled inside: no overflow
        head = ", ".join(fmt_number(v, digits) for v in array[:3])
        return f"‖·‖ = {fmt_number(norm, digits)}; {len(array)} values ({head}, …)"
    items = [fmt_number(v, digits) for v in array]
    if len(items) == 1:
        return items[0]
    return "(" + ", ".join(items) + ")"


def fmt_optional(value: float | np.ndarray | None, digits: int = SIGNIFICANT_DIGITS) -> str:
    """:func:`fmt_vector` or :func:`fmt_number`, or a dash for ``None``."""
    if value is None:
        return DASH
    if np.ndim(value) == 0:
        return fmt_number(float(value), digits)
    return fmt_vector(value, digits)
