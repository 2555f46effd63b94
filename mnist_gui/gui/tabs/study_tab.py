"""Studies tab: how does one parameter change the result? Train with each of its values and compare.

The study itself is core/study/ (Optuna underneath, a journal file in the app folder): this tab makes
its plan from the form, runs its trials one after another in a StudyWorker in the window's JobRunner, and
shows the trials as they arrive — from this window or from any other worker on the same study (the
command line's `mnist-gui study --name … --workers N`) — by reading the study's storage once a second.
Every trial is a recorded run (the Train tab's Runs list shows it). Cancel stops after the current
trial's next step; closing the window does the same; Start with the same name resumes the study.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.core import study as studies
from mnist_gui.core.events import (
    Progressed,
    Started,
    StudyEvent,
    StudyOpened,
    TrialEnded,
    TrialStarted,
    TrialTrained,
)
from mnist_gui.core.recipes import FIELDS, TRAINING_RECIPES
from mnist_gui.core.states import BusyKind
from mnist_gui.core.storage import write_text
from mnist_gui.core.workspace import Busy, Work
from mnist_gui.gui import i18n, start_folders, theme
from mnist_gui.gui.core_strings import core_text, core_tr
from mnist_gui.gui.i18n import Retranslating, SaidLabel
from mnist_gui.gui.jobs import JobRunner, Task, Worker, describe_error
from mnist_gui.gui.qt_workspace import QtWorkspace
from mnist_gui.gui.widgets.data_folder import DataFolderPanel, mnist_unusable
from mnist_gui.gui.widgets.plots import Plot, align, percent_floor, symbol_brush
from mnist_gui.gui.widgets.progress_bar import ProgressBar

POLL_MS = 1000
# What a new study of each parameter starts with (the user edits it).
_FIELD_LABELS = {f.name: f.label for f in FIELDS}


def param_label(name: str) -> str:
    """What the window calls a parameter: a training field's label (translated); conv1.filters as it is."""
    return core_tr(_FIELD_LABELS[name]) if name in _FIELD_LABELS else name


EXAMPLE_VALUES = {
    "lr": "1e-4,3e-4,1e-3,3e-3,1e-2", "batch_size": "32,64,128,256", "optimizer": "adamw,adam,sgd",
    "dropout": "0,0.2,0.4,0.6", "epochs": "0.25,0.5,1", "max_steps": "50,100,200,400",
    "augment": "false,true", "train_size": "2000,5000,10000,20000", "weight_decay": "0,1e-4,1e-3,1e-2",
    "label_smoothing": "0,0.05,0.1,0.2", "conv1.filters": "8,16,32,64", "conv2.filters": "16,32,64,128",
    "conv1.kernel": "3,5,7", "conv2.kernel": "3,5,7", "dense.units": "128,256,512,1024",
}


class StudyWorker(Worker):
    """Opens the study and runs its trials one after another (studies.run_trials) in the worker thread.
    progressed(event): the core's StudyOpened, TrialStarted and TrialEnded, and the TrialTrained that carry the trainer's
    Started or Progressed (throttled by the trainer); returned(int): trials run."""

    def __init__(self, ws, plan: studies.StudyPlan) -> None:
        super().__init__()
        self.ws = ws
        self.plan = plan

    def _on_event(self, ev: StudyEvent) -> None:
        match ev:
            case StudyOpened() | TrialStarted() | TrialEnded() | TrialTrained(event=Started() | Progressed()):
                self.progressed.emit(ev)

    def run(self) -> int:   # opens the study once MNIST is here: a study that cannot train is not made
        return studies.run_trials(self.ws, self.plan, should_stop=self.should_stop, on_event=self._on_event)


class StudyTab(Retranslating, QWidget):
    studyEnded = Signal(str)        # "finished", "cancelled" or "failed"
    trialsChanged = Signal(int)     # how many trials the chart and table show

    def __init__(self, qtws: QtWorkspace, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.qtws = qtws
        self.ws = qtws.ws
        self.jobs = jobs
        self._worker: StudyWorker | None = None
        self._work: Work | None = None   # the cores' claim while the study runs
        self._study = None           # the optuna Study shown (opened in a worker, its rows read in the GUI thread)
        self._study_name = ""
        self._opening = ""           # the name of the study being opened in a worker ("" when none)
        self._name_edited = False
        self.rows: list[studies.TrialRow] = []
        self.summary: list[studies.ValueSummary] = []
        self.stateText: dict[str, str] = {}
        self._build()
        self._on_param(0)
        self._restore_form()
        self.pollTimer = QTimer(self, interval=POLL_MS)
        self.pollTimer.timeout.connect(self.refresh)
        qtws.busyChanged.connect(self._update_buttons)
        self._update_buttons()
        theme.follow(self._on_theme)
        # the status line (an i18n.SaidLabel: said again after a language switch): the intro, until another line
        self.statusLabel.say(lambda: self.tr("Each value is trained with the recipe and budget above, once per seed; "
                                             "every run is kept in the Train tab's Runs list. A study closed before "
                                             "it ends resumes when you press Start with its name."))
        self.retranslate()


    _trialsPlanned, _trialsStarted, _trialSteps = 1, 0, 0
    _trialsEnded = 0   # the trials of this start that ended (a stopped one goes back in the queue: not counted)
    _studyOpened = False

    def retranslate(self) -> None:
        """Every text of the tab in the current language (Qt Designer's retranslateUi)."""
        self.stateText = {"complete": self.tr("complete"), "failed": self.tr("failed"),
                          "running": self.tr("running"), "waiting": self.tr("waiting"),
                          "interrupted": self.tr("interrupted"), "pruned": self.tr("pruned")}
        self.valuesEdit.setToolTip(self.tr("A list of values, 1e-4,1e-3,1e-2; or a range low:high, spread over "
                                           "the count below (evenly, or evenly on a log scale)"))
        self.logCheck.setText(self.tr("log scale"))
        self.repeatSpin.setToolTip(self.tr("Train each value this many times, with seeds 0, 1, …: the spread "
                                           "between seeds shows the noise"))
        for i in range(self.recipeCombo.count()):
            self.recipeCombo.setItemText(i, core_tr(self.ws.recipes[self.recipeCombo.itemData(i)].label))
        for i in range(self.paramCombo.count()):
            self.paramCombo.setItemText(i, param_label(self.paramCombo.itemData(i)))
        self.maxStepsSpin.setSpecialValueText(self.tr("from epochs"))
        self.trainSizeSpin.setSpecialValueText(self.tr("all"))
        self.nameEdit.setToolTip(self.tr("Start with the name of an earlier study to resume it: finished "
                                         "trials are not run again"))
        texts = (self.tr("&Parameter"), self.tr("Values"), self._count_label(), self.tr("&Repeats"),
                 self.tr("Rec&ipe"), self.tr("Ma&x steps"), self.tr("Trainin&g images"), self.tr("Study &name"))
        for lab, text in zip(self.formLabels, texts):
            lab.setText(text)
            buddy = lab.buddy()
            if buddy is not None:
                buddy.setAccessibleName(text.replace("&", ""))
        self.logCheck.setAccessibleName(self.tr("log scale"))
        self.studyBox.setTitle(self.tr("Study"))
        self.startButton.setText(self.tr("&Start"))
        self.cancelButton.setText(self.tr("&Cancel"))
        self.exportButton.setText(self.tr("Write CSV…"))   # no letter left: W is Download's (the MNIST panel)
        self.exportButton.setToolTip(self.tr("Export the trials as a CSV file"))
        self.progressBar.setAccessibleName(self.tr("Study progress"))
        self._sync_count()
        if self._trialsStarted and self.is_running():
            self._show_study_progress_format()
        self.accuracyPlot.setTitle(self.tr("Test accuracy"))
        self.accuracyPlot.setAccessibleName(self.tr("Test accuracy"))
        self.accuracyPlot.setLabel("bottom", param_label(self.paramCombo.currentData()))
        legend = self.accuracyPlot.getPlotItem().legend
        if legend is not None:
            for sample, label in legend.items:
                label.setText(self.tr("one run (per seed)") if sample.item is self.seedPoints
                              else self.tr("mean, min–max"))
            legend.updateSize()   # the time plot's legend (no rows) as wide: plots.align
        self.timePlot.setTitle(self.tr("Training time"))
        self.timePlot.setAccessibleName(self.tr("Training time"))
        self.timePlot.setLabel("left", self.tr("seconds"))
        self.timePlot.setLabel("bottom", param_label(self.paramCombo.currentData()))
        self._show_ranges()
        self.table.setHorizontalHeaderLabels([self.tr("Trial"), self.tr("Value"), self.tr("Seed"), self.tr("State"),
                                              self.tr("Accuracy"), self.tr("Seconds"), self.tr("Run")])
        self.table.setAccessibleName(self.tr("Trials"))
        self.table.horizontalHeader().setAccessibleName(self.tr("Columns"))
        if self.rows:
            self.refresh()

    def _on_theme(self, t) -> None:
        """The plots style themselves (widgets.plots); the series take the theme's colours here."""
        self.seedPoints.setBrush(pg.mkBrush(*t.bar, 160))
        self.meanCurve.setPen(pg.mkPen(t.test, width=2))
        symbol_brush(self.meanCurve, t.test)
        self.errorBars.setOpts(pen=pg.mkPen(t.test, width=1))
        self.timeCurve.setPen(pg.mkPen(t.train_acc, width=2))
        symbol_brush(self.timeCurve, t.train_acc)
        self.timeBars.setOpts(pen=pg.mkPen(t.train_acc, width=1))

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.paramCombo = QComboBox(objectName="paramCombo")
        for name in studies.STUDY_PARAMS:
            self.paramCombo.addItem(name, name)
        self.valuesEdit = QLineEdit(objectName="valuesEdit")
        longest = max(EXAMPLE_VALUES.values(), key=self.valuesEdit.fontMetrics().horizontalAdvance)
        self.valuesEdit.setMinimumWidth(self.valuesEdit.fontMetrics().horizontalAdvance(longest + "  ") + 12)
        self.countSpin = QSpinBox(objectName="countSpin", minimum=1, maximum=50, value=self._rangeCount)
        self.logCheck = QCheckBox(objectName="logCheck")
        count_row = QHBoxLayout()
        count_row.addWidget(self.countSpin)
        count_row.addWidget(self.logCheck)
        self.repeatSpin = QSpinBox(objectName="repeatSpin", minimum=1, maximum=20, value=2)
        self.recipeCombo = QComboBox(objectName="studyRecipeCombo")
        for rid in TRAINING_RECIPES:
            self.recipeCombo.addItem("", rid)
        self.maxStepsSpin = QSpinBox(objectName="studyMaxStepsSpin", minimum=0, maximum=100_000, value=150,
                                     singleStep=50)
        self.trainSizeSpin = QSpinBox(objectName="studyTrainSizeSpin", minimum=0, maximum=60_000, value=10_000,
                                      singleStep=1000)
        self.nameEdit = QLineEdit(objectName="studyNameEdit")

        form = QFormLayout()
        self.formLabels: list[QLabel] = []
        for w in (self.paramCombo, self.valuesEdit, count_row, self.repeatSpin, self.recipeCombo, self.maxStepsSpin,
                  self.trainSizeSpin, self.nameEdit):
            lab = QLabel()
            lab.setBuddy(w if isinstance(w, QWidget) else self.countSpin)
            self.formLabels.append(lab)
            form.addRow(lab, w)
        self.studyBox = box = QGroupBox()
        box.setLayout(form)

        self.startButton = QPushButton(objectName="startStudyButton")
        self.cancelButton = QPushButton(objectName="cancelStudyButton")
        self.exportButton = QPushButton(objectName="exportStudyButton")
        buttons = QHBoxLayout()
        for b in (self.startButton, self.cancelButton, self.exportButton):
            buttons.addWidget(b)
        self.statusLabel = SaidLabel(wordWrap=True, objectName="studyStatus")
        self.progressBar = ProgressBar(objectName="studyProgress")
        self.progressBar.setRange(0, 1)
        self.progressBar.setValue(0)
        self.progressBar.setFormat("")   # no study yet: an empty bar, not "0%" of nothing (as the Train tab's)

        left = QVBoxLayout()
        left.addWidget(box)
        left.addLayout(buttons)
        left.addWidget(self.progressBar)
        left.addWidget(self.statusLabel)
        self.dataPanel = DataFolderPanel(self.ws, self.jobs)
        left.addWidget(self.dataPanel)
        left.addStretch(1)

        self.accuracyPlot = Plot("studyAccuracyPlot", legend=True)
        self._accFloor: float | None = None   # where the % axis starts; None: nothing to show yet
        self._maxSeconds = 0.0
        # named so that the legend has their rows; retranslate() writes the names
        self.seedPoints = pg.ScatterPlotItem(size=8, pen=None, name="seeds")
        self.meanCurve = pg.PlotDataItem(symbol="o", name="mean")
        self.errorBars = pg.ErrorBarItem(beam=0.0)
        for item in (self.seedPoints, self.meanCurve, self.errorBars):
            self.accuracyPlot.addItem(item)
        self.timePlot = Plot("studyTimePlot", legend=True)   # no rows: as wide as the accuracy's (align)
        self.timeCurve = pg.PlotDataItem(symbol="s")
        self.timeBars = pg.ErrorBarItem(beam=0.0)
        self.timePlot.addItem(self.timeCurve)
        self.timePlot.addItem(self.timeBars)
        align(self.accuracyPlot, self.timePlot)   # one above the other: a value at the same place in both

        self.verdictLabel = QLabel(wordWrap=True, objectName="studyVerdict")
        self.table = QTableWidget(0, 7, objectName="studyTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)

        right = QVBoxLayout()
        right.addWidget(self.accuracyPlot, 3)
        right.addWidget(self.timePlot, 2)
        right.addWidget(self.verdictLabel)
        right.addWidget(self.table, 2)
        lay = QHBoxLayout(self)
        lay.addLayout(left)
        lay.addLayout(right, 1)

        self.paramCombo.currentIndexChanged.connect(self._on_param)
        self.countSpin.valueChanged.connect(self._on_count)
        self.valuesEdit.textChanged.connect(self._sync_count)
        self.nameEdit.textEdited.connect(self._on_name_edited)
        self.nameEdit.editingFinished.connect(self.refresh)
        self.startButton.clicked.connect(lambda: self.start())
        self.cancelButton.clicked.connect(self.cancel)
        self.exportButton.clicked.connect(lambda: self.export_csv())

    # -- form ---------------------------------------------------------------------------------
    def _on_param(self, _index: int) -> None:
        name = self.paramCombo.currentData()
        self.valuesEdit.setText(EXAMPLE_VALUES.get(name, ""))
        self.logCheck.setChecked(studies.parameter(name).log_axis)
        if not self._name_edited:
            self.nameEdit.setText(name)
        self.refresh()

    def _on_name_edited(self, text: str) -> None:
        self._name_edited = bool(text)

    _restoring = True   # the form is being filled from the settings: nothing to write yet
    _rangeCount = 4     # how many values a range low:high in Values is spread into (the count the user set)

    def _values_are_a_range(self) -> bool:
        return ":" in self.valuesEdit.text()

    def _count_label(self) -> str:
        return self.tr("Range c&ount") if self._values_are_a_range() else self.tr("C&ount")

    def _on_count(self, value: int) -> None:
        if self._values_are_a_range():
            self._rangeCount = value

    def _sync_count(self, *_args) -> None:
        """The count row follows Values: for a range low:high it is the count the range is spread into (and
        the log scale it is spread on), editable; for a list it shows how many values the list holds, greyed,
        so that the two always agree."""
        is_range = self._values_are_a_range()
        running = self.is_running()
        self.countSpin.blockSignals(True)
        if is_range:
            self.countSpin.setValue(self._rangeCount)
            self.countSpin.setToolTip(self.tr(
                "For a range low:high in Values: how many values it is spread into, the two ends included "
                "(1e-4:1e-1 with 4 on a log scale: 1e-4, 1e-3, 1e-2, 1e-1)"))
        else:
            listed = dict.fromkeys(p.strip() for p in self.valuesEdit.text().split(",") if p.strip())
            self.countSpin.setValue(max(1, len(listed)))
            self.countSpin.setToolTip(self.tr(
                "The number of values in the list. Write a range low:high in Values (e.g. 1e-4:1e-1) to choose "
                "how many values it is spread into"))
        self.countSpin.blockSignals(False)
        self.countSpin.setEnabled(is_range and not running)
        self.logCheck.setEnabled(is_range and not running)
        if self.formLabels:
            self.formLabels[2].setText(self._count_label())
            self.countSpin.setAccessibleName(self._count_label().replace("&", ""))

    def _form(self) -> dict:
        return {"param": self.paramCombo.currentData(), "values": self.valuesEdit.text(),
                "count": self._rangeCount, "log": self.logCheck.isChecked(), "repeat": self.repeatSpin.value(),
                "recipe": self.recipeCombo.currentData(), "max_steps": self.maxStepsSpin.value(),
                "train_size": self.trainSizeSpin.value(), "name": self.nameEdit.text(),
                "name_edited": self._name_edited}

    def _save_form(self, *_args) -> None:
        """The form, as typed, into the app's settings (study/form): the next start shows it again."""
        if not self._restoring:
            self.ws.settings.set("study/form", json.dumps(self._form()))

    def _restore_form(self) -> None:
        """The form (and so the study it names) as it was left; a value that no longer fits is left at its
        default (the settings reported a malformed one)."""
        self._restoring = True
        try:
            saved = self.ws.settings.get("study/form")
            form = json.loads(saved) if saved else {}
            param = self.paramCombo.findData(form.get("param"))
            if param >= 0:
                self.paramCombo.setCurrentIndex(param)   # its example values first; the typed ones below
            recipe = self.recipeCombo.findData(form.get("recipe"))
            if recipe >= 0:
                self.recipeCombo.setCurrentIndex(recipe)
            if "values" in form:
                self.valuesEdit.setText(form["values"])
            if "log" in form:
                self.logCheck.setChecked(form["log"])
            if isinstance(form.get("count"), int):
                self.countSpin.setValue(form["count"])   # clamped to its range
                self._rangeCount = self.countSpin.value()
            self._sync_count()
            for spin, key in ((self.repeatSpin, "repeat"),
                              (self.maxStepsSpin, "max_steps"), (self.trainSizeSpin, "train_size")):
                if key in form:
                    spin.setValue(form[key])   # clamped to its range
            if form.get("name_edited") and form.get("name"):
                self.nameEdit.setText(form["name"])
                self._name_edited = True
        finally:
            self._restoring = False
        for sig in (self.paramCombo.currentIndexChanged, self.valuesEdit.textChanged, self.countSpin.valueChanged,
                    self.logCheck.toggled, self.repeatSpin.valueChanged, self.recipeCombo.currentIndexChanged,
                    self.maxStepsSpin.valueChanged, self.trainSizeSpin.valueChanged, self.nameEdit.textChanged):
            sig.connect(self._save_form)

    def plan(self) -> studies.StudyPlan:
        """The study the form describes; StudyError (one line) when it cannot be made."""
        recipe = self.recipeCombo.currentData()
        preset = self.ws.recipes[recipe].config.preset
        param = studies.parameter(self.paramCombo.currentData(), preset)
        values = studies.parse_values(param, self.valuesEdit.text(), count=self._rangeCount,
                                   log=self.logCheck.isChecked())
        overrides = {"max_steps": self.maxStepsSpin.value() or None, "train_size": self.trainSizeSpin.value() or None}
        name = self.nameEdit.text().strip() or param.name
        return studies.StudyPlan(name, param.name, values, self.repeatSpin.value(), recipe=recipe,
                              overrides={k: v for k, v in overrides.items() if v is not None})

    # -- running --------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._worker is not None

    def _update_buttons(self, *_args) -> None:
        running = self.is_running()
        self.startButton.setEnabled(not running and self.ws.busy is None)
        self.cancelButton.setEnabled(running)
        for w in (self.paramCombo, self.valuesEdit, self.repeatSpin, self.recipeCombo,
                  self.maxStepsSpin, self.trainSizeSpin, self.nameEdit):
            w.setEnabled(not running)
        self._sync_count()

    def start(self) -> bool:
        if self.is_running():
            return False
        self.refresh()
        try:
            plan = self.plan()
            plan.check(self.ws)
        except ValueError as e:
            self.statusLabel.say(lambda why=e: self.tr("Cannot start: {0}").format(core_text(why)))
            return False
        try:
            self._work = self.ws.working(BusyKind.STUDY)
        except Busy as e:
            self.statusLabel.say(lambda why=e: self.tr("Cannot start: {0}").format(core_text(why)))
            return False
        done = [r for r in self.rows if r.state in ("complete", "failed")] if self._study_name == plan.name else []
        if done:
            self.statusLabel.say(lambda name=plan.name, n=len(done): self.tr(
                "Resuming study “{0}”: {1} trials are done and are not run again.").format(name, n))
        else:
            self.statusLabel.say(lambda name=plan.name, values=len(plan.values), seeds=plan.repeat, runs=len(plan.grid()):
                                 self.tr("Study “{0}”: {1} values × {2} seeds = {3} runs.").format(name, values, seeds,
                                                                                                  runs))
        self.progressBar.setRange(0, 0)
        # the bar is the whole study's: every trial's steps end to end (not the last run's steps alone, which
        # read as the end while later trials still ran)
        self._trialsPlanned, self._trialsStarted, self._trialSteps = max(1, len(plan.grid()) - len(done)), 0, 0
        self._trialsEnded = 0
        self._studyOpened = False   # until the worker says it is: a study stopped before that was never made
        self._worker = worker = StudyWorker(self.ws, plan)
        self._show_study(plan.name)
        self._update_buttons()
        self.jobs.start(worker, self, progressed=self._on_progressed, returned=self._on_finished,
                        failedWith=self._on_failed, cancelled=lambda: self._on_ended("cancelled"))
        self.pollTimer.start()
        return True

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self.cancelButton.setEnabled(False)
            if self._studyOpened:
                self.statusLabel.say(lambda: self.tr("Stopping after the current run's next step…"))
            else:   # MNIST is still loading: nothing runs yet
                self.statusLabel.say(lambda: self.tr("Stopping…"))

    def _on_progressed(self, ev: StudyEvent) -> None:
        match ev:
            case StudyOpened():
                self._studyOpened = True
            case TrialStarted(number=number, params=params):
                self.statusLabel.say(lambda: self.tr("Trial {0}: {1}").format(
                    number, i18n.join(f"{k} {studies.fmt_value(v)}" for k, v in params.items())))
                self._trialsStarted = min(self._trialsStarted + 1, self._trialsPlanned)
                if self._trialSteps:   # the trials before it counted: the bar stands at this one's start
                    self._show_study_progress(0)
                else:                  # no step counted yet: busy until the first trial says its length
                    self.progressBar.setRange(0, 0)
            case TrialTrained(event=Started(total_steps=total)):
                self._trialSteps = max(1, total)
                self.progressBar.setRange(0, self._trialSteps * self._trialsPlanned)
                self._show_study_progress(0)
            case TrialTrained(event=Progressed(step=step)):
                self._show_study_progress(step)
            case TrialEnded(state=state):
                self._trialsEnded += state in ("complete", "failed")
                self.refresh()

    def _show_study_progress(self, step: int) -> None:
        """The steps of the trials before this one, and this one's step; "trial i of n" beside the percent."""
        before = max(0, self._trialsStarted - 1)
        self.progressBar.setValue(before * self._trialSteps + min(step, self._trialSteps))
        self._show_study_progress_format()

    def _show_study_progress_format(self) -> None:
        self.progressBar.setFormat(self.tr("%p%  trial {0} of {1}").format(max(1, self._trialsStarted),
                                                                         self._trialsPlanned))

    def _on_finished(self, ran: int) -> None:
        stopped = self._worker is not None and self._worker.should_stop()
        self._on_ended("cancelled" if stopped else "finished")

    def _on_failed(self, error: Exception) -> None:
        if mnist_unusable(self.ws, error):   # the panel says it, with the way to set MNIST up: once
            self.statusLabel.say(lambda: "")
            self.dataPanel.show_missing(error)
        else:
            self.statusLabel.say(lambda: self.tr("The study stopped: {0}").format(describe_error(error)))
        self._on_ended("failed")

    def _on_ended(self, status: str) -> None:
        self._worker = None
        if self._work is not None:
            self._work, work = None, self._work
            work.release()
        if status == "finished" or self.progressBar.maximum() == 0:   # done, or no step counted yet
            self.progressBar.setRange(0, 1)
            self.progressBar.setValue(1 if status == "finished" else 0)
        elif status == "cancelled":   # the trials that ended (the one stopped goes back in the queue: 33% for none)
            self.progressBar.setValue(self._trialsEnded * self._trialSteps)
        self.progressBar.setFormat("%p%")   # a cancelled or failed study keeps how far it got
        self._show_ended(status)
        self._update_buttons()
        self.refresh()
        if not self.isVisible():
            self.pollTimer.stop()
        self.studyEnded.emit(status)

    def _show_ended(self, status: str) -> None:
        """How the study ended (a failure has said why already), in the current language, and again after a
        language switch (it stayed English)."""
        if status == "finished":
            self.statusLabel.say(lambda: self.tr("Study done."))
        elif status == "cancelled" and not self._studyOpened:
            self.statusLabel.say(lambda: self.tr("Cancelled before the study began: nothing was made."))
        elif status == "cancelled":
            self.statusLabel.say(lambda: self.tr("Cancelled. The finished runs stay; Start resumes the study."))

    # -- showing a study ------------------------------------------------------------------------
    def showEvent(self, e) -> None:
        super().showEvent(e)
        self.pollTimer.start()
        self.refresh()

    def hideEvent(self, e) -> None:
        super().hideEvent(e)
        if not self.is_running():
            self.pollTimer.stop()

    def _show_study(self, name: str) -> None:
        if name != self._study_name:
            self._study, self._study_name = None, name

    def refresh(self) -> None:
        """Read the study named in the form from its storage (cheap) and redraw the chart and table."""
        name = self.nameEdit.text().strip() or self.paramCombo.currentData()
        self._show_study(name)
        if self._study is None:
            # Opened in a worker: opening checks the journal under its lock, which another process may hold.
            if self._opening != name:
                self._opening = name
                self.jobs.start(Task(lambda _report, _stop, ws=self.ws, name=name: studies.load_study(ws, name)),
                                self, returned=lambda study, name=name: self._on_opened(name, study),
                                failedWith=lambda error, name=name: self._on_opened(name, None, error))
            self._set_rows([], None)
            return
        try:
            rows = studies.trial_rows(self._study)
        except (ValueError, OSError, KeyError):
            return
        self._set_rows(rows, studies.study_plan(self._study))

    def _on_opened(self, name: str, study, problem: Exception | None = None) -> None:
        if self._opening == name:
            self._opening = ""
        if name != self._study_name:   # the form names another study by now
            return
        if problem is not None:         # a damaged or unusable journal: said, in the core's line
            self.statusLabel.say(lambda: self.tr("Cannot read the study: {0}").format(describe_error(problem)))
        self._study = study
        if study is not None:
            self.refresh()

    def _set_rows(self, rows: list[studies.TrialRow], plan: studies.StudyPlan | None) -> None:
        self.rows = rows
        self.exportButton.setEnabled(bool(rows))   # nothing to export until a trial is there (it said so, over the intro)
        param = plan.param if plan and plan.mode == "grid" else None
        self.summary = studies.summarize(rows, param) if param else []
        self._fill_table(rows, param)
        self._draw(param)
        self.verdictLabel.setText(core_text(studies.verdict(self.summary, param_label(param)))
                                  if self.summary else "")
        self.trialsChanged.emit(len(rows))

    def _fill_table(self, rows, param) -> None:
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            value = studies.fmt_value(r.params.get(param)) if param in r.params else \
                i18n.join(f"{k} {studies.fmt_value(v)}" for k, v in r.params.items())
            acc = f"{r.accuracy:.2%}" if r.accuracy is not None else ""
            secs = f"{r.seconds:.1f}" if r.seconds is not None else ""
            state = self.stateText.get(r.state, r.state)
            cells = (str(r.number), value, "" if r.seed is None else str(r.seed), state, acc, secs, r.run_id)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j == 3 and r.error:
                    item.setToolTip(r.error)
                self.table.setItem(i, j, item)

    def x_positions(self, param: str | None) -> dict:
        """Where each value sits on the x axis: the value (its log10 on a log axis) or its index."""
        values = [s.value for s in self.summary]
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        if not numeric:
            return {v: float(i) for i, v in enumerate(values)}
        log = (param or "").split(".")[-1] in studies.LOG_AXIS and all(v > 0 for v in values)
        return {v: (math.log10(v) if log else float(v)) for v in values}

    def _draw(self, param: str | None) -> None:
        pos = self.x_positions(param)
        pts = [(pos[r.params[param]], r.accuracy) for r in self.rows
               if param and r.state == "complete" and r.accuracy is not None and r.params.get(param) in pos]
        self.seedPoints.setData([p[0] for p in pts], [100 * p[1] for p in pts])
        done = [s for s in self.summary if s.mean is not None]
        xs = [pos[s.value] for s in done]
        self.meanCurve.setData(xs, [100 * s.mean for s in done])
        timed = [s for s in done if s.seconds is not None]
        self.timeCurve.setData([pos[s.value] for s in timed], [s.seconds for s in timed])
        if done:
            x = np.asarray(xs, float)
            mean = 100 * np.asarray([s.mean for s in done])
            self.errorBars.setData(x=x, y=mean, top=100 * np.asarray([s.max for s in done]) - mean,
                                   bottom=mean - 100 * np.asarray([s.min for s in done]))
            tx = np.asarray([pos[s.value] for s in timed], float)
            tm = np.asarray([s.seconds for s in timed])
            self.timeBars.setData(x=tx, y=tm, top=np.asarray([s.seconds_max for s in timed]) - tm,
                                  bottom=tm - np.asarray([s.seconds_min for s in timed]))
        else:
            empty = np.empty(0)
            self.errorBars.setData(x=empty, y=empty, top=empty, bottom=empty)
            self.timeBars.setData(x=empty, y=empty, top=empty, bottom=empty)
        ticks = [[(x, studies.fmt_value(v)) for v, x in pos.items()]]
        for plot in (self.accuracyPlot, self.timePlot):
            plot.getAxis("bottom").setTicks(ticks if pos else None)
            plot.setLabel("bottom", param_label(param or self.paramCombo.currentData()))
        accs = [100 * p[1] for p in pts] + [100 * s.min for s in done]
        self._accFloor = percent_floor(accs) if accs else None
        self._maxSeconds = max((s.seconds_max or s.seconds for s in timed), default=0.0)
        self._show_ranges()

    def _show_ranges(self) -> None:
        """Accuracy in % up to 100, from 0 or from just under the lowest run (the axis title says so);
        seconds from 0, so a tenth of a second does not look like a doubling. Empty until a run ends."""
        lo = self._accFloor
        for plot in (self.accuracyPlot, self.timePlot):
            plot.set_empty(self.tr("no finished runs yet: press Start") if lo is None else None)
        self.accuracyPlot.fix_y(lo or 0.0, 100.0, points=True)
        self.accuracyPlot.setLabel("left", self.tr("test accuracy (%), axis from {0}%").format(f"{lo:g}") if lo
                                   else self.tr("test accuracy (%)"))
        self.timePlot.fix_y(0.0, 1.15 * self._maxSeconds if self._maxSeconds > 0 else 1.0)

    # -- export ---------------------------------------------------------------------------------
    def export_csv(self, path: str | None = None) -> bool:
        if self._study is None:
            self.statusLabel.say(lambda: self.tr("No study to export yet."))
            return False
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Export the study as CSV"),
                                                  str(start_folders.export_folder(self.ws) / f"{self._study_name}.csv"),
                                                  self.tr("CSV files (*.csv)"))
            if path:
                start_folders.remember_export_folder(self.ws, path)
        if not path:
            return False
        try:
            write_text(path, studies.study_csv(self._study))   # the one writer: never through a link
        except OSError as e:
            self.statusLabel.say(lambda why=e.strerror or str(e): self.tr("Could not write {0}: {1}").format(path, why))
            return False
        self.statusLabel.say(lambda n=len(self.rows): self.tr("Exported %n trial(s) to {0}", "", n).format(path))
        return True
