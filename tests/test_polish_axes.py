"""Issue 8, first minutes item 1 and 2: tick labels read back as their values; every axis
labels at least two ticks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdsim.app.plots.axes import NumberAxis

_SUPERSCRIPTS = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def read_back(label: str) -> float:
    """The number a tick label says: "2.5", "−3", "5·10⁻⁴", "10⁶"."""
    label = label.replace("−", "-")
    if "10" in label and any(c in label for c in "⁰¹²³⁴⁵⁶⁷⁸⁹"):
        mantissa, _, power = label.rpartition("10")
        mantissa = mantissa.rstrip("·") or "1"
        return float(mantissa) * 10.0 ** int(power.translate(_SUPERSCRIPTS))
    return float(label)


def labelled(axis: NumberAxis, lo: float, hi: float, size: float, top_only: bool = False
             ) -> list[tuple[float, str]]:
    """(value, label) of the labelled ticks; ``top_only``: the top level, which pyqtgraph
    always labels (lower levels only where their labels fit)."""
    out = []
    levels = axis.tickValues(lo, hi, size)
    for spacing, values in levels[:1] if top_only else levels:
        for value, text in zip(values, axis.tickStrings(list(values), 1.0, spacing),
                               strict=True):
            if text:
                out.append((10.0**value if axis.logMode else value, text))
    return out


@pytest.mark.parametrize(("lo", "hi"), [(-10.0, 10.0), (-8.3, 8.3), (-6.0, 6.0), (-4.0, 4.5)])
def test_ticks_between_integers_read_back(qapp, lo: float, hi: float) -> None:
    """The map of the bowl or Himmelblau: ticks at ±2.5, ±7.5 read "2.5", "7.5"."""
    axis = NumberAxis("bottom")
    for size in (200, 300, 420, 700):
        for value, text in labelled(axis, lo, hi, size):
            assert read_back(text) == pytest.approx(value, abs=1e-9), (lo, hi, size, text)
    assert axis.tickStrings([-7.5, -2.5, 2.5, 7.5], 1.0, 2.5) == ["-7.5", "-2.5", "2.5", "7.5"]
    assert axis.tickStrings([1000.5, 1001.0], 1.0, 0.5) == ["1000.5", "1001"]


@settings(max_examples=300, deadline=None)
@given(center=st.floats(-1e7, 1e7), span=st.floats(1e-6, 1e8),
       size=st.floats(40, 900), vertical=st.booleans())
def test_linear_tick_labels_always_read_back_and_are_at_least_two(
        qapp, center: float, span: float, size: float, vertical: bool) -> None:
    lo, hi = center - span / 2, center + span / 2
    if hi - lo < 1e-9 * max(1.0, abs(center)):  # below float resolution: no ticks to tell apart
        return
    axis = NumberAxis("left" if vertical else "bottom")
    top = labelled(axis, lo, hi, size, top_only=True)
    assert 2 <= len(top) <= max(2, int(size / (34 if vertical else 60))) + 1  # never crowded
    ticks = labelled(axis, lo, hi, size)
    spacing = min(np.diff(sorted(v for v, _ in ticks)))
    for value, text in ticks:
        assert abs(read_back(text) - value) <= 1e-3 * spacing, (lo, hi, text, value)
    assert len({t for _, t in ticks}) == len(ticks)  # no two ticks read the same


@settings(max_examples=300, deadline=None)
@given(lo=st.floats(-12, 12), decades=st.floats(0.002, 30), size=st.floats(60, 900))
def test_log_tick_labels_read_back_and_are_at_least_two(qapp, lo: float, decades: float,
                                                        size: float) -> None:
    axis = NumberAxis("left")
    axis.setLogMode(False, True)
    ticks = labelled(axis, lo, lo + decades, size)
    assert len(ticks) >= 2, (lo, decades, size)
    for value, text in ticks:
        assert read_back(text) == pytest.approx(value, rel=1e-6), (text, value)
    assert len({t for _, t in ticks}) == len(ticks)
    assert all(math.isfinite(v) for v, _ in ticks)


@pytest.mark.parametrize(("lo", "hi", "size"), [(-0.3, 10.3, 600), (-0.2, 8.2, 900),
                                                (-0.1, 3.1, 300), (0, 250_000, 500)])
def test_the_step_axis_has_whole_numbers_only(qapp, lo: float, hi: float, size: float) -> None:
    axis = NumberAxis("bottom", integer=True)
    ticks = labelled(axis, lo, hi, size)
    assert len(labelled(axis, lo, hi, size, top_only=True)) >= 2
    assert all(float(v).is_integer() for v, _ in ticks), ticks
    for spacing, _ in axis.tickValues(lo, hi, size):
        assert spacing >= 1
