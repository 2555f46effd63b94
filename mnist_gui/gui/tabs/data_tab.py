"""Data tab: browse MNIST by digit, a page of samples at a time; counts and mean image per digit."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.config import IMAGE_SIZE
from mnist_gui.gui import i18n
from mnist_gui.gui.core_strings import core_text
from mnist_gui.gui.i18n import Retranslating, SaidLabel
from mnist_gui.gui.jobs import JobRunner, Task, describe_error
from mnist_gui.gui.qt_workspace import QtWorkspace
from mnist_gui.gui.widgets.data_folder import DataFolderPanel, mnist_missing, mnist_unusable
from mnist_gui.gui.widgets.images import array_to_qimage

PAGE = 100  # 10×10 samples
CELL = IMAGE_SIZE + 1  # a digit and a one-pixel gap


def tile(images: np.ndarray, cols: int = 10) -> np.ndarray:
    n = len(images)
    rows = max(1, -(-n // cols))
    out = np.zeros((rows * CELL - 1, cols * CELL - 1), np.float32)
    for k in range(n):
        r, c = divmod(k, cols)
        out[r * CELL:r * CELL + IMAGE_SIZE, c * CELL:c * CELL + IMAGE_SIZE] = images[k]
    return out


class FitImage(QLabel):
    """An image shown whole at the largest size that fits (up to `largest` pixels a side): the sample grid
    keeps its first and last rows in a short window instead of being cut."""

    def __init__(self, largest: int, smallest: int, parent: QWidget | None = None, **kw):
        super().__init__(parent, **kw)
        self.largest, self.smallest = largest, smallest
        self._image: QImage | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage) -> None:
        self._image = image
        self._fit()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self.largest, self.largest)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(self.smallest, self.smallest)

    def resizeEvent(self, e) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(e)
        self._fit()

    def _fit(self) -> None:
        if self._image is None:
            return
        side = max(1, min(self.width(), self.height(), self.largest))
        self.setPixmap(QPixmap.fromImage(self._image).scaled(
            side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))


class DataTab(Retranslating, QWidget):
    def __init__(self, qtws: QtWorkspace, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.ws = qtws.ws
        self.jobs = jobs
        self.data = None
        self._loader: Task | None = None
        self.splitCombo = QComboBox(objectName="splitCombo")
        self.splitCombo.addItems(["", ""])
        self.digitCombo = QComboBox(objectName="dataDigit")
        for d in range(10):
            self.digitCombo.addItem(str(d), d)
        self.pageSpin = QSpinBox(objectName="dataPage", minimum=1, maximum=1)
        self.loadButton = QPushButton(objectName="loadDataButton")
        self.cancelButton = QPushButton(objectName="cancelLoadButton")
        self.cancelButton.hide()
        self.status = SaidLabel("", objectName="dataStatus", wordWrap=True)
        self.samples = FitImage(10 * CELL * 2, 10 * CELL, objectName="dataSamples")
        self.means = QLabel(objectName="dataMeans")
        self.counts = QLabel(objectName="dataCounts", wordWrap=True)
        top = QHBoxLayout()
        self.labels = []
        for w in (self.splitCombo, self.digitCombo, self.pageSpin):
            lab = QLabel()
            lab.setBuddy(w)
            self.labels.append(lab)
            top.addWidget(lab)
            top.addWidget(w)
        for w in (self.loadButton, self.cancelButton):
            top.addWidget(w)
        top.addStretch(1)
        g = QGridLayout()
        g.addWidget(self.samples, 0, 0)
        g.setColumnStretch(0, 1)
        side = QVBoxLayout()
        self.meansTitle = QLabel()
        side.addWidget(self.meansTitle)
        side.addWidget(self.means)
        side.addWidget(self.counts)
        side.addStretch(1)
        self.meansTitle.hide()   # a heading over nothing until MNIST is loaded
        g.addLayout(side, 0, 1)
        self.dataPanel = DataFolderPanel(self.ws, self.jobs)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.status)
        lay.addWidget(self.dataPanel)
        lay.addLayout(g, 1)
        self.loadButton.clicked.connect(self.load)
        self.dataPanel.chosen.connect(lambda _folder: self.load())
        self.cancelButton.clicked.connect(self.cancel)
        qtws.dataLoaded.connect(self.set_data)
        for sig in (self.splitCombo.currentIndexChanged, self.digitCombo.currentIndexChanged,
                    self.pageSpin.valueChanged):
            sig.connect(self.refresh)
        self._say_how_it_loads()
        self.retranslate()

    def retranslate(self) -> None:
        """Every text of the tab in the current language, including what is on show."""
        self.splitCombo.setItemText(0, self.tr("training set"))
        self.splitCombo.setItemText(1, self.tr("test set"))
        for lab, w, text in zip(self.labels, (self.splitCombo, self.digitCombo, self.pageSpin),
                                (self.tr("&Set"), self.tr("Di&git"), self.tr("&Page"))):
            lab.setText(text)
            w.setAccessibleName(text.replace("&", ""))
        self.loadButton.setText(self.tr("Load MN&IST"))
        self.cancelButton.setText(self.tr("Ca&ncel"))
        self.meansTitle.setText("<b>" + self.tr("Mean image of each digit") + "</b>")
        self.samples.setAccessibleName(self.tr("Samples of the digit"))
        self.means.setAccessibleName(self.tr("Mean image of each digit"))
        if self.data is not None:
            self.refresh()


    def load(self) -> bool:
        """Load MNIST in the background (the window stays responsive); False when already there."""
        if self.data is not None or self._loader is not None:
            return False
        if self.ws.loaded_mnist is not None:
            self.set_data(self.ws.loaded_mnist)
            return False
        task = Task(lambda report, should_stop: self.ws.mnist(progress=report, should_stop=should_stop))
        self._loader = task
        self.loadButton.setEnabled(False)
        self.cancelButton.show()
        self.status.say(lambda: self.tr("Loading MNIST…"))
        self.jobs.start(task, self, progressed=lambda m: self.status.say(lambda: core_text(m)),
                        failedWith=self._on_failed, cancelled=lambda: self._on_failed(None))
        return True

    def cancel(self) -> None:
        if self._loader is not None:
            self._loader.stop()

    def _on_failed(self, error: Exception | None) -> None:
        """Loading failed (error), or was cancelled (None)."""
        self._loader = None
        self.cancelButton.hide()
        self.loadButton.setEnabled(True)
        if mnist_unusable(self.ws, error):   # the panel says it, with the way to set MNIST up: once
            self.status.say(lambda: "")
            self.dataPanel.show_missing(error)
        elif error is not None:
            self.status.say(lambda: describe_error(error))
        else:
            self.status.say(lambda: self.tr("Loading cancelled."))

    def set_data(self, data) -> None:
        self._loader = None
        self.data = data
        self.loadButton.hide()
        self.cancelButton.hide()
        self.status.say(lambda: self.tr("MNIST from {0}").format(data.folder))
        self.meansTitle.show()
        self.refresh()

    def showEvent(self, e) -> None:
        super().showEvent(e)
        if self.data is None and self._loader is None:
            if not self.dataPanel.downloading():
                if mnist_missing(self.ws):   # say so at once, with the way to set it up
                    self.dataPanel.show_status()
                else:                        # set up meanwhile (File → MNIST data…): what it said is past
                    self.dataPanel.hide()
            self._say_how_it_loads()

    def _say_how_it_loads(self) -> None:
        """Before MNIST is loaded, one message: the panel's when it shows (MNIST was not found, and the way to
        set it up), else how MNIST is loaded."""
        if self.dataPanel.isVisibleTo(self):
            self.status.say(lambda: "")
        else:
            self.status.say(lambda: self.tr("MNIST is loaded when you click Load MNIST (a few seconds, "
                                            "in the background)."))

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
        self.samples.set_image(array_to_qimage(tile(imgs)))
        labels = split.labels.numpy()
        self.count_per_class = np.bincount(labels, minlength=10).tolist()
        key = (id(self.data), self.splitCombo.currentIndex())
        if getattr(self, "_means_key", None) != key:  # computed once per split, not per page
            self._means_key = key
            # a digit with no image (a small MNIST-style folder) is a black square, not the mean of nothing (NaN)
            self.mean_images = np.stack([split.images[labels == d].float().mean(0).numpy() / 255.0
                                         if (labels == d).any() else np.zeros(split.images.shape[1:], np.float32)
                                         for d in range(10)])
        self.means.setPixmap(QPixmap.fromImage(array_to_qimage(tile(self.mean_images, cols=5))).scaled(
            5 * CELL * 2, 2 * CELL * 2, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
        self.counts.setText(self.tr("Images per digit: {0}").format(
            i18n.join(f"{d}: {n:,}" for d, n in enumerate(self.count_per_class)))
            + "<br>" + self.tr("page {0} of {1} for digit {2} ({3} images)").format(
                self.pageSpin.value(), pages, self.digitCombo.currentData(), f"{len(idx):,}"))
