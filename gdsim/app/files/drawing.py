"""A widget's painting recorded as plain shapes, then written as SVG or replayed onto a painter.

Qt's own SVG generator writes files that only Qt reads back correctly: no clipping, cosmetic
(device-pixel) line widths inside a drawing scaled ~50× (pyqtgraph's data coordinates), and
text split at every change of script. Here a small paint engine records what the widget paints
instead, with every coordinate already in figure pixels:

* filled and stroked paths, with the exact stroke width on the page (a cosmetic pen keeps its
  pixel width; a scaled pen its scaled width; a pen under a non-uniform scale becomes its
  outline, filled);
* images (the heat map), with their placement as an affine matrix;
* text items with their font, position and transform;
* the clip in force for each of them (the axes' rectangle), as a path.

:func:`svg_document` writes that as SVG 1.1 any renderer draws the same (librsvg, browsers,
Qt): text as outlines (no font needed), clip paths, strokes of absolute width, no
``vector-effect``. :func:`replay` paints it onto any ``QPainter``: a ``QImage`` (PNG, GIF and
video frames) or a ``QPdfWriter`` (text stays text there, with the fonts embedded).
"""

from __future__ import annotations

import base64
import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QLineF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QGuiApplication,
    QImage,
    QPaintDevice,
    QPaintEngine,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPixmap,
    QTransform,
)
from PySide6.QtWidgets import QWidget

_DIRTY = QPaintEngine.DirtyFlag
_CAPS = {Qt.PenCapStyle.FlatCap: "butt", Qt.PenCapStyle.SquareCap: "square",
         Qt.PenCapStyle.RoundCap: "round"}
_JOINS = {Qt.PenJoinStyle.MiterJoin: "miter", Qt.PenJoinStyle.SvgMiterJoin: "miter",
          Qt.PenJoinStyle.BevelJoin: "bevel", Qt.PenJoinStyle.RoundJoin: "round"}


@dataclass
class Fill:
    """A path filled with a colour; ``path`` in figure pixels."""

    path: QPainterPath
    color: QColor
    clip: int


@dataclass
class Stroke:
    """A path's outline drawn with a pen of ``width`` figure pixels."""

    path: QPainterPath
    color: QColor
    width: float
    cap: Qt.PenCapStyle
    join: Qt.PenJoinStyle
    miter: float
    dashes: tuple[float, ...]  # in figure pixels; empty: solid
    dash_offset: float
    clip: int


@dataclass
class Image:
    """``image`` (its pixels 0 … w, 0 … h) placed by ``transform`` into figure pixels."""

    image: QImage
    transform: QTransform
    smooth: bool
    opacity: float
    clip: int


@dataclass
class Text:
    """A run of text in one font at ``origin`` (its baseline), placed by ``transform``."""

    text: str
    font: QFont
    origin: QPointF
    transform: QTransform
    color: QColor
    width: float  # the advance width the layout gave it, in its own coordinates
    clip: int


Op = Fill | Stroke | Image | Text


@dataclass
class Drawing:
    """What a widget painted: ``ops`` in painting order over ``width × height`` pixels.

    ``clips[i]`` is the clip path (figure pixels) of ops whose ``clip`` is ``i``; ``-1``: none.
    ``dpi`` is the logical resolution fonts were laid out at.
    """

    width: int
    height: int
    dpi: float
    ops: list[Op] = field(default_factory=list)
    clips: list[QPainterPath] = field(default_factory=list)

    def recolor(self, shapes: Callable[[QColor], QColor], text: Callable[[QColor], QColor],
                keep: Callable[[Op], bool] = lambda op: False) -> None:
        """Change fill and stroke colours through ``shapes``, text colours through ``text``;
        images and ops for which ``keep(op)`` stay as they are."""
        for op in self.ops:
            if isinstance(op, Image) or keep(op):
                continue
            op.color = text(op.color) if isinstance(op, Text) else shapes(op.color)


def _with_opacity(color: QColor, opacity: float) -> QColor:
    out = QColor(color)
    if opacity < 1:
        out.setAlphaF(out.alphaF() * opacity)
    return out


def _is_similarity(t: QTransform) -> bool:
    """True when ``t`` scales both axes alike (rotation and translation allowed)."""
    a, b, c, d = t.m11(), t.m12(), t.m21(), t.m22()
    return (t.type().value <= QTransform.TransformationType.TxRotate.value
            and math.isclose(a * a + b * b, c * c + d * d, rel_tol=1e-6)
            and abs(a * c + b * d) <= 1e-9 * max(1.0, a * a + b * b))


def _explicit(font: QFont) -> QFont:
    """A copy of ``font`` with every attribute set explicitly: a text item's font carries no
    resolve mask, and a painter given it would fall back to the default weight and size."""
    out = QFont()
    out.fromString(font.toString())
    # Unhinted glyphs: the shapes the font designs, as PDF and SVG viewers draw them, and
    # the same at every scale (hinting would snap them to a different pixel grid at 2×).
    out.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
    return out


def _segments(path: QPainterPath) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The path's straight segments if it is only separate ``moveTo, lineTo`` pairs, else []."""
    kind = QPainterPath.ElementType
    n = path.elementCount()
    if n < 4 or n % 2:
        return []
    segments = []
    for i in range(0, n, 2):
        a, b = path.elementAt(i), path.elementAt(i + 1)
        if a.type != kind.MoveToElement or b.type != kind.LineToElement:
            return []
        segments.append(((a.x, a.y), (b.x, b.y)))
    return segments


def joined(path: QPainterPath) -> QPainterPath:
    """Separate segments (level lines drawn as segment pairs) chained into polylines where
    they share an end: joins instead of a cap at every vertex — square caps on short
    translucent segments draw as beads. Other paths are returned unchanged."""
    segments = _segments(path)
    if not segments:
        return path
    ends: dict[tuple[float, float], list[int]] = {}
    for index, (a, b) in enumerate(segments):
        ends.setdefault(a, []).append(index)
        ends.setdefault(b, []).append(index)
    used = [False] * len(segments)

    def walk(point: tuple[float, float]) -> list[tuple[float, float]]:
        chain = []
        while True:
            nxt = next((j for j in ends[point] if not used[j]), None)
            if nxt is None:
                return chain
            used[nxt] = True
            a, b = segments[nxt]
            point = b if a == point else a
            chain.append(point)

    out = QPainterPath()
    for index, (a, b) in enumerate(segments):
        if used[index]:
            continue
        used[index] = True
        forward = walk(b)
        backward = walk(a)
        points = [*reversed(backward), a, b, *forward]
        out.moveTo(*points[0])
        for p in points[1:]:
            out.lineTo(*p)
    return out


def _points_path(points: list, close: bool) -> QPainterPath:
    path = QPainterPath()
    if points:
        path.moveTo(QPointF(points[0]))
        for p in points[1:]:
            path.lineTo(QPointF(p))
        if close:
            path.closeSubpath()
    return path


def _guarded(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run a paint-engine override without letting an exception reach Qt.

    An exception escaping a Python override called from C++ crashes shiboken (PySide6 6.11);
    instead it is kept in ``engine.errors`` and :func:`record` raises it afterwards.
    """

    @functools.wraps(method)
    def guarded(self: _RecordingEngine, *args: Any) -> Any:
        try:
            return method(self, *args)
        except Exception as exc:  # noqa: BLE001 - re-raised by record()
            self.errors.append(exc)
            return None

    return guarded


class _RecordingEngine(QPaintEngine):
    """Turns QPainter calls into :class:`Drawing` ops (see the module docstring)."""

    def __init__(self, drawing: Drawing) -> None:
        super().__init__(QPaintEngine.PaintEngineFeature.AllFeatures)
        self.drawing = drawing
        self._transform = QTransform()
        self._pen = QPen()
        self._brush = QBrush()
        self._brush_origin = QPointF()
        self._opacity = 1.0
        self._font = QFont()
        self._hints = QPainter.RenderHint(0)
        self._clip_enabled = False
        self._clip: QPainterPath | None = None
        self._clip_index = -1
        self.errors: list[Exception] = []  # raised in overrides, re-raised by record()

    # --- QPaintEngine -----------------------------------------------------------------------
    def begin(self, device: QPaintDevice) -> bool:  # noqa: ARG002 - Qt's signature
        return True

    def end(self) -> bool:
        return True

    def type(self) -> QPaintEngine.Type:
        return QPaintEngine.Type.User

    @_guarded
    def updateState(self, state) -> None:  # noqa: ANN001, N802 - QPaintEngineState
        flags = state.state()
        if flags & _DIRTY.DirtyTransform:
            self._transform = state.transform()
        if flags & _DIRTY.DirtyPen:
            self._pen = QPen(state.pen())
        if flags & _DIRTY.DirtyBrush:
            self._brush = QBrush(state.brush())
        if flags & _DIRTY.DirtyBrushOrigin:
            self._brush_origin = QPointF(state.brushOrigin())
        if flags & _DIRTY.DirtyOpacity:
            self._opacity = state.opacity()
        if flags & _DIRTY.DirtyFont:
            self._font = QFont(state.font())
        if flags & _DIRTY.DirtyHints:
            self._hints = state.renderHints()
        if flags & (_DIRTY.DirtyClipPath | _DIRTY.DirtyClipRegion):
            if flags & _DIRTY.DirtyClipPath:
                clip = self._transform.map(state.clipPath())
            else:
                clip = QPainterPath()
                clip.addRegion(state.clipRegion())
                clip = self._transform.map(clip)
            operation = state.clipOperation()
            if operation == Qt.ClipOperation.NoClip:
                self._clip = None
            elif operation == Qt.ClipOperation.IntersectClip and self._clip is not None:
                self._clip = self._clip.intersected(clip)
            else:
                self._clip = clip
            self._clip_enabled = self._clip is not None
            self._clip_index = -2  # recomputed on the next op
        if flags & _DIRTY.DirtyClipEnabled:
            self._clip_enabled = state.isClipEnabled() and self._clip is not None
            self._clip_index = -2

    @_guarded
    def drawPath(self, path: QPainterPath) -> None:  # noqa: N802
        self._fill(path)
        self._stroke(path)

    @_guarded
    def drawPolygon(self, points, mode) -> None:  # noqa: ANN001, N802
        points = list(points)
        if mode == QPaintEngine.PolygonDrawMode.PolylineMode:
            self._stroke(_points_path(points, close=False))
            return
        path = _points_path(points, close=True)
        path.setFillRule(Qt.FillRule.OddEvenFill if mode == QPaintEngine.PolygonDrawMode
                         .OddEvenMode else Qt.FillRule.WindingFill)
        self.drawPath(path)

    @_guarded
    def drawLines(self, lines, count: int | None = None) -> None:  # noqa: ANN001, N802
        path = QPainterPath()
        for line in (lines if isinstance(lines, list | tuple) else [lines]):
            line = QLineF(line)
            path.moveTo(line.p1())
            path.lineTo(line.p2())
        self._stroke(path)

    @_guarded
    def drawRects(self, rects, count: int | None = None) -> None:  # noqa: ANN001, N802
        path = QPainterPath()
        for rect in (rects if isinstance(rects, list | tuple) else [rects]):
            path.addRect(QRectF(rect))
        self.drawPath(path)

    @_guarded
    def drawEllipse(self, rect) -> None:  # noqa: ANN001, N802
        path = QPainterPath()
        path.addEllipse(QRectF(rect))
        self.drawPath(path)

    @_guarded
    def drawPoints(self, points, count: int | None = None) -> None:  # noqa: ANN001, N802
        path = QPainterPath()
        for p in (points if isinstance(points, list | tuple) else [points]):
            path.moveTo(QPointF(p))
            path.lineTo(QPointF(p) + QPointF(1e-3, 0))
        self._stroke(path)

    @_guarded
    def drawPixmap(self, rect: QRectF, pixmap: QPixmap, source: QRectF) -> None:  # noqa: N802
        self._image(rect, pixmap.toImage(), source)

    @_guarded
    def drawImage(self, rect: QRectF, image: QImage, source: QRectF,  # noqa: N802
                  flags: Qt.ImageConversionFlag | None = None) -> None:
        self._image(rect, image, source)

    @_guarded
    def drawTiledPixmap(self, rect: QRectF, pixmap: QPixmap, offset: QPointF) -> None:  # noqa: N802
        image = QImage(max(1, math.ceil(rect.width())), max(1, math.ceil(rect.height())),
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.drawTiledPixmap(QRectF(0, 0, rect.width(), rect.height()), pixmap, offset)
        painter.end()
        self._image(rect, image, QRectF(0, 0, image.width(), image.height()))

    @_guarded
    def drawTextItem(self, origin: QPointF, item) -> None:  # noqa: ANN001, N802 - QTextItem
        text = item.text()
        if not text.strip():
            return
        color = self._pen.color() if self._pen.style() != Qt.PenStyle.NoPen else QColor(0, 0, 0)
        self.drawing.ops.append(Text(text, _explicit(item.font()), QPointF(origin),
                                     QTransform(self._transform),
                                     _with_opacity(color, self._opacity), item.width(),
                                     self._current_clip()))

    # --- recording ----------------------------------------------------------------------------
    def _current_clip(self) -> int:
        if self._clip_index == -2:
            if not self._clip_enabled or self._clip is None:
                self._clip_index = -1
            else:
                clips = self.drawing.clips
                if clips and clips[-1] == self._clip:
                    self._clip_index = len(clips) - 1
                else:
                    clips.append(QPainterPath(self._clip))
                    self._clip_index = len(clips) - 1
        return self._clip_index

    def _fill(self, path: QPainterPath) -> None:
        brush = self._brush
        if brush.style() == Qt.BrushStyle.NoBrush or path.isEmpty():
            return
        if brush.style() == Qt.BrushStyle.SolidPattern:
            color = _with_opacity(brush.color(), self._opacity)
            if color.alpha() > 0:
                self.drawing.ops.append(Fill(self._transform.map(path), color,
                                             self._current_clip()))
            return
        self._rasterized(lambda p: p.fillPath(path, brush), self._transform.map(path))

    def _stroke(self, path: QPainterPath) -> None:
        pen = self._pen
        if pen.style() == Qt.PenStyle.NoPen or path.isEmpty():
            return
        if pen.brush().style() not in (Qt.BrushStyle.SolidPattern, Qt.BrushStyle.NoBrush):
            outline = QPainterPathStroker(pen).createStroke(path)
            self._rasterized(lambda p: p.fillPath(outline, pen.brush()),
                             self._transform.map(outline))
            return
        color = _with_opacity(pen.color(), self._opacity)
        if color.alpha() == 0:
            return
        path = joined(path)
        width = pen.widthF() or 1.0
        t = self._transform
        if pen.isCosmetic() or pen.widthF() == 0:
            page_width, device_path = width, t.map(path)
        elif _is_similarity(t):
            page_width, device_path = width * math.sqrt(abs(t.determinant())), t.map(path)
        else:  # a pen under a non-uniform scale: its outline, exactly as Qt would draw it
            outline = QPainterPathStroker(pen).createStroke(path)
            outline.setFillRule(Qt.FillRule.WindingFill)
            self.drawing.ops.append(Fill(t.map(outline), color, self._current_clip()))
            return
        dashes: tuple[float, ...] = ()
        if pen.style() != Qt.PenStyle.SolidLine:
            dashes = tuple(d * page_width for d in pen.dashPattern())
        self.drawing.ops.append(Stroke(device_path, color, page_width, pen.capStyle(),
                                       pen.joinStyle(), pen.miterLimit(), dashes,
                                       pen.dashOffset() * page_width, self._current_clip()))

    def _image(self, rect: QRectF, image: QImage, source: QRectF) -> None:
        if image.isNull() or rect.isEmpty():
            return
        full = QRectF(0, 0, image.width(), image.height())
        if QRectF(source) != full:
            image = image.copy(QRectF(source).toAlignedRect())
            source = QRectF(0, 0, image.width(), image.height())
        placement = QTransform.fromTranslate(rect.x(), rect.y())
        placement.scale(rect.width() / source.width(), rect.height() / source.height())
        smooth = bool(self._hints & QPainter.RenderHint.SmoothPixmapTransform)
        self.drawing.ops.append(Image(image.convertToFormat(
            QImage.Format.Format_ARGB32), placement * self._transform, smooth, self._opacity,
            self._current_clip()))

    def _rasterized(self, paint: Callable[[QPainter], None], device_path: QPainterPath) -> None:
        """A brush no vector format shares (patterns, textures): drawn into an image at twice
        the figure's resolution and placed as one."""
        box = device_path.boundingRect().toAlignedRect()
        if box.isEmpty():
            return
        factor = 2
        image = QImage(box.width() * factor, box.height() * factor,
                       QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(factor, factor)
        painter.translate(-box.x(), -box.y())
        painter.setTransform(self._transform, combine=True)
        painter.setOpacity(self._opacity)
        paint(painter)
        painter.end()
        placement = QTransform.fromTranslate(box.x(), box.y())
        placement.scale(1 / factor, 1 / factor)
        self.drawing.ops.append(Image(image.convertToFormat(QImage.Format.Format_ARGB32),
                                      placement, True, 1.0, self._current_clip()))


class _RecordingDevice(QPaintDevice):
    """A paint device of ``width × height`` pixels at ``dpi`` whose engine records."""

    def __init__(self, width: int, height: int, dpi: float) -> None:
        super().__init__()
        self.drawing = Drawing(width, height, dpi)
        self._engine = _RecordingEngine(self.drawing)

    def paintEngine(self) -> QPaintEngine:  # noqa: N802
        return self._engine

    def metric(self, metric: QPaintDevice.PaintDeviceMetric) -> int:
        m = QPaintDevice.PaintDeviceMetric
        w, h, dpi = self.drawing.width, self.drawing.height, self.drawing.dpi
        values = {
            m.PdmWidth: w, m.PdmHeight: h, m.PdmWidthMM: round(w * 25.4 / dpi),
            m.PdmHeightMM: round(h * 25.4 / dpi), m.PdmNumColors: 0x7FFFFFFF, m.PdmDepth: 32,
            m.PdmDpiX: round(dpi), m.PdmDpiY: round(dpi), m.PdmPhysicalDpiX: round(dpi),
            m.PdmPhysicalDpiY: round(dpi), m.PdmDevicePixelRatio: 1,
            m.PdmDevicePixelRatioScaled: round(QPaintDevice.devicePixelRatioFScale()),
        }
        return values.get(metric, 0)


def screen_dpi() -> float:
    """The logical resolution widgets lay their fonts out at (96 without a screen)."""
    screen = QGuiApplication.primaryScreen()
    return screen.logicalDotsPerInchY() if screen is not None else 96.0


def record(widget: QWidget) -> Drawing:
    """What ``widget`` (and its children) paint, as a :class:`Drawing` of its size."""
    device = _RecordingDevice(widget.width(), widget.height(), screen_dpi())
    painter = QPainter()
    if not painter.begin(device):
        raise RuntimeError("the recording paint engine did not start")
    try:
        QWidget.render(widget, painter, QPointF(0, 0).toPoint())
    finally:
        painter.end()
    errors = device.paintEngine().errors
    if errors:
        raise RuntimeError(f"the figure could not be recorded: {errors[0]!r}") from errors[0]
    return device.drawing


# --- replay -----------------------------------------------------------------------------------
def _pen(op: Stroke) -> QPen:
    pen = QPen(op.color, op.width, Qt.PenStyle.SolidLine, op.cap, op.join)
    pen.setMiterLimit(op.miter)
    if op.dashes:
        pen.setDashPattern([d / op.width for d in op.dashes])
        pen.setDashOffset(op.dash_offset / op.width)
    return pen


def replay(drawing: Drawing, painter: QPainter, base: QTransform | None = None) -> None:
    """Paint ``drawing`` with ``painter``; ``base`` maps figure pixels to the painter's
    coordinates (default: unchanged). Text is drawn as text."""
    base = base or QTransform()
    painter.save()
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        current = -3
        for op in drawing.ops:
            if op.clip != current:
                current = op.clip
                painter.setTransform(base)
                if current < 0:
                    painter.setClipping(False)
                else:
                    painter.setClipPath(drawing.clips[current])
            if isinstance(op, Fill):
                painter.setTransform(base)
                painter.fillPath(op.path, op.color)
            elif isinstance(op, Stroke):
                painter.setTransform(base)
                painter.strokePath(op.path, _pen(op))
            elif isinstance(op, Image):
                painter.setTransform(op.transform * base)
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, op.smooth)
                painter.setOpacity(op.opacity)
                painter.drawImage(QPointF(0, 0), op.image)
                painter.setOpacity(1.0)
            else:
                painter.setTransform(op.transform * base)
                painter.setFont(op.font)
                painter.setPen(op.color)
                painter.drawText(op.origin, op.text)
    finally:
        painter.restore()


def to_image(drawing: Drawing, scale: float = 1.0, background: QColor | None = None,
             size: QSize | None = None) -> QImage:
    """``drawing`` painted into an image ``scale`` times its size, or exactly ``size`` (text
    drawn at that resolution, not enlarged)."""
    if size is None:
        size = QSize(max(1, round(drawing.width * scale)), max(1, round(drawing.height * scale)))
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    dots_per_metre = round(drawing.dpi / 0.0254)
    image.setDotsPerMeterX(dots_per_metre)
    image.setDotsPerMeterY(dots_per_metre)
    image.fill(background if background is not None else QColor(Qt.GlobalColor.white))
    painter = QPainter(image)
    try:
        replay(drawing, painter, QTransform.fromScale(image.width() / drawing.width,
                                                      image.height() / drawing.height))
    finally:
        painter.end()
    return image


# --- SVG --------------------------------------------------------------------------------------
def _num(v: float) -> str:
    text = f"{v:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def path_data(path: QPainterPath) -> str:
    """The SVG ``d`` of ``path``."""
    parts: list[str] = []
    kind = QPainterPath.ElementType
    i, n = 0, path.elementCount()
    while i < n:
        e = path.elementAt(i)
        if e.type == kind.MoveToElement:
            parts.append(f"M{_num(e.x)} {_num(e.y)}")
            i += 1
        elif e.type == kind.LineToElement:
            parts.append(f"L{_num(e.x)} {_num(e.y)}")
            i += 1
        else:  # CurveToElement followed by two CurveToDataElements
            c2, end = path.elementAt(i + 1), path.elementAt(i + 2)
            parts.append(f"C{_num(e.x)} {_num(e.y)} {_num(c2.x)} {_num(c2.y)} "
                         f"{_num(end.x)} {_num(end.y)}")
            i += 3
    return "".join(parts)


def _paint(color: QColor, attribute: str) -> str:
    text = f'{attribute}="{color.name(QColor.NameFormat.HexRgb)}"'
    if color.alpha() < 255:
        text += f' {attribute}-opacity="{_num(color.alphaF())}"'
    return text


def _matrix(t: QTransform) -> str:
    return "matrix(" + " ".join(_num(v) if abs(v) >= 1e-3 or v == 0 else f"{v:.6g}" for v in (
        t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy())) + ")"


def _png_base64(image: QImage) -> str:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return base64.b64encode(bytes(data.data())).decode("ascii")


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def text_path(op: Text) -> QPainterPath:
    """The outline of a text op, in figure pixels."""
    path = QPainterPath()
    path.addText(op.origin, op.font, op.text)
    return op.transform.map(path)


def _svg_op(op: Op) -> str:
    if isinstance(op, Fill):
        rule = ' fill-rule="evenodd"' if op.path.fillRule() == Qt.FillRule.OddEvenFill else ""
        return f'<path d="{path_data(op.path)}" {_paint(op.color, "fill")}{rule}/>'
    if isinstance(op, Stroke):
        extra = ""
        if op.join == Qt.PenJoinStyle.MiterJoin or op.join == Qt.PenJoinStyle.SvgMiterJoin:
            extra += f' stroke-miterlimit="{_num(max(op.miter, 1.0))}"'
        if op.dashes:
            extra += f' stroke-dasharray="{" ".join(_num(d) for d in op.dashes)}"'
            if op.dash_offset:
                extra += f' stroke-dashoffset="{_num(op.dash_offset)}"'
        return (f'<path d="{path_data(op.path)}" fill="none" {_paint(op.color, "stroke")} '
                f'stroke-width="{_num(op.width)}" stroke-linecap="{_CAPS[op.cap]}" '
                f'stroke-linejoin="{_JOINS.get(op.join, "miter")}"{extra}/>')
    if isinstance(op, Image):
        rendering = "" if op.smooth else ' style="image-rendering:pixelated" ' \
            'image-rendering="optimizeSpeed"'
        opacity = f' opacity="{_num(op.opacity)}"' if op.opacity < 1 else ""
        return (f'<image width="{op.image.width()}" height="{op.image.height()}" '
                f'transform="{_matrix(op.transform)}" preserveAspectRatio="none"{opacity}'
                f'{rendering} xlink:href="data:image/png;base64,{_png_base64(op.image)}"/>')
    return (f'<path d="{path_data(text_path(op))}" {_paint(op.color, "fill")}>'
            f'<title>{_escape(op.text)}</title></path>')


# Qt's SVG renderer ignores clip paths and drops path data past a few thousand commands, so
# the SVG is clipped geometrically as well (the clip paths stay, for every other renderer) and
# long outlines are split.
MAX_PATH_ELEMENTS = 1000


def _liang_barsky(p: QPointF, q: QPointF, r: QRectF) -> tuple[QPointF, QPointF] | None:
    """The part of segment ``p``–``q`` inside ``r``, or None."""
    x0, y0, dx, dy = p.x(), p.y(), q.x() - p.x(), q.y() - p.y()
    t0, t1 = 0.0, 1.0
    for edge_p, edge_q in ((-dx, x0 - r.left()), (dx, r.right() - x0),
                           (-dy, y0 - r.top()), (dy, r.bottom() - y0)):
        if edge_p == 0:
            if edge_q < 0:
                return None
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return None
    return (QPointF(x0 + t0 * dx, y0 + t0 * dy), QPointF(x0 + t1 * dx, y0 + t1 * dy))


def clip_lines(path: QPainterPath, rect: QRectF) -> QPainterPath:
    """``path``'s lines (curves flattened) cut to ``rect``, as open subpaths."""
    out = QPainterPath()
    for polygon in path.toSubpathPolygons():
        points = list(polygon)
        last: QPointF | None = None
        for a, b in zip(points, points[1:], strict=False):
            part = _liang_barsky(a, b, rect)
            if part is None:
                last = None
                continue
            start, end = part
            if last is None or start != last:
                out.moveTo(start)
            out.lineTo(end)
            last = end
    return out


def _is_rect(clip: QPainterPath) -> bool:
    box = QPainterPath()
    box.addRect(clip.boundingRect())
    return box.subtracted(clip).boundingRect().width() < 1e-6


def _crop_image(op: Image, rect: QRectF) -> Image | None:
    """An axis-aligned image cut to the source pixels that ``rect`` shows, stretched to fill
    exactly the visible part (a fraction of a pixel moves at the edges)."""
    t = op.transform
    if abs(t.m12()) > 1e-12 or abs(t.m21()) > 1e-12:
        return op
    w, h = op.image.width(), op.image.height()
    shown = t.mapRect(QRectF(0, 0, w, h)).intersected(rect)
    if shown.isEmpty():
        return None
    inverse, _ = t.inverted()
    source = inverse.mapRect(shown)
    x0, x1 = max(0, math.floor(source.left() + 1e-6)), min(w, math.ceil(source.right() - 1e-6))
    y0, y1 = max(0, math.floor(source.top() + 1e-6)), min(h, math.ceil(source.bottom() - 1e-6))
    if x1 <= x0 or y1 <= y0:
        return None
    if (x0, y0, x1, y1) == (0, 0, w, h) and shown == t.mapRect(QRectF(0, 0, w, h)):
        return op
    cropped = op.image.copy(x0, y0, x1 - x0, y1 - y0)
    sx, sy = shown.width() / (x1 - x0), shown.height() / (y1 - y0)
    a, dx = (sx, shown.left()) if t.m11() > 0 else (-sx, shown.right())
    d, dy = (sy, shown.top()) if t.m22() > 0 else (-sy, shown.bottom())
    placement = QTransform(a, 0, 0, 0, d, 0, dx, dy, 1)
    return Image(cropped, placement, op.smooth, op.opacity, op.clip)


def _clipped(op: Op, clip: QPainterPath, rect: QRectF, rectangular: bool) -> Op | None:
    """``op`` cut to ``clip`` in its own geometry (None if nothing is left)."""
    if isinstance(op, Image):
        return _crop_image(op, rect) if rectangular else op
    if isinstance(op, Text):
        return op
    if isinstance(op, Fill):
        if rect.contains(op.path.boundingRect()) and rectangular:
            return op
        path = op.path.intersected(clip)
        return None if path.isEmpty() else Fill(path, op.color, op.clip)
    pad = op.width
    if rect.contains(op.path.boundingRect().adjusted(-pad, -pad, pad, pad)) and rectangular:
        return op
    if rectangular:
        path = clip_lines(op.path, rect)
        if path.isEmpty():
            return None
        return Stroke(path, op.color, op.width, op.cap, op.join, op.miter, op.dashes,
                      op.dash_offset, op.clip)
    return op


def _pieces(path: QPainterPath, limit: int = MAX_PATH_ELEMENTS) -> list[QPainterPath]:
    """``path`` split into paths of at most ``limit`` elements (an open outline's vertex is
    repeated where it is cut)."""
    if path.elementCount() <= limit:
        return [path]
    kind = QPainterPath.ElementType
    pieces: list[QPainterPath] = []
    current = QPainterPath()
    count = 0
    last = QPointF()
    i, n = 0, path.elementCount()
    while i < n:
        e = path.elementAt(i)
        step = 3 if e.type == kind.CurveToElement else 1
        if count + step > limit and count > 0:
            pieces.append(current)
            current, count = QPainterPath(), 0
            if e.type != kind.MoveToElement:
                current.moveTo(last)
                count = 1
        if e.type == kind.MoveToElement:
            current.moveTo(e.x, e.y)
        elif e.type == kind.LineToElement:
            current.lineTo(e.x, e.y)
        else:
            c2, end = path.elementAt(i + 1), path.elementAt(i + 2)
            current.cubicTo(e.x, e.y, c2.x, c2.y, end.x, end.y)
            e = end
        last = QPointF(e.x, e.y)
        count += step
        i += step
    if count:
        pieces.append(current)
    return pieces


def _prepared(drawing: Drawing) -> list[Op]:
    """The ops as the SVG writes them: cut to their clips, long strokes split."""
    shapes: dict[int, tuple[QPainterPath, QRectF, bool]] = {}
    out: list[Op] = []
    for op in drawing.ops:
        if op.clip >= 0:
            if op.clip not in shapes:
                clip = drawing.clips[op.clip]
                shapes[op.clip] = (clip, clip.boundingRect(), _is_rect(clip))
            op = _clipped(op, *shapes[op.clip])
            if op is None:
                continue
        if isinstance(op, Stroke) and op.path.elementCount() > MAX_PATH_ELEMENTS:
            out += [Stroke(piece, op.color, op.width, op.cap, op.join, op.miter, op.dashes,
                           op.dash_offset, op.clip) for piece in _pieces(op.path)]
        else:
            out.append(op)
    return out


def _grouped(ops: list[Op]) -> Iterator[tuple[int, list[Op]]]:
    current, group = -3, []
    for op in ops:
        if op.clip != current and group:
            yield current, group
            group = []
        current = op.clip
        group.append(op)
    if group:
        yield current, group


def svg_document(drawing: Drawing, *, scale: float = 1.0, title: str = "",
                 description: str = "", background: QColor | None = None) -> str:
    """``drawing`` as a standalone SVG 1.1 document ``scale`` times its size in pixels."""
    w, h = drawing.width, drawing.height
    out = ['<?xml version="1.0" encoding="UTF-8" standalone="no"?>',
           f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
           f' version="1.1" width="{_num(w * scale)}" height="{_num(h * scale)}" '
           f'viewBox="0 0 {w} {h}">']
    if title:
        out.append(f"<title>{_escape(title)}</title>")
    if description:
        out.append(f"<desc>{_escape(description)}</desc>")
    used = sorted({op.clip for op in drawing.ops if op.clip >= 0})
    if used:
        out.append("<defs>")
        for i in used:
            out.append(f'<clipPath id="clip{i}" clipPathUnits="userSpaceOnUse">'
                       f'<path d="{path_data(drawing.clips[i])}"/></clipPath>')
        out.append("</defs>")
    if background is not None:
        out.append(f'<rect width="{w}" height="{h}" {_paint(background, "fill")}/>')
    for clip, ops in _grouped(_prepared(drawing)):
        body = "\n".join(_svg_op(op) for op in ops)
        out.append(f'<g clip-path="url(#clip{clip})">\n{body}\n</g>' if clip >= 0 else body)
    out.append("</svg>")
    return "\n".join(out) + "\n"
