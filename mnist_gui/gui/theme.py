"""Light and dark: one `Theme` (the colours the app draws with) and one `ThemeManager` per application
that applies the palette and says when the theme changes.

The appearance is "system" (follow the desktop's colour scheme, Qt 6.5+ `QStyleHints.colorScheme`, live),
"light" or "dark". Dark is the Fusion style with a dark QPalette (native styles may ignore a palette);
light under a dark desktop is Fusion with its standard palette; light under a light desktop is the
application's own style and palette, untouched. Widgets that draw their own colours (the canvas, every
pyqtgraph plot) call `follow(owner, fn)`: fn(theme) now and on every change.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

APPEARANCES = ("system", "light", "dark")

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Theme:
    dark: bool
    paper: RGB          # the canvas
    ink: RGB            # strokes on the canvas (the model reads the strokes as vectors, not these pixels)
    border: RGB
    hint: RGB           # the canvas's "Draw a digit here"
    plot_bg: RGB
    plot_fg: RGB        # axes, tick labels, titles, legends
    bar: RGB            # the prediction bars and per-digit accuracy
    top: RGB            # the top digit's bar
    unsure: RGB
    raw_loss: RGB
    smooth_loss: RGB
    test: RGB
    train_acc: RGB
    runs: tuple[RGB, ...]   # overlaid runs, in order: none is a shade of the current run's colours above


LIGHT = Theme(dark=False, paper=(250, 250, 247), ink=(20, 20, 30), border=(175, 175, 175), hint=(150, 150, 150),
              plot_bg=(255, 255, 255), plot_fg=(60, 60, 60), bar=(70, 110, 200), top=(230, 120, 30),
              unsure=(150, 150, 150), raw_loss=(150, 170, 220), smooth_loss=(30, 60, 170), test=(220, 90, 20),
              train_acc=(30, 140, 60),
              runs=((125, 50, 190), (210, 40, 150), (0, 160, 170), (140, 140, 0), (60, 60, 60), (120, 75, 40)))
DARK = Theme(dark=True, paper=(34, 35, 38), ink=(235, 235, 225), border=(95, 95, 100), hint=(140, 140, 145),
             plot_bg=(30, 31, 34), plot_fg=(215, 215, 215), bar=(100, 150, 240), top=(255, 150, 60),
             unsure=(150, 150, 150), raw_loss=(85, 105, 150), smooth_loss=(130, 175, 255), test=(255, 135, 70),
             train_acc=(95, 205, 115),
             runs=((190, 130, 250), (255, 110, 200), (60, 215, 225), (240, 220, 60), (200, 200, 200),
                   (170, 120, 80)))


def contrast(a: RGB, b: RGB) -> float:
    """WCAG's contrast ratio of two colours (1 to 21; 4.5 and above reads as body text)."""
    def luminance(c: RGB) -> float:
        lin = [v / 255 / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in c[:3]]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_on(background: RGB) -> RGB:
    """White or near-black, whichever reads better on this background (text written on a bar)."""
    light, dark = (255, 255, 255), (20, 20, 20)
    return light if contrast(light, background) >= contrast(dark, background) else dark


def dark_palette() -> QPalette:
    p = QPalette()
    R = QPalette.ColorRole
    window, base, text = QColor(45, 46, 50), QColor(30, 31, 34), QColor(225, 225, 225)
    for role, c in ((R.Window, window), (R.WindowText, text), (R.Base, base), (R.AlternateBase, QColor(40, 41, 45)),
                    (R.ToolTipBase, QColor(55, 56, 60)), (R.ToolTipText, text), (R.PlaceholderText, QColor(140, 140, 140)),
                    (R.Text, text), (R.Button, QColor(55, 56, 60)), (R.ButtonText, text), (R.BrightText, QColor(255, 90, 90)),
                    (R.Light, QColor(75, 76, 80)), (R.Midlight, QColor(62, 63, 67)), (R.Mid, QColor(40, 41, 44)),
                    (R.Dark, QColor(25, 25, 28)), (R.Shadow, QColor(10, 10, 10)),
                    (R.Highlight, QColor(60, 120, 215)), (R.HighlightedText, QColor(255, 255, 255)),
                    (R.Link, QColor(110, 170, 255)), (R.LinkVisited, QColor(180, 140, 255))):
        p.setColor(role, c)
    dim = QColor(125, 125, 125)
    for role in (R.WindowText, R.Text, R.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, dim)
    p.setColor(QPalette.ColorGroup.Disabled, R.Button, QColor(45, 46, 50))
    return p


class ThemeManager(QObject):
    changed = Signal(object)   # the new Theme

    def __init__(self, app: QApplication):
        super().__init__(app)
        self.app = app
        self.appearance = "system"
        self.theme = LIGHT
        self._base_style = app.style().name()
        self._base_palette = QPalette(app.palette())
        self._forced = False   # the style/palette are ours (Fusion), not the application's own
        QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: self._apply())
        self._apply()

    @staticmethod
    def system_is_dark() -> bool:
        return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark

    def set_appearance(self, appearance: str) -> None:
        """"system", "light" or "dark" (anything else counts as "system")."""
        self.appearance = appearance if appearance in APPEARANCES else "system"
        self._apply()

    def _apply(self) -> None:
        system_dark = self.system_is_dark()
        dark = self.appearance == "dark" or (self.appearance == "system" and system_dark)
        if dark:
            self._set_style("Fusion", dark_palette())
        elif system_dark:   # light asked for under a dark desktop
            self._set_style("Fusion", QStyleFactory.create("Fusion").standardPalette())
        elif self._forced:
            self._forced = False
            self.app.setStyle(self._base_style)
            self.app.setPalette(self._base_palette)
        theme = DARK if dark else LIGHT
        pg.setConfigOptions(background=pg.mkColor(theme.plot_bg), foreground=pg.mkColor(theme.plot_fg))
        if theme != self.theme:
            self.theme = theme
            self.changed.emit(theme)

    def _set_style(self, style: str, palette: QPalette) -> None:
        if self.app.style().name().lower() != style.lower():
            self.app.setStyle(style)
        self.app.setPalette(palette)
        self._forced = True


_manager: ThemeManager | None = None


def manager() -> ThemeManager:
    """The application's one ThemeManager (made on first use)."""
    global _manager
    app = QApplication.instance()
    if _manager is None or _manager.app is not app:
        _manager = ThemeManager(app)
    return _manager


def current() -> Theme:
    return manager().theme


def follow(fn) -> None:
    """fn(theme) now and whenever the theme changes; fn is a bound method of a QObject (a widget), so the
    connection ends when that object is deleted."""
    m = manager()
    fn(m.theme)
    m.changed.connect(fn)


def style_plot(plot: pg.PlotWidget, theme: Theme) -> None:
    """Background, axes, tick labels, title and legend of a PlotWidget in the theme's colours."""
    plot.setBackground(pg.mkColor(theme.plot_bg))
    fg = pg.mkColor(theme.plot_fg)
    for name in ("left", "bottom", "right", "top"):
        ax = plot.getAxis(name)
        ax.setPen(fg)
        ax.setTextPen(fg)
    title = plot.getPlotItem().titleLabel
    title.setAttr("color", fg)
    title.setText(title.text)
    legend = plot.getPlotItem().legend
    if legend is not None:
        legend.setLabelTextColor(fg)
        bg = pg.mkColor(theme.plot_bg)
        bg.setAlpha(200)
        legend.setBrush(bg)
        for _sample, label in legend.items:
            label.setText(label.text)
