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


RANGE_LIMIT = 1e100
"""Views never get a range beyond ±this: pixel maps and tick logic stay far from overflow."""


def safe_norm(values: Iterable[float] | np.ndarray) -> float:
    """The Euclidean norm without overflow: ``|(1e300, 1e300)| = 1.41e300``, not ∞ and a
    RuntimeWarning; ∞ only if the true norm exceeds the float range, NaN if a value is NaN."""
    v = np.abs(np.atleast_1d(np.asarray(values, dtype=float))).ravel()
    if v.size == 0:
        return 0.0
    if np.isnan(v).any():
        return math.nan
    top = float(v.max())
    if top == 0.0 or math.isinf(top):
        return top
    with np.errstate(under="ignore"):
        return top * math.sqrt(float(np.sum((v / top) ** 2)))  # Python floats: inf, no warning


def finite_range(values: Iterable[float] | np.ndarray, pad_fraction: float = 0.0,
                 fallback: tuple[float, float] = (-1.0, 1.0), min_span: float = 1e-9
                 ) -> tuple[float, float]:
    """``(low, high)`` of the finite ``values``, clipped to ±:data:`RANGE_LIMIT` and padded
    by ``pad_fraction`` of the span (at least ``min_span``): always finite, low < high.
    ``fallback`` when no value is finite."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return fallback
    lo = max(float(v.min()), -RANGE_LIMIT)
    hi = min(float(v.max()), RANGE_LIMIT)
    if lo > hi:  # every value beyond one limit
        lo, hi = (hi, hi) if lo > 0 else (lo, lo)
    pad = pad_fraction * max(hi - lo, min_span)
    if hi - lo + 2 * pad <= 0:
        pad = 0.5 * max(min_span, abs(lo) * 1e-9)
    return lo - pad, hi + pad
