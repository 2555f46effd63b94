"""ProgressBar: a QProgressBar whose text is in one colour.

Qt's Fusion style draws a centred text in two colours, the part over the filled chunk in the palette's
highlighted-text colour, and a letter on the chunk's edge reads as two halves ("41% tep 289/703": a newcomer's
report). Here the highlighted-text colour is the text colour (dark on the light theme's blue chunk, light on the
dark theme's), set again whenever the palette changes (a theme switch); Qt paints the bar itself as ever."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QProgressBar

_GROUPS = (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled)


class ProgressBar(QProgressBar):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._one_colour()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._one_colour()

    def _one_colour(self) -> None:
        pal = self.palette()
        role, text = QPalette.ColorRole.HighlightedText, QPalette.ColorRole.Text
        if any(pal.color(g, role) != pal.color(g, text) for g in _GROUPS):   # (setPalette comes back here once)
            for g in _GROUPS:
                pal.setColor(g, role, pal.color(g, text))
            self.setPalette(pal)
