import sys

import pytest
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QPushButton

from mnist_gui.core.recipes import TrainConfig
from tests.gui.conftest import accept_new_model


def quick(**kw):
    base = dict(preset="fast-bn", lr=1e-2, batch_size=64, epochs=1)
    base.update(kw)
    return TrainConfig(**base)


@pytest.fixture
def tab(window, small_mnist):
    window.tabs.setCurrentWidget(window.trainTab)
    window.ws.use_mnist(small_mnist)
    return window.trainTab


@pytest.mark.slow
def test_short_run_fills_plots_and_asks_before_a_worse_model_goes_live(window, tab, qtbot):
    old = window.checkpoint
    tab.apply_config(quick())
    qtbot.mouseClick(window.findChild(QPushButton, "trainButton"), Qt.MouseButton.LeftButton)
    assert tab.is_running() and not tab.trainButton.isEnabled()
    # a short run on 3,000 images is worse than the shipped model: the app asks, naming both accuracies
    qtbot.waitUntil(lambda: tab.keepBox is not None, timeout=120_000)
    assert window.checkpoint is old
    assert f"{old.test_accuracy:.2%}" in tab.keepBox.text()
    assert tab.keepBox.defaultButton() is tab.keepBox.button(QMessageBox.StandardButton.No)   # Enter keeps it
    ck = accept_new_model(qtbot, window)
    assert ck is not old and ck.model_config.preset == "fast-bn"
    assert f"{ck.test_accuracy:.2%}" in tab.log.toPlainText()
    assert ck.path.exists() and ck.path.parent.parent.name == "runs"   # saved in the user folder
    assert 0.8 < ck.test_accuracy <= 1
    loss_x, loss_y = tab.lossRawCurve.getData()
    assert len(loss_x) == 3000 // 64 and loss_y[-1] < loss_y[0]
    assert len(tab.trainAccCurve.getData()[0]) == len(loss_x)
    assert len(tab.testAccCurve.getData()[0]) == 1
    assert f"{ck.test_accuracy:.2%}" in window.windowTitle()
    assert not tab.is_running() and tab.trainButton.isEnabled()
    assert tab.progressBar.text() == "done"


@pytest.mark.slow
def test_a_worse_run_answered_no_keeps_the_live_model(window, tab, qtbot):
    old = window.checkpoint
    tab.apply_config(quick(max_steps=5))
    tab.start_training()
    qtbot.waitUntil(lambda: tab.keepBox is not None, timeout=120_000)
    tab.keepBox.button(QMessageBox.StandardButton.No).click()
    assert window.checkpoint is old
    runs, _ = window.ws.runs.load()
    assert len(runs) == 1 and runs[0].model_path.exists()   # kept in the Runs list, not live


@pytest.mark.slow
def test_pause_resume_stop_and_keep(window, tab, qtbot):
    old = window.checkpoint
    tab.apply_config(quick(epochs=50))
    tab.start_training()
    qtbot.waitUntil(lambda: len(tab._steps) > 3, timeout=60_000)
    qtbot.mouseClick(tab.pauseButton, Qt.MouseButton.LeftButton)
    assert tab.paused and tab.pauseButton.text().replace("&", "") == "Continue"
    qtbot.waitUntil(lambda: "paused" in tab.log.toPlainText(), timeout=10_000)
    with qtbot.assertNotEmitted(tab._worker.progressed, wait=500):   # nothing moves while paused
        pass
    assert "paused" in tab.progressBar.text() and "ETA" not in tab.progressBar.text()   # no frozen time left
    n = len(tab._steps)
    qtbot.mouseClick(tab.pauseButton, Qt.MouseButton.LeftButton)
    assert not tab.paused
    qtbot.waitUntil(lambda: len(tab._steps) > n, timeout=10_000)
    qtbot.mouseClick(window.findChild(QPushButton, "stopButton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.keepBox is not None, timeout=30_000)
    assert window.checkpoint is old
    assert "test accuracy" in tab.keepBox.text()   # the stopped model was evaluated
    assert tab.keepBox.text().startswith("The run was stopped") and f"{old.test_accuracy:.2%}" in tab.keepBox.text()
    # Enter keeps a stopped run's model (the Cancel-role "Keep it in the Runs list"); only Discard it deletes it
    assert tab.keepBox.defaultButton() is tab.keepBox.button(QMessageBox.StandardButton.Cancel)
    tab.keepBox.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=60_000)   # the answer may come before the measuring ends
    assert window.checkpoint is old
    runs, _ = window.ws.runs.load()
    assert [r.status for r in runs] == ["stopped"] and not runs[0].model_path.exists()
    # the stopped model's test accuracy is a point on the plot, at the step it stopped (no epoch had ended)
    tx, ty = tab.testAccCurve.getData()
    assert list(tx) == runs[0].history["epoch_step"] == [tab._steps[-1]]
    assert list(ty) == pytest.approx([100 * runs[0].history["test_accuracy"][0]])
    # the list is read again in a worker after the discard: wait for that reading, not the one before it
    table = tab.runsPanel.table
    qtbot.waitUntil(lambda: table.rowCount() == 1 and "discarded" in table.item(0, 2).text(), timeout=10_000)
    # a second stopped run, kept this time
    tab.start_training()
    qtbot.waitUntil(lambda: len(tab._steps) > 2, timeout=60_000)
    tab.stop_training()
    ck = accept_new_model(qtbot, window)
    assert ck is not old and ck.path.exists()


@pytest.mark.slow
def test_stop_asks_at_once_while_the_stopped_model_is_measured(window, tab, qtbot, monkeypatch):
    """The keep question comes while the stopped model is evaluated, with the progress; a Yes given then
    makes the model live once it is recorded, and the accuracy is filled in."""
    import threading

    from mnist_gui.core import train
    real_evaluate = train.evaluate
    release = threading.Event()

    def slow_evaluate(model, split, progress=None, **kw):   # a slow machine: held after its first batch
        progress(64, len(split.labels))
        release.wait(60)
        return real_evaluate(model, split, progress=progress, **kw)
    monkeypatch.setattr(train, "evaluate", slow_evaluate)
    old = window.checkpoint
    tab.apply_config(quick(epochs=50))
    tab.start_training()
    qtbot.waitUntil(lambda: len(tab._steps) > 2, timeout=60_000)
    tab.toggle_pause()   # stopped while paused: the stop resumes it to measure the model
    assert tab.paused
    tab.stop_training()
    qtbot.waitUntil(lambda: tab.keepBox is not None, timeout=30_000)
    assert tab.is_running() and "being measured" in tab.keepBox.text() and f"{old.test_accuracy:.2%}" in tab.keepBox.text()
    assert not tab.pauseButton.isEnabled() and not tab.stopButton.isEnabled()   # nothing left to pause or stop
    assert not tab.paused and tab.pauseButton.text() == "&Pause"
    qtbot.waitUntil(lambda: tab.progressBar.value() == 64)
    assert "measuring the stopped model" in tab.progressBar.text()
    with qtbot.waitSignal(window.modelChanged, timeout=60_000):
        tab.keepBox.button(QMessageBox.StandardButton.Yes).click()
        assert window.checkpoint is old     # not yet: the run is recorded first
        release.set()
    runs, _ = window.ws.runs.load()
    assert window.checkpoint.path == runs[0].model_path and runs[0].test_accuracy is not None
    assert f"{window.checkpoint.test_accuracy:.2%}" in window.windowTitle()


def test_the_log_follows_its_newest_line_unless_scrolled_up(tab, qtbot):
    tab.bottomTabs.setCurrentWidget(tab.runsPanel)   # lines that come while the Runs list is shown
    for i in range(300):
        tab.append_log(f"line {i}")
    tab.bottomTabs.setCurrentWidget(tab.log)
    bar = tab.log.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert bar.value() == bar.maximum()
    bar.setValue(10)                                 # reading an earlier line: it stays put
    tab.append_log("one more")
    assert bar.value() == 10


def test_a_stop_while_mnist_loads_is_not_lost(window, qtbot, monkeypatch):
    """Stop pressed between loading the data and the trainer's start: the run never trains."""
    import threading

    from mnist_gui.core import data
    real_load = data.load_mnist
    release = threading.Event()

    def slow_load(*a, **k):       # a disk that answers only when released
        release.wait(60)
        return real_load(*a, **k)
    monkeypatch.setattr(data, "load_mnist", slow_load)
    tab = window.trainTab
    tab.apply_config(quick(max_steps=5))
    tab.start_training()
    qtbot.waitUntil(lambda: "loading" in tab.log.toPlainText() or tab.is_running())
    tab.stop_training()
    release.set()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=60_000)
    assert "stopped before training began" in tab.log.toPlainText()
    assert window.ws.runs.load()[0] == []


@pytest.mark.slow
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
    qtbot.waitUntil(lambda: tab.keepBox is not None, timeout=30_000)
    tab.keepBox.button(QMessageBox.StandardButton.No).click()


def test_diverged_run_keeps_the_old_model(window, tab, qtbot):
    from mnist_gui.core.models import ModelConfig, build_model
    old = window.checkpoint
    state = build_model(ModelConfig("fast-bn")).state_dict()
    state["logits.bias"][0] = float("nan")
    tab.start_training(quick(), init_state=state)
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=60_000)
    assert window.checkpoint is old
    assert "diverged at step 1" in window.lastMessageText and "previous model stays live" in window.lastMessageText
    runs, _ = window.ws.runs.load()
    assert [r.status for r in runs] == ["diverged"]


@pytest.mark.slow
def test_quit_while_training_asks_first_and_cancel_keeps_training(window, tab, qtbot):
    tab.apply_config(quick(epochs=50))
    tab.start_training()
    qtbot.waitUntil(lambda: len(tab._steps) > 2, timeout=60_000)
    window.quitAction.trigger()                      # Ctrl+Q
    box = window.quitBox
    assert box is not None and box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    assert "recorded as stopped" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.quitBox is None and window.isVisible() and tab.is_running()
    n = len(tab._steps)
    qtbot.waitUntil(lambda: len(tab._steps) > n, timeout=30_000)   # it goes on training
    window.quitAction.trigger()
    quit_button = next(b for b in window.quitBox.buttons()
                       if window.quitBox.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
    quit_button.click()
    assert not window.isVisible() and window.jobs.alive() == 0
    runs, _ = window.ws.runs.load()
    assert [r.status for r in runs] == ["stopped"] and runs[0].model_path.exists()


def test_the_quit_question_stays_and_says_so_when_the_work_ends_meanwhile(window, tab, qtbot):
    """Found by a newcomer: the run ended while "Quit anyway?" was open and the question vanished, the window left
    open with no word of the Ctrl+Q. The user still asked to quit: the question stays, now that nothing stops."""
    from mnist_gui.core.states import BusyKind
    with window.ws.working(BusyKind.TRAIN):
        window.quitAction.trigger()
        box = window.quitBox
        assert box is not None and box.isVisible()
        # what Quit would do, said as a consequence: nothing has stopped yet, and Cancel lets the run go on
        assert box.informativeText().startswith("If you quit, the run stops")
        assert "Cancel lets it go on" in box.informativeText()
    # the work ended while the question was open: "training is running" no longer holds
    qtbot.waitUntil(lambda: box.text() == "The work has ended. Quit now?")
    assert window.quitBox is box and box.isVisible() and box.defaultButton() is window.quitButton
    assert "Quitting now stops nothing" in box.informativeText()
    box.button(QMessageBox.StandardButton.Cancel).click()   # Cancel: the window stays
    assert window.quitBox is None and window.isVisible()
    window.quitAction.trigger()                      # nothing runs now: Ctrl+Q quits without a question
    assert window.quitBox is None and not window.isVisible()


def test_quit_after_the_work_ended_meanwhile_quits(window, tab, qtbot):
    from mnist_gui.core.states import BusyKind
    with window.ws.working(BusyKind.TRAIN):
        window.quitAction.trigger()
    qtbot.waitUntil(lambda: window.quitBox is not None and window.quitBox.text() == "The work has ended. Quit now?")
    window.quitButton.click()
    assert not window.isVisible()


def test_closing_during_training_records_the_run_as_stopped(window, tab, qtbot):
    tab.apply_config(quick(epochs=50))
    tab.start_training()
    qtbot.waitUntil(lambda: len(tab._steps) > 2, timeout=60_000)
    window.close()
    assert window.jobs.alive() == 0                 # every job thread has ended by the time close returns
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=5_000)
    assert tab.keepBox is None          # nothing is asked of a closing window
    runs, _ = window.ws.runs.load()
    assert [r.status for r in runs] == ["stopped"] and runs[0].model_path.exists()


def test_missing_mnist_offers_to_pick_a_folder(window, qtbot, tmp_path, monkeypatch, mnist):
    from torchvision.datasets import MNIST
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])  # offline
    monkeypatch.delenv("MNIST_GUI_DATA")
    tab = window.trainTab
    tab.apply_config(quick(max_steps=2))
    tab.start_training()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=60_000)
    assert tab.dataPanel.isVisibleTo(tab)
    assert "MNIST was not found" in tab.dataMessage.text() and tab.progress.bar.text() == "failed"
    tab.choose_data_folder(str(tmp_path))                 # a folder without the files
    assert "lacks" in tab.dataMessage.text() and window.ws.data_dir is None
    tab.choose_data_folder(str(mnist.folder))
    assert not tab.dataPanel.isVisibleTo(tab) and window.ws.data_dir == str(mnist.folder)
    assert tab.progress.bar.text() == ""   # what made the run fail is set up: no "failed" left on the bar
    assert window.ws.settings.store.value("data/dir") == str(mnist.folder)


@pytest.mark.slow
def test_missing_mnist_is_offered_on_the_evaluate_tab_and_in_the_file_menu(window, qtbot, tmp_path,
                                                                          monkeypatch, mnist):
    """Every tab that loads MNIST can choose its folder, not only the Train tab; so can File → MNIST data…"""
    from torchvision.datasets import MNIST
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])  # offline
    monkeypatch.delenv("MNIST_GUI_DATA")
    ev = window.evaluateTab
    with qtbot.waitSignal(ev.evaluationFailed, timeout=60_000):
        ev.start()
    assert ev.dataPanel.isVisibleTo(ev) and "MNIST was not found" in ev.dataPanel.message.text()
    assert not window.choose_data_folder(str(tmp_path)) and window.ws.data_dir is None   # lacks the files
    assert window.choose_data_folder(str(mnist.folder)) and window.ws.data_dir == str(mnist.folder)
    with qtbot.waitSignal(ev.evaluated, timeout=120_000):   # chosen on the panel: it evaluates at once
        ev.dataPanel.choose(str(mnist.folder))
    assert not ev.dataPanel.isVisibleTo(ev)


def test_training_cannot_start_while_a_study_runs(window, tab, qtbot):
    """The busy state is the Workspace's: a study blocks training as training blocks a study."""
    with window.ws.working("study"):
        assert not tab.trainButton.isEnabled() and "study" in tab.trainButton.toolTip()
        assert not tab.start_training(quick(max_steps=2)) and not tab.is_running()
        assert not window.studyTab.startButton.isEnabled()
    assert tab.trainButton.isEnabled() and window.studyTab.startButton.isEnabled()


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


@pytest.mark.slow
def test_the_device_chooser_names_the_hardware_and_is_remembered(window, tab, qtbot):
    combo = tab.deviceCombo
    ids = [combo.itemData(i) for i in range(combo.count())]
    assert ids[0] == "auto" and "cpu" in ids
    cpu = combo.findData("cpu")
    assert "CPU" in combo.itemText(cpu) and "thread" in combo.itemText(cpu)
    combo.setCurrentIndex(cpu)
    assert window.ws.settings.get("train/device") == "cpu"
    tab.apply_config(quick(max_steps=3))
    tab.start_training()
    qtbot.waitUntil(lambda: tab.keepBox is not None or not tab.is_running(), timeout=60_000)
    runs, _ = window.ws.runs.load()
    assert runs[0].device == "cpu" and "device" not in runs[0].config   # where it ran, not part of the recipe


@pytest.mark.slow
def test_a_remembered_device_that_is_not_here_falls_back_to_automatic_for_real(qtbot, _isolated_home, small_mnist):
    from tests.gui.conftest import open_window
    _isolated_home.mkdir(parents=True, exist_ok=True)
    (_isolated_home / "settings.ini").write_text("[train]\ndevice=cuda:7\n")
    w = open_window(qtbot)
    tab = w.trainTab
    w.tabs.setCurrentWidget(tab)                        # its first showing lists the devices (torch loads)
    qtbot.waitUntil(lambda: tab.devicesListed, timeout=60_000)
    assert tab.deviceCombo.currentData() == "auto" and "cuda:7 is not here" in tab.log.toPlainText()
    assert w.ws.device == "auto"                       # what runs is what the chooser shows
    w.ws.use_mnist(small_mnist)
    tab.apply_config(quick(max_steps=3))
    tab.start_training()
    qtbot.waitUntil(lambda: tab.keepBox is not None or not tab.is_running(), timeout=60_000)
    assert "CUDA" not in tab.log.toPlainText().split("not here")[-1]
    runs, _ = w.ws.runs.load()
    assert runs and runs[0].device == "cpu"
    w.close()


def test_momentum_is_greyed_out_unless_the_optimizer_uses_it(tab):
    combo, spin = tab.optimizerCombo, tab.momentumSpin
    tab.apply_config(quick(optimizer="adamw"))
    assert not spin.isEnabled()
    combo.setCurrentIndex(combo.findData("sgd"))          # as a user picks it
    assert spin.isEnabled()
    combo.setCurrentIndex(combo.findData("adam"))
    assert not spin.isEnabled()
    tab.apply_config(quick(optimizer="sgd", momentum=0.5))
    assert spin.isEnabled() and spin.value() == 0.5


def test_a_run_that_ends_while_the_quit_question_is_open_asks_of_its_model_after_it(window, tab, qtbot, shipped):
    """Found in use: Ctrl+Q while training, the run ended meanwhile, and "Make the new model live?" opened over
    "The work has ended. Quit now?": two questions at once. The model's waits until Cancel; Quit asks nothing."""
    from dataclasses import replace as with_

    from mnist_gui.core.checkpoint import Checkpoint
    from mnist_gui.core.states import BusyKind
    from mnist_gui.core.workspace import FinishedRun
    window.ws.make_live(with_(shipped, metrics={"test_accuracy": 0.99}), remember=False)
    worse = Checkpoint(model=shipped.model, model_config=shipped.model_config, metrics={"test_accuracy": 0.5},
                       path=shipped.path)
    done = FinishedRun("finished", "finished: 1 epoch", "run-1", worse, "")
    with window.ws.working(BusyKind.TRAIN):
        window.quitAction.trigger()
        quit_box = window.quitBox
        tab.questions.decide(done)                    # the run ends, worse than the live model
    qtbot.waitUntil(lambda: quit_box.text() == "The work has ended. Quit now?")
    assert tab.keepBox is None                        # one question at a time
    quit_box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.quitBox is None and tab.keepBox is not None and "50.00%" in tab.keepBox.text()
    tab.keepBox.button(QMessageBox.StandardButton.No).click()
    assert window.isVisible() and tab.keepBox is None
