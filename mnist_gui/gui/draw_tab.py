"""Draw tab: canvas, live prediction bars, and the 28×28 image the network sees."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSlider,
                               QVBoxLayout, QWidget)

from mnist_gui.core.predictor import Predictor
from mnist_gui.core.preprocess import image_to_mnist, strokes_to_mnist
from mnist_gui.gui.canvas import DrawingCanvas
from mnist_gui.gui.prediction_bars import PredictionBars

LIVE_INTERVAL_MS = 40  # at most 25 predictions a second while drawing


def array_to_qimage(img28: np.ndarray) -> QImage:
    a = np.ascontiguousarray((np.clip(img28, 0, 1) * 255).astype(np.uint8))
    return QImage(a.data, a.shape[1], a.shape[0], a.shape[1], QImage.Format.Format_Grayscale8).copy()


def qimage_to_array(img: QImage) -> np.ndarray:
    g = img.convertToFormat(QImage.Format.Format_Grayscale8)
    w, h, bpl = g.width(), g.height(), g.bytesPerLine()
    buf = np.frombuffer(g.constBits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    return buf[:, :w].astype(np.float32) / 255.0


class DrawTab(QWidget):
    predicted = Signal(object)  # the ten probabilities (numpy) or None

    def __init__(self, predictor: Predictor, parent=None):
        super().__init__(parent)
        self.predictor = predictor
        self.input28: np.ndarray | None = None

        self.canvas = DrawingCanvas()
        self.bars = PredictionBars()
        self.preview = QLabel()
        self.preview.setObjectName("inputPreview")
        self.preview.setFixedSize(28 * 5, 28 * 5)
        self.preview.setToolTip("The 28×28 image the network sees")
        self.preview.setStyleSheet("background: black; border: 1px solid #888;")

        self.undoButton = QPushButton("Undo stroke")
        self.undoButton.setObjectName("undoButton")
        self.clearButton = QPushButton("Clear")
        self.clearButton.setObjectName("clearButton")
        self.penWidth = QSlider(Qt.Orientation.Horizontal)
        self.penWidth.setObjectName("penWidth")
        self.penWidth.setRange(4, 48)
        self.penWidth.setValue(int(self.canvas.pen_width()))
        self.penWidthLabel = QLabel()

        canvas_box = QVBoxLayout()
        canvas_box.addWidget(self.canvas, 0, Qt.AlignmentFlag.AlignHCenter)
        row = QHBoxLayout()
        row.addWidget(QLabel("Pen"))
        row.addWidget(self.penWidth, 1)
        row.addWidget(self.penWidthLabel)
        row.addWidget(self.undoButton)
        row.addWidget(self.clearButton)
        canvas_box.addLayout(row)
        canvas_box.addStretch(1)

        seen = QGroupBox("What the network sees")
        g = QGridLayout(seen)
        g.addWidget(self.preview, 0, 0, Qt.AlignmentFlag.AlignCenter)
        self.previewCaption = QLabel("28×28, centred by centre of mass")
        self.previewCaption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        g.addWidget(self.previewCaption, 1, 0)

        right = QVBoxLayout()
        right.addWidget(self.bars, 1)
        right.addWidget(seen)

        lay = QHBoxLayout(self)
        lay.addLayout(canvas_box)
        lay.addLayout(right, 1)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(LIVE_INTERVAL_MS)
        self._timer.timeout.connect(self.update_prediction)
        self.canvas.changed.connect(self._on_canvas_changed)
        self.canvas.strokeFinished.connect(self._on_stroke_finished)
        self.canvas.cleared.connect(self.update_prediction)
        self.undoButton.clicked.connect(self.canvas.undo)
        self.clearButton.clicked.connect(self.canvas.clear)
        self.penWidth.valueChanged.connect(self._on_pen_width)
        self._on_pen_width(self.penWidth.value())
        self.update_prediction()

    def set_predictor(self, predictor: Predictor) -> None:
        self.predictor = predictor
        self.update_prediction()

    def _on_pen_width(self, v: int) -> None:
        self.canvas.set_pen_width(v)
        self.penWidthLabel.setText(f"{v} px")

    def _on_canvas_changed(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _on_stroke_finished(self) -> None:
        self._timer.stop()
        self.update_prediction()

    def current_input(self) -> np.ndarray | None:
        """The drawing as the 28×28 input (None when empty)."""
        img = self.canvas.image()
        if img is not None:
            return image_to_mnist(qimage_to_array(img))
        return strokes_to_mnist(self.canvas.strokes())

    def update_prediction(self) -> None:
        self.input28 = self.current_input()
        if self.input28 is None:
            self.bars.clear()
            self.preview.clear()
            self.predicted.emit(None)
            return
        probs = self.predictor.probabilities(self.input28)
        self.bars.set_probabilities(probs)
        self.preview.setPixmap(QPixmap.fromImage(array_to_qimage(self.input28)).scaled(
            self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
        self.predicted.emit(probs)

    def show_image(self, image: QImage) -> None:
        self.canvas.set_image(image)
