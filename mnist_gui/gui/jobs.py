"""Background work: a QObject worker moved to a QThread (superqt's new_worker_qthread shape), and one
`JobRunner` per window that knows every running job, so closing the window can stop them all.

A worker emits plain data only: `returned(result)` when its job succeeded (superqt's name: a thread's
`finished` means only that it ended), `failed(str)` for an exception (and `failedWith(exception)` just
before it, for a front end that says it again after a language switch), `cancelled()` when it stopped. It
is stopped by a flag, never `terminate()`. `Task` runs any function `fn(report, should_stop)` this way: loading MNIST, saving or
opening a checkpoint, evaluating.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot


class _Call(QObject):
    """Runs a plain callable in the thread this object lives in (the GUI thread)."""

    def __init__(self, fn: Callable, parent: QObject) -> None:
        super().__init__(parent)
        self.fn = fn

    def call(self, *args) -> None:
        self.fn(*args)


def connect_in_gui(signal, fn: Callable, context: QObject) -> QObject:
    """Connect a worker's signal to a lambda or function so that it runs in context's (GUI) thread.

    PySide6 runs a plain lambda connected to a worker's signal in the worker's thread, where touching a
    widget is an error; a bound method of a GUI-thread QObject is queued to the GUI thread as it should be.
    """
    call = _Call(fn, context)
    signal.connect(call.call)
    return call


class Worker(QObject):
    progressed = Signal(object)   # what the job reports: a message or (done, total)
    returned = Signal(object)     # the result of run(), which ended without an exception or a stop
    cancelled = Signal()
    failed = Signal(str)          # one line, in the window's language (describe_error)
    failedWith = Signal(object)   # the exception itself, just before failed: described again in another language

    def __init__(self) -> None:
        super().__init__()
        self._stop = threading.Event()

    def stop(self) -> None:
        """Ask the job to stop at its next check (safe from any thread)."""
        self._stop.set()

    def should_stop(self) -> bool:
        return self._stop.is_set()

    def run(self) -> Any:  # the job itself, in the worker thread
        raise NotImplementedError

    @Slot()
    def work(self) -> None:
        from mnist_gui.core.errors import Cancelled
        try:
            result = self.run()
        except Cancelled:   # a job raises it when it sees its stop flag
            self.cancelled.emit()
        except Exception as e:  # noqa: BLE001 - an exception must never escape the worker's thread
            self.failedWith.emit(e)
            self.failed.emit(describe_error(e))
        else:
            if self.should_stop() and result is None:
                self.cancelled.emit()
            else:
                self.returned.emit(result)
        finally:
            # End the thread from inside it: a quit queued to the GUI thread would wait for the GUI
            # thread, which may itself be waiting for this thread (closing the window).
            self.thread().quit()


def describe_error(e: Exception) -> str:
    """Our own errors carry a message for people: a coded one (core/errors.py) in the window's language
    (core_strings.core_text), the others' first line as the core wrote it; anything else names its type too."""
    from mnist_gui.core.checkpoint import CheckpointError
    from mnist_gui.core.errors import CodedError, DataError
    from mnist_gui.core.live import OnnxModelError
    from mnist_gui.gui.core_strings import core_text
    if isinstance(e, CodedError):
        return core_text(e)
    if isinstance(e, (DataError, CheckpointError, OnnxModelError, ValueError, OSError)) and str(e):
        return str(e).splitlines()[0]
    return f"{type(e).__name__}: {e}".splitlines()[0]


class Task(Worker):
    """Runs fn(report, should_stop) in the worker thread; report(x) emits progressed(x)."""

    def __init__(self, fn: Callable[[Callable[[Any], None], Callable[[], bool]], Any]) -> None:
        super().__init__()
        self.fn = fn

    def run(self) -> Any:
        return self.fn(self.progressed.emit, self.should_stop)


class JobRunner(QObject):
    """Starts workers in their own threads and tracks them until their threads end."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[QThread, Worker] = {}
        self._calls: dict[QThread, list[QObject]] = {}

    def start(self, worker: Worker, context: QObject | None = None, **handlers: Callable) -> QThread:
        """Run the worker in a thread of its own; each handler (returned=, failed=, cancelled=,
        progressed=, or any other signal of the worker by name) runs in context's (the GUI) thread.
        The one way the window starts background work."""
        calls = [connect_in_gui(getattr(worker, name), fn, context or self) for name, fn in handlers.items()]
        thread = QThread()            # no parent: the runner owns it until it ends
        worker.moveToThread(thread)
        thread.started.connect(worker.work)
        calls.append(connect_in_gui(thread.finished, lambda t=thread: self._ended(t), self))
        self._jobs[thread] = worker
        self._calls[thread] = calls
        thread.start()
        return thread

    def _ended(self, thread: QThread) -> None:
        worker = self._jobs.pop(thread, None)
        if worker is not None:
            worker.deleteLater()
        for call in self._calls.pop(thread, ()):   # the handlers' bridges, once their signals can no longer come
            call.deleteLater()
        thread.deleteLater()

    def alive(self) -> int:
        """How many job threads are still executing right now."""
        return sum(t.isRunning() for t in self._jobs)

    def stop_all(self, wait_ms: int = 1500) -> bool:
        """Stop every job and wait up to wait_ms in all for their threads. True when none is left."""
        for w in list(self._jobs.values()):
            w.stop()
        end = time.monotonic() + wait_ms / 1000
        for t in list(self._jobs):
            left = max(0, int((end - time.monotonic()) * 1000))
            t.wait(left)
        return all(t.isFinished() for t in self._jobs)
