"""Runs list: every recorded training run; overlay several runs' curves, compare their settings."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.gui import theme
from mnist_gui.gui.core_strings import core_tr
from mnist_gui.gui.i18n import Retranslating
from mnist_gui.gui.qt_workspace import QtWorkspace

SMOOTHING = 0.1  # exponential moving average of the loss per step, live and in overlays


def ema(values, alpha: float = SMOOTHING, start=None) -> np.ndarray:
    """Exponential moving average; start continues a previous average."""
    out = np.empty(len(values))
    acc = start
    for i, v in enumerate(values):
        acc = v if acc is None else (1 - alpha) * acc + alpha * v
        out[i] = acc
    return out


class RunsPanel(Retranslating, QWidget):
    makeLiveRequested = Signal(object)  # RunRecord

    def __init__(self, qtws: QtWorkspace, loss_plot: pg.PlotWidget, acc_plot: pg.PlotWidget, parent=None):
        super().__init__(parent)
        self.ws = qtws.ws
        self.loss_plot, self.acc_plot = loss_plot, acc_plot
        self.runs: list = []
        self.problems: list[str] = []
        self._overlays: list = []
        self.table = QTableWidget(0, 13, objectName="runsTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.makeLiveButton = QPushButton(objectName="makeLiveButton")
        self.deleteRunButton = QPushButton(objectName="deleteRunButton")
        self.message = QLabel(objectName="runsMessage", wordWrap=True)
        self.hint = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.hint)
        row.addStretch(1)
        row.addWidget(self.makeLiveButton)
        row.addWidget(self.deleteRunButton)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.message)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.makeLiveButton.clicked.connect(self._make_live)
        self.deleteRunButton.clicked.connect(self.delete_selected)
        qtws.runsChanged.connect(self.refresh)
        self._loaded = False
        self.retranslate()
        theme.manager().changed.connect(self._on_theme)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([
            self.tr("Run"), self.tr("Status"), self.tr("Architecture"), self.tr("Optimizer"), self.tr("LR"),
            self.tr("Schedule"), self.tr("Batch"), self.tr("Steps"), self.tr("Dropout"), self.tr("Augment"),
            self.tr("Train images"), self.tr("Test accuracy"), self.tr("Seconds")])
        self.table.setAccessibleName(self.tr("Runs"))
        self.table.horizontalHeader().setAccessibleName(self.tr("Columns"))
        self.makeLiveButton.setText(self.tr("Ma&ke live"))
        self.deleteRunButton.setText(self.tr("Delete run"))
        self.hint.setText(self.tr("Select runs to overlay their curves:"))
        if self._loaded:
            self.refresh()


    def _on_theme(self, _theme) -> None:
        if self._loaded:
            self._on_selection()   # the overlays in the new theme's colours

    def showEvent(self, e) -> None:  # read the run records when first shown, not at start-up
        super().showEvent(e)
        if not self._loaded:
            self.refresh()

    def status_text(self, r) -> str:
        text = {"finished": self.tr("finished"), "stopped": self.tr("stopped"),
                "diverged": self.tr("diverged")}.get(r.status, r.status)
        if r.status != "diverged" and not r.has_model:
            text += " " + self.tr("(model discarded)")
        return text

    def refresh(self) -> None:
        self._loaded = True
        self.runs, self.problems = self.ws.runs.load()
        self.table.setRowCount(len(self.runs))
        for i, r in enumerate(self.runs):
            c = r.config
            acc = r.test_accuracy
            vals = [r.id, self.status_text(r), c.get("preset", ""), c.get("optimizer", ""), f"{c.get('lr', 0):g}",
                    core_tr(c.get("schedule", "")), str(c.get("batch_size", "")), str(r.metrics.get("steps", "")),
                    f"{c.get('dropout', 0):g}", self.tr("yes") if c.get("augment") else self.tr("no"),
                    str(c.get("train_size") or self.tr("all")), f"{acc:.2%}" if acc is not None else "–",
                    f"{r.seconds:.0f}"]
            for j, v in enumerate(vals):
                self.table.setItem(i, j, QTableWidgetItem(v))
        self.message.setText("\n".join(self.problems))
        self._on_selection()

    def selected(self) -> list:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.runs[r] for r in rows]

    def _on_selection(self) -> None:
        for plot, item in self._overlays:
            plot.removeItem(item)
        self._overlays = []
        sel = self.selected()
        self.makeLiveButton.setEnabled(len(sel) == 1 and sel[0].has_model)
        self.deleteRunButton.setEnabled(bool(sel))
        colors = theme.current().runs
        for k, r in enumerate(sel):
            color = colors[k % len(colors)]
            h = r.history
            steps = np.asarray(h.get("step", []), float)
            loss = np.asarray(h.get("loss", []), float)
            if len(steps) and len(steps) == len(loss):
                smooth = ema(loss)
                self._add(self.loss_plot, self.loss_plot.plot(steps, smooth, pen=pg.mkPen(color, width=1.5),
                                                              name=self.tr("{0} loss").format(r.id)))
                tr = np.asarray(h.get("accuracy", []), float)
                if len(tr) == len(steps):
                    self._add(self.acc_plot, self.acc_plot.plot(steps, tr, pen=pg.mkPen(color, width=1,
                                                                                        style=Qt.PenStyle.DashLine)))
            ep = h.get("test_accuracy", [])
            if ep:
                spe = np.asarray(h.get("epoch_step", []) or [], float)
                x = spe if len(spe) == len(ep) else (np.arange(1, len(ep) + 1) * (steps[-1] / len(ep) if len(steps) else 1))
                self._add(self.acc_plot, self.acc_plot.plot(x, ep, pen=pg.mkPen(color, width=2), symbol="o",
                                                            symbolBrush=color, name=self.tr("{0} test").format(r.id)))

    def _add(self, plot, item) -> None:
        self._overlays.append((plot, item))

    def overlay_count(self) -> int:
        return len(self._overlays)

    def _make_live(self) -> None:
        sel = self.selected()
        if len(sel) == 1:
            self.makeLiveRequested.emit(sel[0])

    def delete_selected(self) -> None:
        try:
            for r in self.selected():
                self.ws.delete_run(r)
        except OSError as e:
            self.message.setText(self.tr("Could not delete the run: {0}").format(e))
            return
        self.refresh()
