"""TrainingWorker: a QObject moved to a QThread that drives the core Trainer.

It emits plain data only, turns exceptions into failed(str), and is stopped by a flag.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Signal, Slot

from mnist_gui.core.data import DataError, Mnist, load_mnist
from mnist_gui.core.recipes import TrainConfig
from mnist_gui.core.train import Trainer

STEP_EMIT_INTERVAL_S = 0.05  # forward at most ~20 step events a second to the GUI thread


class TrainingWorker(QObject):
    started = Signal(dict)        # start event
    progressed = Signal(dict)     # step event (throttled; carries the steps since the last one)
    epochEnded = Signal(dict)     # epoch event
    statusChanged = Signal(str)   # paused, resumed, data loading...
    finished = Signal(dict)       # status, message, state_dict, metrics, history, config
    failed = Signal(str)          # one-line error
    dataMissing = Signal(str)     # MNIST not found: the message says where it looked

    def __init__(self, cfg: TrainConfig, data_dir=None, data: Mnist | None = None,
                 init_state: dict | None = None, extra_train=None):
        super().__init__()
        self.cfg = cfg
        self.data_dir = data_dir
        self.data = data
        self.init_state = init_state
        self.extra_train = extra_train
        self.trainer: Trainer | None = None
        self._stop_requested = False
        self._pause_requested = False
        self._pending: dict[str, list] = {"step": [], "loss": [], "accuracy": []}
        self._last_emit = 0.0

    # flags: safe from the GUI thread
    def stop(self) -> None:
        self._stop_requested = True
        if self.trainer is not None:
            self.trainer.stop()

    def pause(self) -> None:
        self._pause_requested = True
        if self.trainer is not None:
            self.trainer.pause()

    def resume(self) -> None:
        self._pause_requested = False
        if self.trainer is not None:
            self.trainer.resume()

    def _on_event(self, ev: dict) -> None:
        t = ev["type"]
        if t == "step":
            for k, many in (("step", "steps"), ("loss", "losses"), ("accuracy", "accuracies")):
                self._pending[k].extend(ev.get(many, [ev[k]]))  # one event may carry several steps
            now = time.monotonic()
            if now - self._last_emit >= STEP_EMIT_INTERVAL_S or ev["step"] == ev["total_steps"]:
                self._last_emit = now
                out = dict(ev)
                out["steps"], out["losses"], out["accuracies"] = (
                    self._pending["step"], self._pending["loss"], self._pending["accuracy"])
                self._pending = {"step": [], "loss": [], "accuracy": []}
                self.progressed.emit(out)
        elif t == "epoch":
            self.epochEnded.emit(dict(ev))
        elif t == "start":
            self.started.emit(dict(ev))
        elif t == "status":
            self.statusChanged.emit(ev["message"])

    @Slot()
    def work(self) -> None:
        try:
            data = self.data
            if data is None:
                self.statusChanged.emit("loading MNIST…")
                data = load_mnist(self.data_dir, progress=self.statusChanged.emit)
            if self._stop_requested:
                self.finished.emit({"status": "stopped", "message": "stopped before training began",
                                    "state_dict": None, "metrics": {}, "history": {},
                                    "config": self.cfg.to_dict(), "preset": self.cfg.preset})
                return
            self.trainer = Trainer(self.cfg, data, self._on_event, init_state=self.init_state,
                                   extra_train=self.extra_train)
            if self._pause_requested:
                self.trainer.pause()
            result = self.trainer.run()
            state = None if result.model is None else {k: v.detach().clone() for k, v in
                                                       result.model.state_dict().items()}
            self.finished.emit({"status": result.status, "message": result.message, "state_dict": state,
                                "metrics": result.metrics, "history": result.history,
                                "config": result.config.to_dict(), "preset": result.config.preset,
                                "seconds": result.seconds})
        except DataError as e:
            self.dataMissing.emit(str(e))
            self.failed.emit(str(e))
        except Exception as e:  # noqa: BLE001 - the worker must never let an exception escape its thread
            self.failed.emit(f"training failed: {type(e).__name__}: {e}")
