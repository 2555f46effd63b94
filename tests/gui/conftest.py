import numpy as np
import pytest
from PySide6.QtCore import Qt

from mnist_gui.gui.widgets.canvas import draw_strokes
from tests.conftest import SHARED_PENDIGITS


def open_window(qtbot, **kw):
    """A MainWindow shown, with its model loaded (torch and the model load in the background)."""
    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    w = MainWindow(kw.pop("workspace", None) or window_workspace(), **kw)
    qtbot.addWidget(w, before_close_func=lambda win: win.jobs.stop_all(20_000))
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.checkpoint is not None and w.tabsBuilt, timeout=60_000)
    return w


def accept_new_model(qtbot, window, timeout=120_000):
    """Wait for the run to end (failing at once with its error if it fails); answer Yes when asked whether
    the new model should go live. Returns the new live checkpoint."""
    from PySide6.QtWidgets import QMessageBox
    tab = window.trainTab
    failures = []
    tab.runFailed.connect(failures.append)
    with qtbot.waitSignal(window.modelChanged, timeout=timeout) as blocker:
        blocker.connect(tab.runFailed)
        qtbot.waitUntil(lambda: failures or tab.keepBox is not None or not tab.is_running(), timeout=timeout)
        assert not failures, failures
        if tab.keepBox is not None:
            tab.keepBox.button(QMessageBox.StandardButton.Yes).click()
    assert not failures, failures
    return window.checkpoint


def evaluate(qtbot, window, timeout=120_000) -> dict:
    """Click Evaluate on the Evaluate tab and wait for the result (failing at once with its error)."""
    tab = window.evaluateTab
    with qtbot.waitSignal(tab.evaluated, timeout=timeout) as blocker:
        blocker.connect(tab.evaluationFailed)
        qtbot.mouseClick(tab.evaluateButton, Qt.MouseButton.LeftButton)
    assert isinstance(blocker.args[0], dict), blocker.args[0]
    return blocker.args[0]


@pytest.fixture
def window(qtbot):
    w = open_window(qtbot)
    yield w
    w.trainTab.shutdown()
    w.jobs.stop_all(5000)


def fit_strokes(strokes, side=336, margin=60):
    """Scale strokes (any coordinates, y down) into a canvas of this side, keeping the aspect ratio."""
    pts = np.concatenate([np.asarray(s, float) for s in strokes])
    lo, hi = pts.min(0), pts.max(0)
    s = (side - 2 * margin) / max((hi - lo).max(), 1e-6)
    off = (side - (hi - lo) * s) / 2
    return [[tuple((np.asarray(p) - lo) * s + off) for p in st] for st in strokes]


def draw(qtbot, canvas, strokes, step_px=4.0):
    """Draw with real mouse events: press, moves along the stroke, release (left button)."""
    draw_strokes(canvas, strokes, step_px=step_px)


# Clearly drawn digits, by hand, in a 100×100 box (y down).
ONE = [[(50, 5), (50, 95)]]
SEVEN = [[(15, 10), (85, 10), (40, 95)]]
ZERO = [[(50, 5), (20, 20), (12, 50), (20, 80), (50, 95), (80, 80), (88, 50), (80, 20), (50, 5)]]


@pytest.fixture(scope="session")
def pen_digits():
    if not SHARED_PENDIGITS.exists():
        pytest.skip("pen-drawn digits not available")
    from mnist_gui.core.handwriting.pendigits import HOLDOUT_WRITERS, read_unipen
    digits = [d for d in read_unipen(SHARED_PENDIGITS) if d.writer in HOLDOUT_WRITERS]
    # one per class from the held-out writers
    return {k: next(d for d in digits if d.label == k) for k in range(10)}
