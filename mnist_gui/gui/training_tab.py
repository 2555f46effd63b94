"""Train tab: hyperparameters, Train/Pause/Stop, live loss and accuracy plots; owns the thread."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QFrame,
                               QGroupBox, QHBoxLayout, QLabel, QPlainTextEdit, QProgressBar, QPushButton,
                               QSpinBox, QTabWidget, QVBoxLayout, QWidget)

from mnist_gui.core.models import PRESETS
from mnist_gui.core.runs import RunStore
from mnist_gui.core.train import OPTIMIZERS, RECIPES, SCHEDULES, TrainConfig
from mnist_gui.gui.runs_panel import RunsPanel, ema
from mnist_gui.gui.threads import start_worker
from mnist_gui.gui.training_worker import TrainingWorker


def _fmt_eta(s: float) -> str:
    s = int(max(0, s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class TrainingTab(QWidget):
    runFinished = Signal(dict)      # the worker's finished payload
    runStarted = Signal()
    dataFolderChosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.data_dir: str | None = None
        self.data = None  # an in-memory Mnist to train on instead of loading (tests, fine-tuning)
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._last_status: str | None = None
        self._build()
        self.apply_config(RECIPES["fast (default)"])
        self._set_running(False)

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        self.recipeCombo = QComboBox()
        self.recipeCombo.setObjectName("recipeCombo")
        self.recipeCombo.addItems(list(RECIPES))
        self.presetCombo = QComboBox()
        self.presetCombo.setObjectName("presetCombo")
        for name, p in PRESETS.items():
            self.presetCombo.addItem(name)
            self.presetCombo.setItemData(self.presetCombo.count() - 1, p.description, 3)  # tooltip role
        self.epochsSpin = QDoubleSpinBox(objectName="epochsSpin", decimals=2, minimum=0.01, maximum=100,
                                         singleStep=1)
        self.maxStepsSpin = QSpinBox(objectName="maxStepsSpin", minimum=0, maximum=1_000_000,
                                     specialValueText="from epochs")
        self.batchSizeSpin = QSpinBox(objectName="batchSizeSpin", minimum=1, maximum=4096)
        self.optimizerCombo = QComboBox(objectName="optimizerCombo")
        self.optimizerCombo.addItems(list(OPTIMIZERS))
        self.lrSpin = QDoubleSpinBox(objectName="lrSpin", decimals=5, minimum=0.00001, maximum=10,
                                     singleStep=0.0005)
        self.scheduleCombo = QComboBox(objectName="scheduleCombo")
        self.scheduleCombo.addItems(list(SCHEDULES))
        self.dropoutSpin = QDoubleSpinBox(objectName="dropoutSpin", decimals=2, minimum=0, maximum=0.95,
                                          singleStep=0.05)
        self.weightDecaySpin = QDoubleSpinBox(objectName="weightDecaySpin", decimals=5, minimum=0,
                                              maximum=0.5, singleStep=0.0001)
        self.augmentCheck = QCheckBox("random affine + stroke thickness", objectName="augmentCheck")
        self.trainSizeSpin = QSpinBox(objectName="trainSizeSpin", minimum=100, maximum=60000, singleStep=1000)
        self.seedSpin = QSpinBox(objectName="seedSpin", minimum=0, maximum=2**31 - 1)

        form = QFormLayout()
        for label, w in (("Recipe", self.recipeCombo), ("Architecture", self.presetCombo),
                         ("Epochs", self.epochsSpin), ("Max steps", self.maxStepsSpin),
                         ("Batch size", self.batchSizeSpin), ("Optimizer", self.optimizerCombo),
                         ("Learning rate", self.lrSpin), ("Schedule", self.scheduleCombo),
                         ("Dropout", self.dropoutSpin), ("Weight decay", self.weightDecaySpin),
                         ("Augmentation", self.augmentCheck), ("Training images", self.trainSizeSpin),
                         ("Seed", self.seedSpin)):
            form.addRow(label, w)
        settings = QGroupBox("Hyperparameters")
        settings.setLayout(form)

        self.trainButton = QPushButton("Train", objectName="trainButton")
        self.pauseButton = QPushButton("Pause", objectName="pauseButton")
        self.stopButton = QPushButton("Stop", objectName="stopButton")
        buttons = QHBoxLayout()
        for b in (self.trainButton, self.pauseButton, self.stopButton):
            buttons.addWidget(b)

        self.dataPanel = QFrame(objectName="dataPanel")
        self.dataPanel.setFrameShape(QFrame.Shape.StyledPanel)
        self.dataMessage = QLabel(wordWrap=True, objectName="dataMessage")
        self.chooseDataButton = QPushButton("Choose the folder with the MNIST files…",
                                            objectName="chooseDataButton")
        dp = QVBoxLayout(self.dataPanel)
        dp.addWidget(self.dataMessage)
        dp.addWidget(self.chooseDataButton)
        self.dataPanel.hide()

        left = QVBoxLayout()
        left.addWidget(settings)
        left.addLayout(buttons)
        left.addWidget(self.dataPanel)
        left.addStretch(1)

        self.progressBar = QProgressBar(objectName="progressBar")
        self.progressBar.setRange(0, 1)
        self.progressBar.setValue(0)
        self.speedLabel = QLabel("", objectName="speedLabel")
        self.lossPlot = pg.PlotWidget(background="w", title="Loss per step")
        self.lossPlot.setObjectName("lossPlot")
        self.lossPlot.setLabel("bottom", "step")
        self.lossPlot.setLabel("left", "cross-entropy")
        self.lossPlot.addLegend(offset=(-10, 10))
        self.lossPlot.setClipToView(True)
        self.lossPlot.setDownsampling(auto=True, mode="mean")
        self.lossRawCurve = self.lossPlot.plot(pen=pg.mkPen((150, 170, 220), width=1), name="raw")
        self.lossSmoothCurve = self.lossPlot.plot(pen=pg.mkPen((30, 60, 170), width=2), name="smoothed")
        self.testLossCurve = self.lossPlot.plot(pen=None, symbol="o", symbolBrush=(220, 90, 20),
                                                name="test (per epoch)")
        self.accuracyPlot = pg.PlotWidget(background="w", title="Accuracy")
        self.accuracyPlot.setObjectName("accuracyPlot")
        self.accuracyPlot.setLabel("bottom", "step")
        self.accuracyPlot.setLabel("left", "accuracy")
        self.accuracyPlot.addLegend(offset=(-10, -10))
        self.accuracyPlot.setClipToView(True)
        self.accuracyPlot.setDownsampling(auto=True, mode="mean")
        self.trainAccCurve = self.accuracyPlot.plot(pen=pg.mkPen((30, 140, 60), width=2), name="training (running)")
        self.testAccCurve = self.accuracyPlot.plot(pen=pg.mkPen((220, 90, 20), width=2), symbol="o",
                                                   symbolBrush=(220, 90, 20), name="test (per epoch)")
        self.log = QPlainTextEdit(objectName="trainLog", readOnly=True)
        self.log.setMaximumBlockCount(2000)
        self.runsPanel = RunsPanel(RunStore(), self.lossPlot, self.accuracyPlot)
        self.bottomTabs = QTabWidget(objectName="trainBottomTabs")
        self.bottomTabs.addTab(self.log, "Log")
        self.bottomTabs.addTab(self.runsPanel, "Runs")
        self.bottomTabs.setFixedHeight(170)

        right = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(self.progressBar, 1)
        top.addWidget(self.speedLabel)
        right.addLayout(top)
        right.addWidget(self.lossPlot, 1)
        right.addWidget(self.accuracyPlot, 1)
        right.addWidget(self.bottomTabs)

        lay = QHBoxLayout(self)
        lay.addLayout(left)
        lay.addLayout(right, 1)

        self.recipeCombo.currentTextChanged.connect(lambda name: self.apply_config(RECIPES[name]))
        self.trainButton.clicked.connect(self.start_training)
        self.pauseButton.clicked.connect(self.toggle_pause)
        self.stopButton.clicked.connect(self.stop_training)
        self.chooseDataButton.clicked.connect(self.choose_data_folder)

    # -- config <-> widgets -------------------------------------------------------------------
    def apply_config(self, cfg: TrainConfig) -> None:
        self.presetCombo.setCurrentText(cfg.preset)
        self.epochsSpin.setValue(cfg.epochs)
        self.maxStepsSpin.setValue(cfg.max_steps or 0)
        self.batchSizeSpin.setValue(cfg.batch_size)
        self.optimizerCombo.setCurrentText(cfg.optimizer)
        self.lrSpin.setValue(cfg.lr)
        self.scheduleCombo.setCurrentText(cfg.schedule)
        self.dropoutSpin.setValue(cfg.dropout)
        self.weightDecaySpin.setValue(cfg.weight_decay)
        self.augmentCheck.setChecked(cfg.augment)
        self.trainSizeSpin.setValue(cfg.train_size or 60000)
        self.seedSpin.setValue(cfg.seed)
        self._base = cfg

    def config(self) -> TrainConfig:
        return replace(self._base, preset=self.presetCombo.currentText(), epochs=self.epochsSpin.value(),
                       max_steps=self.maxStepsSpin.value() or None, batch_size=self.batchSizeSpin.value(),
                       optimizer=self.optimizerCombo.currentText(), lr=self.lrSpin.value(),
                       schedule=self.scheduleCombo.currentText(), dropout=self.dropoutSpin.value(),
                       weight_decay=self.weightDecaySpin.value(), augment=self.augmentCheck.isChecked(),
                       train_size=None if self.trainSizeSpin.value() >= 60000 else self.trainSizeSpin.value(),
                       seed=self.seedSpin.value())

    # -- run lifecycle ----------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._thread is not None

    def _set_running(self, running: bool) -> None:
        self.trainButton.setEnabled(not running)
        self.pauseButton.setEnabled(running)
        self.stopButton.setEnabled(running)
        self.pauseButton.setText("Pause")
        for w in (self.recipeCombo, self.presetCombo, self.epochsSpin, self.maxStepsSpin, self.batchSizeSpin,
                  self.optimizerCombo, self.lrSpin, self.scheduleCombo, self.dropoutSpin, self.weightDecaySpin,
                  self.augmentCheck, self.trainSizeSpin, self.seedSpin):
            w.setEnabled(not running)

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

    def start_training(self, cfg: TrainConfig | None = None, init_state=None, extra_train=None) -> bool:
        if self.is_running():
            return False
        cfg = cfg or self.config()
        try:
            cfg.validate()
        except ValueError as e:
            self.append_log(f"cannot start: {e}")
            return False
        self._reset_plots()
        self._last_status = None
        self.dataPanel.hide()
        self.progressBar.setRange(0, 0)  # busy until the first step
        self.append_log(f"training {cfg.preset}: {cfg.optimizer} lr {cfg.lr:g}, {cfg.schedule}, batch "
                        f"{cfg.batch_size}, {cfg.max_steps or cfg.epochs} {'steps' if cfg.max_steps else 'epochs'}"
                        f"{', augmented' if cfg.augment else ''}")
        worker = TrainingWorker(cfg, data_dir=self.data_dir, data=self.data, init_state=init_state,
                                extra_train=extra_train)
        worker.started.connect(self._on_started)
        worker.progressed.connect(self._on_progressed)
        worker.epochEnded.connect(self._on_epoch_ended)
        worker.statusChanged.connect(self._on_status)
        worker.finished.connect(self._on_finished)
        worker.failed.connect(self._on_failed)
        worker.dataMissing.connect(self._on_data_missing)
        self._worker = worker
        self._set_running(True)
        self.runStarted.emit()
        self._thread = start_worker(self, worker, self._on_thread_finished)
        return True

    def toggle_pause(self) -> None:
        if self._worker is None:
            return
        if self.pauseButton.text() == "Pause":
            self._worker.pause()
            self.pauseButton.setText("Resume")
        else:
            self._worker.resume()
            self.pauseButton.setText("Pause")

    def stop_training(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self.stopButton.setEnabled(False)
            self.append_log("stopping…")

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Stop a run and wait for its thread (closing the window). True when no thread is left."""
        if self._thread is None:
            return True
        if self._worker is not None:
            self._worker.stop()
        thread = self._thread
        thread.quit()
        ok = thread.wait(timeout_ms)
        return ok

    # -- worker signals (GUI thread) --------------------------------------------------------
    def _on_started(self, ev: dict) -> None:
        self.progressBar.setRange(0, ev["total_steps"])
        self.progressBar.setValue(0)
        self.append_log(f"{ev['train_size']:,} training images, {ev['total_steps']:,} steps")

    def _on_progressed(self, ev: dict) -> None:
        self._steps += ev["steps"]
        self._loss += ev["losses"]
        self._smooth += ema(ev["losses"], start=self._smooth[-1] if self._smooth else None).tolist()
        self._acc += ev["accuracies"]
        steps = np.asarray(self._steps)
        self.lossRawCurve.setData(steps, np.asarray(self._loss))
        self.lossSmoothCurve.setData(steps, np.asarray(self._smooth))
        self.trainAccCurve.setData(steps, np.asarray(self._acc))
        self.progressBar.setValue(ev["step"])
        self.progressBar.setFormat(f"%p%  step {ev['step']:,}/{ev['total_steps']:,}  ETA {_fmt_eta(ev['eta_s'])}")
        self.speedLabel.setText(f"{ev['images_per_s']:,.0f} images/s  loss {ev['loss']:.3f}")

    def _on_epoch_ended(self, ev: dict) -> None:
        self._epoch_steps.append(ev["step"])
        self._test_acc.append(ev["test_accuracy"])
        self._test_loss.append(ev["test_loss"])
        self.testAccCurve.setData(self._epoch_steps, self._test_acc)
        self.testLossCurve.setData(self._epoch_steps, self._test_loss)
        self.append_log(f"epoch {ev['epoch']}/{ev['epochs']}: test accuracy {ev['test_accuracy']:.2%}, "
                        f"test loss {ev['test_loss']:.4f} ({ev['train_seconds']:.1f} s of training)")

    def _on_status(self, msg: str) -> None:
        self.append_log(msg)

    def _on_finished(self, result: dict) -> None:
        self._last_status = result["status"]
        self.append_log(result["message"])
        self.runFinished.emit(result)

    def _on_failed(self, msg: str) -> None:
        self.append_log(msg)
        self.runFinished.emit({"status": "failed", "message": msg, "state_dict": None})

    def _on_data_missing(self, msg: str) -> None:
        self.dataMessage.setText(msg)
        self.dataPanel.show()

    def _on_thread_finished(self) -> None:
        thread = self._thread
        self._thread, self._worker = None, None
        if thread is not None:
            thread.deleteLater()
        status = self._last_status or "failed"
        self.progressBar.setRange(0, 1)
        self.progressBar.setValue(1 if status == "finished" else 0)
        self.progressBar.setFormat("done" if status == "finished" else status)
        self._set_running(False)

    def choose_data_folder(self, folder: str | None = None) -> None:
        if not folder:
            folder = QFileDialog.getExistingDirectory(self, "Folder holding the four MNIST IDX files")
        if not folder:
            return
        from pathlib import Path

        from mnist_gui.core.data import missing_files
        missing = missing_files(Path(folder))
        if missing:
            self.dataMessage.setText(f"{folder} lacks {', '.join(missing)}. Choose the folder that holds "
                                     "the four MNIST IDX files (raw or .gz).")
            self.dataPanel.show()
            return
        self.data_dir = folder
        self.dataPanel.hide()
        self.append_log(f"MNIST folder: {folder}")
        self.dataFolderChosen.emit(folder)

    def append_log(self, line: str) -> None:
        self.log.appendPlainText(line)
