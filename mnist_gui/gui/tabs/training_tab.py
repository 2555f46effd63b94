"""Train tab: the recipe and its fields, Train/Pause/Stop, live loss and accuracy plots, the log and the
Runs list.

The form is a TrainForm (gui/widgets/train_form.py). A run is a TrainingWorker (`Workspace.run` in the window's JobRunner);
when it ends, the run is already recorded, and GoLiveQuestions (gui/go_live.py) settles, with the user
where needed, whether the new model goes live.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.core.events import EpochEnded, Progressed, Started
from mnist_gui.core.recipes import CUSTOM, TrainConfig
from mnist_gui.core.states import BusyKind, RunStatus
from mnist_gui.core.workspace import Busy, FinishedRun, RunPlan
from mnist_gui.gui.core_strings import choice_text, core_text
from mnist_gui.gui.go_live import GoLiveQuestions
from mnist_gui.gui.i18n import Retranslating
from mnist_gui.gui.jobs import JobRunner, Task
from mnist_gui.gui.qt_workspace import QtWorkspace
from mnist_gui.gui.training_worker import TrainingWorker
from mnist_gui.gui.widgets.data_folder import DataFolderPanel, mnist_missing
from mnist_gui.gui.widgets.device_chooser import DeviceChooser
from mnist_gui.gui.widgets.run_progress import RunProgress
from mnist_gui.gui.widgets.runs_panel import RunsPanel
from mnist_gui.gui.widgets.train_form import TrainForm
from mnist_gui.gui.widgets.training_plots import TrainingPlots


def _load_torch(_report, _stop) -> None:
    from mnist_gui.core.train import warm_up  # torch: seconds on a first import, in a worker, never the GUI thread
    warm_up()


class TrainingTab(Retranslating, QWidget):
    message = Signal(str, str, bool)   # title, text, is a warning: for the window's message box
    runFinished = Signal(object)       # FinishedRun, after the live model was decided
    runFailed = Signal(str)            # a run that raised: one line
    finetunePreparing = Signal(bool)   # a fine-tune asked for is getting ready (PyTorch loading): word at once
    mnistNeeded = Signal()             # a fine-tune asked for cannot run without MNIST: the window's MNIST dialog

    def __init__(self, qtws: QtWorkspace, jobs: JobRunner, parent=None):
        super().__init__(parent)
        self.qtws = qtws
        self.ws = qtws.ws
        self.jobs = jobs
        self._worker: TrainingWorker | None = None
        self._closing = False
        # keep / make live after a worse or stopped run; the unsaved model after a full disk
        self.questions = GoLiveQuestions(self.ws, jobs, self)
        self.questions.log.connect(self.append_log)
        self.questions.message.connect(self.message)
        self.questions.decided.connect(self.runFinished)
        self._preparing = False   # a fine-tune waits for PyTorch to load (in the background)
        # Architecture "custom" trains the Model tab's network: the window says where it is (ModelTab.network)
        self.modelNetwork: Callable[[], dict | None] = lambda: None
        self._build()
        self._set_running(False)

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.settingsBox = settings = TrainForm(self.ws)
        self.recipeCombo, self.form = settings.recipeCombo, settings.form
        fields = self.form.widgets   # field name -> its widget; those that tests reach by name:
        self.presetCombo, self.optimizerCombo = fields["preset"], fields["optimizer"]
        self.lrSpin, self.momentumSpin = fields["lr"], fields["momentum"]
        self.apply_config, self.config = settings.apply_config, settings.config
        # Where it runs: a setting of this machine, not a hyperparameter (not part of a run's recipe).
        self.deviceChooser = DeviceChooser(self.ws, self.jobs)
        self.deviceCombo = self.deviceChooser.combo

        self.trainButton = QPushButton(objectName="trainButton")
        self.pauseButton = QPushButton(objectName="pauseButton")
        self.stopButton = QPushButton(objectName="stopButton")
        buttons = QHBoxLayout()
        for b in (self.trainButton, self.pauseButton, self.stopButton):
            buttons.addWidget(b)

        # above the plots, the full width of the right column: the form keeps its width and height
        self.dataPanel = DataFolderPanel(self.ws, self.jobs)
        self.dataMessage, self.chooseDataButton = self.dataPanel.message, self.dataPanel.chooseButton

        left = QVBoxLayout()
        left.addWidget(settings)
        left.addWidget(self.deviceChooser)
        left.addLayout(buttons)
        left.addStretch(1)

        self.progress = RunProgress()
        self.progressBar, self.speedLabel = self.progress.bar, self.progress.speedLabel
        self.plots = TrainingPlots(self)
        self.lossPlot, self.accuracyPlot = self.plots.lossPlot, self.plots.accuracyPlot
        self.lossRawCurve, self.trainAccCurve, self.testAccCurve = (self.plots.lossRawCurve, self.plots.trainAccCurve,
                                                                    self.plots.testAccCurve)
        self.log = QPlainTextEdit(objectName="trainLog", readOnly=True)
        self.log.setMaximumBlockCount(2000)
        self.runsPanel = RunsPanel(self.qtws, self.lossPlot, self.accuracyPlot, jobs=self.jobs)
        self.runsPanel.overlaysChanged.connect(lambda: self.plots.set_overlays(self.runsPanel.overlay_count()))
        self.bottomTabs = QTabWidget(objectName="trainBottomTabs")
        self.bottomTabs.addTab(self.log, "")
        self.bottomTabs.addTab(self.runsPanel, "")

        # The plots and the log/Runs list share the height; the divider can be dragged.
        self.splitter = QSplitter(Qt.Orientation.Vertical, objectName="trainSplitter")
        self.splitter.addWidget(self.lossPlot)
        self.splitter.addWidget(self.accuracyPlot)
        self.splitter.addWidget(self.bottomTabs)
        self.splitter.setChildrenCollapsible(False)
        # 2 : 2 : 3: the Runs list shows at least four whole runs at the default window size (1000×680)
        for i, stretch in enumerate((2, 2, 3)):
            self.splitter.setStretchFactor(i, stretch)
        self.splitter.setSizes([200, 200, 300])
        right = QVBoxLayout()
        right.addWidget(self.dataPanel)
        right.addWidget(self.progress)
        right.addWidget(self.splitter, 1)

        lay = QHBoxLayout(self)
        lay.addLayout(left)
        lay.addLayout(right, 1)

        self.trainButton.clicked.connect(lambda: self.start_training())
        self.pauseButton.clicked.connect(self.toggle_pause)
        self.stopButton.clicked.connect(self.stop_training)
        self.dataPanel.chosen.connect(lambda folder: self.append_log(self.tr("MNIST folder: {0}").format(folder)))
        self.dataPanel.chosen.connect(lambda _folder: self.progress.forget_failure())
        self.deviceChooser.log.connect(self.append_log)
        self.qtws.busyChanged.connect(self._update_train_button)
        self.retranslate()

    def retranslate(self) -> None:
        """Every text of the tab in the current language (Qt Designer's retranslateUi)."""
        self.settingsBox.retranslate()
        self.deviceChooser.retranslate()
        self.trainButton.setText(self.tr("Trai&n"))
        self.trainButton.setToolTip(self.tr("Train a new model with these settings"))
        self.pauseButton.setText(self.tr("&Continue") if self.paused else self.tr("&Pause"))
        self.stopButton.setText(self.tr("St&op"))
        self.progress.retranslate()
        self.plots.retranslate()
        self.log.setAccessibleName(self.tr("Training log"))
        self.bottomTabs.setTabText(0, self.tr("Lo&g"))
        self.bottomTabs.setTabText(1, self.tr("Run&s"))
        self.bottomTabs.tabBar().setAccessibleName(self.tr("Log and runs"))

    @property
    def devicesListed(self) -> bool:
        """The machine's devices are named (torch loaded on the tab's first showing)."""
        return self.deviceChooser.listed

    @property
    def _steps(self) -> list[int]:
        return self.plots.steps

    def showEvent(self, e) -> None:  # noqa: N802 - Qt's name
        super().showEvent(e)
        if not self.is_running() and not self.dataPanel.isVisible() and mnist_missing(self.ws):
            self.dataPanel.show_status()   # say so at once, with the way to set it up (not only after Train)

    def use_network(self, arch: dict) -> None:
        """Train the network edited on the Model tab: preset 'custom', its dropout rate in the form."""
        self.apply_config(self.config().with_network(arch["layers"]))
        self.append_log(self.tr("the network from the Model tab is ready to train (%n layer(s))", "",
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
        self.progress.paused = False
        self.pauseButton.setText(self.tr("&Pause"))
        self.settingsBox.set_enabled(not running)
        self.deviceCombo.setEnabled(not running)

    def start_training(self, cfg: TrainConfig | None = None, init_state=None, extra_train=None,
                       kind: str = "train", plan: RunPlan | None = None) -> bool:
        """Train cfg (default: the form's) in the background; or a plan the Workspace made (fine-tuning)."""
        if self.is_running():
            return False
        cfg = cfg or self.config()
        if plan is None and cfg.preset == CUSTOM and cfg.arch is None:   # "custom": the Model tab's network
            arch = self.modelNetwork()
            if arch is None:
                self.message.emit(self.tr("Cannot start training"), self.tr(
                    "Architecture “custom” trains the network on the Model tab, and there is none yet. "
                    "Build one there, or choose a preset."), True)
                return False
            cfg = replace(cfg, arch=arch)   # the form's dropout sets every dropout layer, as for a preset
        try:
            if plan is None:
                plan = replace(self.ws.plan_run(base=cfg, kind=kind),
                               init_state=init_state, extra_train=extra_train)
        except ValueError as e:
            self.append_log(self.tr("cannot start: {0}").format(e))
            self.message.emit(self.tr("Cannot start training"), str(e), True)
            return False
        try:
            work = self.ws.working(plan.kind)   # released by the worker when the run has ended
        except Busy as e:
            self.message.emit(self.tr("Cannot start training"), core_text(e), True)
            return False
        self.plots.reset()
        if plan.kind == BusyKind.FINETUNE:   # the form shows what runs (the fine-tune recipe), and its own values after
            self.settingsBox.show_finetune(plan.config)
        if not mnist_missing(self.ws):   # still missing: the panel stays (the run says so again), no jump
            self.dataPanel.hide()
        self.progress.begin()
        cfg = plan.config
        length = (self.tr("%n step(s)", "", cfg.max_steps) if cfg.max_steps
                  else self.tr("%n epoch(s)", "", int(cfg.epochs)) if float(cfg.epochs).is_integer()
                  else self.tr("{0} epochs", "a fraction: 0.75 epochs").format(f"{cfg.epochs:g}"))
        self.append_log(self.tr("training {0}: {1} lr {2}, {3}, batch {4}, {5}{6}").format(
            cfg.preset, cfg.optimizer, f"{cfg.lr:g}", choice_text(cfg.schedule), cfg.batch_size, length,
            self.tr(", augmented") if cfg.augment else ""))
        self._worker = worker = TrainingWorker(self.ws, plan, work)
        self._set_running(True)
        self.jobs.start(worker, self, started=self._on_started, progressed=self._on_progressed,
                        epochEnded=self._on_epoch_ended, statusChanged=self.append_log, returned=self._on_finished,
                        failed=self._on_failed, cancelled=self._on_cancelled,
                        dataMissing=self._on_data_missing, evaluating=self._on_evaluating)
        return True

    def start_finetune(self) -> bool:
        """Fine-tune the live model on My digits mixed with MNIST, in the background. Without MNIST the
        window's MNIST dialog is asked for (mnistNeeded) instead of a run that fails; the first use of
        PyTorch in a session loads it in the background first, with word at once (finetunePreparing)."""
        if self.is_running() or self.ws.checkpoint is None or self._preparing:
            return False
        if mnist_missing(self.ws):
            self.append_log(self.tr("fine-tuning needs MNIST: choose the folder with its files, or download them"))
            self.mnistNeeded.emit()
            return False
        if "torch" not in sys.modules:
            self._set_preparing(True)
            self.append_log(self.tr("loading PyTorch for the fine-tune…"))

            def loaded(_result) -> None:
                self._set_preparing(False)
                if not self._closing:
                    self.start_finetune()

            def failed(msg: str) -> None:
                self._set_preparing(False)
                self.message.emit(self.tr("Cannot fine-tune"), msg, True)
            self.jobs.start(Task(_load_torch), self, returned=loaded, failed=failed)
            return True
        try:
            plan = self.ws.plan_finetune()
        except ValueError as e:
            self.message.emit(self.tr("Cannot fine-tune"), core_text(e), True)
            return False
        n = len(self.ws.my_digits)   # repeated, so the count of training images below is not a mystery
        self.append_log(self.tr("fine-tuning on {0} of my digits mixed with MNIST: each repeated {1} times, "
                                "{2} of the training images").format(
            n, f"{len(plan.extra_train) // n:,}", f"{len(plan.extra_train):,}"))
        return self.start_training(plan=plan)

    @property
    def preparing(self) -> bool:
        """A fine-tune asked for waits for PyTorch to load."""
        return self._preparing

    def _set_preparing(self, on: bool) -> None:
        self._preparing = on
        self.finetunePreparing.emit(on)

    def toggle_pause(self) -> None:
        if self._worker is None:
            return
        paused = not self.paused
        if paused:
            self._worker.pause()
        else:
            self._worker.resume()
        self.pauseButton.setText(self.tr("&Continue") if paused else self.tr("&Pause"))
        self.progress.set_paused(paused)

    @property
    def paused(self) -> bool:
        return self.progress.paused

    def stop_training(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self.stopButton.setEnabled(False)
            self.pauseButton.setEnabled(False)   # nothing left to pause: the stopped model is measured, then saved
            if self.paused:   # a stop resumes a paused run (to measure and save it)
                self.pauseButton.setText(self.tr("&Pause"))
                self.progress.set_paused(False)
            self.append_log(self.tr("stopping…"))

    @property
    def keepBox(self) -> QMessageBox | None:
        """The question after a stopped or worse run, while it is open."""
        return self.questions.keepBox

    @property
    def unsavedBox(self) -> QMessageBox | None:
        """The offer of a trained model that could not be saved (Retry, Save as…), while it is open."""
        return self.questions.unsavedBox

    def shutdown(self) -> None:
        """The window is closing: stop at once, ask nothing (the run is still recorded)."""
        self._closing = self.questions.closing = True
        if self._worker is not None:
            self._worker.abort()

    # -- worker signals (GUI thread) --------------------------------------------------------
    def _on_started(self, ev: Started) -> None:
        self.progress.started(ev)
        self.append_log(self.tr("{0} training images, {1} steps").format(f"{ev.train_size:,}",
                                                                          f"{ev.total_steps:,}"))

    def _on_progressed(self, ev: Progressed) -> None:
        self.plots.add_progress(ev)
        self.progress.progressed(ev)

    def _on_epoch_ended(self, ev: EpochEnded) -> None:
        self.plots.add_epoch(ev)
        self.append_log(self.tr("epoch {0}/{1}: test accuracy {2}, test loss {3} ({4} s of training)").format(
            ev.epoch, ev.epochs, f"{ev.test_accuracy:.2%}", f"{ev.test_loss:.4f}",
            f"{ev.train_seconds:.1f}"))

    def _on_evaluating(self, done: int, total: int) -> None:
        """The stopped run's model over the test images: progress on the bar, and the question at once."""
        self.progress.measuring(done, total)
        self.questions.measuring(done, total)

    def _on_failed(self, msg: str) -> None:
        finetune = self.settingsBox.finetuning
        self.append_log(msg)
        self._on_ended("failed")
        self.runFailed.emit(msg)
        if not self._closing and not self.dataPanel.isVisible():
            self.message.emit(self.tr("Fine-tuning failed") if finetune else self.tr("Training failed"), msg + "\n\n" + self.tr("The previous model stays live."),
                              True)

    def _on_cancelled(self) -> None:
        self.questions.forget_early_question()
        self._on_ended(RunStatus.STOPPED)

    def _on_data_missing(self, error: Exception) -> None:
        self.dataPanel.show_missing(error)

    def _on_ended(self, status: RunStatus | str) -> None:   # a RunStatus, or "failed"
        self._worker = None
        self.questions.run_ended(status)
        self.progress.ended(status)
        self._set_running(False)
        self.settingsBox.end_finetune()

    def _on_finished(self, done: FinishedRun) -> None:
        if done.status == RunStatus.STOPPED and done.result is not None:
            self.plots.add_measured(done.result.history)
        self.append_log(core_text(done.message))
        self._on_ended(done.status)
        self.questions.decide(done)

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
