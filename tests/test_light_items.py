"""The light curve and marker items report the bounding rectangles pyqtgraph's own items do,
however the data and the view change (their only difference is when they compute them)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest

from gdsim.app.plots.light_items import BoundedCurve, LightDataItem, Markers, PathCurve


def _rect(item: pg.GraphicsObject) -> tuple[float, ...]:
    r = item.boundingRect()
    return (r.left(), r.top(), r.width(), r.height())


@pytest.fixture
def plot(qtbot) -> pg.PlotWidget:
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _pairs(plot: pg.PlotWidget, light: type, stock: type, **style: object) -> tuple:
    a, b = light(**style), stock(**style)
    for item in (a, b):
        plot.addItem(item)
    return a, b


def test_a_bounded_curve_bounds_what_a_plot_curve_item_bounds(plot) -> None:
    light, stock = _pairs(plot, BoundedCurve, pg.PlotCurveItem, pen=pg.mkPen("r", width=3))
    rng = np.random.default_rng(0)
    for n in (2, 50, 400):
        x, y = np.cumsum(rng.random(n)), rng.normal(size=n)
        y[n // 2] = np.nan  # a gap: bounds ignore it
        for item in (light, stock):
            item.setData(x, y, connect="finite")
        assert _rect(light) == pytest.approx(_rect(stock), rel=1e-12, abs=1e-12)
    # A new view: the padding is measured again (a pen's pixels in data units change).
    for x_range in ((0, 5), (-100, 400)):
        before = _rect(stock)
        plot.setXRange(*x_range, padding=0)
        plot.grab()  # a paint applies the new view transform
        assert _rect(stock) != pytest.approx(before, rel=1e-6)  # the padding did change
        assert _rect(light) == pytest.approx(_rect(stock), rel=1e-12)
    # Infinite values are left out as pyqtgraph does.
    for item in (light, stock):
        item.setData([0.0, 1.0, 2.0], [1.0, np.inf, 3.0])
    assert _rect(light) == pytest.approx(_rect(stock), rel=1e-12)
    for item in (light, stock):
        item.setData(np.empty(0), np.empty(0))
    assert light.boundingRect().isNull() and stock.boundingRect().isNull()


def test_markers_bound_what_a_scatter_plot_item_bounds(plot) -> None:
    light, stock = _pairs(plot, Markers, pg.ScatterPlotItem, size=12)
    for points in ([(1.0, 2.0)], [(0.0, 0.0), (3.0, -1.0), (2.0, 5.0)]):
        x, y = np.array(points).T
        for item in (light, stock):
            item.setData(x, y)
        assert _rect(light) == pytest.approx(_rect(stock), rel=1e-12)
        assert _rect(light) == _rect(light)  # kept, and still right
    before = _rect(stock)
    plot.setYRange(-50, 50, padding=0)
    plot.grab()  # a paint applies the new view transform
    assert _rect(stock) != pytest.approx(before, rel=1e-6)
    assert _rect(light) == pytest.approx(_rect(stock), rel=1e-12)
    for item in (light, stock):
        item.setSize(30)
    assert _rect(light) == pytest.approx(_rect(stock), rel=1e-12)


def test_a_light_data_item_draws_with_the_light_children(plot) -> None:
    item = LightDataItem([0.0, 1.0, 2.0], [1.0, 0.0, 4.0], pen="b", symbol="o", name="demo")
    plot.addItem(item)
    assert isinstance(item.curve, BoundedCurve) and isinstance(item.scatter, Markers)
    assert item.curve.parentItem() is item and item.scatter.parentItem() is item
    np.testing.assert_array_equal(item.curve.getData()[1], [1.0, 0.0, 4.0])
    np.testing.assert_array_equal(item.scatter.getData()[0], [0.0, 1.0, 2.0])
    assert item.name() == "demo"
    clicked = []
    item.sigClicked.connect(lambda *_: clicked.append(True))
    item.curve.sigClicked.emit(item.curve, None)
    assert clicked


def test_a_path_curve_reads_like_a_data_item(plot) -> None:
    path = PathCurve(pen=pg.mkPen("k", width=2), connect="finite")
    plot.addItem(path)
    path.setData(np.array([0.0, 1.0, 3.0]), np.array([2.0, np.nan, 1.0]), connect="finite")
    x, y = path.getOriginalDataset()
    np.testing.assert_array_equal(x, [0.0, 1.0, 3.0])
    np.testing.assert_array_equal(y, [2.0, np.nan, 1.0])
    path.setData(np.empty(0), np.empty(0))
    assert len(path.getOriginalDataset()[0]) == 0 and path.boundingRect().isNull()
