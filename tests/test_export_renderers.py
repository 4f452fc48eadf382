"""SVG and PDF exports drawn back by the renderers people use, compared with the PNG export.

Renderers: librsvg (``rsvg-convert``: GNOME, Inkscape's import, Wikipedia), headless Chromium
(browsers, slide tools built on them), Qt's ``QSvgRenderer``, and poppler (``pdftoppm``) for
the PDF. Each is asked for an image the size of the PNG (drawn at twice the figure's size) and
compared pixel by pixel: the mean difference over the image (0–255 per channel) and the
largest connected region of clearly different pixels. A test is skipped when its renderer's
program is not installed (Debian: ``librsvg2-bin``, ``poppler-utils``, ``chromium``).

The figures: one run and three runs on the Rosenbrock valley with every visual aid on; the
three-run figure also with the loss plot beside the map, and in the dark theme.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPainter

from gdsim.app.files.export import qimage_to_pil
from gdsim.app.files.figure import ExportFigure, history_of, save_figure
from gdsim.core import Run, RunConfig
from gdsim.core.session import load_session

pytestmark = pytest.mark.slow

PRESETS = Path(__file__).resolve().parent.parent / "gdsim" / "resources" / "presets"
AIDS = ("gradient", "step", "state", "scale", "taylor")
PIXEL_RATIO = 2

# Measured (one run): librsvg 0.73, Chromium 0.76, Qt 0.76, poppler 1.22 mean difference; the
# largest differing region 0 px. Qt's old QSvgGenerator file in librsvg: 54 mean, a region
# the size of the whole figure (heat map outside the axes, filled trajectory).
MAX_MEAN = 2.5
MAX_REGION = 40 * 40  # pixels of the largest region of clearly different pixels
REGION_BLOCK = 8
REGION_THRESHOLD = 40  # difference (0–255) of the blurred images that counts as different
BLUR_RADIUS = 3


def one_run() -> Run:
    run = Run(RunConfig(surface="rosenbrock", optimizer="momentum", lr=0.001,
                        optimizer_params={"momentum": 0.9}, start=(-1.5, 2), max_steps=300))
    run.advance(300)
    return run


def three_runs() -> Run:
    run = Run(load_session(PRESETS / "06-momentum.json").configs)
    run.advance(300)
    return run


def figure_of(run: Run, content: str = "trajectory", theme: str = "light") -> ExportFigure:
    return ExportFigure(run.surface, run.configs, history_of(run), content=content,
                        labels=[run.label(i) for i in range(run.runs)], aids=AIDS,
                        theme=theme)


# --- comparing images -------------------------------------------------------------------------
def pixels(path: Path, size: tuple[int, int]) -> np.ndarray:
    """The image at ``path`` over white, as an ``(h, w, 3)`` int array of ``size`` (w, h)."""
    with Image.open(path) as image:
        rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    rgb = Image.alpha_composite(white, rgba).convert("RGB")
    assert rgb.size == size, f"{path.name} is {rgb.size}, expected {size}"
    return np.asarray(rgb).astype(int)


def largest_region(mask: np.ndarray, block: int = REGION_BLOCK) -> int:
    """The pixel area of the largest 4-connected group of ``block``² tiles in which more than
    a quarter of the pixels differ (the tiles' bounding box, so a wrong shape counts whole)."""
    h, w = mask.shape
    tiles = mask[:h - h % block, :w - w % block].reshape(
        h // block, block, w // block, block).mean(axis=(1, 3)) > 0.25
    seen = np.zeros_like(tiles)
    best = 0
    for start in zip(*np.nonzero(tiles), strict=True):
        if seen[start]:
            continue
        stack, members = [start], []
        seen[start] = True
        while stack:
            y, x = stack.pop()
            members.append((y, x))
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if 0 <= ny < tiles.shape[0] and 0 <= nx < tiles.shape[1] and tiles[ny, nx] \
                        and not seen[ny, nx]:
                    seen[ny, nx] = True
                    stack.append((ny, nx))
        ys, xs = zip(*members, strict=True)
        best = max(best, (max(ys) - min(ys) + 1) * (max(xs) - min(xs) + 1) * block * block)
    return best


def box_blur(image: np.ndarray, radius: int = BLUR_RADIUS) -> np.ndarray:
    """The mean over a ``(2·radius + 1)²`` square around each pixel (edges clamped)."""
    size = 2 * radius + 1
    padded = np.pad(image, ((radius + 1, radius), (radius + 1, radius), (0, 0)), mode="edge")
    total = padded.cumsum(axis=0).cumsum(axis=1)
    return (total[size:, size:] - total[:-size, size:] - total[size:, :-size]
            + total[:-size, :-size]) / (size * size)


def compare(reference: np.ndarray, other: np.ndarray) -> tuple[float, int]:
    """Mean absolute difference (0–255) and the largest clearly different region (pixels).

    Regions are found on slightly blurred images, so that glyphs placed a fraction of a
    pixel apart (every renderer rounds text differently) do not count while a missing,
    extra or misshapen mark — a marker, a line, the map beyond the axes — does."""
    diff = np.abs(reference - other)
    blurred = np.abs(box_blur(reference.astype(float)) - box_blur(other.astype(float)))
    return float(diff.mean()), largest_region(blurred.max(axis=2) > REGION_THRESHOLD)


def check_close(reference: Path, rendered: Path, name: str, artifacts: Path) -> None:
    with Image.open(reference) as image:
        size = image.size
    ref, other = pixels(reference, size), pixels(rendered, size)
    mean, region = compare(ref, other)
    shutil.copy(rendered, artifacts / f"renderers-{name}.png")
    shutil.copy(reference, artifacts / f"renderers-{name.rsplit('-', 1)[0]}-png.png")
    diff = np.abs(ref - other).max(axis=2)
    Image.fromarray((255 - np.clip(3 * diff, 0, 255)).astype(np.uint8)).save(
        artifacts / f"renderers-{name}-diff.png")
    print(f"{name}: mean difference {mean:.2f}, largest differing region {region} px")
    assert mean < MAX_MEAN and region < MAX_REGION, (
        f"{name}: mean difference {mean:.2f} (max {MAX_MEAN}), largest differing region "
        f"{region} px (max {MAX_REGION})")


# --- renderers --------------------------------------------------------------------------------
def need(program: str) -> str:
    path = shutil.which(program)
    if path is None:
        pytest.skip(f"{program} is not installed")
    return path


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path is not None:
            return path
    pytest.skip("Chromium is not installed")


def render_rsvg(svg: Path, out: Path, size: tuple[int, int]) -> None:
    subprocess.run([need("rsvg-convert"), "-w", str(size[0]), "-h", str(size[1]), "-o",
                    str(out), str(svg)], check=True, timeout=120)


def render_chromium(svg: Path, out: Path, size: tuple[int, int]) -> None:
    program = chromium()
    page = svg.with_suffix(".html")
    page.write_text(f'<!doctype html><html><body style="margin:0;background:white">'
                    f'<img src="{svg.name}" width="{size[0]}" height="{size[1]}" '
                    f'style="display:block"></body></html>', encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="gdsim-chromium-") as profile:
        subprocess.run([program, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--no-first-run",
                        "--disable-component-update", "--disable-sync",
                        "--hide-scrollbars", "--force-device-scale-factor=1",
                        f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}",
                        f"--screenshot={out}", page.as_uri()],
                       check=True, timeout=180, capture_output=True)


def render_qt(svg: Path, out: Path, size: tuple[int, int]) -> None:
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    assert renderer.isValid()
    image = QImage(QSize(*size), QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.white)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    qimage_to_pil(image).save(out)


def render_poppler(pdf: Path, out: Path, size: tuple[int, int], dpi: float) -> None:
    stem = out.with_suffix("")
    subprocess.run([need("pdftoppm"), "-png", "-r", f"{dpi:g}", "-singlefile", str(pdf),
                    str(stem)], check=True, timeout=120)


# --- the figures, written once per module -----------------------------------------------------
FIGURES: dict[str, Callable[[], ExportFigure]] = {
    "one-run": lambda: figure_of(one_run()),
    "three-runs": lambda: figure_of(three_runs()),
    "three-runs-both": lambda: figure_of(three_runs(), "both"),
    "three-runs-dark": lambda: figure_of(three_runs(), theme="dark"),
}


@pytest.fixture(scope="module")
def exported(qapp, tmp_path_factory) -> dict[str, dict[str, Path]]:  # noqa: ANN001
    """Each figure as PNG (twice its size), SVG and PDF."""
    folder = tmp_path_factory.mktemp("renderers")
    files: dict[str, dict[str, Path]] = {}
    for name, make in FIGURES.items():
        figure = make()
        try:
            files[name] = {}
            for ext in ("png", "svg", "pdf"):
                path = folder / f"{name}.{ext}"
                save_figure(figure, path, scale=PIXEL_RATIO, title=name)
                files[name][ext] = path
        finally:
            figure.close()
            figure.deleteLater()
    return files


def png_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


@pytest.mark.parametrize("figure", list(FIGURES))
def test_librsvg_draws_the_svg_like_the_png(exported, figure: str, artifacts_dir: Path  # noqa: ANN001
                                           ) -> None:
    files = exported[figure]
    out = files["svg"].with_name(f"{figure}-rsvg.png")
    render_rsvg(files["svg"], out, png_size(files["png"]))
    check_close(files["png"], out, f"{figure}-rsvg", artifacts_dir)


@pytest.mark.parametrize("figure", list(FIGURES))
def test_chromium_draws_the_svg_like_the_png(exported, figure: str, artifacts_dir: Path  # noqa: ANN001
                                            ) -> None:
    files = exported[figure]
    out = files["svg"].with_name(f"{figure}-chromium.png")
    render_chromium(files["svg"], out, png_size(files["png"]))
    check_close(files["png"], out, f"{figure}-chromium", artifacts_dir)


@pytest.mark.parametrize("figure", list(FIGURES))
def test_qt_draws_the_svg_like_the_png(exported, figure: str, artifacts_dir: Path  # noqa: ANN001
                                      ) -> None:
    files = exported[figure]
    out = files["svg"].with_name(f"{figure}-qt.png")
    render_qt(files["svg"], out, png_size(files["png"]))
    check_close(files["png"], out, f"{figure}-qt", artifacts_dir)


@pytest.mark.parametrize("figure", list(FIGURES))
def test_poppler_draws_the_pdf_like_the_png(exported, figure: str, artifacts_dir: Path  # noqa: ANN001
                                           ) -> None:
    files = exported[figure]
    size = png_size(files["png"])
    out = files["pdf"].with_name(f"{figure}-poppler.png")
    page_width_pt = _page_width_points(files["pdf"])
    render_poppler(files["pdf"], out, size, dpi=72 * size[0] / page_width_pt)
    check_close(files["png"], out, f"{figure}-poppler", artifacts_dir)


def _page_width_points(pdf: Path) -> float:
    match = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", pdf.read_bytes())
    assert match, "the PDF has no MediaBox"
    return float(match.group(1))


def test_pdf_embeds_its_fonts(exported) -> None:  # noqa: ANN001
    program = need("pdffonts")
    listing = subprocess.run([program, str(exported["three-runs"]["pdf"])], check=True,
                             capture_output=True, text=True, timeout=60).stdout
    rows = listing.strip().splitlines()[2:]
    assert rows, "the PDF has no fonts: its text is not text"
    for row in rows:
        assert " yes " in row.split("Identity-H")[-1] or row.split()[-5] == "yes", row


def test_svg_is_self_contained_and_clipped(exported) -> None:  # noqa: ANN001
    text = exported["three-runs"]["svg"].read_text(encoding="utf-8")
    assert "vector-effect" not in text and "font-family" not in text  # text as outlines
    assert "<clipPath" in text and 'clip-path="url(#clip' in text
    widths = [float(w) for w in re.findall(r'stroke-width="([\d.]+)"', text)]
    assert widths and max(widths) < 10 and min(widths) > 0.2  # page pixels, not data units
    assert text.count("<image") <= 3  # the heat map and the colour bar; markers are shapes
    assert os.path.getsize(exported["three-runs"]["svg"]) < 2_000_000


def test_the_comparison_catches_what_was_broken(qapp, tmp_path: Path) -> None:  # noqa: ANN001
    """Negative control: Qt's own SVG generator (what the export used to write) drawn by
    librsvg differs clearly — the comparison above can fail."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtSvg import QSvgGenerator
    from PySide6.QtWidgets import QWidget

    figure = figure_of(one_run())
    try:
        save_figure(figure, tmp_path / "good.png", scale=PIXEL_RATIO)
        generator = QSvgGenerator()
        generator.setFileName(str(tmp_path / "old.svg"))
        generator.setSize(figure.size())
        generator.setViewBox(QRect(0, 0, figure.width(), figure.height()))
        painter = QPainter(generator)
        QWidget.render(figure, painter, QPoint())
        painter.end()
    finally:
        figure.close()
        figure.deleteLater()
    size = png_size(tmp_path / "good.png")
    render_rsvg(tmp_path / "old.svg", tmp_path / "old.png", size)
    mean, region = compare(pixels(tmp_path / "good.png", size),
                           pixels(tmp_path / "old.png", size))
    print(f"Qt's QSvgGenerator file in librsvg: mean difference {mean:.2f}, region {region} px")
    assert mean > MAX_MEAN or region > 10 * MAX_REGION
