"""The one way the app makes a plot: a pyqtgraph PlotWidget with the app's defaults, in the theme's colours.

No automatic SI prefix on any axis (pyqtgraph's would turn an accuracy of 0.99 into "990 (×0.001)"), no
auto-range "A" button appearing on hover, an optional legend; the background, axes, title and legend
follow the theme (light/dark).
"""

from __future__ import annotations

import pyqtgraph as pg

from mnist_gui.gui import theme


class Plot(pg.PlotWidget):
    """A PlotWidget named `name` (its objectName), in the current theme's colours and every later one's."""

    def __init__(self, name: str, *, title: str = "", legend_offset=None, mouse: bool = True, parent=None):
        super().__init__(parent, title=title or None)
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
