"""Train tab: the recipe and its fields, Train/Pause/Stop, live loss and accuracy plots, the Runs list.

The form is made from the core's field table (core/recipes.py FIELDS), the same table that makes the
command line's options. A run is a TrainingWorker in the window's JobRunner; when it ends, the run is
already recorded (the worker called Workspace.finish_run) and this tab decides, with the user where
needed, whether the new model goes live.
"""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.core.events import EpochEnded, Progressed, Started
from mnist_gui.core.recipes import CUSTOM, FIELDS, TRAINING_RECIPES, Field, TrainConfig
from mnist_gui.core.states import BusyKind, LiveAction, RunStatus
from mnist_gui.core.workspace import Busy, FinishedRun, RunPlan
from mnist_gui.gui import theme
from mnist_gui.gui.core_strings import core_text, core_tr
from mnist_gui.gui.i18n import Retranslating
from mnist_gui.gui.jobs import JobRunner, Task
from mnist_gui.gui.qt_workspace import QtWorkspace
from mnist_gui.gui.training_worker import TrainingWorker
from mnist_gui.gui.widgets.data_folder import DataFolderPanel
from mnist_gui.gui.widgets.plots import Plot
from mnist_gui.gui.widgets.runs_panel import RunsPanel, ema


def _available_devices(_report, _stop):
    from mnist_gui.core.device import available_devices  # imports torch: in a worker thread
    return available_devices()


def _fmt_eta(s: float) -> str:
    s = int(max(0, s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _object_name(f: Field) -> str:
    """max_steps -> maxStepsSpin, preset -> presetCombo, augment -> augmentCheck."""
    head, *rest = f.name.split("_")
    suffix = {"choice": "Combo", "bool": "Check"}.get(f.kind, "Spin")
    return head + "".join(w.capitalize() for w in rest) + suffix


class FieldForm(QFormLayout):
    """One row per training field: a spin box, a combo box or a check box, made from the Field."""

    def __init__(self):
        super().__init__()
        self.widgets: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        for f in FIELDS:
            w = self._widget(f)
            w.setObjectName(_object_name(f))
            self.widgets[f.name] = w
            label = QLabel()
            label.setBuddy(w)
            self.labels[f.name] = label
            self.addRow(label, w)
        self._enabled = True
        for f in FIELDS:   # a field that has no effect with the others' values is greyed out
            if f.used_when is not None:
                w = self.widgets[f.used_when[0]]
                w.currentIndexChanged.connect(self._update_used)
        self.retranslate()

    def retranslate(self) -> None:
        """Labels, help and choices come from the core's field table, translated in the "core" context."""
        for f in FIELDS:
            w, label, help_ = self.widgets[f.name], core_tr(f.label), core_tr(f.help)
            self.labels[f.name].setText(label)
            w.setToolTip(help_)
            w.setAccessibleName(label)
            w.setAccessibleDescription(help_)
            if f.kind == "choice":
                for i in range(w.count()):
                    w.setItemText(i, core_tr(w.itemData(i)))
            elif f.optional:
                w.setSpecialValueText(core_tr(f.none_text))

    @staticmethod
    def _widget(f: Field) -> QWidget:
        if f.kind == "choice":
            w = QComboBox()
            for c in f.choices:
                w.addItem(c, c)
            return w
        if f.kind == "bool":
            return QCheckBox()
        if f.kind == "int":
            w = QSpinBox(minimum=int(f.minimum) - (1 if f.optional else 0), maximum=int(f.maximum),
                         singleStep=int(f.step))
        else:
            w = QDoubleSpinBox(decimals=f.decimals, singleStep=f.step, maximum=f.maximum,
                               minimum=f.minimum if f.min_inclusive else f.minimum + 10 ** -f.decimals)
        if f.optional:
            w.setSpecialValueText(f.none_text)
        return w

    def set_values(self, cfg: TrainConfig) -> None:
        for f in FIELDS:
            w, v = self.widgets[f.name], getattr(cfg, f.name)
            if f.kind == "choice":
                w.setCurrentIndex(max(0, w.findData(v)))
            elif f.kind == "bool":
                w.setChecked(bool(v))
            else:
                w.setValue(w.minimum() if v is None else v)
        self._update_used()

    def values(self) -> dict:
        out = {}
        for f in FIELDS:
            w = self.widgets[f.name]
            if f.kind == "choice":
                out[f.name] = w.currentData()
            elif f.kind == "bool":
                out[f.name] = w.isChecked()
            else:
                out[f.name] = None if f.optional and w.value() == w.minimum() else w.value()
        return out

    def set_enabled(self, enabled: bool) -> None:
        self._enabled = enabled
        for w in self.widgets.values():
            w.setEnabled(enabled)
        self._update_used()

    def _update_used(self, *_args) -> None:
        values = {f.name: self.widgets[f.name].currentData() for f in FIELDS if f.kind == "choice"}
        for f in FIELDS:
            if f.used_when is not None:
                self.widgets[f.name].setEnabled(self._enabled and f.used(values))
                self.labels[f.name].setEnabled(self._enabled and f.used(values))


class TrainingTab(Retranslating, QWidget):
    message = Signal(str, str, bool)   # title, text, is a warning: for the window's message box
    runFinished = Signal(object)       # FinishedRun, after the live model was decided
    runFailed = Signal(str)            # a run that raised: one line

    def __init__(self, qtws: QtWorkspace, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.qtws = qtws
        self.ws = qtws.ws
        self.jobs = jobs
        self._worker: TrainingWorker | None = None
        self.devicesListed = False   # the machine's devices, named once torch has loaded (the tab's first showing)
        self._paused = False
        self._ended: RunStatus | str | None = None   # how the last run ended ("failed" too), on the progress bar
        self._closing = False
        self.keepBox: QMessageBox | None = None   # the question after a stopped or worse run
        self._device_names: list[str] = []   # the hardware's names as the core gives them, once listed
        self.unsavedBox: QMessageBox | None = None   # a trained model that could not be saved: retry, save as
        # A stopped run is asked about at once, while its model is measured: the box's run (None until the
        # run is recorded) and an answer given before that.
        self._boxRun: tuple | None = None
        self._earlyAnswer: int | None = None
        self._steps: list[int] = []
        self._lastProgress: Progressed | None = None
        self._formBefore: TrainConfig | None = None   # the form's own values while it shows a fine-tune's
        self._build()
        recipe = self.ws.settings.get("train/recipe")
        index = self.recipeCombo.findData(recipe if recipe in TRAINING_RECIPES else self.ws.default_recipe)
        self.recipeCombo.setCurrentIndex(index)
        saved = self.ws.settings.get("train/form")   # the values typed last time (a bad one was reported)
        self.apply_config(TrainConfig.from_dict(json.loads(saved)) if saved
                          else self.ws.recipes[self.recipeCombo.currentData()].config)
        self.recipeCombo.currentIndexChanged.connect(self._on_recipe)
        for w in self.form.widgets.values():   # every value typed is kept across restarts
            for name in ("valueChanged", "currentIndexChanged", "toggled"):
                if hasattr(w, name):
                    getattr(w, name).connect(self._remember_form)
        self._set_running(False)

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.recipeCombo = QComboBox(objectName="recipeCombo")
        for rid in TRAINING_RECIPES:
            self.recipeCombo.addItem("", rid)
        self.form = FieldForm()
        self.recipeLabel = QLabel()
        self.recipeLabel.setBuddy(self.recipeCombo)
        self.form.insertRow(0, self.recipeLabel, self.recipeCombo)
        fields = self.form.widgets   # field name -> its widget; those that tests reach by name:
        self.presetCombo, self.optimizerCombo = fields["preset"], fields["optimizer"]
        self.lrSpin, self.momentumSpin = fields["lr"], fields["momentum"]
        self.settingsBox = settings = QGroupBox()
        settings.setLayout(self.form)
        # Where it runs: a setting of this machine, not a hyperparameter (not part of a run's recipe).
        self.deviceCombo = QComboBox(objectName="deviceCombo")
        self.deviceCombo.addItem("", "auto")
        saved = self.ws.device
        if saved != "auto":
            self.deviceCombo.addItem(saved, saved)
            self.deviceCombo.setCurrentIndex(1)
        self.deviceLabel = QLabel()
        self.deviceLabel.setBuddy(self.deviceCombo)
        device_row = QHBoxLayout()
        device_row.addWidget(self.deviceLabel)
        device_row.addWidget(self.deviceCombo, 1)

        self.trainButton = QPushButton(objectName="trainButton")
        self.pauseButton = QPushButton(objectName="pauseButton")
        self.stopButton = QPushButton(objectName="stopButton")
        buttons = QHBoxLayout()
        for b in (self.trainButton, self.pauseButton, self.stopButton):
            buttons.addWidget(b)

        self.dataPanel = DataFolderPanel(self.ws, self.jobs)
        self.dataMessage, self.chooseDataButton = self.dataPanel.message, self.dataPanel.chooseButton

        left = QVBoxLayout()
        left.addWidget(settings)
        left.addLayout(device_row)
        left.addLayout(buttons)
        left.addWidget(self.dataPanel)
        left.addStretch(1)

        self.progressBar = QProgressBar(objectName="progressBar")
        self.progressBar.setRange(0, 1)
        self.progressBar.setValue(0)
        self.speedLabel = QLabel("", objectName="speedLabel")
        self.lossPlot = self._plot("lossPlot")
        self.lossPlot.from_zero(x=True)
        self.lossRawCurve = self.lossPlot.plot(name="raw")
        self.lossSmoothCurve = self.lossPlot.plot(name="smoothed")
        self.testLossCurve = self.lossPlot.plot(pen=None, symbol="o", name="test")
        self.accuracyPlot = self._plot("accuracyPlot")   # in %, always 0–100: a run's climb at its true scale
        self.accuracyPlot.fix_y(0, 100)
        self.accuracyPlot.setLimits(xMin=0)
        self.trainAccCurve = self.accuracyPlot.plot(name="training")
        self.testAccCurve = self.accuracyPlot.plot(symbol="o", name="test")
        self.log = QPlainTextEdit(objectName="trainLog", readOnly=True)
        self.log.setMaximumBlockCount(2000)
        self.runsPanel = RunsPanel(self.qtws, self.lossPlot, self.accuracyPlot, jobs=self.jobs)
        self.runsPanel.overlaysChanged.connect(self._update_empty)
        self.bottomTabs = QTabWidget(objectName="trainBottomTabs")
        self.bottomTabs.addTab(self.log, "")
        self.bottomTabs.addTab(self.runsPanel, "")

        # The plots and the log/Runs list share the height; the divider can be dragged.
        self.splitter = QSplitter(Qt.Orientation.Vertical, objectName="trainSplitter")
        self.splitter.addWidget(self.lossPlot)
        self.splitter.addWidget(self.accuracyPlot)
        self.splitter.addWidget(self.bottomTabs)
        self.splitter.setChildrenCollapsible(False)
        for i in range(3):   # a third each: the Runs list shows about eight runs in a 1000-pixel window
            self.splitter.setStretchFactor(i, 1)
        self.splitter.setSizes([300, 300, 300])
        right = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.progressBar, 1)
        top.addWidget(self.speedLabel)
        right.addLayout(top)
        right.addWidget(self.splitter, 1)

        lay = QHBoxLayout(self)
        lay.addLayout(left)
        lay.addLayout(right, 1)

        self.trainButton.clicked.connect(lambda: self.start_training())
        self.pauseButton.clicked.connect(self.toggle_pause)
        self.stopButton.clicked.connect(self.stop_training)
        self.dataPanel.chosen.connect(lambda folder: self.append_log(self.tr("MNIST folder: {0}").format(folder)))
        self.deviceCombo.currentIndexChanged.connect(self._on_device)
        self.qtws.trainingActive.connect(self._update_train_button)
        theme.follow(self._on_theme)
        self.retranslate()

    def retranslate(self) -> None:
        """Every text of the tab in the current language (Qt Designer's retranslateUi)."""
        for i, rid in enumerate(TRAINING_RECIPES):
            r = self.ws.recipes[rid]
            self.recipeCombo.setItemText(i, core_tr(r.label))
            self.recipeCombo.setItemData(i, core_tr(r.description), 3)  # tooltip
        self.recipeCombo.setAccessibleName(self.tr("Recipe"))
        self.recipeLabel.setText(self.tr("&Recipe"))
        self._show_speed()
        self.deviceLabel.setText(self.tr("Dev&ice"))
        self.deviceCombo.setAccessibleName(self.tr("Device"))
        self.deviceCombo.setToolTip(self.tr("Where training and evaluation run; live prediction stays on the CPU"))
        self.deviceCombo.setItemText(0, self.tr("Automatic (CUDA, then Apple MPS, then the CPU)"))
        for i, name in enumerate(self._device_names, 1):   # "CPU, 8 threads" in the window's words
            self.deviceCombo.setItemText(i, core_text(name))
        self.form.retranslate()
        self.settingsBox.setTitle(self.tr("Hyperparameters: fine-tuning the live model on My digits")
                                  if self._formBefore is not None else self.tr("Hyperparameters"))
        self.trainButton.setText(self.tr("Trai&n"))
        self.trainButton.setToolTip(self.tr("Train a new model with these settings"))
        self.pauseButton.setText(self.tr("Res&ume") if self._paused else self.tr("&Pause"))
        self.stopButton.setText(self.tr("St&op"))
        self.progressBar.setAccessibleName(self.tr("Training progress"))
        self.speedLabel.setAccessibleName(self.tr("Training speed"))
        for plot, title, ylabel in ((self.lossPlot, self.tr("Loss per step"), self.tr("cross-entropy")),
                                    (self.accuracyPlot, self.tr("Accuracy"), self.tr("accuracy (%)"))):
            plot.setTitle(title)
            plot.setAccessibleName(title)
            plot.setLabel("bottom", self.tr("step"))
            plot.setLabel("left", ylabel)
        for plot, curve, name in ((self.lossPlot, self.lossRawCurve, self.tr("raw")),
                                  (self.lossPlot, self.lossSmoothCurve, self.tr("smoothed")),
                                  (self.lossPlot, self.testLossCurve, self.tr("test (per epoch)")),
                                  (self.accuracyPlot, self.trainAccCurve, self.tr("training (running)")),
                                  (self.accuracyPlot, self.testAccCurve, self.tr("test (per epoch)"))):
            curve.opts["name"] = name
            label = plot.getPlotItem().legend.getLabel(curve)
            if label is not None:
                label.setText(name)
        self.log.setAccessibleName(self.tr("Training log"))
        self.bottomTabs.setTabText(0, self.tr("Lo&g"))
        self.bottomTabs.setTabText(1, self.tr("Run&s"))
        self.bottomTabs.tabBar().setAccessibleName(self.tr("Log and runs"))
        self._show_ended()
        self._update_empty()
        if self._paused:
            self._show_paused()


    def _on_theme(self, t) -> None:
        self.lossRawCurve.setPen(pg.mkPen(t.raw_loss, width=1))
        self.lossSmoothCurve.setPen(pg.mkPen(t.smooth_loss, width=2))
        self.testLossCurve.setSymbolBrush(pg.mkBrush(t.test))
        self.trainAccCurve.setPen(pg.mkPen(t.train_acc, width=2))
        self.testAccCurve.setPen(pg.mkPen(t.test, width=2))
        self.testAccCurve.setSymbolBrush(pg.mkBrush(t.test))

    def _update_empty(self) -> None:
        """An empty plot says so (no made-up axis): nothing trained yet in this session, no run overlaid."""
        empty = not self._steps and not self.runsPanel.overlay_count()
        for plot in (self.lossPlot, self.accuracyPlot):
            plot.set_empty(self.tr("no run yet: press Train, or select runs in the Runs list") if empty else None)

    def _plot(self, name: str) -> Plot:
        p = Plot(name, legend=True)
        p.setClipToView(True)
        p.setDownsampling(auto=True, mode="mean")
        return p

    # -- device -----------------------------------------------------------------------------------
    def showEvent(self, e) -> None:
        """The tab's first showing loads torch in the background and names the devices (the live path
        needs no torch: a session that only draws never loads it)."""
        super().showEvent(e)
        if not getattr(self, "_devices_asked", False):
            self._devices_asked = True
            self.append_log(self.tr("loading PyTorch…"))
            self.jobs.start(Task(_available_devices), self, returned=self._list_devices,
                            failed=lambda msg: self.append_log(self.tr("PyTorch could not load: {0}").format(msg)))

    def _list_devices(self, devices) -> None:
        """Name the hardware: "NVIDIA H100 80GB HBM3", "Apple M2 (MPS)", "CPU, 8 threads"."""
        if self.devicesListed:
            return
        self.devicesListed = True
        want = self.ws.device
        self.deviceCombo.blockSignals(True)
        while self.deviceCombo.count() > 1:
            self.deviceCombo.removeItem(1)
        self._device_names = [d.shown for d in devices]
        for d in devices:
            self.deviceCombo.addItem(core_text(d.shown), d.id)
        index = self.deviceCombo.findData("cuda:0" if want == "cuda" else want)
        if index < 0:
            if want != "auto":
                self.append_log(self.tr("the device {0} is not here; using automatic").format(want))
                self.ws.set_device("auto")   # what the chooser shows is what runs (and evaluates)
            index = 0
        self.deviceCombo.setCurrentIndex(index)
        self.deviceCombo.blockSignals(False)

    def _on_device(self, _index: int) -> None:
        self.ws.set_device(self.deviceCombo.currentData())

    # -- config <-> widgets -------------------------------------------------------------------
    def _on_recipe(self, _index: int) -> None:
        rid = self.recipeCombo.currentData()
        self.ws.settings.set("train/recipe", rid)
        self.apply_config(self.ws.recipes[rid].config)

    def apply_config(self, cfg: TrainConfig) -> None:
        self.form.set_values(cfg)
        self._base = cfg
        self._remember_form()

    def _remember_form(self, *_args) -> None:
        self.ws.settings.set("train/form", json.dumps(self.config().to_dict()))

    def config(self) -> TrainConfig:
        values = self.form.values()
        cfg = self._base.with_overrides(**values)
        if values["preset"] != CUSTOM:   # a preset chosen again: the edited network no longer applies
            cfg = replace(cfg, arch=None)
        return cfg

    def use_network(self, arch: dict) -> None:
        """Train the network edited on the Model tab: preset 'custom', its dropout rate in the form."""
        self.apply_config(self.config().with_network(arch["layers"]))
        self.append_log(self.tr("the network from the Model tab is ready to train ({0} layers)").format(
            len(arch["layers"])))

    # -- run lifecycle ----------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._worker is not None

    def _update_train_button(self, *_args) -> None:
        """Train is enabled when nothing uses the cores (a study running elsewhere says so)."""
        free = not self.is_running() and self.ws.busy is None
        self.trainButton.setEnabled(free)
        self.trainButton.setToolTip("" if free or self.is_running() else
                                    self.tr("A study is running (Studies tab): one piece of work at a time."))

    def _set_running(self, running: bool) -> None:
        self._update_train_button()
        self.pauseButton.setEnabled(running)
        self.stopButton.setEnabled(running)
        self._paused = False
        self.pauseButton.setText(self.tr("&Pause"))
        self.recipeCombo.setEnabled(not running)
        self.deviceCombo.setEnabled(not running)
        self.form.set_enabled(not running)

    def _reset_plots(self) -> None:
        self._steps: list[int] = []
        self._loss: list[float] = []
        self._smooth: list[float] = []
        self._acc: list[float] = []
        self._epoch_steps: list[int] = []
        self._test_acc: list[float] = []
        self._test_loss: list[float] = []
        for c in (self.lossRawCurve, self.lossSmoothCurve, self.testLossCurve, self.trainAccCurve,
                  self.testAccCurve):
            c.setData([], [])
        self._update_empty()

    def start_training(self, cfg: TrainConfig | None = None, init_state=None, extra_train=None,
                       kind: str = "train", plan: RunPlan | None = None) -> bool:
        """Train cfg (default: the form's) in the background; or a plan the Workspace made (fine-tuning)."""
        if self.is_running():
            return False
        try:
            if plan is None:
                plan = replace(self.ws.plan_run(base=cfg or self.config(), kind=kind),
                               init_state=init_state, extra_train=extra_train)
        except ValueError as e:
            self.append_log(self.tr("cannot start: {0}").format(e))
            self.message.emit(self.tr("Cannot start training"), str(e), True)
            return False
        try:
            self.ws.begin_work(plan.kind)
        except Busy as e:
            self.message.emit(self.tr("Cannot start training"), core_text(e), True)
            return False
        self._reset_plots()
        self._lastProgress = None
        self._ended = None
        if plan.kind == BusyKind.FINETUNE:   # the form shows what runs (the fine-tune recipe), and its own values after
            self._formBefore = self.config()
            self.form.set_values(plan.config)
            self.settingsBox.setTitle(self.tr("Hyperparameters: fine-tuning the live model on My digits"))
        self.dataPanel.hide()
        self.progressBar.setRange(0, 0)  # busy until the first step
        self.progressBar.setFormat("%p%")
        cfg = plan.config
        length = (self.tr("{0} steps").format(cfg.max_steps) if cfg.max_steps
                  else self.tr("{0} epochs").format(f"{cfg.epochs:g}"))
        self.append_log(self.tr("training {0}: {1} lr {2}, {3}, batch {4}, {5}{6}").format(
            cfg.preset, cfg.optimizer, f"{cfg.lr:g}", cfg.schedule, cfg.batch_size, length,
            self.tr(", augmented") if cfg.augment else ""))
        self._worker = worker = TrainingWorker(self.ws, plan)
        self._set_running(True)
        self.jobs.start(worker, self, started=self._on_started, progressed=self._on_progressed,
                        epochEnded=self._on_epoch_ended, statusChanged=self.append_log, returned=self._on_finished,
                        failed=self._on_failed, cancelled=lambda: (self._forget_early_question(), self._on_ended(RunStatus.STOPPED)),
                        dataMissing=self._on_data_missing, evaluating=self._on_evaluating)
        return True

    def start_finetune(self) -> bool:
        """Fine-tune the live model on My digits mixed with MNIST, in the background."""
        if self.is_running() or self.ws.checkpoint is None:
            return False
        try:
            plan = self.ws.plan_finetune()
        except ValueError as e:
            self.message.emit(self.tr("Cannot fine-tune"), core_text(e), True)
            return False
        self.append_log(self.tr("fine-tuning on {0} of my digits mixed with MNIST").format(len(self.ws.my_digits)))
        return self.start_training(plan=plan)

    def toggle_pause(self) -> None:
        if self._worker is None:
            return
        self._paused = not self._paused
        if self._paused:
            self._worker.pause()
            self.pauseButton.setText(self.tr("Res&ume"))
            self._show_paused()
        else:
            self._worker.resume()
            self.pauseButton.setText(self.tr("&Pause"))
            ev = self._lastProgress
            if ev is not None:   # no time left is known until the next step: none is shown
                self.progressBar.setFormat(self.tr("%p%  step {0}/{1}").format(f"{ev.step:,}", f"{ev.total_steps:,}"))

    def _show_paused(self) -> None:
        """Paused: the progress bar says so instead of a frozen time left."""
        ev = self._lastProgress
        self.progressBar.setFormat(self.tr("%p%  step {0}/{1}  paused").format(f"{ev.step:,}", f"{ev.total_steps:,}")
                                   if ev is not None else self.tr("paused"))
        if ev is None and self.progressBar.maximum() == 0:   # paused before the first step: a bar, not a spinner
            self.progressBar.setRange(0, 1)

    @property
    def paused(self) -> bool:
        return self._paused

    def stop_training(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self.stopButton.setEnabled(False)
            self.append_log(self.tr("stopping…"))

    def shutdown(self) -> None:
        """The window is closing: stop at once, ask nothing (the run is still recorded)."""
        self._closing = True
        if self._worker is not None:
            self._worker.abort()

    # -- worker signals (GUI thread) --------------------------------------------------------
    def _on_started(self, ev: Started) -> None:
        self.progressBar.setRange(0, ev.total_steps)
        self.progressBar.setValue(0)
        self.append_log(self.tr("{0} training images, {1} steps").format(f"{ev.train_size:,}",
                                                                          f"{ev.total_steps:,}"))

    def _on_progressed(self, ev: Progressed) -> None:
        self._steps += ev.steps
        self._loss += ev.losses
        self._smooth += ema(ev.losses, start=self._smooth[-1] if self._smooth else None).tolist()
        self._acc += ev.accuracies
        steps = np.asarray(self._steps)
        self.lossRawCurve.setData(steps, np.asarray(self._loss))
        self.lossSmoothCurve.setData(steps, np.asarray(self._smooth))
        self.trainAccCurve.setData(steps, 100 * np.asarray(self._acc))
        if len(self._steps) == len(ev.steps):
            self._update_empty()
        self.progressBar.setValue(ev.step)
        self._lastProgress = ev
        if self._paused:   # a step that was on its way when Pause was pressed
            self._show_paused()
        else:
            self.progressBar.setFormat(self.tr("%p%  step {0}/{1}  ETA {2}").format(
                f"{ev.step:,}", f"{ev.total_steps:,}", _fmt_eta(ev.eta_s)))
        self._speed = (ev.images_per_s, ev.loss)
        self._show_speed()

    _speed: tuple[float, float] | None = None   # the last step's images/s and loss, shown until the next run

    def _show_speed(self) -> None:   # again after a language switch (it stayed English)
        if self._speed is not None:
            self.speedLabel.setText(self.tr("{0} images/s  loss {1}").format(f"{self._speed[0]:,.0f}",
                                                                             f"{self._speed[1]:.3f}"))

    def _on_epoch_ended(self, ev: EpochEnded) -> None:
        self._epoch_steps.append(ev.step)
        self._test_acc.append(ev.test_accuracy)
        self._test_loss.append(ev.test_loss)
        self.testAccCurve.setData(self._epoch_steps, [100 * a for a in self._test_acc])
        self.testLossCurve.setData(self._epoch_steps, self._test_loss)
        self.append_log(self.tr("epoch {0}/{1}: test accuracy {2}, test loss {3} ({4} s of training)").format(
            ev.epoch, ev.epochs, f"{ev.test_accuracy:.2%}", f"{ev.test_loss:.4f}",
            f"{ev.train_seconds:.1f}"))

    def _on_evaluating(self, done: int, total: int) -> None:
        """The stopped run's model over the test images: progress on the bar, and the question at once."""
        self.progressBar.setRange(0, total)
        self.progressBar.setValue(done)
        self.progressBar.setFormat(self.tr("measuring the stopped model on the test images: %p%"))
        if self._closing:
            return
        live = self.ws.live_accuracy
        text = self.tr("The run was stopped; its test accuracy is being measured ({0}); the live model reads {1}.\n"
                       "Make this partly trained model the live model?").format(
            f"{done / max(total, 1):.0%}", f"{live:.2%}" if live is not None else self.tr("not evaluated"))
        if self.keepBox is None and self._earlyAnswer is None:
            self._ask(text, None, discard_on_no=True)
        elif self.keepBox is not None and self._boxRun is None:
            self.keepBox.setText(text)

    def _on_failed(self, msg: str) -> None:
        self.append_log(msg)
        self._on_ended("failed")
        self.runFailed.emit(msg)
        if not self._closing and not self.dataPanel.isVisible():
            self.message.emit(self.tr("Training failed"), msg + "\n\n" + self.tr("The previous model stays live."),
                              True)

    def _on_data_missing(self, msg: str) -> None:
        self.dataPanel.show_missing(msg)

    def _on_ended(self, status: RunStatus | str) -> None:   # a RunStatus, or "failed"
        self._worker = None
        if status != RunStatus.STOPPED or self._closing:   # a question asked early about a run that did not end so
            self._forget_early_question()
        self.progressBar.setRange(0, 1)
        self.progressBar.setValue(1 if status == RunStatus.FINISHED else 0)
        self._ended = status
        self._show_ended()
        self._set_running(False)
        if self._formBefore is not None:
            self.apply_config(self._formBefore)
            self._formBefore = None
            self.settingsBox.setTitle(self.tr("Hyperparameters"))
        self.ws.end_work()

    def _show_ended(self) -> None:
        if self._ended is not None:
            self.progressBar.setFormat({RunStatus.FINISHED: self.tr("done"), RunStatus.STOPPED: self.tr("stopped"),
                                        RunStatus.DIVERGED: self.tr("diverged")}.get(self._ended, self.tr("failed")))

    def _on_finished(self, done: FinishedRun) -> None:
        self.append_log(core_text(done.message))
        self._on_ended(done.status)
        self._decide(done)

    def _decide(self, done: FinishedRun) -> None:
        """What becomes of a finished run's model: offered again when it could not be saved, else live at
        once, after a question, or not at all."""
        if done.problem:
            self.append_log(done.problem)
        if self._closing:
            return
        if done.unsaved:
            self._offer_unsaved(done)
            return
        decision = self.ws.live_decision(done)
        new, live = decision.new_accuracy, decision.live_accuracy
        if done.status is RunStatus.DIVERGED:
            self.message.emit(self.tr("Training diverged"),
                              core_text(done.message) + "\n\n" + self.tr("The previous model stays live."), True)
        elif decision.action is LiveAction.LIVE:
            self._make_live(done)
        elif decision.action is LiveAction.ASK_WORSE:
            self._ask(self.tr("The finished run reads {0} of the test images; the live model reads {1}.\n"
                              "Make the new, less accurate model live?").format(f"{new:.2%}", f"{live:.2%}"),
                      done, discard_on_no=False)
        elif decision.action is LiveAction.ASK_STOPPED:
            acc_text = (self.tr("test accuracy {0}").format(f"{new:.2%}") if new is not None
                        else self.tr("not evaluated"))
            live_text = f"{live:.2%}" if live is not None else self.tr("not evaluated")
            text = self.tr("The run was stopped: {0} ({1}); the live model reads {2}.\n"
                           "Make this partly trained model the live model?").format(core_text(done.message), acc_text, live_text)
            if self._earlyAnswer is not None:   # answered while it was measured
                code, self._earlyAnswer = self._earlyAnswer, None
                self._on_answer(code, done, discard_on_no=True)
            elif self.keepBox is not None:      # still open: now with the accuracy
                self.keepBox.setText(text)
                self._boxRun = (done, True)
            else:
                self._ask(text, done, discard_on_no=True)
        else:
            self._forget_early_question()
            self.runFinished.emit(done)

    def _offer_unsaved(self, done: FinishedRun) -> None:
        """The run trained but could not be saved (a full disk): its model stays in memory, and the user
        tries again once there is room, saves it elsewhere, or discards it."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Could not save the trained model"),
                          self.tr("{0}\n\nThe trained model is kept in memory: free some space and try again, "
                                  "or save it elsewhere.").format(done.problem),
                          QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Discard, self)
        save_as = box.addButton(self.tr("Save as…"), QMessageBox.ButtonRole.ActionRole)
        save_as.setObjectName("saveElsewhereButton")
        box.setDefaultButton(QMessageBox.StandardButton.Retry)
        box.setObjectName("unsavedBox")
        box.finished.connect(lambda _code: self._on_unsaved_answer(box.clickedButton(), done))
        self.unsavedBox = box
        box.open()

    def _on_unsaved_answer(self, button, done: FinishedRun) -> None:
        box, self.unsavedBox = self.unsavedBox, None
        if button is box.button(QMessageBox.StandardButton.Retry):
            self.append_log(self.tr("saving the trained model again…"))
            self.jobs.start(Task(lambda _report, _stop: done.retry()), self, returned=self._decide,
                            failed=lambda msg: self._offer_unsaved(replace(done, problem=msg)))
        elif button is box.button(QMessageBox.StandardButton.Discard) or button is None:
            self.append_log(self.tr("the trained model was discarded; the live model stays"))
            self.runFinished.emit(done)
        else:
            self.save_unsaved_as(done)

    def save_unsaved_as(self, done: FinishedRun, path: str | None = None) -> bool:
        """Save a run's model that could not be saved in the run's folder to a file of the user's choice
        (in the background); then decide as for a saved run. False when the dialog was cancelled."""
        ck = done.checkpoint
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Save model as"),
                                                  str(self.ws.models_dir / f"{ck.name}.pt"),
                                                  self.tr("mnist-gui models (*.pt);;All files (*)"))
        if not path:
            self._offer_unsaved(done)
            return False

        def saved(p) -> None:
            self.ws.saved(ck, p)
            self._decide(replace(done, retry=None, problem=self.tr("saved the model to {0}").format(p)))
        self.jobs.start(Task(lambda _report, _stop: self.ws.save_model(ck, path)), self, returned=saved,
                        failed=lambda msg: self._offer_unsaved(replace(done, problem=msg)))
        return True

    def _forget_early_question(self) -> None:
        self._earlyAnswer = None
        if self.keepBox is not None and self._boxRun is None:
            box, self.keepBox = self.keepBox, None
            box.finished.disconnect()
            box.close()

    def _ask(self, text: str, done: FinishedRun | None, discard_on_no: bool) -> None:
        """The question; done None: the run is not recorded yet (a stopped run being measured)."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Make the new model live?"), text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)   # Enter keeps the live model: the safe answer
        box.setObjectName("keepBox")
        self._boxRun = (done, discard_on_no) if done is not None else None
        box.finished.connect(self._on_box_finished)
        self.keepBox = box
        box.open()

    def _on_box_finished(self, code: int) -> None:
        self.keepBox = None
        if self._boxRun is None:   # answered before the run was recorded: applied when it is
            self._earlyAnswer = code
            self.append_log(self.tr("answered; it applies when the stopped model has been measured"))
            return
        (done, discard_on_no), self._boxRun = self._boxRun, None
        self._on_answer(code, done, discard_on_no)

    def _on_answer(self, code: int, done: FinishedRun, discard_on_no: bool) -> None:
        self.keepBox = None
        if code == QMessageBox.StandardButton.Yes:
            self._make_live(done)
            return
        if discard_on_no and done.record is not None:
            self.ws.discard_run_model(done.record)
            self.append_log(self.tr("discarded the stopped run's model; its record stays in the Runs list"))
        else:
            self.append_log(self.tr("the live model stays; the new one is kept in the Runs list"))
        self.runFinished.emit(done)

    def _make_live(self, done: FinishedRun) -> None:
        ck = done.checkpoint
        self.ws.make_live(ck, remember=ck.path is not None)
        acc = ck.test_accuracy
        self.append_log(self.tr("the new model is live; saved to {0}").format(ck.path))
        self.message.emit("", self.tr("The new model is live: test accuracy {0}").format(f"{acc:.2%}")
                          if acc is not None else self.tr("The new model is live"), False)
        self.runFinished.emit(done)

    def choose_data_folder(self, folder: str | None = None) -> bool:
        return self.dataPanel.choose(folder)

    def append_log(self, line: str) -> None:
        """Add a line and follow it, unless the reader has scrolled up to an earlier one."""
        bar = self.log.verticalScrollBar()
        # at the end, or a line short of it: while the log is hidden (the Runs list shown) Qt's own
        # following falls one line behind per hidden stretch
        following = bar.value() >= bar.maximum() - 1
        self.log.appendPlainText(line)
        if following:
            bar.setValue(bar.maximum())
