"""ProgressBar: a QProgressBar whose text is in one colour, readable over the filled part too.

Qt's Fusion style draws a centred text in two colours, the part over the filled chunk in the palette's
highlighted-text colour, and a letter on the chunk's edge reads as two halves ("41% tep 289/703": a newcomer's
report). Here the highlighted-text colour is the text colour, and the chunk is darkened (or lightened) until
that text stands out on it at WCAG's 4.5:1 (the dark theme's light grey on its blue was 3.3:1); set again from
the application's palette whenever it changes (a theme switch). Qt paints the bar itself as ever."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QProgressBar

from mnist_gui.gui import theme

_GROUPS = (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled)
MIN_CONTRAST = 4.5


def chunk_for(text: QColor, chunk: QColor) -> QColor:
    """chunk, darkened under light text or lightened under dark text until text stands out on it
    (theme.contrast, WCAG's ratio)."""
    t = text.getRgb()[:3]
    light_text = theme.contrast(t, (0, 0, 0)) > theme.contrast(t, (255, 255, 255))
    for _ in range(30):
        if theme.contrast(t, chunk.getRgb()[:3]) >= MIN_CONTRAST:
            break
        chunk = chunk.darker(110) if light_text else chunk.lighter(110)
    return chunk


class ProgressBar(QProgressBar):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._one_colour()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._one_colour()

    def _one_colour(self) -> None:
        app, pal = QApplication.palette(self), self.palette()
        text, chunk = QPalette.ColorRole.Text, QPalette.ColorRole.Highlight
        want = {g: (app.color(g, text), chunk_for(app.color(g, text), app.color(g, chunk))) for g in _GROUPS}
        if any((pal.color(g, QPalette.ColorRole.HighlightedText), pal.color(g, chunk)) != w for g, w in want.items()):
            for g, (t, c) in want.items():   # (setPalette comes back here once, and finds nothing to do)
                pal.setColor(g, QPalette.ColorRole.HighlightedText, t)
                pal.setColor(g, chunk, c)
            self.setPalette(pal)
