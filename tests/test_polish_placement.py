"""The label placement routine (Qt-free) and the map's overlays that use it."""

from __future__ import annotations

import pytest

from gdsim.app.model.placement import Box, Candidate, Segment, cost, costs, place


def test_boxes_measure_overlap_and_what_sticks_out() -> None:
    a, b = Box(0, 0, 10, 10), Box(5, 5, 10, 10)
    assert a.overlap(b) == 25 and a.overlap(Box(20, 20, 1, 1)) == 0
    assert Box(-5, 0, 10, 10).outside(Box(0, 0, 100, 100)) == 50
    assert Box.anchored(10, 10, 4, 2, (1.0, 0.0)) == Box(6, 10, 4, 2)
    shaft = Segment(0, 5, 100, 5, width=2)
    assert shaft.covered(Box(0, 0, 50, 10)) == pytest.approx(100, rel=0.15)
    assert shaft.covered(Box(0, 20, 50, 10)) == 0


def test_place_picks_the_first_free_candidate() -> None:
    bounds = Box(0, 0, 200, 100)
    candidates = [Candidate(190, 50, (0, 0.5)),  # would stick out on the right
                  Candidate(50, 50, (0, 0.5)),   # on the marker
                  Candidate(100, 10, (0, 0)),    # free
                  Candidate(100, 60, (0, 0))]    # free too, but later
    marker = Box.around(60, 50, 8)
    index, box = place(40, 20, candidates, [marker], [], bounds)
    assert index == 2 and box == Box(100, 10, 40, 20)
    assert cost(box, [marker], [], bounds) == 0
    # Nothing free: the least bad one (a little covered beats far outside).
    index, _ = place(40, 20, candidates[:2], [marker], [], bounds)
    assert index == 1
    with pytest.raises(ValueError):
        place(1, 1, [])


def test_vectorised_costs_equal_the_scalar_cost_of_each_candidate() -> None:
    import numpy as np

    rng = np.random.default_rng(3)
    bounds = Box(0, 0, 300, 200)
    boxes = [Box(*rng.uniform(-20, 250, 2), *rng.uniform(5, 60, 2)) for _ in range(7)]
    segments = [Segment(*rng.uniform(-50, 350, 4), width=float(rng.uniform(1, 5)))
                for _ in range(4)] + [Segment(0, 0, float("inf"), 3)]
    anchors = [(0.0, 0.0), (1.0, 0.5), (0.5, 1.0)]
    candidates = [Candidate(*rng.uniform(-30, 330, 2), anchors[i % 3]) for i in range(40)]
    want = [cost(Box.anchored(c.x, c.y, 45, 18, c.anchor), boxes, segments, bounds)
            for c in candidates]
    np.testing.assert_allclose(costs(45, 18, candidates, boxes, segments, bounds), want,
                               rtol=1e-12, atol=1e-9)
    index, _ = place(45, 18, candidates, boxes, segments, bounds)
    assert index == int(np.argmin(want))


# --- the map's overlays -------------------------------------------------------------------------
def _label_boxes(view):
    """Screen boxes of the shown aid labels, and the frame they were measured in."""
    from gdsim.app.plots.arrow import pixel_size
    from gdsim.app.plots.overlay_layout import ScreenFrame

    vb = view.plot_item.getViewBox()
    frame = ScreenFrame(*vb.viewRange(), *pixel_size(view.plot_item))
    aids = view.aids
    items = {"gradient": aids.gradient.label, "step": aids.step.label,
             "state": aids.state.label, "scale": aids.scale_text, "taylor": aids.taylor_text}
    boxes = {}
    for name, item in items.items():
        if item.isVisible() and (not hasattr(item, "textItem")
                                 or item.textItem.toPlainText()):
            boxes[name] = frame.rect(item.mapRectToView(item.boundingRect()))
    return frame, boxes


@pytest.mark.parametrize(("surface", "optimizer", "start", "lr", "steps"), [
    ("himmelblau", "gd", (0.5, -4.5), None, 3),
    ("himmelblau", "momentum", (-1.0, 1.0), None, 6),
    ("rosenbrock", "adam", None, 0.05, 5),
    ("bowl", "gd", None, None, 1),
])
def test_overlays_never_overlap_each_other_markers_or_the_edge(
        qtbot, surface: str, optimizer: str, start, lr, steps: int) -> None:
    from gdsim.app import MainWindow
    from gdsim.app.model.placement import Box, Segment
    from gdsim.core.config import RunConfig

    w = MainWindow([RunConfig(surface=surface, optimizer=optimizer, start=start, lr=lr)])
    qtbot.addWidget(w)
    w.resize(1024, 640)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None)
    for action in w.window_actions.aids.values():
        action.setChecked(True)
    for _ in range(steps):
        with qtbot.waitSignal(w.sigRedrawn, timeout=5000):
            w.action_step.trigger()
    view = w.surface_view
    frame, boxes = _label_boxes(view)
    assert "taylor" in boxes and "gradient" in boxes
    bounds = frame.bounds()
    markers = [Box.around(*frame.to_screen(x, y), 7.0)
               for x, y in view.critical_points.positions()]
    snap = view.aids.snapshot
    markers.append(Box.around(*frame.to_screen(*snap.theta[:2]), 6.0))
    names = list(boxes)
    for i, a in enumerate(names):
        box = boxes[a]
        assert box.outside(bounds) < 1.0, (a, box, bounds)  # inside the map
        for b in names[i + 1:]:
            assert box.overlap(boxes[b]) < 1.0, (a, b)
        for marker in markers:
            assert box.overlap(marker) < 1.0, (a, marker)
    for name in ("gradient", "step", "state"):
        arrow = getattr(view.aids, name)
        if name in boxes and arrow.tail is not None:
            shaft = Segment(*frame.to_screen(*arrow.tail), *frame.to_screen(*arrow.tip), 2.0)
            assert shaft.covered(boxes[name]) < 4.0, name  # not through its own label
    w.close()
