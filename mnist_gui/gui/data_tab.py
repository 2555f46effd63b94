"""Data tab: browse MNIST by digit, a page of samples at a time; counts and mean image per digit."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (QComboBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout,
                               QWidget)

from mnist_gui.core.data import DataError, load_mnist
from mnist_gui.gui.draw_tab import array_to_qimage

PAGE = 100  # 10×10 samples


def tile(images: np.ndarray, cols: int = 10) -> np.ndarray:
    n = len(images)
    rows = max(1, -(-n // cols))
    out = np.zeros((rows * 29 - 1, cols * 29 - 1), np.float32)
    for k in range(n):
        r, c = divmod(k, cols)
        out[r * 29:r * 29 + 28, c * 29:c * 29 + 28] = images[k]
    return out


class DataTab(QWidget):
    dataLoaded = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.data = None
        self.data_dir = None
        self.splitCombo = QComboBox(objectName="splitCombo")
        self.splitCombo.addItems(["training set", "test set"])
        self.digitCombo = QComboBox(objectName="dataDigit")
        for d in range(10):
            self.digitCombo.addItem(str(d), d)
        self.pageSpin = QSpinBox(objectName="dataPage", minimum=1, maximum=1)
        self.loadButton = QPushButton("Load MNIST", objectName="loadDataButton")
        self.status = QLabel("", objectName="dataStatus", wordWrap=True)
        self.samples = QLabel(objectName="dataSamples")
        self.means = QLabel(objectName="dataMeans")
        self.counts = QLabel(objectName="dataCounts", wordWrap=True)
        top = QHBoxLayout()
        for w in (QLabel("Set"), self.splitCombo, QLabel("Digit"), self.digitCombo, QLabel("Page"),
                  self.pageSpin, self.loadButton):
            top.addWidget(w)
        top.addStretch(1)
        g = QGridLayout()
        g.addWidget(self.samples, 0, 0, Qt.AlignmentFlag.AlignTop)
        side = QVBoxLayout()
        side.addWidget(QLabel("<b>Mean image of each digit</b>"))
        side.addWidget(self.means)
        side.addWidget(self.counts)
        side.addStretch(1)
        g.addLayout(side, 0, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.status)
        lay.addLayout(g, 1)
        self.loadButton.clicked.connect(self.load)
        for sig in (self.splitCombo.currentIndexChanged, self.digitCombo.currentIndexChanged,
                    self.pageSpin.valueChanged):
            sig.connect(self.refresh)

    def load(self) -> bool:
        if self.data is None:
            try:
                self.set_data(load_mnist(self.data_dir))
            except DataError as e:
                self.status.setText(str(e))
                return False
        return True

    def set_data(self, data) -> None:
        self.data = data
        self.loadButton.hide()
        self.status.setText(f"MNIST from {data.folder}")
        self.refresh()
        self.dataLoaded.emit(data)

    def showEvent(self, e) -> None:
        super().showEvent(e)
        if self.data is None:
            self.status.setText("MNIST is loaded when you click Load MNIST (about 2 s).")

    def split(self):
        return self.data.train if self.splitCombo.currentIndex() == 0 else self.data.test

    def indices(self) -> np.ndarray:
        return np.nonzero(self.split().labels.numpy() == self.digitCombo.currentData())[0]

    def refresh(self) -> None:
        if self.data is None:
            return
        split = self.split()
        idx = self.indices()
        pages = max(1, -(-len(idx) // PAGE))
        self.pageSpin.blockSignals(True)
        self.pageSpin.setMaximum(pages)
        self.pageSpin.blockSignals(False)
        page = idx[(self.pageSpin.value() - 1) * PAGE:self.pageSpin.value() * PAGE]
        imgs = split.images[page].numpy().astype(np.float32) / 255.0
        self.shown = page
        self.samples.setPixmap(QPixmap.fromImage(array_to_qimage(tile(imgs))).scaled(
            290 * 2, 290 * 2, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
        labels = split.labels.numpy()
        self.count_per_class = np.bincount(labels, minlength=10).tolist()
        key = (id(self.data), self.splitCombo.currentIndex())
        if getattr(self, "_means_key", None) != key:  # computed once per split, not per page
            self._means_key = key
            self.mean_images = np.stack([split.images[labels == d].float().mean(0).numpy() / 255.0
                                         for d in range(10)])
        self.means.setPixmap(QPixmap.fromImage(array_to_qimage(tile(self.mean_images, cols=5))).scaled(
            145 * 2, 58 * 2, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
        self.counts.setText("Images per digit: " + ", ".join(f"{d}: {n:,}" for d, n in
                                                             enumerate(self.count_per_class))
                            + f"<br>page {self.pageSpin.value()} of {pages} for digit "
                            f"{self.digitCombo.currentData()} ({len(idx):,} images)")
