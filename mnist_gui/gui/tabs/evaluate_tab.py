"""Evaluate tab: the live model over the 10,000 test images in a worker thread; accuracy per class,
a clickable confusion matrix, galleries of a cell's images and of the most confident mistakes."""

from __future__ import annotations

import copy
import html
import itertools
import unicodedata

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.gui import i18n, theme
from mnist_gui.gui.core_strings import core_text
from mnist_gui.gui.i18n import Retranslating, Said, SaidLabel
from mnist_gui.gui.jobs import JobRunner, Task, describe_error
from mnist_gui.gui.qt_workspace import QtWorkspace
from mnist_gui.gui.widgets.data_folder import DataFolderPanel, mnist_unusable
from mnist_gui.gui.widgets.images import digit_qimage
from mnist_gui.gui.widgets.plots import Plot
from mnist_gui.gui.widgets.progress_bar import ProgressBar

GALLERY_LIMIT = 200
CLASSES = 10
THUMB = 84   # a gallery image's side in pixels (three times MNIST's 28)


TITLE_COLUMNS = 36   # a plot title's line, in Latin characters (a wide East Asian character counts two)


def _wide(c: str) -> bool:
    return unicodedata.east_asian_width(c) in "WF"


def _columns(text: str) -> int:
    return sum(2 if _wide(c) else 1 for c in text)


def _tokens(text: str):
    """Spaces, words, and each wide (Chinese) character on its own: Chinese has no spaces to break at."""
    for part in ("".join(g) for _space, g in itertools.groupby(text, str.isspace)):
        run = ""
        for c in part:
            if _wide(c):
                if run:
                    yield run
                yield c
                run = ""
            else:
                run += c
        if run:
            yield run


def wrap_columns(text: str, width: int) -> list[str]:
    """Lines of at most width columns, broken at spaces or between wide characters; a word longer than
    a line keeps a line of its own."""
    lines, line = [], ""
    for tok in _tokens(text):
        if tok.isspace():
            line += " " if line else ""
            continue
        if line.strip() and _columns(line + tok) > width:
            lines.append(line.rstrip())
            line = ""
        line += tok
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines


def compact_count(n: int) -> str:
    """A count in at most four characters: 812, 9.8k, 12k."""
    if n < 1000:
        return str(n)
    return f"{n / 1000:.1f}k" if n < 9950 else f"{round(n / 1000)}k"


class EvaluateTab(Retranslating, QWidget):
    openInCanvas = Signal(QImage, int)   # a test image and its true label
    evaluated = Signal(dict)
    evaluationFailed = Signal(str)

    def __init__(self, qtws: QtWorkspace, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.ws = qtws.ws
        self.jobs = jobs
        self.data = None
        self.result: dict | None = None
        self._evalModel = self._resultModel = None   # the checkpoint the result is of (the live model may have changed since)
        self._task: Task | None = None
        self.shown: list[int] = []  # test indices in the gallery
        self._gallery: tuple = ()     # what the gallery shows: ("cell", true, pred) or ("mistakes",)
        # what the line beside the progress bar says (MNIST loading, a failure, the accuracy), in the current
        # language: said again after a language switch or a change of the live model, never an older line

        self.evaluateButton = QPushButton(objectName="evaluateButton")
        self.stopButton = QPushButton(objectName="stopEvaluateButton")
        self.stopButton.setEnabled(False)
        self.progressBar = ProgressBar(objectName="evaluateProgress")
        # wraps within its share of the row: a long line (a failure) never runs off the window's edge
        self.accuracyLabel = SaidLabel("", objectName="evaluateAccuracy", wordWrap=True)
        # Bars from 0 to 100%, each with its value: a small difference looks small, and is still read exactly.
        self.perClassPlot = Plot("perClassPlot", mouse=False)
        self.perClassPlot.getAxis("bottom").setTicks([[(i, str(i)) for i in range(CLASSES)]])
        self.perClassPlot.setXRange(-0.6, CLASSES - 0.4, padding=0)
        self.perClassPlot.fix_y(0, 100)
        self._classBars = pg.BarGraphItem(x=np.arange(CLASSES), height=np.zeros(10), width=0.8,
                                          brush=theme.current().bar)
        self.perClassPlot.addItem(self._classBars)
        self._classTexts: list = []

        # The matrix fills its plot (cells need not be square): the axes hug it and its counts fit the cells.
        self.confusionMatrix = Plot("confusionMatrix", mouse=False)
        self.confusionMatrix.invertY(True)
        self.confusionMatrix.setRange(xRange=(0, CLASSES), yRange=(0, CLASSES), padding=0.02)
        for ax in ("bottom", "left"):
            self.confusionMatrix.getAxis(ax).setTicks([[(i + 0.5, str(i)) for i in range(CLASSES)]])
        self._image = pg.ImageItem(axisOrder="row-major")
        self._image.setColorMap(pg.colormap.get("viridis"))
        self.confusionMatrix.addItem(self._image)
        self._texts = []
        self.confusionMatrix.scene().sigMouseClicked.connect(self._on_matrix_click)
        self.confusionMatrix.getPlotItem().vb.sigResized.connect(self._fit_cell_texts)

        # Reliability diagram: is a confidence of 90% right 90% of the time?
        self._relShown = False
        self.reliabilitySource = QComboBox(objectName="reliabilitySource")
        self.reliabilitySource.addItem(self.tr("MNIST test"), "mnist")
        self.reliabilitySource.addItem(self.tr("pen-drawn digits of writers the model has not seen"), "pen")
        self.reliabilityPlot = Plot("reliabilityPlot", title=self.tr("Reliability"), mouse=False)
        self.reliabilityPlot.setXRange(0, 100, padding=0)   # 0..100 exactly, "100" written at its end:
        confidence = self.reliabilityPlot.getAxis("bottom")   # a label centred on an end reaches past the axis
        confidence.setTicks([[(v, str(v)) for v in range(0, 101, 20)], [(v, "") for v in range(0, 101, 10)]])
        half = int(QFontMetricsF(self.reliabilityPlot.font()).horizontalAdvance("100") / 2) + 2
        confidence.setStyle(hideOverlappingLabels=half)      # (pyqtgraph hid it: only 0..80 had labels)
        margins = self.reliabilityPlot.getPlotItem().layout.getContentsMargins()
        self.reliabilityPlot.getPlotItem().layout.setContentsMargins(margins[0], margins[1],
                                                                     max(margins[2], half), margins[3])
        self.reliabilityPlot.fix_y(0, 125)   # room above a full bar for its count, and ticks only up to 100%
        self.reliabilityPlot.getAxis("left").setTicks([[(v, str(v)) for v in range(0, 101, 50)],
                                                       [(v, "") for v in range(0, 101, 10)]])
        self._diagonal = self.reliabilityPlot.plot([0, 100], [0, 100])
        self._relBars = pg.BarGraphItem(x=[], height=[], width=9, brush=theme.current().bar)
        self.reliabilityPlot.addItem(self._relBars)
        self._relTexts: list = []
        self.reliabilityBins: list = []   # calibration.Bin per bin of the diagram shown
        self.reliabilityEce: float | None = None
        self._penTask: Task | None = None
        self._pen: tuple | None = None     # (probabilities, labels, writers) of the pen digits, once read
        self._penModel = None               # the checkpoint they are (being) read with
        self.reliabilitySource.currentIndexChanged.connect(self._show_reliability)
        qtws.modelChanged.connect(self._on_model_changed)

        self.galleryTitle = QLabel("", objectName="galleryTitle")
        self.gallery = QListWidget(objectName="gallery")
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(QSize(THUMB, THUMB))
        self.gallery.setGridSize(QSize(THUMB + 20, THUMB + 44))   # the image and two lines: read as, true
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.mistakesButton = QPushButton(objectName="mistakesButton")
        self.openInCanvasButton = QPushButton(objectName="openInCanvasButton")

        top = QHBoxLayout()
        top.addWidget(self.evaluateButton)
        top.addWidget(self.stopButton)
        top.addWidget(self.progressBar, 1)
        top.addWidget(self.accuracyLabel)
        plots = QHBoxLayout()
        plots.addWidget(self.confusionMatrix, 3)
        plots.addWidget(self.perClassPlot, 2)
        rel = QVBoxLayout()
        rel.addWidget(self.reliabilitySource)
        rel.addWidget(self.reliabilityPlot, 1)
        plots.addLayout(rel, 2)
        grow = QHBoxLayout()
        grow.addWidget(self.galleryTitle, 1)
        grow.addWidget(self.mistakesButton)
        grow.addWidget(self.openInCanvasButton)
        self.dataPanel = DataFolderPanel(self.ws, self.jobs)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.dataPanel)
        lay.addLayout(plots, 3)
        lay.addLayout(grow)
        lay.addWidget(self.gallery, 2)

        self.evaluateButton.clicked.connect(self.start)
        self.dataPanel.chosen.connect(lambda _folder: self.start())
        self.stopButton.clicked.connect(self.stop)
        self.mistakesButton.clicked.connect(self.show_mistakes)
        self.openInCanvasButton.clicked.connect(self._open_in_canvas)
        self.gallery.currentItemChanged.connect(lambda *_: self._set_busy(self._task is not None))
        self._set_busy(False)
        theme.follow(self._on_theme)
        self.retranslate()

    def retranslate(self) -> None:
        """Every text of the tab in the current language, including the results on show."""
        self.evaluateButton.setText(self.tr("Evaluate the live model on the 10,000 test &images"))
        self.stopButton.setText(self.tr("St&op"))
        self.progressBar.setAccessibleName(self.tr("Evaluation progress"))
        self.accuracyLabel.setAccessibleName(self.tr("Test accuracy"))
        self.perClassPlot.setTitle(self.tr("Accuracy per digit"))
        self.perClassPlot.setAccessibleName(self.tr("Accuracy per digit"))
        self.perClassPlot.setLabel("bottom", self.tr("digit"))
        self.perClassPlot.setLabel("left", self.tr("accuracy (%)"))
        self.confusionMatrix.setTitle(self.tr("Confusion matrix (click a cell)"))
        self.confusionMatrix.setAccessibleName(self.tr("Confusion matrix"))
        self.confusionMatrix.setAccessibleDescription(self.tr("Rows are the true digits, columns the predicted "
                                                              "ones; click a cell to see its images."))
        self.confusionMatrix.setLabel("bottom", self.tr("predicted"))
        self.confusionMatrix.setLabel("left", self.tr("true"))
        self.gallery.setAccessibleName(self.tr("Test images"))
        self.mistakesButton.setText(self.tr("Most confident mista&kes"))
        self.openInCanvasButton.setText(self.tr("Open in &canvas"))
        self.reliabilitySource.setItemText(0, self.tr("MNIST test"))
        self.reliabilitySource.setItemText(1, self.tr("pen-drawn digits of writers the model has not seen"))
        self.reliabilitySource.setAccessibleName(self.tr("Reliability of"))
        self.reliabilityPlot.setAccessibleName(self.tr("Reliability"))
        self.reliabilityPlot.setLabel("bottom", self.tr("confidence (%)"))
        self.reliabilityPlot.setLabel("left", self.tr("accuracy (%)"))
        waiting = self.tr("not evaluated yet: press Evaluate") if self.result is None else None
        for plot in (self.confusionMatrix, self.perClassPlot):
            plot.set_empty(waiting)
        if not self._relShown:
            self._set_reliability_title(self.tr("Reliability"))
        else:
            self._show_reliability()
        if self.result is not None and self._task is None:
            if self._gallery[:1] == ("cell",):
                self.select_cell(*self._gallery[1:])
            elif self._gallery:
                self.show_mistakes()


    def _on_theme(self, t) -> None:
        self._classBars.setOpts(brush=pg.mkBrush(t.bar))
        self._relBars.setOpts(brush=pg.mkBrush(t.bar))
        self._diagonal.setPen(pg.mkPen(t.unsure, style=Qt.PenStyle.DashLine))
        # the values written on the bars and the counts above them follow the theme (the counts kept the
        # light theme's dark grey in dark mode)
        for item in self._classTexts:
            item.setColor(theme.text_on(t.bar))
        for item in self._relTexts:
            item.setColor(t.plot_fg)

    def _set_busy(self, busy: bool) -> None:
        self.evaluateButton.setEnabled(not busy)
        self.stopButton.setEnabled(busy)
        has = self.result is not None
        self.mistakesButton.setEnabled(has and not busy)
        self.openInCanvasButton.setEnabled(has and not busy and self.gallery.currentItem() is not None)   # a mistake to open

    def start(self) -> bool:
        if self._task is not None or self.ws.checkpoint is None:
            return False
        self.progressBar.setRange(0, 0)
        self.accuracyLabel.say(lambda: "")
        self._evalModel = self.ws.checkpoint
        ck = self.ws.checkpoint

        def run(report, should_stop):   # a copy: the live model may change meanwhile (torch loads here)
            return self.ws.evaluate(copy.deepcopy(ck.load_model()).eval(), progress=report, should_stop=should_stop)
        self._task = task = Task(run)
        self._set_busy(True)
        self.jobs.start(task, self, progressed=self._on_progress, returned=self._on_finished,
                        failedWith=self._on_failed, cancelled=lambda: self._on_failed(None))
        return True

    def stop(self) -> None:
        if self._task is not None:
            self._task.stop()

    def is_running(self) -> bool:
        return self._task is not None


    def _on_progress(self, p) -> None:
        if isinstance(p, tuple):
            i, n = p
            self.progressBar.setRange(0, n)
            self.progressBar.setValue(i)
        else:   # a line of MNIST loading (a core Message)
            self.accuracyLabel.say(lambda: core_text(p))

    def _on_failed(self, error: Exception | None) -> None:
        """The evaluation failed (error), or was stopped (None)."""
        self._task = None
        self._set_busy(False)
        self.progressBar.setRange(0, 1)
        said: Said = (lambda: describe_error(error)) if error is not None else \
            (lambda: self.tr("evaluation stopped"))
        if mnist_unusable(self.ws, error):   # the panel says it, with the way to set MNIST up: once
            self.accuracyLabel.say(lambda: "")
            self.dataPanel.show_missing(error)
        else:
            self.accuracyLabel.say(said)
        self.evaluationFailed.emit(said())

    def _on_finished(self, out) -> None:
        ev, self.data = out
        self._task = None
        self.result, self._resultModel = ev, self._evalModel
        self._set_busy(False)
        conf = np.asarray(ev["confusion"])
        self._show_accuracy()
        self._show_per_class(100 * np.asarray(ev["per_class"], float))
        for plot in (self.confusionMatrix, self.perClassPlot):
            plot.set_empty(None)
        self._image.setImage(np.log1p(conf.astype(float)), levels=(0, np.log1p(conf.max())))
        self._image.setRect(0, 0, 10, 10)  # one unit per cell (after setImage, which knows the size)
        self.confusionMatrix.setRange(xRange=(0, 10), yRange=(0, 10), padding=0.02)
        for t in self._texts:
            self.confusionMatrix.removeItem(t)
        self._texts = []
        for i in range(CLASSES):
            for j in range(CLASSES):
                if conf[i, j]:
                    t = pg.TextItem(str(conf[i, j]), color="w" if i != j else "k", anchor=(0.5, 0.5))
                    t.setPos(j + 0.5, i + 0.5)
                    self.confusionMatrix.addItem(t)
                    self._texts.append(t)
        self._fit_cell_texts()
        self._pen = None  # read again with the model just evaluated
        self._show_reliability()
        self.ws.evaluated(self._resultModel, ev)   # a model that was not evaluated is now, everywhere it is shown
        self.evaluated.emit(ev)

    def _fit_cell_texts(self, *_args) -> None:
        """The counts in the matrix in the largest font (at most the app's) in which the widest fits a cell."""
        if not self._texts:
            return
        vb = self.confusionMatrix.getPlotItem().vb
        cell = vb.mapViewToScene(QRectF(0, 0, 1, 1)).boundingRect()
        font = QFont()
        widest = max((t.textItem.toPlainText() for t in self._texts), key=len)
        size = font.pointSizeF()
        while size > 5:
            font.setPointSizeF(size)
            m = QFontMetricsF(font)
            if m.horizontalAdvance(widest) + 6 <= cell.width() and m.height() <= cell.height():
                break
            size -= 0.5
        for t in self._texts:
            t.setFont(font)

    def _show_reliability(self) -> None:
        """Draw the diagram for the chosen source; pen digits are read in the background first."""
        if self.reliabilitySource.currentData() == "pen":
            from mnist_gui.core.handwriting.pendigits import seen_writers, writers_text  # imports torch: not at start
            if self._pen is not None:
                probs, labels, writers = self._pen
                self._draw_reliability(probs, labels, self.tr("pen digits of writers {0}").format(
                    writers_text(writers)))
            elif self._penTask is None and self.ws.checkpoint is not None:
                self._clear_reliability()
                self._set_reliability_title(self.tr("reading pen-drawn digits…"))
                ck = self._penModel = self.ws.checkpoint
                seen = seen_writers(ck.train_config)
                all_seen = self.tr("the model trained on every pen writer's digits ({0}): none are left unseen")

                def read(report, should_stop):
                    from mnist_gui.core.data import DataError
                    from mnist_gui.core.handwriting.pendigits import AllWritersSeen
                    try:
                        return self.ws.read_pen_digits(copy.deepcopy(ck.load_model()).eval(), seen,
                                                       progress=report, should_stop=should_stop)
                    except AllWritersSeen as e:   # said in the window's language
                        raise DataError(all_seen.format(e.writers)) from None
                task = Task(read)
                self._penTask = task
                self.jobs.start(task, self, returned=self._on_pen_read, failed=self._on_pen_failed,
                                cancelled=lambda: self._on_pen_failed(self.tr("stopped")))
        elif self.result is not None:
            self._draw_reliability(self.result["probabilities"].numpy(), self.data.test.labels.numpy(),
                                   self.tr("MNIST test") if self.result_is_live()
                                   else self.tr("MNIST test, an earlier model"))

    def result_is_live(self) -> bool:
        """Whether the evaluation on show is of the live model."""
        return self.result is not None and self._resultModel is self.ws.checkpoint

    def _show_accuracy(self) -> None:
        self.accuracyLabel.say(self._accuracy_line)

    def _accuracy_line(self) -> str:
        """The result's accuracy, marked as an earlier model's once the live model has changed since."""
        acc = f"{self.result['accuracy']:.2%}" if self.result is not None else ""
        return (self.tr("test accuracy {0}").format(acc) if self.result_is_live() else
                self.tr("test accuracy {0} of an earlier model: evaluate again for the live model").format(acc))

    def _on_model_changed(self, _ck) -> None:
        """Pen digits read with the model before are not this model's: read again when shown. The MNIST
        results stay, marked as an earlier model's."""
        self._pen = None
        self.accuracyLabel.retranslate()   # said again: the accuracy shown, marked as an earlier model's; not a failure
        if self.reliabilitySource.currentData() != "pen" or self._penTask is None:
            self._show_reliability()

    def _on_pen_read(self, out) -> None:
        self._penTask = None
        if self._penModel is self.ws.checkpoint:   # else the live model changed while reading
            self._pen = out
        self._show_reliability()

    def _clear_reliability(self) -> None:
        self._relBars.setOpts(x=[], height=[])
        for t in self._relTexts:
            self.reliabilityPlot.removeItem(t)
        self._relTexts = []
        self.reliabilityBins, self.reliabilityEce = [], None
        self.reliabilityPlot.setToolTip("")

    def _show_per_class(self, per_class: np.ndarray) -> None:
        """The bars, each with its value written upwards inside its top: side by side, "99.6" is wider than
        a bar at the window's default size (the values ran together, "99.699.699.5")."""
        self._classBars.setOpts(height=per_class)
        for t in self._classTexts:
            self.perClassPlot.removeItem(t)
        self._classTexts = []
        small = QFont()
        small.setPointSizeF(max(6.0, small.pointSizeF() - 2))
        for d, v in enumerate(per_class):
            t = pg.TextItem(f"{v:.1f}", color=theme.text_on(theme.current().bar), anchor=(1.0, 0.5), angle=90)   # its end at the bar's top
            t.setFont(small)
            t.setPos(d, v)
            self.perClassPlot.addItem(t)
            self._classTexts.append(t)

    def _on_pen_failed(self, msg: str) -> None:
        """The reason in the title, and as a tooltip."""
        self._penTask = None
        self._clear_reliability()
        self._set_reliability_title(msg)
        self.reliabilityPlot.setToolTip(msg)

    def _set_reliability_title(self, text: str) -> None:
        """The diagram's title wrapped to the plot's width: one long line would widen the plot and push
        the diagram out of view."""
        lines = wrap_columns(text, TITLE_COLUMNS)
        plot = self.reliabilityPlot.getPlotItem()
        plot.setTitle("<br>".join(html.escape(line) for line in lines))
        height = 30 if len(lines) == 1 else 8 + 20 * len(lines)   # setTitle makes the row one line high
        plot.titleLabel.setMaximumHeight(height)
        plot.layout.setRowFixedHeight(0, height)

    def _draw_reliability(self, probs, labels, what: str) -> None:
        from mnist_gui.core.calibration import ece, reliability
        self._clear_reliability()
        self.reliabilityBins = reliability(probs, labels, bins=10)
        self.reliabilityEce = ece(probs, labels, bins=10)
        full = [b for b in self.reliabilityBins if b.count]
        self._relBars.setOpts(x=[50 * (b.lo + b.hi) for b in full], height=[100 * b.accuracy for b in full])
        small = QFont()
        small.setPointSizeF(max(6.0, small.pointSizeF() - 2))
        for b in full:   # written upwards above the bar: side by side, "9,812" is wider than a bin
            t = pg.TextItem(compact_count(b.count), color=theme.current().plot_fg, anchor=(0.0, 0.5), angle=90)
            t.setFont(small)
            t.setToolTip(str(b.count))
            t.setPos(50 * (b.lo + b.hi), 100 * b.accuracy)
            self.reliabilityPlot.addItem(t)
            self._relTexts.append(t)
        self._relShown = True
        self._set_reliability_title(self.tr("Reliability, {0}: ECE {1}").format(what, f"{self.reliabilityEce:.2%}"))

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
        self._gallery = ("cell", true, pred)
        self.galleryTitle.setText(self.tr("true {0}, read as {1}: {2} images").format(true, pred, len(idx))
                                  + (" " + self.tr("(first {0})").format(GALLERY_LIMIT)
                                     if len(idx) > GALLERY_LIMIT else ""))
        self._fill(idx[:GALLERY_LIMIT])

    def show_mistakes(self) -> None:
        labels = self.data.test.labels.numpy()
        preds = self.result["predictions"].numpy()
        conf = self.result["confidence"].numpy()
        wrong = np.nonzero(labels != preds)[0]
        wrong = wrong[np.argsort(-conf[wrong])]
        self._gallery = ("mistakes",)
        self.galleryTitle.setText(self.tr("most confident mistakes: {0} in all").format(len(wrong)))
        self._fill(wrong[:GALLERY_LIMIT])

    def _fill(self, indices) -> None:
        self.gallery.clear()
        self.shown = [int(i) for i in indices]
        probs = self.result["probabilities"].numpy()
        labels = self.data.test.labels.numpy()
        for k in self.shown:
            order = np.argsort(-probs[k])[:2]
            pixmap = QPixmap.fromImage(digit_qimage(self.data.test.images[k].numpy())).scaled(
                THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
            item = QListWidgetItem(QIcon(pixmap), self.tr("read {0} {1}\ntrue {2}").format(
                order[0], f"{probs[k][order[0]]:.0%}", labels[k]))
            item.setToolTip(self.tr("test image #{0}, label {1}; {2}").format(
                k, labels[k], i18n.join(f"{d}: {probs[k][d]:.1%}" for d in order)))
            item.setData(Qt.ItemDataRole.UserRole, k)
            self.gallery.addItem(item)
        if self.shown:
            self.gallery.setCurrentRow(0)

    def _open_in_canvas(self) -> None:
        item = self.gallery.currentItem()
        if item is None:
            return
        k = item.data(Qt.ItemDataRole.UserRole)
        self.openInCanvas.emit(digit_qimage(self.data.test.images[k].numpy()), int(self.data.test.labels[k]))
