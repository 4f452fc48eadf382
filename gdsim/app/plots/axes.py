"""Axes whose tick labels stay readable: sparse, never crowded, without SI-prefix scaling.

pyqtgraph labels every tick of its top level however little room there is (a short log axis
over less than a decade stacks "2·10², 9·10¹, ..." on top of each other) and rescales small
or large ranges with an SI prefix ("η (x0.001)" with ticks in the hundreds). A
:class:`NumberAxis` labels at most one tick per :data:`LABEL_SPACING_PX` pixels, writes the
values themselves with as many significant digits as their spacing needs, and chooses log
ticks by the number of decades shown.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QGraphicsItem

from gdsim.app.model.formatting import fmt_number

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
LABEL_SPACING_PX = 34  # a vertical axis labels at most one tick per this many pixels
LABEL_SPACING_X_PX = 60  # a horizontal one per this many (labels are wider than tall)
LABEL_MARGIN_PX = 7  # no label on a vertical axis's tick closer than this to its end
LABEL_MARGIN_X_PX = 8  # ... on a horizontal one (its labels get room beyond the ends)
LINEAR_LARGEST_PLAIN = 5  # linear axes write numbers below 10⁶ in full (steps: 250000)
MAX_SIGNIFICANT_DIGITS = 4  # tick labels: as many digits as the tick spacing needs, up to this
MAX_READBACK_DIGITS = 12  # ... or more, up to this, when a label would not read back as its value


def _number(value: float, digits: int, largest_plain: int = 3) -> str:
    """A tick label: plain from 0.001 to 10^(largest_plain + 1), else mantissa·10ᵏ."""
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)) + 1e-9)
    if -3 <= exponent <= largest_plain:
        return fmt_number(value, max(digits, exponent + 1))  # 30, not 3e1
    mantissa = fmt_number(value / 10.0**exponent, digits)
    power = "10" + str(exponent).translate(_SUPERSCRIPT)
    return power if mantissa == "1" else f"{mantissa}·{power}"


def _nice_step(span: float, count: int) -> float:
    """A 1, 2 or 5 × 10^k step that divides ``span`` in at most ``count`` parts."""
    raw = span / max(count, 1)
    base = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * base >= raw * (1 - 1e-9):
            return factor * base
    return 10.0 * base


def _digits_for(values: list[float], spacing: float) -> int:
    """Significant digits with which every tick value reads back as itself.

    Start from what the spacing needs at the largest value (ticks 5 apart around 7: one
    digit), then add digits until every label, read back, is the tick's value to within a
    ten-thousandth of the spacing: ticks at ±2.5 and ±7.5 need two ("2.5", not "2").
    """
    top = max((abs(v) for v in values if v), default=0.0)
    if top <= 0 or spacing <= 0 or not math.isfinite(top):
        return 1
    digits = math.floor(math.log10(top) + 1e-9) - math.floor(math.log10(spacing) + 1e-9) + 1
    digits = max(1, min(MAX_SIGNIFICANT_DIGITS, digits))
    tolerance = 1e-4 * spacing
    while digits < MAX_READBACK_DIGITS and any(
            abs(float(f"{v:.{digits}g}") - v) > tolerance for v in values):
        digits += 1
    return digits


def _fewer_than_two(low: float, high: float, step: float) -> bool:
    """Whether fewer than two multiples of ``step`` lie in ``[low, high]``."""
    return math.floor(high / step + 1e-9) - math.ceil(low / step - 1e-9) + 1 < 2


def _thin(values: list[float], count: int) -> list[float]:
    """At most about ``max(count, 2)`` of ``values``: every k-th from the first, so the
    labels keep a regular spacing (0, 4, 8 of 0, 2, …, 10)."""
    count = max(count, 2)
    if len(values) <= count:
        return values
    stride = -(-len(values) // count)
    kept = values[::stride]
    return kept if len(kept) >= 2 else [values[0], values[-1]]


def _smaller_step(step: float) -> float:
    """The next smaller 1, 2, 5 × 10^k step: 5 → 2 → 1 → 0.5 ..."""
    exponent = math.floor(math.log10(step) + 1e-9)
    base = 10.0 ** exponent
    mantissa = round(step / base)
    return {10: 5, 5: 2, 2: 1}.get(mantissa, 0.5) * base


class NumberAxis(pg.AxisItem):
    """An axis with sparse, readable labels in both modes, never more than one per
    :data:`LABEL_SPACING_PX` pixels and without SI-prefix scaling.

    Log mode: over a decade or more, 1, 2, 5 × 10^k (or only 10^k, or every few decades),
    written as plain numbers from 0.001 to 1000 and as 10^k beyond; over less than a decade
    (a flat curve), 1-2-5 steps of the values themselves. Linear mode: pyqtgraph's ticks,
    labelled with as many significant digits as their spacing needs.
    """

    def __init__(self, *args: object, integer: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.integer = integer  # ticks only at whole numbers (steps)
        self.enableAutoSIPrefix(False)
        self._labelled: set[float] = set()  # log mode: the ticks that get a label
        self._unlabelled: set[float] = set()  # linear mode: ticks thinned out of the labels
        # An axis changes with its range or size only, its plot every frame: Qt keeps the
        # axis's painting in a pixmap meanwhile.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def updateAutoSIPrefix(self) -> None:  # noqa: N802 - pyqtgraph's name
        # In log mode pyqtgraph computes 10**range, which overflows for a range left over
        # from the linear mode (a warning, an error under pytest): harmless, so silenced.
        with np.errstate(over="ignore", invalid="ignore"):
            super().updateAutoSIPrefix()

    def _max_labels(self, size: float) -> int:
        spacing = LABEL_SPACING_PX if self.orientation in ("left", "right") \
            else LABEL_SPACING_X_PX
        return max(2, int(size / spacing))

    def _inner(self, low: float, high: float, size: float) -> tuple[float, float]:
        """The part of ``[low, high]`` where a label fits whole: pyqtgraph drops a label
        that sticks out of the axis, so ticks this close to an end go unlabelled."""
        margin_px = LABEL_MARGIN_PX if self.orientation in ("left", "right") \
            else LABEL_MARGIN_X_PX
        margin = min(margin_px / max(size, 1.0), 0.1) * (high - low)
        return low + margin, high - margin

    def tickSpacing(self, minVal: float, maxVal: float, size: float):  # noqa: N802, N803
        """Linear mode: 1-2-5 steps, at most one label per LABEL_SPACING pixels, at least two
        labels."""
        span = abs(float(maxVal) - float(minVal))
        if self.logMode or self._tickSpacing is not None or not (
                math.isfinite(span) and span > 0):
            return super().tickSpacing(minVal, maxVal, size)
        low, high = self._inner(*sorted((float(minVal), float(maxVal))), size)
        major = _nice_step(span, self._max_labels(size))
        while _fewer_than_two(low, high, major):  # every axis labels at least two ticks
            major = _smaller_step(major)
        minor = major / (2.0 if str(major / 10.0 ** math.floor(math.log10(major)))[0] == "5"
                         else 5.0)
        if self.integer and major < 1.0 and not _fewer_than_two(low, high, 1.0):
            major = 1.0  # steps are whole: no tick at 2.5
        if self.integer and minor < 1.0:
            return [(major, 0.0)] if major <= 1.0 else [(major, 0.0), (1.0, 0.0)]
        return [(major, 0.0), (minor, 0.0)]

    def tickValues(self, minVal: float, maxVal: float, size: float):  # noqa: N802, N803
        if not self.logMode:
            levels = super().tickValues(minVal, maxVal, size)
            self._unlabelled = set()
            if self._tickSpacing is not None or not levels:
                return levels
            # The smallest step with two ticks in range may give more than fit: label an even
            # subset (the ends included), the others stay as unlabelled ticks.
            (spacing, values), *rest = levels
            values = list(values)
            low, high = self._inner(*sorted((float(minVal), float(maxVal))), size)
            keep = _thin([v for v in values if low - 1e-9 * spacing <= v
                          <= high + 1e-9 * spacing], self._max_labels(size))
            if len(keep) == len(values):
                return levels
            thinned = [v for v in values if v not in keep]
            self._unlabelled = {round(v, 12) for v in thinned}
            return [(spacing, keep), (spacing, sorted(thinned + [v for _, vs in rest
                                                                 for v in vs]))]
        lo, hi = sorted((float(minVal), float(maxVal)))
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi - lo > 1000:
            return []
        labels = self._max_labels(size)
        major, minor = self._log_ticks(*self._inner(lo, hi, size), labels)
        self._labelled = {round(v, 9) for v in major}
        levels = [(1.0, major)]
        if minor:
            levels.append((0.1, minor))
        return levels

    @staticmethod
    def _log_ticks(lo: float, hi: float, labels: int) -> tuple[list[float], list[float]]:
        """Labelled and unlabelled tick positions (log10 units) between ``lo`` and ``hi``."""
        first, last = math.floor(lo), math.ceil(hi)
        decades = [k for k in range(first, last + 1) if lo <= k <= hi]
        within = [k + math.log10(d) for k in range(first, last + 1) for d in (1, 2, 5)
                  if lo <= k + math.log10(d) <= hi]
        if len(within) >= 2 and len(within) <= labels:  # 1, 2, 5 × 10^k
            minor = [k + math.log10(d) for k in range(first, last + 1) for d in range(2, 10)
                     if d not in (2, 5) and lo <= k + math.log10(d) <= hi]
            return within, minor if len(within) + len(minor) <= 3 * labels else []
        if len(decades) >= 2:  # every decade, or every few
            step = max(1, math.ceil(len(decades) / labels))
            major = [float(k) for k in decades if k % step == 0]
            if len(major) < 2:  # at least two labels: every step-th decade from the first
                step = min(step, len(decades) - 1)
                major = [float(k) for k in decades[::step]]
            minor = [float(k) for k in decades if float(k) not in major]
            if step == 1 and len(decades) * 3 <= 3 * labels:
                minor += [k + math.log10(d) for k in range(first, last + 1) for d in (2, 5)
                          if lo <= k + math.log10(d) <= hi]
            return major, minor
        # Less than a decade: nice steps of the values.
        a, b = 10.0**lo, 10.0**hi
        step = _nice_step(b - a, max(1, min(labels, 5) - 1))  # n labels, n - 1 gaps
        while _fewer_than_two(a, b, step):  # at least two labels, even on a sliver
            step = _smaller_step(step)
        values = [k * step for k in range(math.ceil(a / step - 1e-9),
                                          math.floor(b / step + 1e-9) + 1)]
        values = [v for v in values if v > 0]
        keep = _thin(values, labels)
        return ([math.log10(v) for v in keep],
                [math.log10(v) for v in values if v not in keep])

    def logTickStrings(self, values: list[float], scale: float, spacing: float  # noqa: N802
                       ) -> list[str]:
        shown = [v for v in values if round(v, 9) in self._labelled]
        linear = [10.0**v for v in shown]
        gaps = np.diff(sorted(linear)) if len(linear) > 1 else np.array([])
        finest = float(gaps.min()) if gaps.size else (linear[0] if linear else 1.0)
        digits = _digits_for(linear, finest)
        out = []
        for value in values:
            if round(value, 9) not in self._labelled:
                out.append("")
                continue
            out.append(_number(10.0**value, digits))
        return out

    def tickStrings(self, values: list[float], scale: float, spacing: float  # noqa: N802
                    ) -> list[str]:
        if self.logMode:
            return self.logTickStrings(values, scale, spacing)
        hidden = [round(v, 12) in self._unlabelled for v in values]
        values = [v * scale for v in values]
        digits = _digits_for([v for v, h in zip(values, hidden, strict=True) if not h],
                             spacing * scale)
        return ["" if h else _number(v, digits, LINEAR_LARGEST_PLAIN)
                if abs(v) > 1e-12 * spacing * scale else "0"
                for v, h in zip(values, hidden, strict=True)]


LogAxis = NumberAxis  # the loss plot's name for it
