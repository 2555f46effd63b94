"""TrainingWorker: runs one training run (`Workspace.run`) in its own thread, holding the cores' claim.

The run service loads MNIST (shared, cancellable), trains, measures a stopped run and records it with
`Workspace.finish_run` (the checkpoint is saved in the worker thread, not the GUI's); this worker turns
its events into signals, and releases the claim the tab made when the run has ended. It emits plain data
only; exceptions become failed(str); stop, pause and abort are flags (a `RunControl`).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Signal

from mnist_gui.core.events import EpochEnded, Measuring, Progressed, Started, StatusChanged
from mnist_gui.core.workspace import STOPPED_BEFORE_TRAINING, FinishedRun, RunControl, RunPlan, Work, Workspace
from mnist_gui.gui.core_strings import core_text
from mnist_gui.gui.jobs import Worker


class TrainingWorker(Worker):
    started = Signal(object)      # core.events.Started
    epochEnded = Signal(object)   # core.events.EpochEnded
    statusChanged = Signal(str)   # paused, resumed, data loading...
    dataMissing = Signal(object)  # MNIST not found: the DataError (MnistNotFound says where it looked)
    evaluating = Signal(int, int)  # a stopped run's model over the test images: (images done, of total)
    # progressed(Progressed): as the trainer sent it (the trainer throttles; each carries the steps since
    # the last one)
    # returned(FinishedRun)

    def __init__(self, ws: Workspace, plan: RunPlan, claim: Work | None = None):
        """claim: the cores' claim the caller made for this run (released when the run ends)."""
        super().__init__()
        self.ws = ws
        self.plan = plan
        self.claim = claim
        self.control = RunControl()

    # flags: safe from the GUI thread
    def stop(self) -> None:
        super().stop()
        self.control.stop()

    def abort(self) -> None:
        """Stop as fast as possible (closing the window): no evaluation of the partial model."""
        super().stop()
        self.control.abort()

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def _on_event(self, ev) -> None:
        """A run's event (core/events.py) as a signal; Finished is left to returned(FinishedRun)."""
        match ev:
            case Progressed():
                self.progressed.emit(ev)
            case EpochEnded():
                self.epochEnded.emit(ev)
            case Started():
                self.started.emit(ev)
            case StatusChanged(message=msg):
                self.statusChanged.emit(core_text(msg))
            case Measuring(done=done, total=total):
                if done == 0:
                    self.statusChanged.emit(self.tr("evaluating the stopped model…"))
                self.evaluating.emit(done, total)

    def run(self) -> FinishedRun:
        from mnist_gui.core.data import DataError
        try:
            done = self.ws.run(self.plan, self._on_event, self.control)
        except DataError as e:
            self.dataMissing.emit(e)
            raise
        finally:
            if self.claim is not None:
                self.claim.release()
        if done.message == STOPPED_BEFORE_TRAINING:
            done = replace(done, message=self.tr("stopped before training began"))
        return done
