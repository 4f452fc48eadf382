"""Writing figures and runs to files: PNG, SVG, PDF, animated GIF, MP4, CSV and JSON.

Figures are written from a recording of what the widget paints (:mod:`gdsim.app.files.drawing`):
SVG serialised from it (clip paths, absolute stroke widths, text as outlines — it renders the
same in librsvg, browsers and Qt), PDF and PNG replayed from it through Qt's painters. Neither
Qt's ``QSvgGenerator`` (no clipping, cosmetic widths under a ~50× scale) nor pyqtgraph 0.14's
SVGExporter (fails under current Qt, pyqtgraph issue #3485) is used. Every writer goes through
a temporary file in the target folder that replaces the target only when complete, so a
failed or cancelled export leaves no partial file behind.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSize, QSizeF
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter, QTransform
from PySide6.QtWidgets import QWidget

from gdsim.app.files.drawing import Drawing, record, replay, svg_document, to_image
from gdsim.app.model.history import History
from gdsim.core.config import RunConfig
from gdsim.core.csvio import trajectory_table, write_tables
from gdsim.core.fileio import atomic_path
from gdsim.core.session import Session

FIGURE_FORMATS = {".png": "PNG image", ".svg": "SVG drawing", ".pdf": "PDF document",
                  ".gif": "Animated GIF", ".mp4": "MP4 video (H.264)"}
DATA_FORMATS = {".csv": "Trajectories (CSV)",
                ".json": "Run: configuration and trajectory (JSON)"}
ALL_FORMATS = {**FIGURE_FORMATS, **DATA_FORMATS}
ANIMATIONS = (".gif", ".mp4")


class ExportError(Exception):
    """An export cannot be done; the message says why, in words for the user."""


class ExportCancelled(ExportError):
    """The user cancelled an export; nothing was written."""


def export_format(path: Path, allowed: dict[str, str] = ALL_FORMATS) -> str:
    """The format of ``path`` by its extension, after checking its folder is writable.

    Raises:
        ExportError: unknown extension, missing folder, or a folder that cannot be written.
    """
    suffix = path.suffix.lower()
    if suffix not in allowed:
        choices = ", ".join(allowed)
        shown = f"'{path.suffix}'" if path.suffix else "no extension"
        raise ExportError(f"Unknown export format {shown} for {path.name}: use one of {choices}")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"Cannot write {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"Cannot write {path}: the folder {folder} is not writable")
    if path.is_dir():
        raise ExportError(f"Cannot write {path}: it is a folder")
    return suffix


def _check_written(ok: bool, path: Path) -> None:
    if not ok:
        raise ExportError(f"Cannot write {path}: Qt could not save the file")


def render_image(widget: QWidget, scale: float = 2.0, size: QSize | None = None) -> QImage:
    """The widget painted into an image ``scale`` times its size, or exactly ``size``, from
    its recording (so lines keep their width relative to the text at any scale)."""
    return to_image(record(widget), scale, None, size)


def _drawing(source: QWidget | Drawing) -> Drawing:
    return source if isinstance(source, Drawing) else record(source)


def write_png(source: QWidget | Drawing, path: Path, scale: float = 2.0,
              size: QSize | None = None, background: QColor | None = None) -> None:
    """A PNG ``scale`` times the drawing's size, or exactly ``size``."""
    image = to_image(_drawing(source), scale, background, size)
    with atomic_path(path) as tmp:
        _check_written(image.save(str(tmp), "PNG"), path)


def write_svg(source: QWidget | Drawing, path: Path, scale: float = 1.0, title: str = "",
              description: str = "", background: QColor | None = None) -> None:
    """An SVG 1.1 file ``scale`` times the drawing's size (see :func:`svg_document`)."""
    text = svg_document(_drawing(source), scale=scale, title=title,
                        description=description, background=background)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_pdf(source: QWidget | Drawing, path: Path, scale: float = 1.0, title: str = "",
              background: QColor | None = None) -> None:
    """One page the drawing's size times ``scale`` (1 CSS pixel = 0.75 pt), drawn as vectors;
    text stays text, in the fonts the figure was laid out with (embedded subsets)."""
    drawing = _drawing(source)
    with atomic_path(path) as tmp:
        writer = QPdfWriter(str(tmp))
        writer.setTitle(title)
        writer.setCreator("gdsim")
        writer.setResolution(round(drawing.dpi))
        points = 72.0 / drawing.dpi * scale
        page = QPageSize(QSizeF(drawing.width * points, drawing.height * points),
                         QPageSize.Unit.Point, name="figure",
                         matchPolicy=QPageSize.SizeMatchPolicy.ExactMatch)
        writer.setPageLayout(QPageLayout(page, QPageLayout.Orientation.Portrait,
                                         QMarginsF(0, 0, 0, 0)))
        painter = QPainter()
        if not painter.begin(writer):
            raise ExportError(f"Cannot write {path}: the PDF writer did not start")
        try:
            rect = painter.viewport()
            factor = min(rect.width() / drawing.width, rect.height() / drawing.height)
            if background is not None:
                painter.fillRect(rect, background)
            replay(drawing, painter, QTransform.fromScale(factor, factor))
        finally:
            painter.end()


def qimage_to_pil(image: QImage):  # noqa: ANN201 - PIL.Image.Image, imported lazily
    """The image's pixels as a PIL RGB image (copied straight, no encoding round trip)."""
    from PIL import Image

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    return Image.frombuffer("RGB", (rgb.width(), rgb.height()), bytes(rgb.constBits()), "raw",
                            "RGB", rgb.bytesPerLine(), 1).copy()


def _check_animation(count: int, fps: float) -> None:
    if count < 1:
        raise ExportError("An animation needs at least one frame")
    if not 0 < fps <= 100:
        raise ExportError(f"Invalid frame rate {fps:g}: choose between 1 and 100 frames/s")


def gif_palette(image, keep: Sequence[QColor | str] = (), colors: int = 256):  # noqa: ANN001, ANN201
    """A palette image for ``image`` (PIL RGB): the ``keep`` colours exactly, then the image's
    own most representative colours (median cut) up to ``colors`` entries."""
    from PIL import Image

    reserved: list[tuple[int, int, int]] = []
    for c in keep:
        q = QColor(c)
        rgb = (q.red(), q.green(), q.blue())
        if rgb not in reserved:
            reserved.append(rgb)
    reserved = reserved[:colors // 4]
    adaptive = image.quantize(colors=colors - len(reserved),
                              method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    found = adaptive.getpalette()[:3 * (colors - len(reserved))]
    entries = reserved + [tuple(found[i:i + 3]) for i in range(0, len(found), 3)
                          if tuple(found[i:i + 3]) not in reserved]
    flat = [v for rgb in entries[:colors] for v in rgb]
    palette = Image.new("P", (1, 1))
    palette.putpalette(flat)  # no padding: nothing maps to an index past the colours
    return palette


class _NearestColour:
    """Maps RGB pixels to the index of the nearest palette colour (exact: a colour in the
    palette maps to itself — Pillow's own mapping works on a coarser colour cube), with a
    cache of the colours seen so far."""

    def __init__(self, palette) -> None:  # noqa: ANN001 - (n, 3) int array
        import numpy as np

        self.palette = palette
        self.keys = np.zeros(0, dtype=np.int64)
        self.values = np.zeros(0, dtype=np.uint8)

    def __call__(self, pixels):  # noqa: ANN001, ANN204 - (h, w, 3) uint8 → (h, w) uint8
        import numpy as np

        packed = (pixels[..., 0].astype(np.int64) << 16) | (pixels[..., 1].astype(np.int64)
                                                             << 8) | pixels[..., 2]
        unique, inverse = np.unique(packed.ravel(), return_inverse=True)
        pos = np.searchsorted(self.keys, unique)
        known = pos < len(self.keys)
        known[known] = self.keys[pos[known]] == unique[known]
        result = np.empty(len(unique), dtype=np.uint8)
        result[known] = self.values[pos[known]]
        new = unique[~known]
        if len(new):
            colours = np.stack([(new >> 16) & 255, (new >> 8) & 255, new & 255], axis=1)
            nearest = np.concatenate([
                ((colours[i:i + 2048, None, :] - self.palette[None]) ** 2).sum(axis=2)
                .argmin(axis=1) for i in range(0, len(colours), 2048)]).astype(np.uint8)
            result[~known] = nearest
            keys = np.concatenate([self.keys, new])
            order = np.argsort(keys, kind="stable")
            self.keys, self.values = keys[order], np.concatenate([self.values, nearest])[order]
        return result[inverse].reshape(pixels.shape[:2])


GIF_COLORS = 255
GIF_UNCHANGED = 255
"""The palette index of a GIF frame's pixels that keep the previous frame's colour (drawn
transparent over it): long runs of one index, which LZW stores in a few bytes."""


def write_gif(frames: Callable[[int], QImage], count: int, path: Path, fps: float,
              progress: Callable[[int], bool] | None = None,
              keep: Sequence[QColor | str] = ()) -> None:
    """An animated GIF of ``count`` frames at ``fps`` frames per second.

    One palette for every frame, made from the last frame (it shows the most) with the
    ``keep`` colours (runs, aids, background, text) exactly — so orange stays orange — and no
    dithering; each frame after the first stores only the rectangle that changed, and in it
    the unchanged pixels as transparent.
    ``frames(i)`` paints frame i; ``progress(i)`` is called after each frame and returns False
    to cancel (raising :class:`ExportCancelled`, with nothing written).
    """
    from PIL import Image

    _check_animation(count, fps)
    rgb = []
    for i in range(count):
        rgb.append(qimage_to_pil(frames(i)))
        if progress is not None and not progress(i + 1):
            raise ExportCancelled("Export cancelled")
    import numpy as np

    palette = gif_palette(rgb[-1], keep, colors=GIF_COLORS)
    mapper = _NearestColour(np.array(palette.getpalette(), dtype=np.int64).reshape(-1, 3))
    indices = [mapper(np.asarray(im)) for im in rgb]
    images = [Image.fromarray(indices[0], mode="P")]
    for before, now in zip(indices, indices[1:], strict=False):
        delta = np.where(now == before, GIF_UNCHANGED, now).astype(np.uint8)
        images.append(Image.fromarray(delta, mode="P"))
    colours = palette.getpalette()
    full = colours + [0] * (768 - len(colours))
    for image in images:
        image.putpalette(full)
    with atomic_path(path) as tmp:
        images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                       duration=round(1000 / fps), loop=0, optimize=False, disposal=1,
                       transparency=GIF_UNCHANGED)


def write_mp4(frames: Callable[[int], QImage], count: int, path: Path, fps: float,
              progress: Callable[[int], bool] | None = None, quality: int = 20) -> None:
    """An H.264 MP4 video (yuv420p, plays in browsers, slides and video tools) of ``count``
    frames at ``fps``, encoded with PyAV (FFmpeg's libx264, shipped in its wheel).

    ``quality`` is x264's constant rate factor (lower: better, larger). Odd frame sizes are
    padded by one pixel of the frame's edge colour (H.264 4:2:0 needs even sizes).
    """
    from fractions import Fraction

    _check_animation(count, fps)
    try:
        import av
    except ImportError:
        raise ExportError("MP4 export needs PyAV: pip install av") from None
    import numpy as np

    with atomic_path(path) as tmp:
        container = av.open(str(tmp), mode="w", format="mp4")
        try:
            stream = None
            for i in range(count):
                pixels = np.asarray(qimage_to_pil(frames(i)))
                h, w = pixels.shape[:2]
                if h % 2 or w % 2:
                    pixels = np.pad(pixels, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
                if stream is None:
                    stream = container.add_stream("libx264",
                                                  rate=Fraction(fps).limit_denominator(1000))
                    stream.width, stream.height = pixels.shape[1], pixels.shape[0]
                    stream.pix_fmt = "yuv420p"
                    stream.options = {"crf": str(quality), "preset": "medium"}
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(pixels), format="rgb24")
                for packet in stream.encode(frame):
                    container.mux(packet)
                if progress is not None and not progress(i + 1):
                    raise ExportCancelled("Export cancelled")
            assert stream is not None
            for packet in stream.encode():
                container.mux(packet)
        finally:
            container.close()


def write_trajectory_csv(history: History, param_names: tuple[str, ...], path: Path,
                         lanes: Sequence[int] | None = None) -> None:
    """The runs ``lanes`` (default: every run) in one long-format CSV file, with the columns
    of ``gdsim run --csv``: ``run`` (0-based), ``label``, ``step``, the parameters, ``loss``,
    the gradient, ``lr``."""
    chosen = range(history.runs) if lanes is None else lanes
    tables = [(lane, history.lanes[lane].label if lane < len(history.lanes) else "",
               trajectory_table(history.theta, history.loss, history.grad, history.lr,
                                history.lane_rows(lane), lane)) for lane in chosen]
    with atomic_path(path) as tmp:
        with open(tmp, "w", newline="", encoding="utf-8") as stream:
            write_tables(stream, param_names, tables)


def run_document(history: History, configs: Sequence[RunConfig],
                 param_names: tuple[str, ...]) -> dict:
    """Every run as JSON-ready data: the session (configs) plus each lane's trajectory."""
    lanes = []
    for lane, info in enumerate(history.lanes):
        rows = history.lane_rows(lane)
        lanes.append({
            "label": info.label,
            "status": info.status,
            "steps": rows - 1,
            "theta": {n: history.theta[:rows, lane, i].tolist()
                      for i, n in enumerate(param_names)},
            "loss": history.loss[:rows, lane].tolist(),
            "grad": {n: history.grad[:rows, lane, i].tolist()
                     for i, n in enumerate(param_names)},
            "lr": history.lr[:rows, lane].tolist(),
        })
    return {**Session(tuple(configs)).to_dict(), "trajectories": lanes}


def write_run_json(history: History, configs: Sequence[RunConfig],
                   param_names: tuple[str, ...], path: Path) -> None:
    """The whole run: a session file (it reopens as one) with the trajectories added."""
    text = json.dumps(run_document(history, configs, param_names), indent=1, allow_nan=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
