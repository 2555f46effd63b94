"""TrainingWorker: drives the core Trainer in its own thread and finishes the run there.

It loads MNIST through the workspace (shared, cancellable), trains, and records the run with
`Workspace.finish_run` (the checkpoint is saved in the worker thread, not the GUI's). It emits plain
data only; exceptions become failed(str); stop and pause are flags.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Signal

from mnist_gui.core.recipes import TrainConfig
from mnist_gui.core.workspace import FinishedRun, Workspace
from mnist_gui.gui.jobs import Worker

STEP_EMIT_INTERVAL_S = 0.05  # forward at most ~20 step events a second to the GUI thread


class TrainingWorker(Worker):
    started = Signal(dict)        # start event
    epochEnded = Signal(dict)     # epoch event
    statusChanged = Signal(str)   # paused, resumed, data loading...
    dataMissing = Signal(str)     # MNIST not found: the message says where it looked
    # progressed(dict): a step event (throttled; carries the steps since the last one)
    # returned(FinishedRun)

    def __init__(self, ws: Workspace, cfg: TrainConfig, init_state: dict | None = None, extra_train=None,
                 kind: str = "train", device: str = "cpu"):
        super().__init__()
        self.ws = ws
        self.cfg = cfg
        self.init_state = init_state
        self.extra_train = extra_train
        self.kind = kind
        self.device = device
        self.trainer = None
        self._paused = False
        self._abort = False
        self._pending: dict[str, list] = {"step": [], "loss": [], "accuracy": []}
        self._last_emit = 0.0

    # flags: safe from the GUI thread
    def stop(self) -> None:
        super().stop()
        if self.trainer is not None:
            self.trainer.stop()

    def abort(self) -> None:
        """Stop as fast as possible (closing the window): no evaluation of the partial model."""
        self._abort = True
        self.stop()

    def pause(self) -> None:
        self._paused = True
        if self.trainer is not None:
            self.trainer.pause()

    def resume(self) -> None:
        self._paused = False
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

    def run(self) -> FinishedRun:
        from mnist_gui.core.data import Cancelled, DataError
        from mnist_gui.core.train import Trainer, evaluate
        try:
            data = self.ws.mnist(progress=self.statusChanged.emit, should_stop=self.should_stop)
        except Cancelled:
            return FinishedRun("stopped", self.tr("stopped before training began"), None, None)
        except DataError as e:
            self.dataMissing.emit(str(e))
            raise
        if self.should_stop():   # a stop pressed while MNIST was loading is not lost
            return FinishedRun("stopped", self.tr("stopped before training began"), None, None)
        trainer = Trainer(self.cfg, data, self._on_event, init_state=self.init_state,
                          extra_train=self.extra_train, device=self.device)
        self.trainer = trainer
        if self.should_stop():   # stopped between the check above and the trainer's creation
            trainer.stop()
        if self._paused:
            trainer.pause()
        result = trainer.run()
        if result.status == "stopped" and not result.history.get("step"):
            return FinishedRun("stopped", self.tr("stopped before training began"), None, None)
        if (result.status == "stopped" and result.model is not None and not self._abort
                and "test_accuracy" not in result.metrics):
            self.statusChanged.emit(self.tr("evaluating the stopped model…"))

            def check(_i, _n):
                if self._abort:
                    raise Cancelled()
            try:
                ev = evaluate(result.model, data.test, progress=check)
                result.metrics.update(test_accuracy=ev["accuracy"], test_loss=ev["loss"],
                                      per_class=ev["per_class"], confusion=ev["confusion"])
            except Cancelled:
                pass
        return self.ws.finish_run(result, kind=self.kind, device=str(trainer.device))
