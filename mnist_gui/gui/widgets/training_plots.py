"""TrainingPlots: the Train tab's two plots of the run under way, made once and fed with `setData`.

Loss per step (raw, smoothed, test per epoch) and accuracy in % (running training accuracy, test per
epoch, always 0–100 with room above 100 for a test point there: a run's climb at its true scale). The Runs
list overlays earlier runs on the same two plots; an empty plot says so in words.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject

from mnist_gui.core.events import EpochEnded, Progressed
from mnist_gui.gui import theme
from mnist_gui.gui.widgets.plots import Plot, align, symbol_brush
from mnist_gui.gui.widgets.runs_panel import ema


def _plot(name: str) -> Plot:
    p = Plot(name, legend=True)
    p.setClipToView(True)
    p.setDownsampling(auto=True, mode="mean")
    return p


class TrainingPlots(QObject):
    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.lossPlot = _plot("lossPlot")
        self.lossPlot.from_zero(x=True)
        self.lossRawCurve = self.lossPlot.plot(name="raw")
        self.lossSmoothCurve = self.lossPlot.plot(name="smoothed")
        self.testLossCurve = self.lossPlot.plot(pen=None, symbol="o", name="test")
        self.accuracyPlot = _plot("accuracyPlot")
        self.accuracyPlot.fix_y(0, 100, points=True)
        self.accuracyPlot.setLimits(xMin=0)
        self.trainAccCurve = self.accuracyPlot.plot(name="training")
        self.testAccCurve = self.accuracyPlot.plot(symbol="o", name="test")
        align(self.lossPlot, self.accuracyPlot)   # one above the other: a step at the same place in both
        self.overlays = 0   # runs of the Runs list drawn over these plots
        self.reset()
        theme.follow(self._on_theme)

    def reset(self) -> None:
        """A new run: empty curves."""
        self.steps: list[int] = []
        self._loss: list[float] = []
        self._smooth: list[float] = []
        self._acc: list[float] = []
        self._epoch_steps: list[int] = []
        self._test_acc: list[float] = []
        self._test_loss: list[float] = []
        for c in (self.lossRawCurve, self.lossSmoothCurve, self.testLossCurve, self.trainAccCurve,
                  self.testAccCurve):
            c.setData([], [])
        self.update_empty()

    def add_progress(self, ev: Progressed) -> None:
        self.steps += ev.steps
        self._loss += ev.losses
        self._smooth += ema(ev.losses, start=self._smooth[-1] if self._smooth else None).tolist()
        self._acc += ev.accuracies
        steps = np.asarray(self.steps)
        self.lossRawCurve.setData(steps, np.asarray(self._loss))
        self.lossSmoothCurve.setData(steps, np.asarray(self._smooth))
        self.trainAccCurve.setData(steps, 100 * np.asarray(self._acc))
        if len(self.steps) == len(ev.steps):
            self.update_empty()

    def add_epoch(self, ev: EpochEnded) -> None:
        self.add_test(ev.step, ev.test_accuracy, ev.test_loss)

    def add_measured(self, history: dict) -> None:
        """A stopped run's test point (its model measured after the stop: Workspace.run), unless shown already."""
        steps = history.get("epoch_step", [])
        if len(steps) > len(self._epoch_steps):
            self.add_test(steps[-1], history["test_accuracy"][-1], history["test_loss"][-1])

    def add_test(self, step: int, accuracy: float, loss: float) -> None:
        """A test point: an epoch's end, or the step a run was stopped at, once its model is measured."""
        self._epoch_steps.append(step)
        self._test_acc.append(accuracy)
        self._test_loss.append(loss)
        self.testAccCurve.setData(self._epoch_steps, [100 * a for a in self._test_acc])
        self.testLossCurve.setData(self._epoch_steps, self._test_loss)

    def set_overlays(self, n: int) -> None:
        self.overlays = n
        self.update_empty()

    def update_empty(self) -> None:
        """An empty plot says so (no made-up axis): nothing trained yet in this session, no run overlaid."""
        empty = not self.steps and not self.overlays
        for plot in (self.lossPlot, self.accuracyPlot):
            plot.set_empty(self.tr("no run yet: press Train, or select runs in the Runs list") if empty else None)

    def retranslate(self) -> None:
        for plot, title, ylabel in ((self.lossPlot, self.tr("Loss per step"), self.tr("cross-entropy")),
                                    (self.accuracyPlot, self.tr("Accuracy"), self.tr("accuracy (%)"))):
            plot.setTitle(title)
            plot.setAccessibleName(title)
            plot.setLabel("bottom", self.tr("step"))
            plot.setLabel("left", ylabel)
        # why the training and test losses differ, where both are drawn
        self.lossPlot.setToolTip(self.tr(
            "Training loss (per step) is computed with label smoothing, the recipe's “Label smoothing” "
            "field: the targets are softened, so it stays above zero even when every image is read right. "
            "Test loss (per epoch) is plain cross-entropy on the 10,000 test images. The two differ for "
            "that reason, not only because the images differ."))
        for plot, curve, name in ((self.lossPlot, self.lossRawCurve, self.tr("training (raw)")),
                                  (self.lossPlot, self.lossSmoothCurve, self.tr("training (smoothed)")),
                                  (self.lossPlot, self.testLossCurve, self.tr("test (per epoch)")),
                                  (self.accuracyPlot, self.trainAccCurve, self.tr("training (running)")),
                                  (self.accuracyPlot, self.testAccCurve, self.tr("test (per epoch)"))):
            curve.opts["name"] = name
            label = plot.getPlotItem().legend.getLabel(curve)
            if label is not None:
                label.setText(name)
        self.lossPlot.getPlotItem().legend.updateSize()   # both legends as wide as the wider (plots.align)
        self.update_empty()

    def _on_theme(self, t) -> None:
        self.lossRawCurve.setPen(pg.mkPen(t.raw_loss, width=1))
        self.lossSmoothCurve.setPen(pg.mkPen(t.smooth_loss, width=2))
        self.trainAccCurve.setPen(pg.mkPen(t.train_acc, width=2))
        self.testAccCurve.setPen(pg.mkPen(t.test, width=2))
        symbol_brush(self.testLossCurve, t.test)
        symbol_brush(self.testAccCurve, t.test)
