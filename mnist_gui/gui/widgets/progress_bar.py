"""ProgressBar: a QProgressBar whose text is drawn in one colour.

Qt's Fusion style draws a centred text in two colours, the part over the filled chunk in the highlight's text
colour, and a letter on the chunk's edge reads as two halves ("41% tep 289/703": a newcomer's report). The text
is drawn here over both parts in the window's text colour (dark on the light theme's blue chunk, light on the
dark theme's), and everything else as the style draws it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QProgressBar, QStyle, QStyleOptionProgressBar, QStylePainter


class ProgressBar(QProgressBar):
    def paintEvent(self, _event) -> None:
        painter = QStylePainter(self)
        opt = QStyleOptionProgressBar()
        self.initStyleOption(opt)
        text, opt.textVisible = opt.text, False
        painter.drawControl(QStyle.ControlElement.CE_ProgressBar, opt)
        if self.isTextVisible() and text:
            painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, text)
