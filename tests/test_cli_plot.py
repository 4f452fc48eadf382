"""``gdsim run --plot``: every format, written headless (no display, QT_QPA_PLATFORM unset)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gdsim.app.style import LANE_COLORS

pytestmark = pytest.mark.slow


def gdsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return subprocess.run([sys.executable, "-m", "gdsim", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


BASE = ("run", "--surface", "rosenbrock", "--optimizer", "momentum", "--steps", "150")


def test_png(tmp_path: Path) -> None:
    result = gdsim(*BASE, "--plot", "out.png", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and "propagateSizeHints" not in result.stderr
    image = np.asarray(Image.open(tmp_path / "out.png").convert("RGB"))
    assert image.shape[0] >= 800 and image.shape[1] >= 1000  # twice the figure's size
    colours = np.unique(image.reshape(-1, 3) // 8, axis=0)
    assert len(colours) > 200  # a filled contour map, not a blank frame
    lane = np.array([int(LANE_COLORS[0][i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(image.astype(int) - lane).sum(axis=2) < 30).sum() > 200  # the trajectory


def test_svg(tmp_path: Path) -> None:
    result = gdsim(*BASE, "--plot", "out.svg", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "out.svg").read_text()
    root = ET.fromstring(text)
    assert root.tag.endswith("svg")
    assert LANE_COLORS[0].lower() in text.lower()  # the trajectory's pen
    assert "Rosenbrock" in text
    polylines = re.findall(r"<polyline[^>]*points=\"([^\"]+)\"", text) + \
        re.findall(r"<path[^>]* d=\"([^\"]+)\"", text)
    assert max(len(p.split()) for p in polylines) > 100  # a long path: the trajectory


def test_pdf(tmp_path: Path) -> None:
    result = gdsim(*BASE, "--plot", "out.pdf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = (tmp_path / "out.pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    pages = re.findall(rb"/Type\s*/Page[^s]", data)
    assert len(pages) == 1


def test_gif(tmp_path: Path) -> None:
    result = gdsim(*BASE, "--plot", "out.gif", "--frames", "12", "--fps", "10", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "out.gif") as gif:
        assert gif.n_frames == 12
        assert gif.info["duration"] == 100  # GIF delays are in 10 ms units
        first = np.asarray(gif.convert("RGB")).copy()
        gif.seek(11)
        last = np.asarray(gif.convert("RGB"))
    assert (first != last).any()  # the trajectory draws itself


def test_bad_plot_paths(tmp_path: Path) -> None:
    result = gdsim(*BASE, "--plot", "out.bmp", cwd=tmp_path)
    assert result.returncode == 2 and "unknown format" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = gdsim(*BASE, "--plot", str(tmp_path / "missing" / "out.png"), cwd=tmp_path)
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.lower().count("cannot write") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing partial left behind
