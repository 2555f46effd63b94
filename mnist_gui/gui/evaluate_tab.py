"""Evaluate tab: the live model over the 10,000 test images in a worker thread; accuracy per class,
a clickable confusion matrix, galleries of a cell's images and of the most confident mistakes."""

from __future__ import annotations

import copy

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QSize, Qt, QThread, Signal, Slot
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListView, QListWidget, QListWidgetItem, QProgressBar,
                               QPushButton, QVBoxLayout, QWidget)

from mnist_gui.core.data import DataError, load_mnist
from mnist_gui.core.train import evaluate
from mnist_gui.gui.draw_tab import array_to_qimage
from mnist_gui.gui.threads import start_worker

GALLERY_LIMIT = 200


class EvaluateWorker(QObject):
    progressed = Signal(int, int)
    finished = Signal(dict)
    failed = Signal(str)

    def __init__(self, model, data=None, data_dir=None):
        super().__init__()
        self.model = model  # a copy: only the GUI thread touches the live model
        self.data = data
        self.data_dir = data_dir

    @Slot()
    def work(self) -> None:
        try:
            data = self.data or load_mnist(self.data_dir)
            ev = evaluate(self.model, data.test, progress=lambda i, n: self.progressed.emit(i, n))
            ev["data"] = data
            self.finished.emit(ev)
        except DataError as e:
            self.failed.emit(str(e))
        except Exception as e:  # noqa: BLE001
            self.failed.emit(f"evaluation failed: {type(e).__name__}: {e}")


class EvaluateTab(QWidget):
    openInCanvas = Signal(QImage)
    evaluated = Signal(dict)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.model = None
        self.data = None
        self.data_dir = None
        self.result: dict | None = None
        self._thread: QThread | None = None
        self.shown: list[int] = []  # test indices in the gallery

        self.evaluateButton = QPushButton("Evaluate the live model on the 10,000 test images",
                                          objectName="evaluateButton")
        self.progressBar = QProgressBar(objectName="evaluateProgress")
        self.accuracyLabel = QLabel("", objectName="evaluateAccuracy")
        self.perClassPlot = pg.PlotWidget(background="w", title="Accuracy per digit")
        self.perClassPlot.setObjectName("perClassPlot")
        self.perClassPlot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(10)]])
        self.perClassPlot.setMouseEnabled(False, False)
        self._classBars = pg.BarGraphItem(x=np.arange(10), height=np.zeros(10), width=0.7, brush=(70, 110, 200))
        self.perClassPlot.addItem(self._classBars)

        self.confusionMatrix = pg.PlotWidget(background="w", title="Confusion matrix (click a cell)")
        self.confusionMatrix.setObjectName("confusionMatrix")
        self.confusionMatrix.setMouseEnabled(False, False)
        self.confusionMatrix.setAspectLocked(True)
        self.confusionMatrix.invertY(True)
        self.confusionMatrix.setLabel("bottom", "predicted")
        self.confusionMatrix.setLabel("left", "true")
        for ax in ("bottom", "left"):
            self.confusionMatrix.getAxis(ax).setTicks([[(i + 0.5, str(i)) for i in range(10)]])
        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setColorMap(pg.colormap.get("viridis"))
        self.confusionMatrix.addItem(self._image)
        self._texts = []
        self.confusionMatrix.scene().sigMouseClicked.connect(self._on_matrix_click)

        self.galleryTitle = QLabel("", objectName="galleryTitle")
        self.gallery = QListWidget(objectName="gallery")
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(56, 56))
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.mistakesButton = QPushButton("Most confident mistakes", objectName="mistakesButton")
        self.openInCanvasButton = QPushButton("Open in canvas", objectName="openInCanvasButton")

        top = QHBoxLayout()
        top.addWidget(self.evaluateButton)
        top.addWidget(self.progressBar, 1)
        top.addWidget(self.accuracyLabel)
        plots = QHBoxLayout()
        plots.addWidget(self.confusionMatrix, 3)
        plots.addWidget(self.perClassPlot, 2)
        grow = QHBoxLayout()
        grow.addWidget(self.galleryTitle, 1)
        grow.addWidget(self.mistakesButton)
        grow.addWidget(self.openInCanvasButton)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addLayout(plots, 3)
        lay.addLayout(grow)
        lay.addWidget(self.gallery, 2)

        self.evaluateButton.clicked.connect(self.start)
        self.mistakesButton.clicked.connect(self.show_mistakes)
        self.openInCanvasButton.clicked.connect(self._open_in_canvas)
        self._set_busy(False)

    def set_model(self, model) -> None:
        self.model = model

    def _set_busy(self, busy: bool) -> None:
        self.evaluateButton.setEnabled(not busy)
        has = self.result is not None
        self.mistakesButton.setEnabled(has and not busy)
        self.openInCanvasButton.setEnabled(has and not busy)

    def start(self) -> bool:
        if self._thread is not None or self.model is None:
            return False
        self.progressBar.setRange(0, 0)
        worker = EvaluateWorker(copy.deepcopy(self.model).eval(), self.data, self.data_dir)
        worker.progressed.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        self._worker = worker
        self._set_busy(True)
        self._thread = start_worker(self, worker, self._on_thread_finished)
        return True

    def is_running(self) -> bool:
        return self._thread is not None

    def shutdown(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait(10000)

    def _on_thread_finished(self) -> None:
        t = self._thread
        self._thread = self._worker = None
        if t is not None:
            t.deleteLater()
        self._set_busy(False)

    def _on_progress(self, i: int, n: int) -> None:
        self.progressBar.setRange(0, n)
        self.progressBar.setValue(i)

    def _on_failed(self, msg: str) -> None:
        self.progressBar.setRange(0, 1)
        self.accuracyLabel.setText(msg)

    def _on_finished(self, ev: dict) -> None:
        self.data = ev.pop("data")
        self.result = ev
        conf = np.asarray(ev["confusion"])
        self.accuracyLabel.setText(f"test accuracy {ev['accuracy']:.2%}")
        self._classBars.setOpts(height=np.asarray(ev["per_class"]))
        self.perClassPlot.setYRange(min(ev["per_class"]) - 0.02, 1.0)
        self._image.setImage(np.log1p(conf.astype(float)), levels=(0, np.log1p(conf.max())))
        self._image.setRect(0, 0, 10, 10)  # one unit per cell (after setImage, which knows the size)
        self.confusionMatrix.setRange(xRange=(0, 10), yRange=(0, 10), padding=0.02)
        for t in self._texts:
            self.confusionMatrix.removeItem(t)
        self._texts = []
        for i in range(10):
            for j in range(10):
                if conf[i, j]:
                    t = pg.TextItem(str(conf[i, j]), color="w" if i != j else "k", anchor=(0.5, 0.5))
                    t.setPos(j + 0.5, i + 0.5)
                    self.confusionMatrix.addItem(t)
                    self._texts.append(t)
        self.evaluated.emit(ev)

    def _on_matrix_click(self, event) -> None:
        if self.result is None:
            return
        p = self.confusionMatrix.getPlotItem().vb.mapSceneToView(event.scenePos())
        j, i = int(np.floor(p.x())), int(np.floor(p.y()))
        if 0 <= i < 10 and 0 <= j < 10:
            self.select_cell(i, j)

    def cell_indices(self, true: int, pred: int) -> np.ndarray:
        labels = self.data.test.labels.numpy()
        preds = self.result["predictions"].numpy()
        return np.nonzero((labels == true) & (preds == pred))[0]

    def select_cell(self, true: int, pred: int) -> None:
        idx = self.cell_indices(true, pred)
        self.galleryTitle.setText(f"true {true}, read as {pred}: {len(idx)} images"
                                  + (f" (first {GALLERY_LIMIT})" if len(idx) > GALLERY_LIMIT else ""))
        self._fill(idx[:GALLERY_LIMIT])

    def show_mistakes(self) -> None:
        labels = self.data.test.labels.numpy()
        preds = self.result["predictions"].numpy()
        conf = self.result["confidence"].numpy()
        wrong = np.nonzero(labels != preds)[0]
        wrong = wrong[np.argsort(-conf[wrong])]
        self.galleryTitle.setText(f"most confident mistakes: {len(wrong)} in all")
        self._fill(wrong[:GALLERY_LIMIT])

    def _fill(self, indices) -> None:
        self.gallery.clear()
        self.shown = [int(i) for i in indices]
        probs = self.result["probabilities"].numpy()
        labels = self.data.test.labels.numpy()
        for k in self.shown:
            img = self.data.test.images[k].numpy().astype(np.float32) / 255.0
            order = np.argsort(-probs[k])[:2]
            item = QListWidgetItem(QIcon(QPixmap.fromImage(array_to_qimage(img))),
                                   f"{order[0]} {probs[k][order[0]]:.0%}")
            item.setToolTip(f"test image #{k}, label {labels[k]}; "
                            + ", ".join(f"{d}: {probs[k][d]:.1%}" for d in order))
            item.setData(Qt.ItemDataRole.UserRole, k)
            self.gallery.addItem(item)
        if self.shown:
            self.gallery.setCurrentRow(0)

    def _open_in_canvas(self) -> None:
        item = self.gallery.currentItem()
        if item is None:
            return
        k = item.data(Qt.ItemDataRole.UserRole)
        self.openInCanvas.emit(array_to_qimage(self.data.test.images[k].numpy().astype(np.float32) / 255.0))
