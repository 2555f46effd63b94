"""The one way the app makes a plot: a pyqtgraph PlotWidget with the app's defaults, in the theme's colours.

No automatic SI prefix on any axis (pyqtgraph's would turn an accuracy of 0.99 into "990 (×0.001)"), no
auto-range "A" button appearing on hover, an optional legend; the background, axes, title and legend
follow the theme (light/dark). A side axis's title in Chinese or Japanese is written upright, one character
under the other (`UprightAxis`): turned on its side, as pyqtgraph turns every side title, it was unreadable.
"""

from __future__ import annotations

import pyqtgraph as pg

from mnist_gui.gui import theme


def _is_cjk(text: str) -> bool:
    return any("\u2e80" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


class UprightAxis(pg.AxisItem):
    """A side axis whose title, when it is CJK text, stands upright in a column instead of lying on its side."""
    _upright = False

    def setLabel(self, text=None, units=None, unitPrefix=None, **args):  # noqa: N802 - pyqtgraph's name
        self._upright = self.orientation in ("left", "right") and bool(text) and _is_cjk(text)
        super().setLabel("<br>".join(text) if self._upright else text, units, unitPrefix, **args)
        if self.orientation in ("left", "right"):
            self.label.setRotation(0 if self._upright else -90)
            self._updateWidth()
            self.resizeEvent()

    def _updateWidth(self):  # noqa: N802 - pyqtgraph's name
        super()._updateWidth()
        if self._upright and self.label.isVisible() and self.fixedWidth is None:
            br = self.label.boundingRect()   # the column's width, not 0.8 of a turned line's height
            w = self.maximumWidth() - br.height() * 0.8 + br.width()
            self.setMaximumWidth(w)
            self.setMinimumWidth(w)

    def resizeEvent(self, ev=None):  # noqa: N802 - pyqtgraph's name
        super().resizeEvent(ev)
        if self._upright and self.label is not None:
            br = self.label.boundingRect()
            x = 0 if self.orientation == "left" else self.size().width() - br.width()
            self.label.setPos(x, (self.size().height() - br.height()) / 2)


class Plot(pg.PlotWidget):
    """A PlotWidget named `name` (its objectName), in the current theme's colours and every later one's."""

    def __init__(self, name: str, *, title: str = "", legend_offset=None, mouse: bool = True, parent=None):
        super().__init__(parent, title=title or None,
                         axisItems={"left": UprightAxis("left")})
        self.setObjectName(name)
        for axis in ("left", "bottom", "right", "top"):
            self.getAxis(axis).enableAutoSIPrefix(False)
        self.getPlotItem().hideButtons()
        if legend_offset is not None:
            self.addLegend(offset=legend_offset)
        if not mouse:
            self.setMouseEnabled(False, False)
        theme.follow(self._on_theme)   # a bound method: the connection ends with the widget

    def _on_theme(self, t: theme.Theme) -> None:
        theme.style_plot(self, t)
