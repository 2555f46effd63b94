"""Run a worker QObject in its own QThread (superqt's new_worker_qthread shape)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread


def start_worker(owner: QObject, worker: QObject, on_thread_finished) -> QThread:
    """Move worker (with a work() slot and finished/failed signals) to a new thread and start it.

    The thread quits when the worker finishes or fails; the worker is deleted with the thread's
    end; on_thread_finished runs in the GUI thread after that.
    """
    thread = QThread(owner)
    worker.moveToThread(thread)
    thread.started.connect(worker.work)
    worker.finished.connect(thread.quit)
    worker.failed.connect(thread.quit)
    thread.finished.connect(worker.deleteLater)
    thread.finished.connect(on_thread_finished)
    thread.start()
    return thread
