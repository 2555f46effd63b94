"""Runs list: every recorded training run; overlay several runs' curves, compare their settings.

Each run is named for people (its network, test accuracy and when it ran; the id is its tooltip), says what
made it (a training, a fine-tune, a study) and its fate (live, kept, model discarded). The list follows the
runs folder: a run recorded by another process (the command line) appears without a restart.

The records are read in a worker (a folder of thousands of runs), and only those whose file changed are read
again (core RunStore's cache); the table changes only the rows whose text changed. A refresh asked for while
one is running runs once more after it.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QFileSystemWatcher, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.core.states import BusyKind, RunStatus
from mnist_gui.core.storage import is_dir, os_reason
from mnist_gui.gui import theme
from mnist_gui.gui.core_strings import choice_text
from mnist_gui.gui.dialogs import ask_before_deleting
from mnist_gui.gui.i18n import Retranslating
from mnist_gui.gui.jobs import JobRunner, Task
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


COLUMNS = 11
FILL_ROWS = 250   # rows set in the table per event-loop turn
RUN_COL, KIND_COL, STATUS_COL, LR_COL = 0, 1, 2, 4


def when_text(date: str, today: str | None = None) -> str:
    """A record's "2026-12-02 18:26:54" as "18:26" today, else "2026-12-02 18:26"."""
    today = today or time.strftime("%Y-%m-%d")
    day, _, clock = date.partition(" ")
    return clock[:5] if day == today and clock else date[:16]


class RunsPanel(Retranslating, QWidget):
    makeLiveRequested = Signal(object)  # RunRecord
    overlaysChanged = Signal()           # curves of selected runs were added to or removed from the plots

    loaded = Signal()                    # the records were read and shown (after each refresh)

    def __init__(self, qtws: QtWorkspace, loss_plot: pg.PlotWidget, acc_plot: pg.PlotWidget, parent=None,
                 jobs: JobRunner | None = None):
        super().__init__(parent)
        self.ws = qtws.ws
        self.jobs = jobs          # where the records are read; None: in the GUI thread
        self._reading = False     # a read is running in a worker
        self._again = False       # and another was asked for meanwhile
        self._shown: list[tuple | None] = []   # each row's texts as shown, to change only rows that changed
        self._row_cache: dict[int, tuple] = {}  # id(record) -> (record, live model's run, its row's texts)
        self._fill_generation = 0
        self.loss_plot, self.acc_plot = loss_plot, acc_plot
        self.runs: list = []
        self.problems: list[str] = []
        self._overlays: list = []
        self.table = QTableWidget(0, COLUMNS, objectName="runsTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        # a row as tall as its line of text (the style's default is taller): more runs in view
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # columns sized from the first rows only (Qt's default measures 1,000 rows of each column: a list of
        # thousands of runs held the window a quarter of a second each time it changed)
        self.table.horizontalHeader().setResizeContentsPrecision(100)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
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
        qtws.modelChanged.connect(lambda _ck: self._loaded and self._show((self.runs, self.problems)))  # which is live
        self._loaded = False
        # Runs recorded by another process (mnist-gui train): the folder is watched, bursts read once.
        self._reread = QTimer(self, singleShot=True, interval=300)
        self._reread.timeout.connect(lambda: self._loaded and self.refresh())
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_folder_changed)
        self._watch()
        self.retranslate()
        theme.manager().changed.connect(self._on_theme)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([
            self.tr("Run"), self.tr("Kind"), self.tr("Status"), self.tr("Optimizer"), self.tr("LR"),
            self.tr("Schedule"), self.tr("Batch"), self.tr("Steps"), self.tr("Dropout"), self.tr("Augment"),
            self.tr("Train images")])
        self.table.setAccessibleName(self.tr("Runs"))
        self.table.horizontalHeader().setAccessibleName(self.tr("Columns"))
        self.makeLiveButton.setText(self.tr("Ma&ke live"))
        self.deleteRunButton.setText(self.tr("Delete run"))
        self.hint.setText(self.tr("Select runs to overlay their curves:"))
        if self._loaded:
            self._row_cache = {}   # the rows' texts are in the old language: made again, not reused
            self._show((self.runs, self.problems))   # the same records, in the new language

    def _on_theme(self, _theme) -> None:
        if self._loaded:
            self._on_selection()   # the overlays in the new theme's colours

    def showEvent(self, e) -> None:  # read the run records when first shown, not at start-up
        super().showEvent(e)
        if not self._loaded:
            self.refresh()

    def _watch(self) -> None:
        """Watch the runs folder (or, until it exists, the nearest folder above it that does)."""
        target = self.ws.runs.root
        while not is_dir(target) and target != target.parent:
            target = target.parent
        watched = self._watcher.directories()
        if watched != [str(target)]:
            if watched:
                self._watcher.removePaths(watched)
            self._watcher.addPath(str(target))

    def _on_folder_changed(self, _path: str) -> None:
        self._watch()
        self._reread.start()

    def status_text(self, r, live: str | None) -> str:
        """How it ended and what became of its model: "finished, live", "stopped, model discarded"; live is
        the id of the live model's run (_live_run)."""
        text = {RunStatus.FINISHED: self.tr("finished"), RunStatus.STOPPED: self.tr("stopped"),
                RunStatus.DIVERGED: self.tr("diverged")}.get(r.status, r.status)
        if r.status == RunStatus.DIVERGED:
            return text
        fate = (self.tr("live") if r.id == live and r.has_model else self.tr("kept") if r.has_model
                else self.tr("model discarded"))
        return self.tr("{0}, {1}").format(text, fate)

    def kind_text(self, r) -> str:
        try:   # what made the run, by its typed kind (a record from a newer version may hold another)
            kind = BusyKind(r.kind)
        except ValueError:
            return str(r.kind)
        if kind is BusyKind.STUDY:
            return self.tr("study {0}").format(r.study) if r.study else self.tr("study")
        return self.tr("training") if kind is BusyKind.TRAIN else self.tr("fine-tune")

    def run_name(self, r) -> str:
        """What a person tells runs apart by: the network, its test accuracy, when it ran."""
        preset = r.config.get("preset", "")
        net = self.tr("custom network") if preset == "custom" else preset
        acc = r.test_accuracy
        return self.tr("{0} · {1} · {2}").format(net, f"{acc:.2%}" if acc is not None else self.tr("not evaluated"),
                                               when_text(r.date))

    _deleteProblem = ""   # why the last deletion failed, said under the list until the next one

    def refresh(self) -> None:
        """Read the run records again (in a worker when the panel has a JobRunner) and show them; `loaded`
        is emitted once they are shown."""
        self._loaded = True
        self._watch()
        if self.jobs is None:
            self._show(self.ws.runs.load(), then=self.loaded.emit)
            return
        if self._reading:
            self._again = True
            return
        self._reading = True
        self.jobs.start(Task(lambda _report, _stop, store=self.ws.runs: store.load()), self,
                        returned=self._on_read, failed=self._on_read_failed)

    def _on_read(self, result) -> None:
        self._reading = False
        if self._again:          # something changed while reading: read again (unchanged records are not)
            self._again = False
            self.refresh()
            return
        self._show(result, then=self.loaded.emit)

    def _on_read_failed(self, message: str) -> None:
        self._reading = False
        self.message.setText(message)

    def _row(self, r, live: str | None) -> tuple:
        c = r.config
        return (self.run_name(r), self.kind_text(r), self.status_text(r, live), c.get("optimizer", ""),
                f"{c.get('lr', 0):g}", choice_text(c.get("schedule", "")), str(c.get("batch_size", "")),
                str(r.metrics.get("steps", "")), f"{c.get('dropout', 0):g}",
                self.tr("yes") if c.get("augment") else self.tr("no"), str(c.get("train_size") or self.tr("all")),
                self.tr("{0}: {1} on {2}, {3} s").format(r.id, r.date, r.device or "?", f"{r.seconds:.0f}"))

    def _show(self, result, then=None) -> None:
        """Show these records: only rows whose texts changed are set, FILL_ROWS at a time, one event-loop turn
        each (a first showing of thousands of runs never holds the window); then() once all are shown."""
        selected = {r.id for r in self.selected()}
        self.runs, self.problems = result
        live = self._live_run()
        cache, self._row_cache = self._row_cache, {}
        rows = self.runs
        self.table.setRowCount(len(rows))
        del self._shown[len(rows):]
        self._shown += [None] * (len(rows) - len(self._shown))
        self._fill_generation += 1
        self._fill(self._fill_generation, live, cache, 0, selected, then)

    def _fill(self, generation: int, live, cache: dict, start: int, selected: set, then) -> None:
        if generation != self._fill_generation:   # a newer _show took over
            return
        runs = self.runs
        end = min(len(runs), start + FILL_ROWS)
        self.table.blockSignals(True)
        for i in range(start, end):
            r = runs[i]   # a record read again is a new object: its row is made again, the others are kept
            hit = cache.get(id(r))
            row = hit[2] if hit is not None and hit[0] is r and hit[1] == live else self._row(r, live)
            self._row_cache[id(r)] = (r, live, row)
            if self._shown[i] == row:
                continue
            for j, v in enumerate(row[:COLUMNS]):
                self.table.setItem(i, j, QTableWidgetItem(v))
            self.table.item(i, RUN_COL).setToolTip(row[COLUMNS])
            self._shown[i] = row
        self.table.blockSignals(False)
        if end < len(runs):
            QTimer.singleShot(0, lambda: self._fill(generation, live, cache, end, selected, then))
            return
        self.table.blockSignals(True)
        self.table.clearSelection()
        sm, flags = self.table.selectionModel(), QItemSelectionModel.SelectionFlag
        for i, r in enumerate(self.runs):   # the selection survives a refresh (a run recorded elsewhere)
            if r.id in selected:
                sm.select(self.table.model().index(i, 0), flags.Select | flags.Rows)
        self.table.blockSignals(False)
        self.message.setText("\n".join([*self.problems, self._deleteProblem] if self._deleteProblem else self.problems))
        self._on_selection()
        if then is not None:
            then()

    def _live_run(self) -> str | None:
        """The id of the live model's run (however the path it was opened by is spelled), or None."""
        return self.ws.live_run_id

    def selected(self) -> list:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.runs[r] for r in rows]

    def _on_selection(self) -> None:
        for plot, item in self._overlays:
            plot.removeItem(item)
        self._overlays = []
        sel = self.selected()
        live = self._live_run()
        self.makeLiveButton.setEnabled(len(sel) == 1 and sel[0].has_model and sel[0].id != live)
        # the live model's run stays: deleted, the next start would not find the model it opens
        has_live = any(r.id == live for r in sel)
        self.deleteRunButton.setEnabled(bool(sel) and not has_live)
        self.deleteRunButton.setToolTip(self.tr("The live model's run cannot be deleted: make another model live "
                                                "first") if has_live else "")
        colors = theme.current().runs
        for k, r in enumerate(sel):
            color = colors[k % len(colors)]
            h = r.history
            steps = np.asarray(h.get("step", []), float)
            loss = np.asarray(h.get("loss", []), float)
            if len(steps) and len(steps) == len(loss):
                smooth = ema(loss)
                self._add(self.loss_plot, self.loss_plot.plot(steps, smooth, pen=pg.mkPen(color, width=1.5),
                                                              name=self.run_name(r)))
                tr = np.asarray(h.get("accuracy", []), float)
                if len(tr) == len(steps):
                    self._add(self.acc_plot, self.acc_plot.plot(steps, 100 * tr, pen=pg.mkPen(
                        color, width=1, style=Qt.PenStyle.DashLine)))
            ep = h.get("test_accuracy", [])
            if ep:
                spe = np.asarray(h.get("epoch_step", []) or [], float)
                x = spe if len(spe) == len(ep) else (np.arange(1, len(ep) + 1) * (steps[-1] / len(ep) if len(steps) else 1))
                self._add(self.acc_plot, self.acc_plot.plot(x, 100 * np.asarray(ep, float), pen=pg.mkPen(color, width=2),
                                                            symbol="o", symbolBrush=color,
                                                            name=self.tr("{0} test").format(self.run_name(r))))
        self.overlaysChanged.emit()

    def _add(self, plot, item) -> None:
        self._overlays.append((plot, item))

    def overlay_count(self) -> int:
        return len(self._overlays)

    def _make_live(self) -> None:
        sel = self.selected()
        if len(sel) == 1:
            self.makeLiveRequested.emit(sel[0])

    def delete_selected(self) -> QMessageBox | None:
        """Ask, then delete the selected runs (not the live one) and their models; the question's box, or None when
        there is nothing to delete."""
        live = self._live_run()
        runs = [r for r in self.selected() if r.id != live]
        if not runs:
            return None

        def delete() -> None:   # (each deletion tells the Workspace's listeners: the list is read again)
            self._deleteProblem = ""
            try:
                for r in runs:
                    self.ws.delete_run(r)
            except OSError as e:   # said under the list, and still after it is read again
                self._deleteProblem = self.tr("Could not delete the run: {0}").format(os_reason(e))
                self.message.setText(self._deleteProblem)
        self.deleteBox = ask_before_deleting(self, self.tr("Delete %n run(s) and the model(s) they made?", "",
                                                           len(runs)), delete)
        return self.deleteBox
