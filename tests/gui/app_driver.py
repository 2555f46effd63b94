"""Run the real app (`mnist_gui.gui.app.run_app`) in this process and act on its window, for tests that
must see the process itself: does it start, does it end, with which exit code, in what time.

    python tests/gui/app_driver.py SCENARIO

Scenarios start once the window has its model (or at once for `start`), then close the window the way a
user does; the driver prints `closed-after <seconds>` when the close is requested. Nothing here changes
how the app behaves: it only presses its buttons.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

app = QApplication.instance() or QApplication(sys.argv[:1])
scenario = sys.argv[1]
state = {"t0": time.monotonic()}


def window():
    from mnist_gui.gui.main_window import MainWindow
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)


def close_when(cond, then_close=True):
    def tick():
        w = window()
        if w is not None and cond(w):
            if then_close:
                print(f"closing {time.monotonic() - state['t0']:.2f}", flush=True)
                state["closed"] = time.monotonic()
                w.close()
            return
        QTimer.singleShot(20, tick)
    QTimer.singleShot(0, tick)


def model_loaded(w):
    return w.checkpoint is not None


def start(action):
    """Run action(window) once the model is there, then keep polling."""
    def tick():
        w = window()
        if w is not None and model_loaded(w):
            action(w)
            return
        QTimer.singleShot(20, tick)
    QTimer.singleShot(0, tick)


if scenario == "start":                       # start, load the model, close: the app always starts
    close_when(model_loaded)
elif scenario == "train":                     # close while the plot moves
    start(lambda w: w.trainTab.start_training(w.trainTab.config().with_overrides(epochs=50)))
    close_when(lambda w: len(getattr(w.trainTab, "_steps", [])) > 3)
elif scenario == "finetune":                  # close while fine-tuning on My digits
    import numpy as np

    def teach_and_tune(w):
        img = np.zeros((28, 28), np.float32)
        img[4:24, 13:15] = 1.0
        for _ in range(3):
            w.ws.teach(1, img)
        w.trainTab.start_finetune()
    start(teach_and_tune)
    close_when(lambda w: len(getattr(w.trainTab, "_steps", [])) > 3)
elif scenario == "evaluate":                  # close while evaluating
    start(lambda w: w.evaluateTab.start())
    close_when(lambda w: w.evaluateTab.progressBar.value() > 0)
elif scenario == "load-blocked":              # close while MNIST loading is stuck on a disk that never answers
    import threading

    from mnist_gui.core import data
    entered = threading.Event()

    def never(*_a, **_k):
        entered.set()
        threading.Event().wait()          # blocks forever, ignoring any stop flag
    data.load_mnist = never
    start(lambda w: w.dataTab.load())
    close_when(lambda w: entered.is_set())
elif scenario in ("sigterm-loading", "sigterm-training", "sighup-training"):
    import signal  # a signal, not a close: it must close the same way
    sig = signal.SIGHUP if scenario.startswith("sighup") else signal.SIGTERM

    def send(w) -> None:
        print(f"closing {time.monotonic() - state['t0']:.2f} by {sig.name}", flush=True)
        os.kill(os.getpid(), sig)
    if scenario == "sigterm-loading":   # the window is there, its model still loading
        def tick():
            w = window()
            if w is None or not w.isVisible():
                QTimer.singleShot(5, tick)
            else:
                send(w)
        QTimer.singleShot(0, tick)
    else:
        start(lambda w: w.trainTab.start_training(w.trainTab.config().with_overrides(epochs=50)))

        def tick():
            w = window()
            if w is not None and len(getattr(w.trainTab, "_steps", [])) > 3:
                send(w)
            else:
                QTimer.singleShot(20, tick)
        QTimer.singleShot(0, tick)
else:
    raise SystemExit(f"unknown scenario {scenario}")

from mnist_gui.gui.app import run_app  # noqa: E402

code = run_app(None)
print(f"exited {time.monotonic() - state.get('closed', state['t0']):.2f}", flush=True)
sys.exit(code)
