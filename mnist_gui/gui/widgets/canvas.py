"""DrawingCanvas: strokes kept as vectors (for the model) and painted as smooth pixels (for the eye)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QTabletEvent
from PySide6.QtWidgets import QWidget

from mnist_gui.gui import theme
from mnist_gui.gui.i18n import Retranslating

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"}
NARROW = 336   # the canvas for one digit, square; twice as wide in number mode


class DrawingCanvas(Retranslating, QWidget):
    """A square canvas. Left button (or a tablet pen) draws; strokes are lists of (x, y) points.

    Signals: changed (any change, fires often while drawing), strokeFinished (pen up),
    cleared, imageDropped(path).
    """

    changed = Signal()
    strokeFinished = Signal()
    cleared = Signal()
    imageDropped = Signal(str)

    def __init__(self, parent=None, pen_width: float = 18.0):
        super().__init__(parent)
        self.setObjectName("canvas")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)   # reachable with Tab; Delete/Esc clear, Ctrl+Z undoes
        self.setFixedSize(NARROW, NARROW)  # square, 12 screen pixels per MNIST pixel
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.setAcceptDrops(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._strokes: list[list[tuple[float, float]]] = []
        self._current: list[tuple[float, float]] | None = None
        self._pen_width = float(pen_width)
        self._image: QImage | None = None  # a dropped/opened image shown instead of strokes
        self._wide = False
        self.retranslate()
        theme.follow(self._on_theme)

    def retranslate(self) -> None:
        self.setAccessibleName(self.tr("Drawing canvas"))
        self.setAccessibleDescription(self.tr("Draw a digit with the mouse or a pen; the prediction follows."))
        self.update()


    def _on_theme(self, _theme) -> None:
        self.update()

    # -- model ------------------------------------------------------------------------------
    def strokes(self) -> list[list[tuple[float, float]]]:
        """Finished strokes plus the one being drawn, in widget coordinates (y down)."""
        out = [list(s) for s in self._strokes]
        if self._current:
            out.append(list(self._current))
        return out

    def is_drawing(self) -> bool:
        """Is a stroke being drawn (the pen down)?"""
        return self._current is not None

    def is_empty(self) -> bool:
        return not self._strokes and not self._current and self._image is None

    def set_wide(self, wide: bool) -> None:
        """Twice as wide, for writing a whole number. It narrows again only once nothing drawn lies
        beyond the narrow canvas (at the next clear or undo): what is read is always in view."""
        self._wide = wide
        self.update()   # the hint on an empty canvas says what to draw
        self._fit_width()

    def _fit_width(self) -> None:
        beyond = any(x > NARROW for s in self.strokes() for x, _ in s)
        self.setFixedSize(2 * NARROW if self._wide or beyond else NARROW, NARROW)
        self.update()

    def pen_width(self) -> float:
        return self._pen_width

    def set_pen_width(self, w: float) -> None:
        self._pen_width = max(1.0, float(w))
        self.update()

    def clear(self) -> None:
        if self.is_empty():
            return
        self._strokes.clear()
        self._current = None
        self._image = None
        self._fit_width()
        self.cleared.emit()
        self.changed.emit()

    def undo(self) -> None:
        if self._current is not None:
            self._current = None
        elif self._strokes:
            self._strokes.pop()
        elif self._image is not None:
            self._image = None
        else:
            return
        self._fit_width()
        self.changed.emit()
        self.strokeFinished.emit()

    def set_image(self, image: QImage) -> None:
        """Show an image (from a file or the test set) instead of strokes."""
        self._strokes.clear()
        self._current = None
        self._image = image
        self._fit_width()
        self.changed.emit()
        self.strokeFinished.emit()

    def image(self) -> QImage | None:
        return self._image

    def to_qimage(self, size: int | None = None) -> QImage:
        """What the canvas shows, white ink on black, as a grayscale QImage."""
        side = size or min(self.width(), self.height())
        img = QImage(side, side, QImage.Format.Format_Grayscale8)
        img.fill(0)
        p = QPainter(img)
        scale = side / max(1, min(self.width(), self.height()))
        p.scale(scale, scale)
        self._paint_content(p, ink=QColor(255, 255, 255))
        p.end()
        return img

    # -- input ------------------------------------------------------------------------------
    def _start(self, pos: QPointF) -> None:
        if self._image is not None:
            self._image = None
        self._current = [(pos.x(), pos.y())]
        self.update()
        self.changed.emit()

    def _extend(self, pos: QPointF) -> None:
        if self._current is None:
            return
        last = self._current[-1]
        if (pos.x() - last[0]) ** 2 + (pos.y() - last[1]) ** 2 < 1.0:
            return
        self._current.append((pos.x(), pos.y()))
        m = self._pen_width
        self.update(QRectF(min(last[0], pos.x()) - m, min(last[1], pos.y()) - m,
                           abs(pos.x() - last[0]) + 2 * m, abs(pos.y() - last[1]) + 2 * m).toAlignedRect())
        self.changed.emit()

    def _finish(self) -> None:
        if self._current is None:
            return
        self._strokes.append(self._current)
        self._current = None
        self.update()
        self.changed.emit()
        self.strokeFinished.emit()

    def mousePressEvent(self, e):
        if e.button() == Qt.MouseButton.LeftButton:
            self._start(e.position())
        e.accept()

    def mouseMoveEvent(self, e):
        if e.buttons() & Qt.MouseButton.LeftButton:
            self._extend(e.position())
        e.accept()

    def mouseReleaseEvent(self, e):
        if e.button() == Qt.MouseButton.LeftButton:
            self._extend(e.position())
            self._finish()
        e.accept()

    def tabletEvent(self, e: QTabletEvent):
        t = e.type()
        if t == QTabletEvent.Type.TabletPress:
            self._start(e.position())
        elif t == QTabletEvent.Type.TabletMove and e.pressure() > 0:
            self._extend(e.position())
        elif t == QTabletEvent.Type.TabletRelease:
            self._finish()
        e.accept()

    def dragEnterEvent(self, e):
        urls = e.mimeData().urls() if e.mimeData().hasUrls() else []
        if urls and Path(urls[0].toLocalFile()).suffix.lower() in IMAGE_SUFFIXES:
            e.acceptProposedAction()
        else:
            e.ignore()

    def dropEvent(self, e):
        urls = e.mimeData().urls()
        if urls:
            self.imageDropped.emit(urls[0].toLocalFile())
            e.acceptProposedAction()

    # -- painting ---------------------------------------------------------------------------
    def _paint_content(self, p: QPainter, ink: QColor) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        side = min(self.width(), self.height())
        if self._image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(QRectF(0, 0, side, side), self._image)
            return
        pen = QPen(ink, self._pen_width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                   Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        for s in self.strokes():
            if len(s) == 1:
                p.drawPoint(QPointF(*s[0]))
                continue
            path = QPainterPath(QPointF(*s[0]))
            for x, y in s[1:]:
                path.lineTo(x, y)
            p.drawPath(path)

    def paintEvent(self, e):
        # Painted as vectors on the widget's backing store, which Qt keeps at the screen's device pixel
        # ratio: strokes stay crisp on high-DPI screens. Paper and ink follow the theme; what the network
        # reads (to_qimage, strokes_to_mnist) is white on black whatever the theme.
        t = theme.current()
        p = QPainter(self)
        p.fillRect(self.rect(), QColor(*t.paper))
        p.setClipRect(e.rect())
        self._paint_content(p, ink=QColor(*t.ink))
        p.setClipping(False)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(QColor(*t.border))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        if self.is_empty():
            p.setPen(QColor(*t.hint))
            hint = (self.tr("Write a number here, digit by digit, left to right") if self._wide
                    else self.tr("Draw a digit here\n(or drop an image)"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, hint)
        p.end()


def draw_strokes(widget: QWidget, strokes, step_px: float = 4.0, moves_per_segment: int | None = None,
                 after_stroke: Callable[[], object] | None = None) -> list[float]:
    """Draw strokes on a widget (a DrawingCanvas) with real mouse events, as a person would: for each
    stroke, a left-button press at its first point, moves along it, a release at its last point.

    Points are widget coordinates (y down), rounded to whole pixels. Between two points the moves are at
    most step_px apart, or, with moves_per_segment, that many evenly spaced. after_stroke runs after each
    release (e.g. the event loop's processEvents, so that work a pen-up queued runs before the next
    stroke). Returns, per stroke, the milliseconds its release event took to handle (the pen-up handler's
    work). For tests, benchmarks and screenshots; QtTest is imported only when this is called.
    """
    from PySide6.QtTest import QTest

    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    pen_up_ms = []
    for stroke in strokes:
        pts = [QPoint(round(x), round(y)) for x, y in stroke]
        QTest.mousePress(widget, left, none, pts[0])
        for a, b in zip(pts, pts[1:]):
            n = moves_per_segment or max(1, int(((b.x() - a.x()) ** 2 + (b.y() - a.y()) ** 2) ** 0.5 / step_px))
            for i in range(1, n + 1):
                QTest.mouseMove(widget, QPoint(round(a.x() + (b.x() - a.x()) * i / n),
                                               round(a.y() + (b.y() - a.y()) * i / n)))
        t0 = time.perf_counter()
        QTest.mouseRelease(widget, left, none, pts[-1])
        pen_up_ms.append((time.perf_counter() - t0) * 1000)
        if after_stroke is not None:
            after_stroke()
    return pen_up_ms
