import sys

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QPushButton

from mnist_gui.core.recipes import TrainConfig


def quick(**kw):
    base = dict(preset="fast-bn", lr=1e-2, batch_size=64, epochs=1)
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture
def tab(window, small_mnist):
    window.tabs.setCurrentWidget(window.trainTab)
    window.trainTab.data = small_mnist
    return window.trainTab


def test_short_run_fills_plots_and_swaps_the_live_model(window, tab, qtbot):
    old = window.checkpoint
    tab.apply_config(quick())
    with qtbot.waitSignal(window.modelChanged, timeout=120_000) as blocker:
        qtbot.mouseClick(window.findChild(QPushButton, "trainButton"), Qt.MouseButton.LeftButton)
        assert tab.is_running() and not tab.trainButton.isEnabled()
    ck = blocker.args[0]
    assert ck is window.checkpoint and ck is not old and ck.model_config.preset == "fast-bn"
    assert ck.path.exists() and ck.path.parent.parent.name == "runs"   # saved in the user folder
    assert 0.8 < ck.test_accuracy <= 1
    loss_x, loss_y = tab.lossRawCurve.getData()
    assert len(loss_x) == 3000 // 64 and loss_y[-1] < loss_y[0]
    assert len(tab.trainAccCurve.getData()[0]) == len(loss_x)
    assert len(tab.testAccCurve.getData()[0]) == 1
    assert window.findChild(object, "lossPlot") is tab.lossPlot
    assert window.findChild(object, "accuracyPlot") is tab.accuracyPlot
    assert f"{ck.test_accuracy:.2%}" in window.windowTitle()
    qtbot.waitUntil(lambda: not tab.is_running())
    assert tab.trainButton.isEnabled()


def test_pause_resume_stop_and_keep(window, tab, qtbot):
    old = window.checkpoint
    tab.apply_config(quick(epochs=50))
    tab.start_training()
    qtbot.waitUntil(lambda: len(tab._steps) > 3, timeout=60_000)
    qtbot.mouseClick(tab.pauseButton, Qt.MouseButton.LeftButton)
    assert tab.pauseButton.text() == "Resume"
    qtbot.waitUntil(lambda: "paused" in tab.log.toPlainText(), timeout=10_000)
    qtbot.wait(300)
    n = len(tab._steps)
    qtbot.wait(500)
    assert len(tab._steps) == n  # nothing moves while paused
    qtbot.mouseClick(tab.pauseButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(tab._steps) > n, timeout=10_000)
    qtbot.mouseClick(window.findChild(QPushButton, "stopButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window._keep_box is not None, timeout=10_000)
    assert window.checkpoint is old
    window._keep_box.button(QMessageBox.StandardButton.No).click()
    assert window.checkpoint is old
    qtbot.waitUntil(lambda: not tab.is_running())
    # a second stopped run, kept this time
    tab.start_training()
    qtbot.waitUntil(lambda: len(tab._steps) > 2, timeout=60_000)
    tab.stop_training()
    qtbot.waitUntil(lambda: window._keep_box is not None, timeout=10_000)
    with qtbot.waitSignal(window.modelChanged):
        window._keep_box.button(QMessageBox.StandardButton.Yes).click()
    assert window.checkpoint is not old and window.checkpoint.path.exists()


def test_drawing_keeps_working_while_training(window, tab, qtbot):
    from tests.gui.conftest import ONE, draw, fit_strokes
    tab.apply_config(quick(epochs=50))
    tab.start_training()
    qtbot.waitUntil(lambda: len(tab._steps) > 2, timeout=60_000)
    window.tabs.setCurrentWidget(window.drawTab)
    draw(qtbot, window.drawTab.canvas, fit_strokes(ONE))
    assert window.drawTab.bars.top_digit() == 1
    assert tab.is_running()
    tab.stop_training()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=10_000)


def test_diverged_run_keeps_the_old_model(window, tab, qtbot):
    from mnist_gui.core.models import ModelConfig, build_model
    old = window.checkpoint
    state = build_model(ModelConfig("fast-bn")).state_dict()
    state["logits.bias"][0] = float("nan")
    tab.start_training(quick(), init_state=state)
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=60_000)
    assert window.checkpoint is old
    assert "diverged at step 1" in window.lastMessageText and "previous model stays live" in window.lastMessageText


def test_closing_during_training_stops_cleanly(window, tab, qtbot):
    tab.apply_config(quick(epochs=50))
    tab.start_training()
    qtbot.waitUntil(lambda: len(tab._steps) > 2, timeout=60_000)
    thread = tab._thread
    window.close()
    assert not thread.isRunning()
    assert not tab.is_running() or tab._thread is thread  # cleaned up once events are processed
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5_000)


def test_missing_mnist_offers_to_pick_a_folder(window, qtbot, tmp_path, monkeypatch, mnist):
    from torchvision.datasets import MNIST
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])  # offline
    monkeypatch.delenv("MNIST_GUI_DATA")
    tab = window.trainTab
    tab.apply_config(quick(max_steps=2))
    tab.start_training()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=60_000)
    assert tab.dataPanel.isVisibleTo(tab)
    assert "MNIST not found" in tab.dataMessage.text()
    tab.choose_data_folder(str(tmp_path))                 # a folder without the files
    assert "lacks" in tab.dataMessage.text() and tab.data_dir is None
    tab.choose_data_folder(str(mnist.folder))
    assert not tab.dataPanel.isVisibleTo(tab) and tab.data_dir == str(mnist.folder)
    assert window.settings.value("data/dir") == str(mnist.folder)


def test_pyside_reference_counts_stay_sound(qtbot):
    """PySide6 6.12.0 on CPython 3.11 dropped a reference to None per click and to True/False per
    emit, and the process died after a few thousand. Thousands of clicks and emits must be harmless."""
    class Emitter(QObject):
        value = Signal(int)
        flag = Signal(bool)

    button = QPushButton("x")
    qtbot.addWidget(button)
    e = Emitter()
    got = [0]

    def count(_v):
        got[0] += 1
    e.value.connect(count)
    e.flag.connect(count)
    before = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    for i in range(5000):
        button.click()
        e.value.emit(i)
        e.flag.emit(i % 2 == 0)
    after = (sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False))
    assert got[0] == 10000
    assert all(abs(a - b) < 1000 for a, b in zip(after, before)), (before, after)
