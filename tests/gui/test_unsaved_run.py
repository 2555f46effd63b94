"""A run whose model does not fit on the disk: the trained model stays in memory and is offered again."""

import errno
import os

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton

from mnist_gui.core.recipes import TrainConfig


@pytest.fixture
def full_disk(monkeypatch):
    """Every write of the user folder fails as on a full disk (until `free()`)."""
    from mnist_gui.core import storage
    real = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(storage.os, "fsync", full)
    return lambda: monkeypatch.setattr(storage.os, "fsync", real)


def _train_into_a_full_disk(window, small_mnist, qtbot):
    window.tabs.setCurrentWidget(window.trainTab)
    window.ws.use_mnist(small_mnist)
    tab = window.trainTab
    tab.apply_config(TrainConfig(preset="fast-bn", lr=1e-2, batch_size=64, max_steps=5))
    assert tab.start_training()
    qtbot.waitUntil(lambda: tab.unsavedBox is not None, timeout=120_000)
    assert "the disk is full:" in tab.unsavedBox.text() and "kept in memory" in tab.unsavedBox.text()
    assert tab.unsavedBox.defaultButton() is tab.unsavedBox.button(QMessageBox.StandardButton.Retry)
    assert list(window.ws.runs.root.iterdir()) == []   # no .partial folder left
    return tab


@pytest.mark.slow
def test_retry_records_the_run_once_there_is_room(window, small_mnist, qtbot, full_disk):
    old = window.checkpoint
    tab = _train_into_a_full_disk(window, small_mnist, qtbot)
    full_disk()   # space freed
    tab.unsavedBox.button(QMessageBox.StandardButton.Retry).click()
    qtbot.waitUntil(lambda: tab.keepBox is not None, timeout=60_000)   # a worse model: the usual question
    tab.keepBox.button(QMessageBox.StandardButton.Yes).click()
    runs, _ = window.ws.runs.load()
    assert len(runs) == 1 and runs[0].model_path.is_file()
    assert window.checkpoint is not old and window.checkpoint.path == runs[0].model_path


@pytest.mark.slow
def test_save_as_keeps_the_model_elsewhere(window, small_mnist, qtbot, full_disk, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog
    tab = _train_into_a_full_disk(window, small_mnist, qtbot)
    full_disk()   # another disk has room
    target = tmp_path / "elsewhere.pt"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    tab.unsavedBox.findChild(QPushButton, "saveElsewhereButton").click()
    qtbot.waitUntil(lambda: tab.keepBox is not None, timeout=60_000)
    tab.keepBox.button(QMessageBox.StandardButton.Yes).click()
    assert target.is_file() and window.checkpoint.path == target
    assert f"saved the model to {target}" in tab.log.toPlainText()


@pytest.mark.slow
def test_quitting_with_a_model_only_in_memory_is_asked_first(window, small_mnist, qtbot, full_disk):
    """Ctrl+Q (or the title bar's close) while the trained model could not be saved closed the window at once, and
    the model was lost: nothing ran any more. It is now asked, Cancel the default, as while work runs."""
    tab = _train_into_a_full_disk(window, small_mnist, qtbot)
    window.quit_asking()
    box = window.quitBox
    assert box is not None and box.text() == "The trained model could not be saved. Quit anyway?"
    assert "it is lost" in box.informativeText() and box.defaultButton() is box.button(QMessageBox.StandardButton.Cancel)
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.quitBox is None and window.isVisible() and tab.unsavedBox is not None
    window.quit_asking()                     # asked again; while it is saved again (the disk still full), it is
    box = window.quitBox                     # still only in memory: the question stays (found by a review)
    tab.unsavedBox.button(QMessageBox.StandardButton.Retry).click()
    assert box.text() == "The trained model could not be saved. Quit anyway?"
    qtbot.waitUntil(lambda: tab.unsavedBox is not None, timeout=60_000)   # the retry failed: offered again
    assert window.quitBox is box and box.text() == "The trained model could not be saved. Quit anyway?"
    full_disk()                              # room now: saved, quitting loses nothing
    tab.unsavedBox.button(QMessageBox.StandardButton.Retry).click()
    qtbot.waitUntil(lambda: window.quitBox.text() == "The work has ended. Quit now?", timeout=60_000)
    assert window.quitBox.defaultButton() is window.quitButton
    window.quitButton.click()
    assert not window.isVisible()
