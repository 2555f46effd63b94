"""Untrusted files in the window: images opened or dropped, checkpoints that ask for more than they hold."""

import os

import pytest
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeyEvent
from PySide6.QtWidgets import QApplication

from tests.core.test_untrusted import DRAWING, FOREVER


def _drop(canvas, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, enter)
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(canvas, drop)


def test_postscript_named_png_is_refused_when_opened_or_dropped_and_no_program_starts(window, tmp_path,
                                                                                      monkeypatch):
    from PIL import EpsImagePlugin
    bin_dir, marker = tmp_path / "bin", tmp_path / "gs-ran"
    bin_dir.mkdir()
    (bin_dir / "gs").write_text(f"#!/bin/sh\necho \"$@\" >> {marker}\nexit 0\n")
    (bin_dir / "gs").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", None)  # Pillow looks for gs again
    (tmp_path / "x.png").write_bytes(DRAWING)
    (tmp_path / "loop.png").write_bytes(FOREVER)
    assert not window.open_image(str(tmp_path / "x.png"))
    assert "x.png: its format is EPS; only PNG" in window.lastMessageText
    assert "\n" not in window.lastMessageText
    window.lastMessageText = ""
    _drop(window.drawTab.canvas, tmp_path / "loop.png")
    assert "loop.png: its format is EPS; only PNG" in window.lastMessageText
    assert window.drawTab.canvas.image() is None and window.drawTab.bars.probabilities() is None
    assert not marker.exists()


def test_a_model_that_asks_for_too_much_says_so_once_and_the_shipped_model_is_used(qtbot, tmp_path, monkeypatch):
    from mnist_gui import config
    from mnist_gui.core import models
    from tests.core.test_untrusted import _checkpoint, _dense
    from tests.gui.conftest import open_window

    def out_of_memory(*_args):
        raise MemoryError   # what building 80 M weights is on a machine that has not the memory free
    monkeypatch.setattr(models, "build", out_of_memory)
    bad = _checkpoint(tmp_path / "big.pt", _dense(16384, 4096))   # 80 M weights declared in 1.6 KB
    w = open_window(qtbot, model_path=str(bad))
    try:
        assert w.checkpoint.path == config.SHIPPED_MODEL
        qtbot.waitUntil(lambda: w.lastMessage is not None)
        assert w.lastMessageText.count("big.pt") == 1 and "the file holds 1" in w.lastMessageText
    finally:
        w.jobs.stop_all(5000)


def _type(widget, text):
    """Key presses carrying these characters (QTest.keyClicks takes Latin-1 only)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))


def test_the_padding_field_takes_only_ascii_digits_or_a_word_and_huge_ones_disable_train(window, qtbot):
    editor = window.modelTab.editor
    window.tabs.setCurrentWidget(window.modelTab)
    editor.table.selectRow(3)                                    # conv2
    padding = editor.fieldWidgets["padding"]
    before = editor.layers[3]["padding"]
    for typed in ("²", "٣", "5" * 5000, "-1", "1e3", "same!"):
        padding.lineEdit().selectAll()
        _type(padding.lineEdit(), typed)                         # an uncaught exception in a slot fails the test
        shown = padding.currentText()
        value = editor.layers[3]["padding"]
        assert shown == str(value) or shown in ("", "-", "1", "5555") or shown.startswith("same")
        assert all(c in "0123456789" for c in str(value)) or value in ("same", "valid")
    padding.lineEdit().selectAll()
    _type(padding.lineEdit(), "99999999999999999999")
    assert padding.currentText() == "9999" and editor.layers[3]["padding"] == 9999
    assert not editor.trainButton.isEnabled() and "padding 9,999 is more than 1,024" in editor.problemLabel.text()
    padding.setCurrentText(str(before))
    assert editor.layers[3]["padding"] == before and editor.trainButton.isEnabled()


@pytest.mark.slow
def test_every_number_field_of_the_editor_and_the_train_form_stays_in_range_whatever_is_typed(window, qtbot):
    from PySide6.QtWidgets import QAbstractSpinBox
    editor = window.modelTab.editor
    window.tabs.setCurrentWidget(window.modelTab)
    checked = 0
    for row in range(len(editor.layers)):
        editor.table.selectRow(row)          # the selected layer's fields (made again for each layer)
        for w in editor.fieldWidgets.values():
            if isinstance(w, QAbstractSpinBox):
                checked += _type_hostile(w)
    window.tabs.setCurrentWidget(window.trainTab)
    for w in window.trainTab.form.widgets.values():
        if isinstance(w, QAbstractSpinBox):
            checked += _type_hostile(w)
    assert checked > 10


def _type_hostile(box):
    for typed in ("²", "٣", "5" * 5000, "99999999999999999999", "-1", "nan", "1e308"):
        box.lineEdit().selectAll()
        _type(box.lineEdit(), typed)
        box.interpretText()        # what Enter or leaving the field does
        assert box.minimum() <= box.value() <= box.maximum()
    return 1
