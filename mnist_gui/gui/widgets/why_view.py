"""Why this digit, drawn: the 28×28 input with its occlusion map (core/explain.py) laid over the ink.

Orange is ink that pushed the network towards its answer, blue ink that spoke against it (a pair that
people with red-green colour blindness tell apart too); the stronger the colour, the larger the effect.
The legend says so in words, and the accessible description says which way the strongest part went.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel

from mnist_gui.gui.widgets.images import rgba_to_qimage

TOWARDS = np.array([245, 130, 20], np.float32)   # orange
AGAINST = np.array([30, 110, 245], np.float32)   # blue


def overlay(img28: np.ndarray, heat: np.ndarray) -> np.ndarray:
    """H×W×4 RGBA: the ink in grey, coloured by the map (each side scaled by the largest effect)."""
    grey = np.clip(np.asarray(img28, np.float32), 0, 1)[..., None] * 110.0
    scale = float(np.abs(heat).max()) or 1.0
    a = np.clip(heat / scale, -1, 1)[..., None]
    rgb = grey + np.clip(a, 0, 1) * (TOWARDS - grey) + np.clip(-a, 0, 1) * (AGAINST - grey)
    out = np.empty(heat.shape + (4,), np.uint8)
    out[..., :3] = np.clip(rgb, 0, 255)
    out[..., 3] = 255
    return out


class WhyView(QObject):
    """The map (`image`) and its one-line legend (`legend`), two labels that the owner lays out (beside the
    28×28 input and its caption); `show_map(img28, heat, digit)`, `clear()`, `setVisible(on)`."""

    def __init__(self, side: int, parent=None):
        super().__init__(parent)
        self.image = QLabel(objectName="whyImage")
        self.image.setFixedSize(side, side)
        self.image.setStyleSheet("background: black; border: 1px solid #888;")
        self.legend = QLabel(objectName="whyLegend")
        self.legend.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image.installEventFilter(self)   # a language change reaches the labels, not this object
        self.digit: int | None = None
        self.heat: np.ndarray | None = None
        self.retranslate()

    def eventFilter(self, obj, e) -> bool:  # noqa: N802 - Qt's name
        if e.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        return False

    def setVisible(self, on: bool) -> None:  # noqa: N802 - as a widget's
        self.image.setVisible(on)
        self.legend.setVisible(on)

    def isVisible(self) -> bool:  # noqa: N802 - as a widget's
        return self.image.isVisible()

    def retranslate(self) -> None:
        self.image.setAccessibleName(self.tr("Why this digit"))
        if self.digit is None:
            self.legend.setText(self.tr("Draw a digit to see why"))
            self.image.setAccessibleDescription("")
            return
        self.legend.setText(self.tr("Orange: for {0} · blue: against").format(self.digit))
        self.legend.setToolTip(self.tr("Orange: ink that made it a {0}. Blue: ink that spoke against it.")
                               .format(self.digit))
        against = self.heat is not None and float(self.heat.min()) < -0.5 * float(self.heat.max())
        self.image.setAccessibleDescription(
            self.tr("Some of the ink spoke against {0}").format(self.digit) if against
            else self.tr("The ink mostly made it a {0}").format(self.digit))

    def show_map(self, img28: np.ndarray, heat: np.ndarray, digit: int) -> None:
        self.digit, self.heat = int(digit), heat
        self.image.setPixmap(QPixmap.fromImage(rgba_to_qimage(overlay(img28, heat))).scaled(
            self.image.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
        self.retranslate()

    def clear(self) -> None:
        self.digit, self.heat = None, None
        self.image.clear()
        self.retranslate()
