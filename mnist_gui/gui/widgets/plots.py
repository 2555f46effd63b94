"""The one way the app makes a plot: a pyqtgraph PlotWidget with the app's defaults, in the theme's colours.

No automatic SI prefix on any axis (pyqtgraph's would turn an accuracy of 0.99 into "990 (×0.001)"), no
auto-range "A" button appearing on hover, an optional legend beside the data (never over the curves), an
empty state that says what is missing instead of showing a made-up −0.4…0.4 range, and fixed ranges for
quantities that have them (accuracy in %, seconds from 0). The background, axes, title, legend and the
empty-state text follow the theme (light/dark)). A left axis's title in Chinese or Japanese is written
across, above the axis (`SideAxis`): on its side, as pyqtgraph turns every side title, it was unreadable,
and upright, one character under the other, it read as a column of single characters.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QGraphicsGridLayout,
    QGraphicsTextItem,
    QGraphicsWidget,
    QSizePolicy,
)

from mnist_gui.gui import theme


def _is_cjk(text: str) -> bool:
    return any("\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


class AxisTitle(QGraphicsWidget):
    """A row as high as its text and no wider than the axis below it; the text runs on to the right."""

    def __init__(self):
        super().__init__()
        self.setObjectName("axisTitle")
        self.item = QGraphicsTextItem(self)
        self.setMinimumWidth(0)
        self.setPreferredWidth(0)

    def set_html(self, html: str | None) -> None:
        """The title's text (None: hidden, no height)."""
        self.item.setHtml(html or "")
        self.setVisible(html is not None)
        h = self.item.boundingRect().height() if html is not None else 0
        self.setMinimumHeight(h)
        self.setPreferredHeight(h)
        self.setMaximumHeight(h)


class SideAxis(pg.AxisItem):
    """A left axis whose title, when it is CJK text, is written across, in the row above the axis and the data
    (where charts in Chinese put it): turned on its side, as pyqtgraph turns every side title, it was unreadable;
    set upright, one character under the other, it read as a column of single characters."""
    _across = False
    _title: AxisTitle | None = None
    natural = 0.0                          # the width its own ticks and title need
    group: list[SideAxis] | None = None    # the left axes of plots stacked one above another (`align`): one width

    def _updateWidth(self):  # noqa: N802 - pyqtgraph's name, called when the ticks' or the title's width changes
        super()._updateWidth()
        self.natural = self.minimumWidth()
        width = max(a.natural for a in self.group or [self])
        for a in self.group or [self]:
            if a.minimumWidth() != width:
                a.setMinimumWidth(width)
                a.setMaximumWidth(width)
                a.picture = None

    @property
    def across(self) -> bool:
        """Is the title written across, above the axis?"""
        return self._across

    @property
    def title_item(self) -> AxisTitle | None:
        """The title written across (None until a CJK title was set)."""
        return self._title

    def setLabel(self, text=None, units=None, unitPrefix=None, **args):  # noqa: N802 - pyqtgraph's name
        across = self.orientation == "left" and bool(text) and _is_cjk(text)
        super().setLabel(text, units, unitPrefix, **args)
        self._across = across
        if across:
            self.showLabel(False)   # the text stays the axis's labelText; the title above shows it
        self._update_title()

    def _updateLabel(self):  # noqa: N802 - pyqtgraph's name; also when the theme sets the text colour
        super()._updateLabel()
        self._update_title()

    def _update_title(self) -> None:
        plot = self.parentItem()
        layout = getattr(plot, "layout", None)
        if not isinstance(layout, QGraphicsGridLayout):
            return
        if self._title is None:
            if not self._across:
                return
            # row 1 is the hidden top axis's: the title's column is the axis's, its text runs on above the data
            self._title = AxisTitle()
            layout.addItem(self._title, 1, 0)
        self._title.set_html(self.labelString() if self._across else None)


class SideLegend(pg.LegendItem):
    """A legend that lives in the plot's layout to the right of the data, sized to its rows (as wide as the
    widest of its `group`: the legends of plots stacked one above another, `align`)."""
    group: list[SideLegend] | None = None

    def __init__(self):
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def updateSize(self) -> None:   # pyqtgraph's moves the item to (0, 0): here the plot's layout places it
        """After a row came or went (pyqtgraph calls it) or a row's text changed (the caller does)."""
        group = self.group or [self]
        for g in group:
            g.layout.invalidate()
        width = max(g.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize).width() for g in group)
        for g in group:
            g.setMinimumWidth(width)
            g.updateGeometry()
            for view in g.scene().views() if g.scene() is not None else ():
                view.updateGeometry()   # the plot's least height holds the rows (Plot.minimumSizeHint)


POINT_ROOM_PX = 7   # half of pyqtgraph's default symbol (10 px), its outline and a pixel to spare


class Plot(pg.PlotWidget):
    """A PlotWidget named `name` (its objectName), in the current theme's colours and every later one's."""

    def __init__(self, name: str, *, title: str = "", legend: bool = False, mouse: bool = True, parent=None):
        super().__init__(parent, title=title or None, axisItems={"left": SideAxis("left")})
        self.setObjectName(name)
        item = self.getPlotItem()
        for axis in ("left", "bottom", "right", "top"):
            self.getAxis(axis).enableAutoSIPrefix(False)
        item.hideButtons()
        if legend:
            item.legend = SideLegend()
            item.layout.addItem(item.legend, 2, 3)   # row 2 holds the left axis, the data and the right axis
            item.layout.setAlignment(item.legend, Qt.AlignmentFlag.AlignTop)
        if not mouse:
            self.setMouseEnabled(False, False)
        self.emptyText = ""
        self._fixed_y: tuple[float, float, int] | None = None   # fix_y's lo, hi and room in pixels above hi
        self._fixed_top = 0.0                                  # the top of the fixed range, room included
        self._emptyItem = QGraphicsTextItem()   # wraps, centred, within the view (_place_empty)
        option = self._emptyItem.document().defaultTextOption()
        option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self._emptyItem.document().setDefaultTextOption(option)
        self._emptyItem.setParentItem(item.vb)   # in the view's pixels, not the data's
        self._emptyItem.setZValue(10)
        self._emptyItem.hide()
        item.vb.sigResized.connect(self._place_empty)
        theme.follow(self._on_theme)   # a bound method: the connection ends with the widget

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        """As high as the title, the legend's rows and the x axis need: a layout that squeezes the plot (a
        splitter, the MNIST panel above it) shrinks the rest, never cuts the legend off."""
        hint = super().minimumSizeHint()
        need = self.getPlotItem().effectiveSizeHint(Qt.SizeHint.MinimumSize).height()
        return QSize(hint.width(), max(hint.height(), math.ceil(need) + 2 * self.frameWidth()))

    def _on_theme(self, t: theme.Theme) -> None:
        theme.style_plot(self, t)
        self._emptyItem.setDefaultTextColor(pg.mkColor(t.plot_fg))

    def set_empty(self, text: str | None) -> None:
        """Say what the plot is waiting for ("no runs yet"), in the middle of the view, with no tick values
        (there is nothing to measure yet); None: the plot has data."""
        self.emptyText = text or ""
        self._emptyItem.setPlainText(self.emptyText)
        self._emptyItem.setVisible(bool(text))
        for axis in ("left", "bottom"):
            self.getAxis(axis).setStyle(showValues=not text)
        self._place_empty()

    def is_empty(self) -> bool:
        return bool(self.emptyText)

    def _place_empty(self, *_args) -> None:
        r = self.getPlotItem().vb.rect()
        item = self._emptyItem
        item.setTextWidth(-1)   # its natural width; narrower views wrap it, never cut it
        item.setTextWidth(min(item.boundingRect().width(), max(r.width() - 4, 40)))
        b = item.boundingRect()
        self._emptyItem.setPos(r.center().x() - b.width() / 2, r.center().y() - b.height() / 2)

    def fix_y(self, lo: float, hi: float, points: bool = False) -> None:
        """A y axis that shows lo…hi (accuracy 0–100%) and cannot be panned past it. points: the plot draws
        points (a test accuracy), and one at hi shows whole: the axis goes POINT_ROOM_PX pixels beyond hi,
        whatever the plot's height (kept on each resize, which leaves a range the user zoomed to as it is)."""
        if points and self._fixed_y is None:
            self.getPlotItem().vb.sigResized.connect(self._on_view_resized)
        self._fixed_y = (lo, hi, POINT_ROOM_PX if points else 0)
        self._show_fixed_y(whole=True)

    def _on_view_resized(self, *_args) -> None:
        lo, _hi, _room = self._fixed_y
        shown_lo, shown_hi = self.getPlotItem().vb.viewRange()[1]
        eps = 1e-6 * max(self._fixed_top - lo, 1e-9)
        self._show_fixed_y(whole=abs(shown_lo - lo) <= eps and abs(shown_hi - self._fixed_top) <= eps)

    def _show_fixed_y(self, whole: bool) -> None:
        """The limits for the view's height now; the whole range too, unless the user zoomed in."""
        lo, hi, room = self._fixed_y
        height = self.getPlotItem().vb.height()
        top = hi + (hi - lo) * room / (height - room) if room and height > 2 * room else hi
        self.setLimits(yMin=lo, yMax=top)
        if whole:
            self.setYRange(lo, top, padding=0)
        self._fixed_top = top
        self.enableAutoRange(y=False)

    def from_zero(self, x: bool = False) -> None:
        """Auto-range that never shows negative values (seconds, loss; steps on x)."""
        self.setLimits(yMin=0, **({"xMin": 0} if x else {}))


def align(*plots: Plot) -> None:
    """Plots stacked one above another read as one: the same x range (linked; panning one pans all), and their
    left axes and legends each as wide as the widest, so that an x value is at the same place in every plot
    whatever their tick labels, titles (across, in Chinese) and legend rows. Every plot has a legend, or none."""
    axes = [p.getAxis("left") for p in plots]
    legends = [p.getPlotItem().legend for p in plots]
    for a in axes:
        a.group = axes
    for p in plots[1:]:
        p.setXLink(plots[0])
    for a in axes:
        a._updateWidth()
    if all(isinstance(g, SideLegend) for g in legends):
        for g in legends:
            g.group = legends
        legends[0].updateSize()


def symbol_brush(curve: pg.PlotDataItem, colour) -> None:
    """Fill a curve's symbols with colour, also in its legend before the first point: the legend draws the
    symbol from the curve's scatter, which takes the brush only with data (until then it showed pyqtgraph's
    grey-blue dot, and kept it on screen until a repaint: a newcomer's report)."""
    curve.setSymbolBrush(pg.mkBrush(colour))
    curve.scatter.setBrush(pg.mkBrush(colour))


def percent_floor(values, *, step: float = 1.0, below: float = 50.0) -> float:
    """The lower edge of a % axis that shows these percentages: 0 when any is below `below`, else the whole
    `step` under the smallest (so 97.3…99.1 shows from 97%)."""
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values or min(values) < below:
        return 0.0
    return max(0.0, step * math.floor((min(values) - step / 2) / step))
