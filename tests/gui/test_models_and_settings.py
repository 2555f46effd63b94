import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QMessageBox

from tests.gui.conftest import open_window


def test_corrupt_model_file_keeps_the_current_model(window, tmp_path):
    old = window.checkpoint
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"\x00" * 1000)
    assert not window.open_model(str(bad))
    assert window.checkpoint is old
    assert "broken.pt" in window.lastMessageText and "current model stays" in window.lastMessageText
    assert window.lastMessage.icon() == QMessageBox.Icon.Warning


def save_and_wait(qtbot, window, path):
    """Saving runs in the background: wait for it, failing at once with its error."""
    with qtbot.waitSignal(window.modelSaved, timeout=30_000) as blocker:
        blocker.connect(window.saveFailed)
        assert window.save_model_as(str(path))
    assert blocker.args == [str(path)] and path.exists(), blocker.args


@pytest.mark.slow
def test_save_open_and_reset(window, tmp_path, qtbot):
    path = tmp_path / "mine.pt"
    save_and_wait(qtbot, window, path)
    # issue 33: the .onnx written beside the .pt is named, not a silent second file
    assert (tmp_path / "mine.onnx").is_file()
    assert window.statusBar().currentMessage() == f"Saved model to {path} and its ONNX network beside it (mine.onnx)"
    assert window.open_model(str(path))
    assert window.checkpoint.path == path and "mine" in window.windowTitle()
    window.reset_to_shipped()
    assert window.checkpoint.path.name == "shipped_model.pt"


def test_model_tab_shows_the_layer_arithmetic(window):
    t = window.modelTab.table
    rows = {t.item(r, 1).text(): [t.item(r, c).text() for c in range(t.columnCount())]
            for r in range(t.rowCount())}
    assert rows["conv1"][4].startswith("28×28") and rows["conv1"][6].endswith("= 28")
    assert "Total parameters" in window.modelTab.total.text()


def test_settings_and_last_model_persist(qtbot, tmp_path, _isolated_home):
    w = open_window(qtbot)
    w.drawTab.penWidth.setValue(31)
    w.drawTab.numberMode.setChecked(True)      # the wide canvas: in a smaller window the Draw tab scrolls
    small = QSize(760, 560)                     # within the offscreen screen (800×600), above the 640×480 floor
    w.resize(small)
    qtbot.waitUntil(lambda: w.size() == small)
    save_and_wait(qtbot, w, tmp_path / "kept.pt")
    qtbot.waitUntil(lambda: w.ws.settings.get("model/path") == str(tmp_path / "kept.pt"))
    w.close()
    assert (_isolated_home / "settings.ini").exists()
    w2 = open_window(qtbot)
    assert w2.drawTab.penWidth.value() == 31
    assert w2.drawTab.numberMode.isChecked() and w2.drawTab.canvas.width() == 672
    # the size kept: the window does not grow back to its contents' smallest size by itself
    assert w2.size() == small and w2.drawTab.scroll.horizontalScrollBar().isVisible()
    assert w2.checkpoint.path == tmp_path / "kept.pt"
    w2.close()
    (tmp_path / "kept.pt").write_bytes(b"broken")   # the remembered model went bad
    w3 = open_window(qtbot)
    qtbot.waitUntil(lambda: "kept.pt" in w3.lastMessageText)
    assert w3.checkpoint.path.name == "shipped_model.pt"
    assert "kept.pt" in w3.lastMessageText
    w3.close()


def test_a_damaged_setting_is_named_ignored_and_kept_aside(qtbot, _isolated_home):
    _isolated_home.mkdir(parents=True, exist_ok=True)
    (_isolated_home / "settings.ini").write_text("[draw]\npenWidth=abc\nnumberMode=maybe\n[model]\npath=a.pt, b.pt\n")
    w = open_window(qtbot)
    assert "settings.ini: [draw] penWidth=abc ignored" in w.lastMessageText
    assert "[model] path=a.pt, b.pt ignored" in w.lastMessageText
    assert w.drawTab.penWidth.value() == 18                      # the default
    assert "numberMode=maybe ignored" in w.lastMessageText and not w.drawTab.numberMode.isChecked()
    assert (_isolated_home / "settings.ini.bad").read_text().startswith("[draw]\npenWidth=abc")
    assert w.checkpoint.path.name == "shipped_model.pt"
    w.close()


def test_number_mode_is_read_back_from_the_settings_file(qtbot, _isolated_home):
    """Qt's ini file holds the words true / false: that is what a restart reads back."""
    _isolated_home.mkdir(parents=True, exist_ok=True)
    for word, checked in (("true", True), ("TRUE", True), ("false", False)):
        (_isolated_home / "settings.ini").write_text(f"[draw]\nnumberMode={word}\n")
        w = open_window(qtbot)
        assert w.drawTab.numberMode.isChecked() is checked, word
        w.close()


def test_the_studies_form_and_its_study_are_kept_across_a_restart(qtbot, _isolated_home):
    """Issue 33: the Studies tab came back with its example form after a restart, the study chosen gone."""
    w = open_window(qtbot)
    tab = w.studyTab
    tab.paramCombo.setCurrentIndex(tab.paramCombo.findData("dropout"))
    tab.valuesEdit.setText("0.1:0.6")                 # a range: its count and scale are the user's
    tab.countSpin.setValue(7)
    tab.logCheck.setChecked(True)
    tab.repeatSpin.setValue(3)
    tab.recipeCombo.setCurrentIndex(tab.recipeCombo.count() - 1)
    recipe = tab.recipeCombo.currentData()
    tab.maxStepsSpin.setValue(300)
    tab.trainSizeSpin.setValue(5000)
    qtbot.keyClicks(tab.nameEdit, "-mine")            # typed: the name no longer follows the parameter
    w.close()
    w2 = open_window(qtbot)
    tab = w2.studyTab
    assert tab.paramCombo.currentData() == "dropout" and tab.valuesEdit.text() == "0.1:0.6"
    assert (tab.countSpin.value(), tab.logCheck.isChecked(), tab.repeatSpin.value()) == (7, True, 3)
    assert tab.recipeCombo.currentData() == recipe
    assert (tab.maxStepsSpin.value(), tab.trainSizeSpin.value()) == (300, 5000)
    assert tab.nameEdit.text() == "dropout-mine" and tab.plan().name == "dropout-mine"
    tab.paramCombo.setCurrentIndex(tab.paramCombo.findData("lr"))
    assert tab.nameEdit.text() == "dropout-mine"      # still the user's name
    w2.close()


def test_a_damaged_studies_form_is_ignored(qtbot, _isolated_home):
    _isolated_home.mkdir(parents=True, exist_ok=True)
    (_isolated_home / "settings.ini").write_text('[study]\nform="{\\"param\\": 3}"\n')
    w = open_window(qtbot)
    assert "[study] form" in w.lastMessageText and "ignored" in w.lastMessageText
    assert w.studyTab.paramCombo.currentIndex() == 0
    w.close()


def test_open_model_starts_where_the_users_models_are(window, tmp_path, monkeypatch):
    import shutil

    from PySide6.QtWidgets import QFileDialog

    from mnist_gui import config
    started = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda parent, caption, folder, *a, **k: (started.append(folder), ("", ""))[1]))
    ws = window.ws
    assert window.checkpoint.path.name == "shipped_model.pt"   # not the user's: no runs yet, so models/
    assert not window.open_model()
    assert started[-1] == str(ws.models_dir)
    ws.runs_dir.mkdir(parents=True, exist_ok=True)                # trained models are in runs/
    assert not window.open_model()
    assert started[-1] == str(ws.runs_dir)
    mine = tmp_path / "my models"                                 # a model of the user's is live: its folder
    mine.mkdir()
    for p in (config.SHIPPED_MODEL, config.SHIPPED_MODEL.with_suffix(".onnx")):
        shutil.copy(p, mine / p.name.replace("shipped_model", "mine"))
    assert window.open_model(str(mine / "mine.pt"))
    assert not window.open_model()
    assert started[-1] == str(mine)


def test_no_model_that_opens_is_said_in_the_windows_language(qtbot, tmp_path, monkeypatch):
    """The remembered model broken and no shipped one: one warning names each, and the untrained network's
    line is in Chinese in a Chinese window, parted as Chinese parts clauses (it was English, after "; ")."""
    from mnist_gui import config
    from mnist_gui.gui import i18n
    from mnist_gui.gui.qt_workspace import window_workspace
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"\x00" * 1000)
    monkeypatch.setattr(config, "SHIPPED_MODEL", tmp_path / "gone" / "shipped_model.pt")
    ws = window_workspace()
    ws.settings.set("view/language", "zh_TW")
    ws.settings.set("model/path", str(bad))
    try:
        w = open_window(qtbot, workspace=ws)
        qtbot.waitUntil(lambda: getattr(w, "lastMessage", None) is not None)
        text = w.lastMessage.text()
        assert w.checkpoint.name == "untrained" and w.lastMessage.icon() == QMessageBox.Icon.Warning
        assert "broken.pt" in text and "shipped_model.pt" in text and text.count("；") == 2, text
        assert "untrained" not in text and "; " not in text, text
    finally:
        i18n.set_language("en")
