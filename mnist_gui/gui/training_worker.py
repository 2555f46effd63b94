"""TrainingWorker: drives the core Trainer in its own thread and finishes the run there.

It loads MNIST through the workspace (shared, cancellable), trains, and records the run with
`Workspace.finish_run` (the checkpoint is saved in the worker thread, not the GUI's). It emits plain
data only; exceptions become failed(str); stop and pause are flags.
"""

from __future__ import annotations

from PySide6.QtCore import Signal

from mnist_gui.core.events import EpochEnded, Progressed, Started, StatusChanged
from mnist_gui.core.states import RunStatus
from mnist_gui.core.workspace import FinishedRun, RunPlan, Workspace
from mnist_gui.gui.core_strings import core_text
from mnist_gui.gui.jobs import Worker, describe_error


class TrainingWorker(Worker):
    started = Signal(object)      # core.events.Started
    epochEnded = Signal(object)   # core.events.EpochEnded
    statusChanged = Signal(str)   # paused, resumed, data loading...
    dataMissing = Signal(str)     # MNIST not found: the message says where it looked
    evaluating = Signal(int, int)  # a stopped run's model over the test images: (images done, of total)
    # progressed(Progressed): as the trainer sent it (the trainer throttles; each carries the steps since
    # the last one)
    # returned(FinishedRun)

    def __init__(self, ws: Workspace, plan: RunPlan):
        super().__init__()
        self.ws = ws
        cfg, init_state, extra_train, kind, device = (plan.config, plan.init_state, plan.extra_train, plan.kind,
                                                      plan.device)
        self.cfg = cfg
        self.init_state = init_state
        self.extra_train = extra_train
        self.kind = kind
        self.device = device
        self.trainer = None
        self._paused = False
        self._abort = False

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

    def _on_event(self, ev) -> None:
        """A Trainer event (core/events.py) as a signal; Finished is left to finished(FinishedRun)."""
        match ev:
            case Progressed():
                self.progressed.emit(ev)
            case EpochEnded():
                self.epochEnded.emit(ev)
            case Started():
                self.started.emit(ev)
            case StatusChanged(message=msg):
                self.statusChanged.emit(core_text(msg))

    def run(self) -> FinishedRun:
        from mnist_gui.core.data import Cancelled, DataError
        from mnist_gui.core.train import Trainer, evaluate
        try:
            data = self.ws.mnist(progress=self.statusChanged.emit, should_stop=self.should_stop)
        except Cancelled:
            return FinishedRun(RunStatus.STOPPED, self.tr("stopped before training began"), None, None)
        except DataError as e:
            self.dataMissing.emit(describe_error(e))
            raise
        if self.should_stop():   # a stop pressed while MNIST was loading is not lost
            return FinishedRun(RunStatus.STOPPED, self.tr("stopped before training began"), None, None)
        trainer = Trainer(self.cfg, data, self._on_event, init_state=self.init_state,
                          extra_train=self.extra_train, device=self.device)
        self.trainer = trainer
        if self.should_stop():   # stopped between the check above and the trainer's creation
            trainer.stop()
        if self._paused:
            trainer.pause()
        result = trainer.run()
        if result.status is RunStatus.STOPPED and not result.history.get("step"):
            return FinishedRun(RunStatus.STOPPED, self.tr("stopped before training began"), None, None)
        if (result.status is RunStatus.STOPPED and result.model is not None and not self._abort
                and "test_accuracy" not in result.metrics):
            self.statusChanged.emit(self.tr("evaluating the stopped model…"))

            def check(i, n):
                if self._abort:
                    raise Cancelled()
                self.evaluating.emit(i, n)
            self.evaluating.emit(0, len(data.test.labels))   # the question is asked at once, not after
            try:
                ev = evaluate(result.model, data.test, progress=check, precision=self.cfg.precision)
                result.metrics.update(test_accuracy=ev["accuracy"], test_loss=ev["loss"],
                                      per_class=ev["per_class"], confusion=ev["confusion"])
            except Cancelled:
                pass
        return self.ws.finish_run(result, kind=self.kind, device=str(trainer.device), onnx=not self._abort)
