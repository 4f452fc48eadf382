"""The real app in a real X server: gdsim starts under Xvfb on Qt's xcb platform, maps its main
window and paints the contour map. A screenshot of the X server's screen (not a widget grab)
is saved to artifacts/real_window.png for people to look at.

Needs Xvfb and xwininfo (Debian: xvfb, x11-utils); skipped without Xvfb. The screenshot is
taken with xwd (Debian: x11-apps) when it is there, else through Qt (QScreen.grabWindow of the
root window) in a separate process. No fixed sleeps: every wait polls with a deadline.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ROOT / "resources" / "presets"
SCREEN = (1600, 1000)
TIMEOUT = 60.0  # seconds for each wait: a loaded 2-core CI machine starts Qt slowly

# Viridis, the colormap of the contour map: dark purple, blue, teal, green, yellow.
VIRIDIS = {"#440154": (68, 1, 84), "#3b528b": (59, 82, 139), "#21918c": (33, 145, 140),
           "#5ec962": (94, 201, 98), "#fde725": (253, 231, 37)}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("Xvfb") is None,
                       reason="Xvfb is not installed (Debian: xvfb)"),
]


# --- screenshots ----------------------------------------------------------------------------
def read_xwd(data: bytes) -> np.ndarray:
    """Decode an X Window Dump (xwd's format) of a TrueColor 24- or 32-bit ZPixmap into an
    (height, width, 3) uint8 RGB array. The header is big-endian; pixels follow the dump's
    byte order and colour masks."""
    fields = struct.unpack(">25I", data[:100])
    (header_size, version, pixmap_format, _depth, width, height, _xoffset, byte_order,
     _bitmap_unit, _bit_order, _pad, bits_per_pixel, bytes_per_line, _visual_class,
     red_mask, green_mask, blue_mask, _bits_per_rgb, _entries, ncolors) = fields[:20]
    if version != 7 or pixmap_format != 2:
        raise ValueError(f"not a version-7 ZPixmap XWD (version {version}, "
                         f"format {pixmap_format})")
    offset = header_size + 12 * ncolors  # the header (with the window name), then the colormap
    rows = np.frombuffer(data, dtype=np.uint8, count=bytes_per_line * height,
                         offset=offset).reshape(height, bytes_per_line)
    if bits_per_pixel == 32:
        pixels = rows[:, : width * 4].copy().view("<u4" if byte_order == 0 else ">u4")
    elif bits_per_pixel == 24:
        b = rows[:, : width * 3].reshape(height, width, 3).astype(np.uint32)
        pixels = (b[..., 0] | b[..., 1] << 8 | b[..., 2] << 16) if byte_order == 0 \
            else (b[..., 0] << 16 | b[..., 1] << 8 | b[..., 2])
    else:
        raise ValueError(f"unsupported XWD pixel size: {bits_per_pixel} bits")

    def channel(mask: int) -> np.ndarray:
        shift = (mask & -mask).bit_length() - 1
        return ((pixels & mask) >> shift).astype(np.uint8)

    return np.dstack([channel(red_mask), channel(green_mask), channel(blue_mask)])


_QT_GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
image = app.primaryScreen().grabWindow(0).toImage()
sys.exit(0 if image.save(sys.argv[1], "PNG") else 1)
"""


def screenshot(display: str, tmp: Path) -> np.ndarray:
    """The whole screen of ``display`` as an (h, w, 3) RGB array."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    if shutil.which("xwd"):
        proc = subprocess.run(["xwd", "-root", "-silent"], env=env, capture_output=True,
                              timeout=TIMEOUT, check=True)
        return read_xwd(proc.stdout)
    from PIL import Image

    path = tmp / "grab.png"
    subprocess.run([sys.executable, "-c", _QT_GRAB, str(path)], env=env, capture_output=True,
                   timeout=TIMEOUT, check=True)
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def paint_stats(region: np.ndarray) -> dict[str, float]:
    """What tells a painted contour map from a blank, black or half-drawn window."""
    flat = region.reshape(-1, 3)
    packed = (flat[:, 0].astype(np.uint32) << 16) | (flat[:, 1].astype(np.uint32) << 8) \
        | flat[:, 2]
    _, counts = np.unique(packed, return_counts=True)
    stats: dict[str, float] = {
        "distinct_colours": float(len(counts)),
        "top_colour_share": float(counts.max() / counts.sum()),
        "black_share": float(np.mean(np.all(flat < 16, axis=1))),
    }
    signed = flat.astype(np.int32)
    for name, rgb in VIRIDIS.items():
        near = np.sum((signed - np.array(rgb)) ** 2, axis=1) <= 20 ** 2
        stats[name] = float(near.sum())
    return stats


def looks_painted(stats: dict[str, float]) -> bool:
    viridis_present = sum(stats[name] >= 300 for name in VIRIDIS)
    return (stats["distinct_colours"] >= 2000 and stats["top_colour_share"] <= 0.8
            and stats["black_share"] <= 0.2 and viridis_present >= 4)


# --- processes ------------------------------------------------------------------------------
def _stop(proc: subprocess.Popen) -> None:
    """Terminate a process started in its own session (and its children), then reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=15)


@pytest.fixture
def xvfb(tmp_path: Path) -> Iterator[str]:
    """An Xvfb server on a free display number (it picks one: -displayfd); yields ":N"."""
    read_fd, write_fd = os.pipe()
    log = (tmp_path / "xvfb.log").open("w")
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
         "-nolisten", "tcp", "-br", "-noreset"],
        pass_fds=(write_fd,), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        start_new_session=True)
    os.close(write_fd)
    try:
        number = b""
        deadline = time.monotonic() + TIMEOUT
        while not number.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or proc.poll() is not None:
                pytest.fail("Xvfb did not start: "
                            + (tmp_path / "xvfb.log").read_text(errors="replace")[-2000:])
            ready, _, _ = select.select([read_fd], [], [], left)
            if ready:
                chunk = os.read(read_fd, 64)
                if not chunk:
                    pytest.fail("Xvfb closed -displayfd without a display number")
                number += chunk
        yield f":{int(number.strip())}"
    finally:
        os.close(read_fd)
        _stop(proc)
        log.close()


def lesson_with_contour_map() -> Path | None:
    """The first bundled lesson whose runs are on a two-parameter surface (a contour map)."""
    from gdsim.core.surfaces import SURFACES

    for path in sorted(PRESETS.glob("*.json")):
        try:
            runs = json.loads(path.read_text(encoding="utf-8")).get("runs") or []
        except (OSError, ValueError):
            continue
        surfaces = {run.get("surface") for run in runs if isinstance(run, dict)}
        if surfaces and all(s in SURFACES and len(SURFACES[s].param_names) == 2
                            for s in surfaces):
            return path
    return None


_TREE_LINE = re.compile(r'^\s*(0x[0-9a-f]+) "(?P<name>[^"]*)":.*?'
                        r"(?P<w>\d+)x(?P<h>\d+)\+-?\d+\+-?\d+\s+\+(?P<x>-?\d+)\+(?P<y>-?\d+)",
                        re.MULTILINE)


def find_main_window(display: str) -> tuple[str, str, tuple[int, int, int, int]] | None:
    """The mapped top-level window whose title names gdsim: (id, title, (x, y, w, h))."""
    env = {**os.environ, "DISPLAY": display}
    tree = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True,
                          text=True, timeout=TIMEOUT).stdout
    for m in _TREE_LINE.finditer(tree):
        title, w, h = m["name"], int(m["w"]), int(m["h"])
        if "gdsim" not in title or title.startswith("Qt ") or w < 400 or h < 300:
            continue
        info = subprocess.run(["xwininfo", "-id", m[1]], env=env, capture_output=True,
                              text=True, timeout=TIMEOUT).stdout
        if "IsViewable" in info:
            return m[1], title, (int(m["x"]), int(m["y"]), w, h)
    return None


def test_real_window_paints_the_contour_map(xvfb: str, tmp_path: Path,
                                            artifacts_dir: Path) -> None:
    if shutil.which("xwininfo") is None:
        pytest.skip("xwininfo is not installed (Debian: x11-utils)")
    lesson = lesson_with_contour_map()
    cmd = [sys.executable, "-m", "gdsim"] + ([str(lesson)] if lesson else [])
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "PYTHONPATH")}
    env.update(DISPLAY=xvfb, QT_QPA_PLATFORM="xcb", XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_RUNTIME_DIR=str(tmp_path / "runtime"))
    (tmp_path / "runtime").mkdir(mode=0o700)
    log_path = tmp_path / "app.log"

    def app_log() -> str:
        return log_path.read_text(errors="replace")[-4000:]

    with log_path.open("w") as log:
        app = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
        try:
            # 1. the main window is mapped
            deadline = time.monotonic() + TIMEOUT
            window = None
            while window is None:
                assert app.poll() is None, f"gdsim exited with {app.returncode}:\n{app_log()}"
                assert time.monotonic() < deadline, f"no gdsim window mapped:\n{app_log()}"
                window = find_main_window(xvfb)
                if window is None:
                    time.sleep(0.2)
            _, title, (x, y, w, h) = window
            assert title.startswith("gdsim") or title.endswith("gdsim"), title

            # 2. it has painted: poll screenshots until the contour map is there
            deadline = time.monotonic() + TIMEOUT
            while True:
                screen = screenshot(xvfb, tmp_path)
                region = screen[max(y, 0): y + h, max(x, 0): x + w]
                stats = paint_stats(region)
                if looks_painted(stats) or time.monotonic() > deadline:
                    break
                assert app.poll() is None, f"gdsim exited with {app.returncode}:\n{app_log()}"
                time.sleep(0.3)

            from PIL import Image

            Image.fromarray(np.ascontiguousarray(region)).save(artifacts_dir / "real_window.png")
            Image.fromarray(screen).save(artifacts_dir / "real_window_screen.png")
            assert screen.shape[:2] == (SCREEN[1], SCREEN[0])
            assert looks_painted(stats), f"the window did not paint a contour map: {stats}"
            assert app.poll() is None, f"gdsim exited with {app.returncode}:\n{app_log()}"
        finally:
            _stop(app)
    assert "Traceback" not in log_path.read_text(errors="replace"), app_log()
