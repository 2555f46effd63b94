"""FeatureMapsView: every layer's output for the current drawing, live.

Conv/pool layers as a grid of maps (one tile per channel), dense layers as a strip, then the
logits and softmax. Click a map to enlarge it.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from mnist_gui.gui.i18n import Retranslating
from mnist_gui.gui.widgets.images import array_to_qimage

TILE_GAP = 1


def tile_maps(maps: np.ndarray, cols: int = 16) -> tuple[np.ndarray, int]:
    """C×H×W -> one image of tiles (each map scaled to [0,1] on its own), and the column count."""
    c, h, w = maps.shape
    cols = min(cols, c)
    rows = math.ceil(c / cols)
    out = np.full((rows * (h + TILE_GAP) - TILE_GAP, cols * (w + TILE_GAP) - TILE_GAP), 0.25, np.float32)
    for k in range(c):
        m = maps[k]
        lo, hi = float(m.min()), float(m.max())
        m = (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)
        r, q = divmod(k, cols)
        out[r * (h + TILE_GAP):r * (h + TILE_GAP) + h, q * (w + TILE_GAP):q * (w + TILE_GAP) + w] = m
    return out, cols


class _MapGrid(QLabel):
    """A grid of maps; hovering or clicking a map emits its index."""
    clicked = Signal(int)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setMouseTracking(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)  # pixmap at (0, 0)
        self.scale = 1
        self.shape = (1, 1, 1)
        self.cols = 1
        self._last = -1

    def _index(self, pos) -> int:
        c, h, w = self.shape
        x, y = int(pos.x() // self.scale), int(pos.y() // self.scale)
        if x % (w + TILE_GAP) >= w or y % (h + TILE_GAP) >= h:
            return -1  # on the gap between maps
        k = (y // (h + TILE_GAP)) * self.cols + x // (w + TILE_GAP)
        return k if 0 <= k < c else -1

    def mousePressEvent(self, e):
        k = self._index(e.position())
        if k >= 0:
            self.clicked.emit(k)

    def mouseMoveEvent(self, e):
        k = self._index(e.position())
        if k >= 0 and k != self._last:
            self._last = k
            self.clicked.emit(k)


class FeatureMapsView(Retranslating, QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("featureMaps")
        self.activations: dict[str, np.ndarray] = {}
        self.grids: dict[str, _MapGrid] = {}
        self.enlargedIndex: tuple[str, int] | None = None
        self.inner = QWidget()
        self.grid = QGridLayout(self.inner)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.inner)
        self.enlarged = QLabel(objectName="enlargedMap")
        self.enlarged.setFixedSize(196, 196)
        self.enlarged.setStyleSheet("background: black")
        self.enlargedTitle = QLabel(wordWrap=True, objectName="enlargedTitle")
        self.enlargedTitle.setFixedWidth(196)
        self.hint = QLabel(objectName="featureMapsHint")
        side = QVBoxLayout()
        side.addWidget(self.enlarged)
        side.addWidget(self.enlargedTitle)
        side.addStretch(1)
        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(self.hint)
        left.addWidget(scroll, 1)
        lay.addLayout(left, 1)
        lay.addLayout(side)
        self.retranslate()

    def retranslate(self) -> None:
        self.hint.setText(self.tr("Draw a digit on the Draw tab to see what every layer makes of it."))
        self.enlarged.setAccessibleName(self.tr("Enlarged map"))
        if self.enlargedIndex is None:
            self.enlargedTitle.setText(self.tr("Hover over or click a map to enlarge it"))
        else:
            self.enlarge(*self.enlargedIndex)
        if self.activations:
            self.set_activations(self.activations)


    def set_activations(self, acts: dict[str, np.ndarray] | None) -> None:
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.grids = {}
        if self.enlargedIndex is not None and self.enlargedIndex[0] not in (acts or {}):
            self.enlargedIndex = None
            self.enlargedTitle.setText(self.tr("Hover over or click a map to enlarge it"))
        self.activations = acts or {}
        self.hint.setVisible(not acts)
        if not acts:
            return
        row = 0
        for name, a in acts.items():
            if name == "softmax":
                continue
            # H×W×C, as the Model tab's layer table writes a volume (the maps are held C×H×W)
            shape = (*a.shape[1:], a.shape[0]) if a.ndim == 3 else a.shape
            title = QLabel(f"<b>{name}</b> {'×'.join(map(str, shape))}", objectName=f"title_{name}")
            self.grid.addWidget(title, row, 0, Qt.AlignmentFlag.AlignTop)
            if a.ndim == 3:
                img, cols = tile_maps(a)
                scale = max(1, min(4, 480 // img.shape[1]))
                g = _MapGrid()
                g.setObjectName(f"maps_{name}")
                g.setAccessibleName(self.tr("{0}: {1} maps").format(name, a.shape[0]))
                g.scale, g.shape, g.cols = scale, a.shape, cols
                g.setPixmap(QPixmap.fromImage(array_to_qimage(img)).scaled(
                    img.shape[1] * scale, img.shape[0] * scale, Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.FastTransformation))
                g.clicked.connect(lambda k, n=name: self.enlarge(n, k))
                self.grids[name] = g
                self.grid.addWidget(g, row, 1)
            elif a.ndim == 1 and a.size > 10:
                v = a.astype(np.float32)
                side = int(math.ceil(math.sqrt(v.size)))
                pad = np.zeros(side * side, np.float32)
                pad[:v.size] = (v - v.min()) / (np.ptp(v) or 1.0)
                strip = QLabel()
                strip.setObjectName(f"strip_{name}")
                strip.setToolTip(self.tr("{0} units as a {1}×{1} square, {2} active").format(
                    v.size, side, int((v > 0).sum())))
                strip.setAccessibleName(strip.toolTip())
                strip.setPixmap(QPixmap.fromImage(array_to_qimage(pad.reshape(side, side))).scaled(
                    side * 4, side * 4, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
                self.grid.addWidget(strip, row, 1)
            elif a.ndim == 1:
                sm = acts.get("softmax")
                text = "  ".join(f"{d}: {a[d]:+.2f}" for d in range(a.size))
                if sm is not None and a.size == 10:
                    text += "<br>" + self.tr("softmax") + ": " + "  ".join(f"{d}: {sm[d]:.1%}" for d in range(10))
                lbl = QLabel(text, objectName=f"values_{name}", wordWrap=True)
                self.grid.addWidget(lbl, row, 1)
            row += 1
        self.grid.setRowStretch(row, 1)

    def enlarge(self, name: str, k: int) -> None:
        m = self.activations[name][k]
        lo, hi = float(m.min()), float(m.max())
        img = (m - lo) / (hi - lo) if hi > lo else np.zeros_like(m)
        self.enlarged.setPixmap(QPixmap.fromImage(array_to_qimage(img)).scaled(
            self.enlarged.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
        self.enlargedTitle.setText(self.tr("{0}, map {1} of {2} ({3}×{4}), values {5} … {6}").format(
            name, k + 1, self.activations[name].shape[0], m.shape[0], m.shape[1], f"{lo:.2f}", f"{hi:.2f}"))
        self.enlargedIndex = (name, k)
