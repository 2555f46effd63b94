"""After switching to 繁體中文, every text the window shows is Chinese: a walk over every tab's visible
widgets (labels, buttons, group titles, tooltips, combo items, table headers, plot titles and axis
labels, legends) and the menus fails on an English word. Proper names, units, ids shown as ids (the
presets, the layer kinds, a layer's name) and numbers are allowed."""

import re

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QMenu,
    QProgressBar,
    QTableView,
    QTabWidget,
    QWidget,
)

from mnist_gui.core.presets import PRESETS
from mnist_gui.core.spec import KINDS, PADDING_WORDS

# Proper names, units and abbreviations that are the same in Chinese; and ids that are shown as ids.
ALLOWED = {"MNIST", "ONNX", "PyTorch", "CPU", "GPU", "CUDA", "MPS", "Qt", "Optuna", "SGD", "Adam", "AdamW",
           "MB", "KB", "GB", "px", "ms", "CSV", "IDX", "ETA", "ReLU", "TensorFlow", "UNIPEN", "Alt", "Ctrl",
           "Shift", "Tab", "Space", "Del", "Esc", "Delete", "Escape", "PgUp", "PgDown", "Enter", "Runtime",
           "mnist", "gui", "onnxruntime", "torch", "pt", "onnx", "json", "jsonl", "png", "ini", "pendigits",
           "adamw", "adam", "sgd", "English", "Apple", "logits", "ECE"}
ALLOWED |= set(KINDS) | set(PADDING_WORDS) | {w for p in PRESETS for w in re.split(r"[-_]", p)}
try:   # the machine's CPU model (a proper name) is part of the device's name
    from mnist_gui.core.device import _cpu_model
    ALLOWED |= set(re.findall(r"[A-Za-z]+", _cpu_model() or ""))
except ImportError:
    pass
WORD = re.compile(r"(?<![\w./\\-])[A-Za-z][A-Za-z']+(?![\w./\\-])")


def english_words(text: str) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", text or "")                 # rich text: the tags are no words
    text = re.sub(r"\S*[/\\]\S*", " ", text)                    # paths
    text = re.sub(r"mnist-gui [a-z-]+", " ", text)             # a command line to type
    return [w for w in WORD.findall(text) if w not in ALLOWED and w.strip("'") not in ALLOWED]


def shown_texts(widget: QWidget) -> list[tuple[str, str]]:
    """(where, text) for everything the widget shows or tells on hover."""
    name = f"{type(widget).__name__} {widget.objectName()}"
    out = [(name + " tooltip", widget.toolTip())]
    if isinstance(widget, (QLabel, QAbstractButton)):
        out.append((name, widget.text()))
    if isinstance(widget, QGroupBox):
        out.append((name, widget.title()))
    if isinstance(widget, QComboBox):
        out += [(f"{name} item {i}", widget.itemText(i)) for i in range(widget.count())]
    if isinstance(widget, QAbstractSpinBox):
        out += [(name + " special", widget.specialValueText()), (name + " suffix", getattr(widget, "suffix", str)())]
    if isinstance(widget, QProgressBar):
        out.append((name + " format", widget.format()))
    if isinstance(widget, QTabWidget):
        out += [(f"{name} tab {i}", widget.tabText(i)) for i in range(widget.count())]
    if isinstance(widget, QTableView) and widget.model() is not None:
        model = widget.model()
        out += [(f"{name} header {i}", str(model.headerData(i, pg.QtCore.Qt.Orientation.Horizontal) or ""))
                for i in range(model.columnCount())]
        out += [(f"{name} cell {r},{c}", str(model.index(r, c).data() or ""))
                for r in range(min(model.rowCount(), 50)) for c in range(model.columnCount())]
    if isinstance(widget, pg.PlotWidget):
        item = widget.getPlotItem()
        out.append((name + " title", item.titleLabel.text))
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            out.append((f"{name} {side} axis", axis.labelText.replace("<br>", "")))
        if item.legend is not None:
            out += [(name + " legend", label.text) for _sample, label in item.legend.items]
    return out


def visible_texts(window):
    """(tab title, where, text) for every text shown on every tab, each tab shown in turn."""
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        QApplication.processEvents()
        tab = window.tabs.widget(i)
        for w in [tab, *tab.findChildren(QWidget)]:
            if w.isVisible():
                for where, text in shown_texts(w):
                    yield window.tabs.tabText(i), where, text


def untranslated(window) -> list[str]:
    found = [f"{title} / {where}: {text!r} ({', '.join(words)})"
             for title, where, text in visible_texts(window) if (words := english_words(text))]
    menus = [m for m in window.menuBar().findChildren(QMenu)]
    for m in [window.menuBar(), *menus]:
        for a in m.actions():
            if words := english_words(a.text()):
                found.append(f"menu {a.objectName()}: {a.text()!r} ({', '.join(words)})")
    found += [f"tab title: {window.tabs.tabText(i)!r}" for i in range(window.tabs.count())
              if english_words(window.tabs.tabText(i))]
    found += [f"status bar: {window.statusBar().currentMessage()!r}"] if english_words(
        window.statusBar().currentMessage()) else []
    return found


def _devices():
    from mnist_gui.core.device import DeviceInfo, _cpu_model
    from mnist_gui.core.messages import say
    cpu = say("cpu-name", model=_cpu_model() or "", threads=2)
    return [DeviceInfo("cpu", str(cpu), cpu)]


def wait_for_the_switch(window, qtbot) -> None:
    """Qt posts the language change to the window: wait until it has been delivered, the Draw tab's Undo button
    reading its translation (waiting for it to differ from "Undo stroke" waited for nothing: its text carries
    its mnemonic's "&" in English too)."""
    undo = window.drawTab.undoButton
    qtbot.waitUntil(lambda: undo.text() == window.drawTab.tr("U&ndo stroke"))


def test_the_walk_finds_english_where_it_is(window):
    # the walk itself: in English it finds English words everywhere
    assert len(untranslated(window)) > 100


def test_every_text_of_every_tab_is_chinese_after_switching(window, qtbot):
    editor = window.modelTab.editor
    editor.table.selectRow(0)                     # the selected layer's form shows its fields
    window.trainTab.deviceChooser.list_devices(_devices())     # the hardware as the Train tab names it
    window.set_language("zh_TW")
    try:
        wait_for_the_switch(window, qtbot)
        problems = untranslated(window)
        assert not problems, "\n".join(problems)
    finally:
        window.set_language("en")


def test_no_ascii_comma_sits_inside_chinese_text(window, qtbot):
    """Issue 33: ASCII commas inside Chinese text (the Model tab's layer settings read "濾波器數 32, 核大小 5")."""
    window.set_language("zh_TW")
    try:
        wait_for_the_switch(window, qtbot)
        found = [f"{where}: {text!r}" for _title, where, text in visible_texts(window)
                 if re.search(r"[\u2e80-\u9fff\uff00-\uffef],|, ?[\u2e80-\u9fff\uff00-\uffef]", text or "")]
        assert not found, "\n".join(found)
    finally:
        window.set_language("en")


def test_a_side_axis_title_in_chinese_reads_across_above_the_axis(window, qtbot):
    """Issue 33: on its side 機率 was unreadable, and set upright, one character per line, it read as a column
    of single characters. In Chinese the title is one line across, above the axis and the data; in English it
    lies along the axis again."""
    window.tabs.setCurrentWidget(window.trainTab)
    for plot in (window.drawTab.bars.plot, window.trainTab.plots.lossPlot):
        axis = plot.getAxis("left")
        assert axis.label.isVisible() and axis.label.rotation() == -90 and not axis.across
    window.set_language("zh_TW")
    try:
        for plot in (window.drawTab.bars.plot, window.trainTab.plots.lossPlot):
            axis, vb = plot.getAxis("left"), plot.getPlotItem().vb
            qtbot.waitUntil(lambda axis=axis: axis.across)
            title = axis.title_item
            assert not axis.label.isVisible() and title.isVisible()
            assert title.item.toPlainText().strip() == axis.labelText.strip()
            qtbot.waitUntil(lambda title=title, vb=vb: title.sceneBoundingRect().bottom() <= vb.sceneBoundingRect().top() + 1)
            shown = title.item.boundingRect()
            assert shown.width() > shown.height()                       # one line across, not a column
            assert title.sceneBoundingRect().left() <= axis.sceneBoundingRect().right()   # over the axis
    finally:
        window.set_language("en")
    for plot in (window.drawTab.bars.plot, window.trainTab.plots.lossPlot):
        axis = plot.getAxis("left")
        qtbot.waitUntil(lambda axis=axis: not axis.across)
        assert axis.label.isVisible() and not axis.title_item.isVisible()


def test_the_core_messages_the_window_shows_are_translated(qapp, tmp_path):
    """The core says things as codes with fields (the command line prints their English); the window shows
    its own words for each code (core_strings.core_text), filled with the core's numbers and folders."""
    from mnist_gui.core.data import not_found
    from mnist_gui.core.errors import Diverged, DownloadError
    from mnist_gui.core.messages import say
    from mnist_gui.core.study.results import ValueSummary, verdict
    from mnist_gui.core.workspace import Busy, Workspace
    from mnist_gui.gui.core_strings import core_text
    from mnist_gui.gui.i18n import set_language
    ws = Workspace(tmp_path / "home")
    ws.working("finetune")
    try:
        ws.working("study")
    except Busy as e:
        busy = e
    try:
        ws.plan_finetune()
    except ValueError as e:
        empty = e
    runs = [ValueSummary(v, 2, 0, m, m - 0.01, m + 0.01, 10.0, 9.0, 11.0) for v, m in
            ((1e-3, 0.98), (1e-2, 0.975), (1e-4, 0.9))]
    messages = [not_found(tmp_path / "x", user_folder=tmp_path / "d"),
                DownloadError(not_found(user_folder=tmp_path / "d").looked, "no route", offline=True),
                verdict(runs, "學習率"), verdict(runs[:1], "學習率"), verdict([], "學習率"),
                verdict([ValueSummary(1e-3, 1, 0, 0.9, 0.9, 0.9, 1, 1, 1),
                         ValueSummary(1e-2, 1, 0, 0.8, 0.8, 0.8, 1, 1, 1)], "學習率"),
                verdict([ValueSummary(None, 1, 0, 0.9, 0.9, 0.9, 1, 1, 1)], "訓練圖片"),
                say("mnist-downloading", folder=tmp_path / "d"), say("mnist-loading", folder=tmp_path / "d"),
                say("mnist-downloading-file", file="t10k-images-idx3-ubyte.gz", index=3, count=4),
                busy, empty, say("cpu-name", model="Intel Xeon", threads=8), say("cpu-name", model="", threads=1),
                say("run-stopped", step=3, total=10), Diverged(3, float("nan")),
                say("run-finished", accuracy=0.9876, steps=100, seconds=12.34), say("run-paused")]
    english = [core_text(m) for m in messages]
    set_language("zh_TW")
    try:
        shown = [core_text(m) for m in messages]
    finally:
        set_language("en")
    names = {"Intel", "Xeon", "nan", "no", "route"}   # a CPU's name, a number, the system's own reason
    names |= {"t10k", "images", "idx3", "ubyte"}        # a file's name
    for m, s in zip(messages, shown):
        assert not [w for w in english_words(s) if w not in names], (m, s)
    assert "98.00%" in shown[2] and str(tmp_path / "x") in shown[0] and "98.76%" in shown[-2]
    # the files a folder lacks, listed as the language lists (i18n.join): 、 in Chinese, no ASCII comma
    assert "train-images-idx3-ubyte、train-labels-idx1-ubyte" in shown[0] and ", " not in shown[0]
    assert "train-images-idx3-ubyte, train-labels-idx1-ubyte" in english[0]
    # in English the window says what the command line says, where it has no words of its own
    assert english[2] == "; ".join(map(str, messages[2])) and english[-3] == str(messages[-3])


def test_the_core_messages_said_one_after_another_are_separated_as_the_language_separates_them(qapp, tmp_path):
    """A list of the core's messages on one line (the folders MNIST was looked in, a study's verdict) is
    separated by "; " in English and by the full-width "；" in Chinese (it was "; " in every language)."""
    from mnist_gui.core.messages import say
    from mnist_gui.core.study.results import ValueSummary, verdict
    from mnist_gui.gui.core_strings import core_text
    from mnist_gui.gui.i18n import set_language
    runs = [ValueSummary(v, 2, 0, m, m - 0.01, m + 0.01, 10.0, 9.0, 11.0) for v, m in
            ((1e-3, 0.98), (1e-2, 0.975), (1e-4, 0.9))]
    looked = [say("mnist-looked", source="MNIST_GUI_DATA", folder=str(tmp_path / "x"), missing=["t10k-labels-idx1-ubyte"]),
              say("mnist-looked", source="user folder", folder=str(tmp_path / "d"), missing=[])]
    said = verdict(runs, "lr")
    assert len(looked) > 1 and len(said) > 1
    english = [core_text(looked), core_text(said)]
    set_language("zh_TW")
    try:
        chinese = [core_text(looked), core_text(said)]
    finally:
        set_language("en")
    assert english == ["; ".join(core_text(m) for m in looked), "; ".join(map(str, said))]
    for text, parts in zip(chinese, (looked, said)):
        assert "; " not in text and text.count("；") >= len(parts) - 1, text


def test_a_runs_mnist_lines_and_its_schedule_are_in_the_windows_language(window, qtbot, tmp_path):
    """The log's MNIST lines are the core's typed messages, said in the window's words (they were the core's
    English, shown as it was); the run's first line names the learning-rate schedule in them too."""
    from mnist_gui import config
    from mnist_gui.core.recipes import TrainConfig
    from mnist_gui.gui.core_strings import core_tr
    folder = tmp_path / "mnist"            # the four files' names, nothing in them: found, then refused
    folder.mkdir()
    for name in config.MNIST_FILES.values():
        (folder / name).write_bytes(b"")
    window.ws.set_data_dir(str(folder))
    tab = window.trainTab
    window.tabs.setCurrentWidget(tab)
    window.set_language("zh_TW")
    try:
        tab.apply_config(TrainConfig(preset="fast-bn", max_steps=1, schedule="cosine"))
        with qtbot.waitSignal(tab.runFailed, timeout=120_000):   # the files cannot be read: no training
            assert tab.start_training()
        lines = tab.log.toPlainText().splitlines()
        first = next(line for line in lines if line.startswith("訓練 fast-bn"))   # the run's first line
        cosine = core_tr("cosine")
    finally:
        window.set_language("en")
    assert cosine != "cosine" and cosine in first and "cosine" not in first
    assert f"從 {folder} 載入 MNIST" in lines
    assert not [line for line in lines if "MNIST" in line and "loading" in line]


def held_loading(folder, release):
    """A stand-in for Workspace.mnist or .evaluate that says it is loading MNIST from folder (the core's typed
    line) and holds until the tab stops it, then is Cancelled (as it is when released by a failing test)."""
    from mnist_gui.core.errors import Cancelled
    from mnist_gui.core.messages import say

    def held(*_model, progress, should_stop, **_kw):
        progress(say("mnist-loading", folder=folder))
        while not release.wait(0.01) and not should_stop():
            pass
        raise Cancelled()
    return held


def test_the_data_tabs_loading_line_is_said_again_after_a_language_switch(window, qtbot, tmp_path, monkeypatch):
    """The Data tab's status line while MNIST loads (the core's typed line) and after a cancelled load switches
    language with the rest of the window; it stayed in the language it was first said in."""
    import threading
    folder = tmp_path / "mnist"
    release = threading.Event()
    monkeypatch.setattr(window.ws, "mnist", held_loading(folder, release))
    tab = window.dataTab
    window.tabs.setCurrentWidget(tab)
    try:
        assert tab.load()
        qtbot.waitUntil(lambda: tab.status.text() == f"loading MNIST from {folder}")
        window.set_language("zh_TW")
        qtbot.waitUntil(lambda: tab.status.text() == f"從 {folder} 載入 MNIST")
        tab.cancel()
        qtbot.waitUntil(lambda: tab.status.text() == "已取消載入。")
    finally:
        release.set()
        window.set_language("en")
    qtbot.waitUntil(lambda: tab.status.text() == "Loading cancelled.")


def test_the_evaluate_tabs_line_is_said_again_after_a_language_switch(window, qtbot, tmp_path, monkeypatch):
    """The line beside the Evaluate tab's progress bar while MNIST loads (the core's typed line) and after a
    stopped evaluation switches language with the rest of the window; it stayed in the language it was said in."""
    import threading
    folder = tmp_path / "mnist"
    release = threading.Event()
    monkeypatch.setattr(window.ws, "evaluate", held_loading(folder, release))
    tab = window.evaluateTab
    window.tabs.setCurrentWidget(tab)
    try:
        assert tab.start()
        qtbot.waitUntil(lambda: tab.accuracyLabel.text() == f"loading MNIST from {folder}")
        window.set_language("zh_TW")
        qtbot.waitUntil(lambda: tab.accuracyLabel.text() == f"從 {folder} 載入 MNIST")
        with qtbot.waitSignal(tab.evaluationFailed) as stopped:
            tab.stop()
        assert stopped.args == ["評估已停止"] and tab.accuracyLabel.text() == "評估已停止"
    finally:
        release.set()
        window.set_language("en")
    qtbot.waitUntil(lambda: tab.accuracyLabel.text() == "evaluation stopped")


def test_a_language_switch_brings_back_no_earlier_accuracy_over_a_failure(window, qtbot, small_mnist, monkeypatch):
    """An evaluation that failed after an earlier one had finished: the line says the failure, and goes on saying
    it after a language switch (the switch showed the earlier result's accuracy again) and after the live model
    changes (which marked that accuracy as an earlier model's, over the failure)."""
    from tests.gui.conftest import evaluate
    window.ws.use_mnist(small_mnist)
    tab = window.evaluateTab
    window.tabs.setCurrentWidget(tab)
    evaluate(qtbot, window)
    assert tab.accuracyLabel.text().startswith("test accuracy ")

    def failing(*_args, **_kw):
        raise OSError("the disk went away")
    monkeypatch.setattr(window.ws, "evaluate", failing)
    with qtbot.waitSignal(tab.evaluationFailed) as failed:
        assert tab.start()
    assert failed.args == ["the disk went away"] and tab.accuracyLabel.text() == "the disk went away"
    window.set_language("zh_TW")
    try:
        wait_for_the_switch(window, qtbot)
        assert tab.accuracyLabel.text() == "the disk went away"   # the system's own words, as they were
        window.modelChanged.emit(window.checkpoint)
        assert tab.accuracyLabel.text() == "the disk went away"
    finally:
        window.set_language("en")
    qtbot.waitUntil(lambda: window.drawTab.undoButton.text() == "U&ndo stroke")
    assert tab.accuracyLabel.text() == "the disk went away"


def test_the_studies_tabs_line_is_said_again_after_a_language_switch(window, qtbot):
    """The status line says again, in the new language, what it said: the intro where it was shown, "Cannot
    start: …" (a switch replaced it with the intro, in English it stayed Chinese)."""
    from tests.gui.test_study import _set_up
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    intro = tab.statusLabel.text()
    assert intro.startswith("Each value is trained")
    window.set_language("zh_TW")
    try:
        qtbot.waitUntil(lambda: tab.statusLabel.text() != intro)   # the intro, shown: said in Chinese
        assert not english_words(tab.statusLabel.text())
        _set_up(tab, "1e-3,fast", "bad")
        assert not tab.start()
        assert tab.statusLabel.text() == "無法開始：'fast' is not a number"   # the reason: the core's English
    finally:
        window.set_language("en")
    qtbot.waitUntil(lambda: tab.statusLabel.text() == "Cannot start: 'fast' is not a number")


def test_a_language_switch_brings_back_no_intro_the_studies_tab_had_hidden(window, qtbot, monkeypatch):
    """A study that failed for want of MNIST leaves the status line empty (the MNIST panel says why); a switch
    showed the intro there again, beside the panel, once the form named a study without trials."""
    from tests.gui.test_study import _run_to_end, _set_up
    monkeypatch.delenv("MNIST_GUI_DATA", raising=False)
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    _set_up(tab, "1e-3", "no-mnist")
    assert _run_to_end(qtbot, tab, timeout=60_000) == "failed"
    assert tab.statusLabel.text() == "" and tab.dataPanel.isVisible()
    tab.nameEdit.setText("another")               # a study with no trials shown: the table empty
    tab.refresh()
    assert tab.rows == []
    window.set_language("zh_TW")
    try:
        qtbot.waitUntil(lambda: "找不到 MNIST" in tab.dataPanel.message.text())   # the switch has been made
        assert tab.statusLabel.text() == ""
    finally:
        window.set_language("en")
    qtbot.waitUntil(lambda: "MNIST was not found" in tab.dataPanel.message.text())
    assert tab.statusLabel.text() == ""


def test_every_code_of_the_core_has_the_windows_words():
    from mnist_gui.core.errors import CODED_ERRORS
    from mnist_gui.core.messages import ENGLISH
    from mnist_gui.gui.core_strings import MESSAGES
    codes = set(ENGLISH) | {e.code for e in CODED_ERRORS}
    assert codes - set(MESSAGES) == set() and set(MESSAGES) - codes == set()
    assert len({e.code for e in CODED_ERRORS}) == len(CODED_ERRORS)     # one class per code


def test_the_window_reads_no_english_of_the_core():
    """Translations go by code: no module of the window parses a message's text."""
    from pathlib import Path
    gui = Path(__file__).resolve().parents[2] / "mnist_gui" / "gui"
    assert not [p.name for p in gui.rglob("*.py") if re.search(r"^\s*import re\b|\bre\.", p.read_text())]


def test_the_network_editors_problems_are_chinese_too(window, qtbot):
    editor = window.modelTab.editor
    window.tabs.setCurrentWidget(window.modelTab)
    editor.set_layers([{"kind": "conv", "filters": 8, "kernel": 4, "stride": 1, "padding": "same", "bias": True},
                       {"kind": "maxpool", "size": 3, "stride": 2, "padding": 0},
                       {"kind": "flatten"}, {"kind": "flatten"},
                       {"kind": "dense", "units": 0},
                       {"kind": "dropout", "rate": 1.5},
                       {"kind": "conv", "filters": 8, "kernel": 3, "stride": 1, "padding": 1, "bias": False}],
                      edited=True)
    assert editor.problemLabel.text().startswith("Training is disabled: layer")
    texts = []
    window.set_language("zh_TW")
    try:
        qtbot.waitUntil(lambda: not editor.problemLabel.text().startswith("Training"))
        for w in [editor, *editor.findChildren(QWidget)]:
            if w.isVisible():
                texts += [(where, t) for where, t in shown_texts(w) if english_words(t)]
        cells = [editor.table.item(r, 9).text() for r in range(editor.table.rowCount())]
    finally:
        window.set_language("en")
    assert not texts, texts
    assert sum(bool(c) for c in cells) >= 4                    # the problems are there, in Chinese


def test_an_evaluation_reads_in_chinese(window, qtbot, small_mnist):
    from tests.gui.conftest import evaluate
    window.ws.use_mnist(small_mnist)
    window.tabs.setCurrentWidget(window.evaluateTab)
    window.set_language("zh_TW")
    try:
        evaluate(qtbot, window)
        problems = [p for p in untranslated(window) if p.startswith(window.tabs.tabText(3))]
    finally:
        window.set_language("en")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_a_finished_study_reads_in_chinese(window, qtbot, small_mnist):
    from tests.gui.test_study import _run_to_end, _set_up
    window.ws.use_mnist(small_mnist)
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    window.set_language("zh_TW")
    try:
        _set_up(tab, "1e-3,1e-2", "zh-lr")
        assert _run_to_end(qtbot, tab) == "finished"
        assert tab.verdictLabel.text()                          # the verdict, translated
        problems = [p for p in untranslated(window) if p.startswith(window.tabs.tabText(6))]
    finally:
        window.set_language("en")
    assert not problems, "\n".join(problems)
