"""View ▸ 3-D: unavailable (and harmless) offscreen; painted under Xvfb with Mesa."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gdsim.core.config import RunConfig

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
ROOT = Path(__file__).resolve().parent.parent


def test_offscreen_the_3d_view_says_it_is_unavailable_and_the_rest_works(qtbot) -> None:
    from PySide6.QtGui import QGuiApplication

    from gdsim.app import MainWindow

    assert QGuiApplication.platformName() == "offscreen"
    w = MainWindow([RunConfig(surface="himmelblau", max_steps=10**6, grad_tol=0.0)])
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.history is not None)
    action = w.findChild(type(w.window_actions.run), "action_view_3d")
    assert action is not None and action.text() == "&3-D" and action.isCheckable()
    view_menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions()
    action.setChecked(True)
    window = w.view_3d_window
    qtbot.waitUntil(window.isVisible)
    view = w.view_3d
    assert not view.available and view.gl is None
    assert view.message.isVisibleTo(window)
    assert "unavailable" in view.message.text() and "offscreen" in view.message.text()
    assert not view.export_button.isEnabled()
    with pytest.raises(OSError, match="unavailable"):
        view.export_png(ROOT / "artifacts" / "never.png")
    w.play()
    qtbot.waitUntil(lambda: w.history.length > 50, timeout=10_000)  # the runs go on
    w.pause()
    window.close()
    assert not action.isChecked()
    # Not a child of the main window (which would then be composed through OpenGL), but
    # kept above it, closed with it and deleted with it.
    assert window.parent() is None and window not in w.findChildren(type(window))
    action.setChecked(True)
    qtbot.waitUntil(window.isVisible)
    assert window.windowHandle().transientParent() is w.windowHandle()
    w.close()
    assert not window.isVisible() and not action.isChecked()


def test_the_3d_window_is_deleted_with_the_main_window(qtbot) -> None:
    from gdsim.app import MainWindow

    w = MainWindow([RunConfig(surface="himmelblau")])  # deleted here, not by qtbot
    w.show()
    window = w.view_3d_window
    w.close()
    with qtbot.waitSignal(window.destroyed, timeout=5_000):
        w.deleteLater()


SCRIPT = r"""
import json, sys, time
import numpy as np
from PySide6.QtCore import QEventLoop
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)


def wait_for(condition, seconds=10.0):
    # Process events (waiting for each, up to 50 ms) until condition() or the time-out.
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
from gdsim.app import MainWindow, style
from gdsim.core.config import RunConfig

out = {"platform": QApplication.platformName()}
configs = [RunConfig(surface="rosenbrock", optimizer=o, max_steps=120, grad_tol=0.0)
           for o in ("adam", "momentum")]
w = MainWindow(configs)
w.resize(1000, 700)
w.show()
w.view_3d_window.action.setChecked(True)
for _ in range(200):
    app.processEvents()
v = w.view_3d
out["available"] = v.available
# The main window's own painting stays raster, with the 3-D window open or not.
out["surfaces"] = [w.windowHandle().surfaceType().name,
                   w.view_3d_window.windowHandle().surfaceType().name]
out["reason"] = v.reason
w.step()
for _ in range(119):
    w.step()
# The engine runs in a compute process: wait for its frames to arrive.
wait_for(lambda: w.history is not None and w.history.length == 121)
out["steps"] = w.history.length
out["log"] = bool(v.scale.log)
heights = v.mesh_heights()
out["heights"] = [float(heights.min()), float(heights.max())]
out["paths"] = [bool(p.visible()) for p in v._paths]
out["latest"] = v.current_points.tolist()
img = v.grab_image().convertToFormat(v.grab_image().Format.Format_RGB32)
w_, h_ = img.width(), img.height()
ptr = img.constBits()
pixels = np.frombuffer(ptr, dtype=np.uint8, count=w_ * h_ * 4).reshape(h_, w_, 4)[..., :3]
rgb = pixels[..., ::-1].astype(int)  # BGRA in memory
out["size"] = [w_, h_]
out["distinct"] = int(len(np.unique(rgb.reshape(-1, 3), axis=0)))
background = np.all(rgb >= 250, axis=-1)
out["background"] = float(background.mean())
r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
# Viridis (dark purple → blue-green → yellow), shaded: blue or green dominates red, or yellow.
mesh = (~background) & (((g > r + 10) | (b > r + 10)) | ((r > 120) & (g > 120) & (b < 90)))
out["mesh"] = float(mesh.mean())
lane = QColor(style.lane_hex(0))
near = np.abs(rgb - np.array([lane.red(), lane.green(), lane.blue()])).sum(axis=-1) < 60
out["lane0"] = int(near.sum())
w.model.set_cursor(0)  # the timeline's cursor: every view shows step 0
wait_for(lambda: v.history is not None and v.history.length == 1)
out["cursor0"] = v.current_points.tolist()
out["start_z"] = float(v._lifted(w.history.theta[:1, 0, :], w.history.loss[:1, 0])[0, 2])
w.model.set_cursor(None)
wait_for(lambda: v.history is not None and v.history.length > 1)
out["live_again"] = v.current_points.tolist()
v.set_cursor(0)  # the view's own cursor
out["own_cursor0"] = v.current_points.tolist()
v.set_cursor(None)
path = sys.argv[1]
v.export_png(path)
out["export"] = path
# A one-parameter surface: said plainly, no mesh.
w.set_configs([RunConfig(surface="parabola", max_steps=5)])
for _ in range(200):
    app.processEvents()
out["one_d"] = v.message.text()
print("RESULT " + json.dumps(out))
w.close()
"""


@pytest.mark.slow
def test_under_xvfb_the_mesh_and_the_paths_are_painted(tmp_path: Path, artifacts_dir: Path
                                                        ) -> None:
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed")
    pytest.importorskip("OpenGL")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY",
                                                             "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["QT_QPA_PLATFORM"] = "xcb"
    png = artifacts_dir / "view3d-xvfb.png"
    result = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1280x1024x24", sys.executable, "-c", SCRIPT,
         str(png)], capture_output=True, text=True, env=env, timeout=180, check=False)
    line = next((x for x in result.stdout.splitlines() if x.startswith("RESULT ")), None)
    assert result.returncode == 0 and line, result.stdout + result.stderr
    out = json.loads(line.removeprefix("RESULT "))
    assert out["platform"] == "xcb" and out["available"], out["reason"]
    # Qt composes a window through OpenGL when any child, child windows included, needs it:
    # the 3-D window must not make the main window upload itself as a texture every paint.
    assert out["surfaces"] == ["RasterSurface", "OpenGLSurface"]
    assert out["steps"] == 121 and out["log"]  # Rosenbrock's map is log-scaled: so the height
    low, high = out["heights"]
    assert 0.0 <= low < 0.01 and high == pytest.approx(2.0)  # ½ of the 4-wide box: the top
    assert out["paths"] == [True, True]
    assert len(out["latest"]) == 2
    w, h = out["size"]
    assert w > 200 and h > 150
    assert out["distinct"] > 500  # painted: not a uniform picture
    assert 0.05 < out["background"] < 0.95
    assert out["mesh"] > 0.05  # the colour map's colours cover a good part of the picture
    assert out["lane0"] > 20  # the first run's path and point in its lane colour
    # The timeline's cursor at step 0: every run's current point is back at the start.
    start = [-1.5, 2.0]
    for x, y, z in out["cursor0"]:
        assert (x, y) == pytest.approx(start) and z == pytest.approx(out["start_z"])
    assert out["cursor0"] != out["latest"]
    np.testing.assert_allclose(out["live_again"], out["latest"])
    np.testing.assert_allclose(out["own_cursor0"], out["cursor0"])
    assert Path(out["export"]).stat().st_size > 10_000
    assert "two parameters" in out["one_d"]
