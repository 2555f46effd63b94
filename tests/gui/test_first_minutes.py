"""What a new user meets in the first minutes: the window keeps its size in number mode, the Studies tab
names its parameter and shows its values whole, a 0% second reading is not offered."""

import numpy as np

from mnist_gui.core.reading import Reading, verdict
from mnist_gui.gui.widgets.prediction_bars import PredictionBars
from tests.gui.conftest import SEVEN, draw, fit_strokes


def test_number_mode_fits_the_window_and_leaves_it_as_it_was(window, qtbot):
    assert window.width() == 1000
    d = window.drawTab
    d.numberMode.setChecked(True)
    qtbot.waitUntil(lambda: d.canvas.width() == 672)
    assert window.minimumSizeHint().width() <= 1000 and window.width() == 1000
    d.numberMode.setChecked(False)
    qtbot.waitUntil(lambda: d.canvas.width() == 336)
    assert window.width() == 1000


def test_the_studies_tab_names_its_parameter_and_shows_its_values(window, qtbot):
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitExposed(tab)
    tab.paramCombo.setCurrentIndex(tab.paramCombo.findData("lr"))
    assert tab.paramCombo.currentText() == "Learning rate"
    assert tab.accuracyPlot.getAxis("bottom").labelText == "Learning rate"
    assert tab.paramCombo.itemText(tab.paramCombo.findData("conv1.filters")) == "conv1.filters"
    for name in ("lr", "train_size", "dense.units"):          # every example list fits in the field
        tab.paramCombo.setCurrentIndex(tab.paramCombo.findData(name))
        edit = tab.valuesEdit
        assert edit.fontMetrics().horizontalAdvance(edit.text()) < edit.contentsRect().width() - 4, name


def test_the_studies_count_agrees_with_the_values(window, qtbot):
    """Issue 33: the default form showed five learning rates beside "Range count 4". A list's count is the
    list's length, greyed; a range low:high takes the count the user sets, and the study has that many."""
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitExposed(tab)
    tab.paramCombo.setCurrentIndex(tab.paramCombo.findData("lr"))
    listed = [v for v in tab.valuesEdit.text().split(",") if v]
    assert tab.countSpin.value() == len(listed) and not tab.countSpin.isEnabled()
    assert not tab.logCheck.isEnabled()
    assert tab.formLabels[2].text().replace("&", "") == "Count"
    assert len(tab.plan().values) == len(listed)
    tab.valuesEdit.setText("1e-4:1e-1")
    assert tab.countSpin.isEnabled() and tab.logCheck.isEnabled() and tab.countSpin.value() == 4
    assert tab.formLabels[2].text().replace("&", "") == "Range count"
    tab.countSpin.setValue(3)
    assert len(tab.plan().values) == 3
    tab.valuesEdit.setText("1e-4,1e-3")                   # back to a list: its length; the range's 3 is kept
    assert tab.countSpin.value() == 2 and len(tab.plan().values) == 2
    tab.valuesEdit.setText("1e-4:1e-2")
    assert tab.countSpin.value() == 3


def test_a_second_reading_of_zero_percent_is_not_offered(qtbot):
    bars = PredictionBars()
    qtbot.addWidget(bars)
    blob = np.ones((28, 28), np.float32)                       # a filled square: not digit-like
    sure = np.full(10, 1e-5)
    sure[8] = 1 - sure.sum() + 1e-5
    bars.show_reading(Reading(blob, sure, verdict(sure.max(), blob)))
    assert bars.doubt == "not digit-like"
    assert bars.confidenceLabel.text() == "Not a digit (closest: 8)"   # one wording for both refusals
    torn = np.zeros(10)
    torn[[3, 5]] = 0.55, 0.45                                  # a real second reading is still given
    bars.show_reading(Reading(blob, torn, verdict(torn.max())))
    assert bars.confidenceLabel.text() == "Not sure: 3 (55%) or 5 (45%)"


def test_the_window_keeps_its_size_through_every_tab_and_a_language_switch(qtbot):
    """The window grew by itself (680 -> 718 px opening the Data tab, 727 after a language switch) where the
    desktop's font is a little larger than the one here: with a font a quarter larger it keeps 1000×680."""
    from PySide6.QtWidgets import QApplication

    from tests.gui.conftest import open_window
    app = QApplication.instance()
    font = app.font()
    larger = app.font()
    larger.setPointSizeF(font.pointSizeF() * 1.25)
    app.setFont(larger)
    try:
        w = open_window(qtbot)
        assert w.size().toTuple() == (1000, 680)
        for code in ("", "zh_TW"):
            w.set_language(code)
            for i in range(w.tabs.count()):
                w.tabs.setCurrentIndex(i)
                qtbot.waitExposed(w.tabs.currentWidget())
                QApplication.processEvents()
                assert w.size().toTuple() == (1000, 680), (code, w.tabs.tabText(i))
        w.set_language("")
        w.jobs.stop_all(5000)
    finally:
        app.setFont(font)


def _overlaps(items) -> list:
    rects = [(t.toPlainText(), t.sceneBoundingRect()) for t in items]
    return [(a, b) for i, (a, ra) in enumerate(rects) for b, rb in rects[i + 1:] if ra.intersects(rb)]


def test_the_evaluate_tabs_values_and_counts_stand_apart_at_the_default_size(window, qtbot):
    """Per-digit values ran together ("99.699.699.5") and the reliability counts overlapped in a 1000×680
    window, in light, dark and 繁體中文."""
    from PySide6.QtWidgets import QApplication

    from mnist_gui.gui import theme
    tab = window.evaluateTab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitExposed(tab)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 10_000)
    probs = np.full((10_000, 10), 0.001)
    top = np.concatenate([np.full(9_700, 0.999), rng.uniform(0.15, 0.95, 300)])
    probs[np.arange(10_000), labels] = top
    try:
        for language, appearance in (("", "light"), ("", "dark"), ("zh_TW", "light")):
            window.set_language(language)
            theme.manager().set_appearance(appearance)
            tab._show_per_class(np.array([99.6, 99.6, 99.5, 99.4, 99.7, 99.3, 99.2, 99.1, 98.9, 99.0]))
            tab._draw_reliability(probs, labels, "MNIST test")
            QApplication.processEvents()
            assert window.size().toTuple() == (1000, 680)
            assert _overlaps(tab._classTexts) == [], (language, appearance)
            assert _overlaps(tab._relTexts) == [], (language, appearance)
            for t in tab._classTexts:   # inside the plot
                assert tab.perClassPlot.getPlotItem().vb.sceneBoundingRect().contains(t.sceneBoundingRect())
            for t in tab._relTexts:
                assert tab.reliabilityPlot.getPlotItem().vb.sceneBoundingRect().contains(t.sceneBoundingRect())
    finally:
        window.set_language("")
        theme.manager().set_appearance("system")


def test_this_is_a_keeps_the_users_digit_through_a_language_switch_and_follows_again_after_clear(window, qtbot):
    from tests.gui.conftest import SEVEN, ZERO, draw, fit_strokes
    tab = window.drawTab
    draw(qtbot, tab.canvas, fit_strokes(ZERO))
    qtbot.waitUntil(lambda: tab.bars.top_digit() == 0)
    tab.teachDigit.setValue(7)                   # "no, this is my 7"
    window.set_language("zh_TW")
    tab.update_prediction()                      # as a re-read does
    assert tab.teachDigit.value() == 7
    window.set_language("")
    tab.canvas.clear()
    draw(qtbot, tab.canvas, fit_strokes(SEVEN))
    qtbot.waitUntil(lambda: tab.bars.top_digit() == 7)
    tab.canvas.clear()
    draw(qtbot, tab.canvas, fit_strokes(ZERO))
    qtbot.waitUntil(lambda: tab.teachDigit.value() == 0)   # a new drawing: it follows the prediction again


def test_this_is_a_holds_no_stale_digit_after_clear_or_in_number_mode(window, qtbot):
    """Issue 33: "This is a" kept the last digit after Clear and after switching to number mode, where
    Remember would have taught it for a drawing it no longer matched. Now it says "–" and Remember is off
    until one digit is drawn, and it follows the reading again."""
    from tests.gui.conftest import SEVEN, ZERO, draw, fit_strokes
    tab = window.drawTab
    draw(qtbot, tab.canvas, fit_strokes(SEVEN))
    qtbot.waitUntil(lambda: tab.teachDigit.value() == 7)
    assert tab.teachButton.isEnabled() and tab.teachDigit.text() == "7"
    tab.canvas.clear()
    assert tab.teachDigit.text() == "–" and not tab.teachButton.isEnabled() and not tab.teachDigit.isEnabled()
    draw(qtbot, tab.canvas, fit_strokes(ZERO))
    qtbot.waitUntil(lambda: tab.teachDigit.value() == 0)
    tab.teachDigit.setValue(6)                     # the user's choice is kept while one digit is drawn ...
    tab.numberMode.setChecked(True)                # ... but number mode reads a number: nothing to teach
    assert tab.teachDigit.text() == "–" and not tab.teachButton.isEnabled()
    assert "Read a whole number" in tab.teachButton.toolTip()   # and it says so
    tab.teach()
    assert len(window.ws.my_digits) == 0
    tab.numberMode.setChecked(False)               # one digit again: it follows the reading
    assert tab.teachDigit.value() == 0 and tab.teachButton.isEnabled()
    assert "Read a whole number" not in tab.teachButton.toolTip()


def _progressed(step, total):
    from mnist_gui.core.events import Progressed
    return Progressed(step=step, total_steps=total, epoch=1, loss=0.5, accuracy=0.9, images_per_s=1000.0, eta_s=1.0,
                      lr=0.01, train_seconds=1.0, steps=(step,), losses=(0.5,), accuracies=(0.9,))


def test_the_study_bar_is_the_whole_studys_and_its_end_follows_the_language(window, qtbot):
    """The bar read 100% while trial 2 of 3 ran (the last run's steps); "Study done." stayed English."""
    from mnist_gui.core.events import Started, TrialStarted, TrialTrained
    tab = window.studyTab
    tab._trialsPlanned, tab._trialsStarted = 3, 0
    started = Started(total_steps=100, train_size=1000, epochs=1, config={}, device="cpu", precision="fp32")
    tab._on_progressed(TrialStarted(number=0, params={"lr": 0.01}))
    tab._on_progressed(TrialTrained(trial=0, event=started))
    tab._on_progressed(TrialTrained(trial=0, event=_progressed(100, 100)))
    tab._on_progressed(TrialStarted(number=1, params={"lr": 0.1}))
    tab._on_progressed(TrialTrained(trial=1, event=started))
    bar = tab.progressBar
    assert bar.value() / bar.maximum() == 1 / 3 and bar.text() == "33%  trial 2 of 3"
    tab._on_progressed(TrialTrained(trial=1, event=_progressed(50, 100)))
    assert bar.value() / bar.maximum() == 1.5 / 3
    tab._worker = None
    tab._on_ended("finished")
    assert tab.statusLabel.text() == "Study done."
    window.set_language("zh_TW")
    try:
        qtbot.waitUntil(lambda: tab.statusLabel.text() == "研究完成。")
        assert "範圍" in tab.countSpin.toolTip()
    finally:
        window.set_language("")


def test_the_training_speed_follows_the_language(window, qtbot):
    tab = window.trainTab
    tab.progress._speed = (1234.0, 0.25)   # the speed line lives in RunProgress since the tab was split
    window.set_language("zh_TW")
    try:
        qtbot.waitUntil(lambda: tab.speedLabel.text() == "每秒 1,234 張影像  損失 0.250")
    finally:
        window.set_language("")
    qtbot.waitUntil(lambda: tab.speedLabel.text() == "1,234 images/s  loss 0.250")


def test_feature_maps_write_volumes_as_the_layer_table_does(window, qtbot):
    from PySide6.QtWidgets import QLabel

    from tests.gui.conftest import SEVEN, draw, fit_strokes
    window.tabs.setCurrentWidget(window.modelTab)
    window.modelTab.views.setCurrentWidget(window.modelTab.featureMaps)
    fm = window.modelTab.featureMaps
    draw(qtbot, window.drawTab.canvas, fit_strokes(SEVEN))
    qtbot.waitUntil(lambda: fm.findChild(QLabel, "title_conv1") is not None)
    assert fm.findChild(QLabel, "title_conv1").text().endswith(" 28×28×32")     # H×W×C, not 32×28×28
    assert fm.findChild(QLabel, "title_pool2").text().endswith(" 7×7×64")
    assert fm.findChild(QLabel, "title_dense").text().endswith(" 1024")


def test_the_model_dialogs_start_in_a_folder_that_exists(window, monkeypatch, tmp_path):
    """Given the app's models folder before it existed, Qt's dialog started in the working folder."""
    from pathlib import Path

    from PySide6.QtWidgets import QFileDialog
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (asked.append(a[2]), ("", ""))[1])
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (asked.append(a[2]), ("", ""))[1])
    assert not window.ws.models_dir.exists()
    assert not window.export_onnx() and not window.save_model_as() and not window.open_model()
    assert [Path(asked[0]).name, Path(asked[1]).name] == [f"{window.ws.checkpoint.name}.onnx",
                                                          f"{window.ws.checkpoint.name}.pt"]
    assert Path(asked[0]).parent.is_dir() and Path(asked[1]).parent.is_dir() and Path(asked[2]).is_dir()


def test_the_onnx_export_starts_in_the_documents_or_the_last_folder_used(window, qtbot, monkeypatch, tmp_path):
    """Issue 33: the export dialog started in the working folder. It starts in the user's documents folder
    (else home), then in the folder the last export went to, remembered in the settings."""
    from pathlib import Path

    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    out = tmp_path / "exports"
    out.mkdir()
    asked, answer = [], [""]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (asked.append(Path(a[2])), (answer[0], ""))[1])
    assert not window.export_onnx()                      # cancelled: nothing remembered
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    first = asked[-1].parent
    assert first != Path.cwd() and first in {p for p in (Path(documents), Path.home()) if p.is_dir()}, first
    assert window.ws.settings.get("export/folder") == ""
    answer[0] = str(out / "mine.onnx")
    with qtbot.waitSignal(window.modelSaved, timeout=60_000):
        assert window.export_onnx()
    assert (out / "mine.onnx").is_file() and window.ws.settings.get("export/folder") == str(out)
    answer[0] = ""
    window.export_onnx()
    assert asked[-1].parent == out                       # the last folder used
    window.ws.settings.set("export/folder", str(tmp_path / "gone"))    # a folder since removed: documents/home
    window.export_onnx()
    assert asked[-1].parent == first


def test_open_image_starts_in_pictures_then_the_last_folder_never_the_working_folder(window, qtbot, tmp_path,
                                                                                       monkeypatch):
    from pathlib import Path

    from PySide6.QtCore import QStandardPaths
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QFileDialog
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    shots = tmp_path / "shots"
    shots.mkdir()
    img = QImage(56, 56, QImage.Format.Format_Grayscale8)
    img.fill(0)
    img.save(str(shots / "seven.png"))
    asked, answer = [], [""]
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (asked.append(Path(a[2])), (answer[0], ""))[1])
    assert not window.open_image()                        # cancelled: nothing remembered
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    assert asked[-1] != work and asked[-1] in {p for p in (Path(pictures), Path.home()) if p.is_dir()}, asked[-1]
    assert window.ws.settings.get("open/imageFolder") == ""
    answer[0] = str(shots / "seven.png")
    window.open_image()
    assert window.ws.settings.get("open/imageFolder") == str(shots)
    answer[0] = ""
    window.open_image()
    assert asked[-1] == shots                             # the folder the last image came from


def test_lists_inside_chinese_text_use_the_chinese_list_comma(window, qtbot):
    from mnist_gui.gui import i18n
    assert i18n.join(["0: 5", "1: 7"]) == "0: 5, 1: 7"
    window.set_language("zh_TW")
    try:
        assert i18n.join(["0: 5", "1: 7"]) == "0: 5、1: 7"
    finally:
        window.set_language("")


def test_the_reliability_axis_has_no_tick_above_100_percent(window):
    ticks = window.evaluateTab.reliabilityPlot.getAxis("left")._tickLevels
    assert max(v for level in ticks for v, _ in level) == 100


def test_a_refused_zigzag_draws_no_bar_for_its_closest_digit(window, qtbot):
    from tests.gui.conftest import draw
    bars = window.drawTab.bars
    draw(qtbot, window.drawTab.canvas, [[(40 + 30 * i, 80 + 170 * (i % 2)) for i in range(9)]])
    assert bars.doubt == "not a digit" and bars.confidenceLabel.text().startswith("Not a digit (closest: ")
    assert max(bars._bars.opts["height"]) == 0
    assert abs(sum(bars.probabilities()) - 1) < 1e-6          # the reading itself is kept


def test_an_empty_my_digits_tab_says_how_to_teach(window, qtbot):
    tab = window.myDigitsTab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.countsLabel.text() != "")
    assert tab.list.count() == 0 and "Remember" in tab.countsLabel.text() and "0: 0" not in tab.countsLabel.text()
    draw_tab = window.drawTab
    window.tabs.setCurrentWidget(draw_tab)
    draw(qtbot, draw_tab.canvas, fit_strokes(SEVEN))
    draw_tab.teachDigit.setValue(7)
    draw_tab.teach()
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.list.count() == 1)
    assert tab.countsLabel.text().startswith("1 digit taught: ") and "7: 1" in tab.countsLabel.text()
    assert "Teach more on the Draw tab" in tab.countsLabel.text()   # where more come from, with some there
    icon = tab.list.item(0).icon()
    assert icon.actualSize(tab.list.iconSize()) == tab.list.iconSize()   # 56 px, not the input's 28
    window.tabs.setCurrentWidget(draw_tab)
    draw(qtbot, draw_tab.canvas, fit_strokes(SEVEN))   # a second 7 (teaching cleared the canvas)
    draw_tab.teachDigit.setValue(7)
    draw_tab.teach()
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.list.count() == 2)
    assert tab.countsLabel.text().startswith("2 digits taught: ") and "7: 2" in tab.countsLabel.text()
    window.set_language("zh_TW")   # one form in Chinese, from the same counted text
    qtbot.waitUntil(lambda: tab.countsLabel.text().startswith("已教 2 個數字："))
    window.set_language("en")
    qtbot.waitUntil(lambda: tab.countsLabel.text().startswith("2 digits taught: "))


def _new_window(qtbot):
    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    w = MainWindow(window_workspace())
    qtbot.addWidget(w, before_close_func=lambda win: win.jobs.stop_all(20_000))
    return w


def test_the_tabs_after_draw_are_made_one_a_turn_and_the_first_reading_shows_first(qtbot):
    """All six tabs at once held the event loop 200-300 ms (2 cores) just when the model went live, so the
    first digit drawn waited for them. Now one tab is made each turn of the event loop, with its title, and
    the reading of a stroke drawn before the model was live is in the bars before the first tab is made."""
    from PySide6.QtCore import QTimer
    w = _new_window(qtbot)
    turns, seen = QTimer(), []
    turns.timeout.connect(lambda: seen.append((w.tabs.count(), w.drawTab.bars.top_digit())))
    turns.start(0)   # a zero timer runs once a turn of the event loop
    w.drawTab.canvas._strokes = [[(168.0, 40.0), (168.0, 296.0)]]   # a 1, drawn before the model is live
    w.drawTab.canvas.strokeFinished.emit()
    w.show()
    qtbot.waitUntil(lambda: w.tabsBuilt, timeout=60_000)
    turns.stop()
    counts = [c for c, _ in seen]
    assert sorted(set(counts)) == list(range(1, 8)), counts          # every count from 1 to 7 was seen ...
    assert counts == sorted(counts)                                   # ... in order, one tab a turn
    first_more = next(i for i, (c, _) in enumerate(seen) if c > 1)
    assert first_more > 0 and seen[first_more - 1][1] == 1           # the 1 was read before any tab was made
    assert [w.tabs.tabText(i) for i in range(7)] == ["&Draw", "&Train", "&Model", "Eva&luate", "D&ata",
                                                    "M&y digits", "St&udies"]


def _turns(qtbot, n: int) -> None:
    """Let the event loop turn n times (a zero timer runs once a turn)."""
    from PySide6.QtCore import QTimer
    ran, timer = [], QTimer()
    timer.timeout.connect(lambda: ran.append(1))
    timer.start(0)
    qtbot.waitUntil(lambda: len(ran) >= n, timeout=10_000)
    timer.stop()


def test_no_tab_is_made_while_the_pen_is_down(qtbot):
    from PySide6.QtCore import QPoint, Qt
    w = _new_window(qtbot)
    steps = []
    step = w._build_step
    w._build_step = lambda: (steps.append(w.tabs.count()), step())
    w.show()
    qtbot.waitExposed(w)
    canvas = w.drawTab.canvas
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(100, 100))   # the pen down, held
    assert canvas.is_drawing()
    qtbot.waitUntil(lambda: w.checkpoint is not None and len(steps) >= 3, timeout=60_000)
    _turns(qtbot, 20)
    assert set(steps) == {1} and w.tabs.count() == 1 and not w.tabsBuilt   # asked again and again; none made
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(110, 200))
    qtbot.waitUntil(lambda: w.tabsBuilt, timeout=10_000)
    assert w.tabs.count() == 7


def test_a_window_closed_while_its_tabs_are_made_makes_no_more(qtbot):
    w = _new_window(qtbot)
    w.show()
    qtbot.waitUntil(lambda: w.tabs.count() >= 2, timeout=60_000)
    w.close()
    made = w.tabs.count()
    _turns(qtbot, 20)
    assert w.tabs.count() == made < 7 and not w.tabsBuilt


def test_the_window_opens_the_reading_networks_in_the_background_once_it_paints(qtbot):
    """The gates, the path net, the elastic reader's templates and the judge open in a worker after the first
    paint, not on the GUI thread at the first drawing's read (about 50 ms there)."""
    import threading
    w = _new_window(qtbot)
    models = w.ws.reading_models
    threads = []
    opening = models._open
    models._open = lambda name: (threads.append(threading.get_ident()), opening(name))[1]
    assert not models._loaded
    w.show()
    qtbot.waitUntil(lambda: len(models._loaded) == 5, timeout=60_000)
    assert len(threads) == 5 and threading.main_thread().ident not in threads   # none on the GUI thread


def test_a_tab_clicked_while_the_others_are_made_gets_them_all_made_and_wired(qtbot):
    """A tab (the Train tab, here the lighter My digits) can be clicked a few turns before the last tab is
    made; the Train tab's signals (a message, MNIST wanted) went nowhere until then. Clicking one makes the
    rest at once and wires them."""
    w = _new_window(qtbot)
    step = w._build_step
    w._build_step = lambda: None if w.tabs.count() >= 6 else step()   # the making held before the last tab
    w.show()
    qtbot.waitUntil(lambda: w.tabs.count() == 6, timeout=60_000)   # My digits is the sixth
    _turns(qtbot, 5)
    assert not w.tabsBuilt and w.tabs.count() == 6
    w.tabs.setCurrentIndex(5)
    assert w.tabsBuilt and w.tabs.count() == 7
    assert w.trainTab.modelNetwork == w.modelTab.network   # wired
