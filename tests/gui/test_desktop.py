"""A good desktop citizen: translations complete and compiled, live language switching, light and dark,
accessible names, keyboard mnemonics without clashes, the window icon, Help → About."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QSlider,
    QTabBar,
    QTabWidget,
    QWidget,
)

from mnist_gui.gui import i18n, theme

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "resources" / "translations"
TS_FILES = sorted(TRANSLATIONS.glob("mnist_gui_*.ts"))

# English texts that must not be left on screen once the window is in Chinese (a sample from every tab,
# the menus and the plots).
ENGLISH = ["Draw", "Train", "Evaluate", "Data", "My digits", "File", "Edit", "View", "Help", "Undo stroke",
           "Clear", "Pen", "Remember", "Fine-tune on my digits", "What the network sees", "Recipe",
           "Hyperparameters", "Pause", "Stop", "Learning rate", "Batch size", "Loss per step", "Accuracy",
           "Accuracy per digit", "Confusion matrix", "Most confident mistakes", "Open in canvas", "Load MNIST",
           "Delete selected", "Make live", "probability", "Draw a digit", "Keyboard shortcuts"]


@pytest.fixture(autouse=True)
def english_and_light_after(qapp):
    """Each test leaves the application in English and the light theme, as the other tests expect."""
    yield
    i18n.set_language("en")
    theme.manager().set_appearance("system")


# -- the translation files -----------------------------------------------------------------------------
def test_there_is_a_chinese_translation():
    assert TRANSLATIONS / "mnist_gui_zh_TW.ts" in TS_FILES


def _forms(message) -> list[str]:
    """A message's translation: its one text, or each plural form of a counted (%n) text."""
    tr = message.find("translation")
    forms = tr.findall("numerusform")
    return [f.text or "" for f in forms] if forms else [tr.text or ""]


def test_english_has_its_plural_forms_only():
    """English is the source language: its file holds only the texts counted with %n (lupdate -pluralonly)."""
    root = ET.parse(TRANSLATIONS / "mnist_gui_en.ts").getroot()
    messages = list(root.iter("message"))
    assert messages and all(m.get("numerus") == "yes" and len(_forms(m)) == 2 for m in messages)


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda p: p.name)
def test_translations_are_complete(ts):
    root = ET.parse(ts).getroot()
    bad = [(c.findtext("name"), m.findtext("source"), m.find("translation").get("type"))
           for c in root.iter("context") for m in c.iter("message")
           if m.find("translation").get("type") in ("unfinished", "vanished", "obsolete")
           or not all(t.strip() for t in _forms(m))]
    assert not bad, f"{ts.name}: {len(bad)} untranslated or stale: {bad[:5]}"


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda p: p.name)
def test_every_text_of_the_window_is_in_the_translations(ts, tmp_path):
    """lupdate over the window's code adds nothing to the committed .ts: no text shows in English only."""
    lupdate = Path(sys.executable).parent / "pyside6-lupdate"
    if not lupdate.exists() and not shutil.which("pyside6-lupdate"):
        pytest.skip("pyside6-lupdate is not installed")
    copy = tmp_path / ts.name
    shutil.copyfile(ts, copy)
    sources = sorted((ROOT / "mnist_gui" / "gui").rglob("*.py"))
    subprocess.run([str(lupdate) if lupdate.exists() else "pyside6-lupdate", *map(str, sources), "-no-obsolete",
                    "-locations", "none", "-source-language", "en", "-ts", str(copy)]
                   + (["-pluralonly"] if ts.name == "mnist_gui_en.ts" else []), check=True, capture_output=True)
    new = [m.findtext("source") for m in ET.parse(copy).getroot().iter("message")
           if m.find("translation").get("type") == "unfinished"]
    assert not new, f"{ts.name} lacks {len(new)} texts of the window (scripts/update_translations.py): {new[:5]}"


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda p: p.name)
def test_translations_keep_placeholders_and_mnemonics(ts):
    for m in ET.parse(ts).getroot().iter("message"):
        src = m.findtext("source")
        for tr in _forms(m):
            assert set(re.findall(r"\{\d\}", src)) == set(re.findall(r"\{\d\}", tr)), (src, tr)
            assert ("%n" in src) == ("%n" in tr), (src, tr)
            if "<a " not in src:
                assert src.count("&") == tr.count("&"), (src, tr)


def test_chinese_keeps_each_mnemonics_letter_as_x_in_parentheses():
    """A translated text keeps the English text's Alt letter, written "(&X)" as Qt's own Chinese translations
    do ("繪圖(&D)" for "&Draw"): the letters were chosen so that none clashes (test_mnemonics_do_not_clash)."""
    bad = []
    for m in ET.parse(TRANSLATIONS / "mnist_gui_zh_TW.ts").getroot().iter("message"):
        src = m.findtext("source")
        letter = re.search(r"&([^&\s])", src)
        if letter is None or "<a " in src:
            continue
        bad += [(src, tr) for tr in _forms(m) if f"(&{letter.group(1).upper()})" not in tr]
    assert not bad, bad


@pytest.mark.parametrize("ts", TS_FILES, ids=lambda p: p.name)
def test_compiled_translation_is_up_to_date(ts, tmp_path):
    """The .qm in the repository is what lrelease makes of the .ts now (compared by content: a checkout
    sets file times arbitrarily)."""
    lrelease = Path(sys.executable).parent / "pyside6-lrelease"
    exe = str(lrelease) if lrelease.exists() else shutil.which("pyside6-lrelease")
    if exe is None:
        pytest.skip("pyside6-lrelease is not installed")
    fresh = tmp_path / "fresh.qm"
    subprocess.run([exe, "-silent", str(ts), "-qm", str(fresh)], check=True)
    shipped = ts.with_suffix(".qm")
    assert shipped.exists(), f"{shipped.name} missing: run scripts/update_translations.py"
    assert shipped.read_bytes() == fresh.read_bytes(), \
        f"{shipped.name} is older than {ts.name}: run scripts/update_translations.py"


def test_every_core_label_is_marked_for_translation():
    from mnist_gui.core.recipes import FIELDS, RECIPES, SCHEDULES
    from mnist_gui.gui.core_strings import CHOICE_NAMES, CORE_STRINGS
    texts = {t for f in FIELDS for t in (f.label, f.help, f.none_text) if t}
    texts |= {t for r in RECIPES.values() for t in (r.label, r.description)} | {CHOICE_NAMES.get(s, s) for s in SCHEDULES}
    assert texts - set(CORE_STRINGS) == set()


def test_a_schedule_is_shown_by_its_name_in_each_language_and_kept_by_its_id(qtbot):
    """The Schedule box says one-cycle (單週期 in Chinese), not the id onecycle; the id is what a run records."""
    from PySide6.QtWidgets import QWidget

    from mnist_gui.gui import i18n
    from mnist_gui.gui.widgets.field_form import FieldForm
    holder = QWidget()
    qtbot.addWidget(holder)
    form = FieldForm()
    holder.setLayout(form)
    box = form.widgets["schedule"]
    names = {box.itemData(i): box.itemText(i) for i in range(box.count())}
    assert names["onecycle"] == "one-cycle" and names["cosine"] == "cosine"
    try:
        assert i18n.set_language("zh_TW") == "zh_TW"
        form.retranslate()
        assert box.itemText(box.findData("onecycle")).startswith("單週期")
    finally:
        i18n.set_language("en")


def test_system_language():
    assert i18n.system_language(["zh-Hant-TW", "en-US"]) == "zh_TW"
    assert i18n.system_language(["zh-HK"]) == "zh_TW"
    assert i18n.system_language(["de-DE", "en-GB"]) == "en"
    assert i18n.system_language(["fr-FR"]) == "en"


# -- the window ----------------------------------------------------------------------------------------
def visible_texts(window) -> list[tuple[str, str]]:
    """(where, text) for every text a user reads: tab titles, menus, buttons, labels, group boxes, combo
    items, plot titles and axis labels, table headers."""
    out = []
    for tabs in [window.tabs, window.trainTab.bottomTabs, window.modelTab.views]:
        out += [("tab", tabs.tabText(i)) for i in range(tabs.count())]

    def actions(menu):
        for a in menu.actions():
            out.append(("action " + a.objectName(), a.text()))
            if a.menu():
                actions(a.menu())
    actions(window.menuBar())
    for w in window.findChildren(QWidget):
        name = f"{type(w).__name__} {w.objectName()}"
        if isinstance(w, (QAbstractButton, QLabel)):
            out.append((name, w.text()))
        elif isinstance(w, QGroupBox):
            out.append((name, w.title()))
        elif isinstance(w, QComboBox):
            out += [(name, w.itemText(i)) for i in range(w.count())]
        if w.toolTip():
            out.append((name + " tooltip", w.toolTip()))
        if isinstance(w, pg.PlotWidget):
            item = w.getPlotItem()
            out.append((name + " title", item.titleLabel.text))
            for ax in ("left", "bottom"):
                out.append((name + " " + ax, item.getAxis(ax).labelText))
    table = window.trainTab.runsPanel.table
    out += [("runs header", table.horizontalHeaderItem(i).text()) for i in range(table.columnCount())]
    return out


def english_left(window) -> list[tuple[str, str]]:
    words = {e.lower() for e in ENGLISH}
    return [(where, t) for where, t in visible_texts(window)
            if re.sub(r"<[^>]+>", "", t).replace("&", "").strip(" …:").lower() in words]


def test_language_switches_live_and_back(window, qtbot):
    assert english_left(window), "the English sample is out of date: none of it is on screen"
    window.languageActions["zh_TW"].trigger()
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "繪圖(&D)")
    assert window.ws.settings.get("view/language") == "zh_TW"
    assert not english_left(window)
    assert window.trainTab.lossPlot.getPlotItem().titleLabel.text == "每步損失"
    assert window.trainTab.lrSpin.accessibleName() == "學習率"
    assert window.drawTab.bars.confidenceLabel.text() == "寫一個數字"
    assert window.fileMenu.title() == "檔案(&F)"

    window.languageActions["en"].trigger()
    qtbot.waitUntil(lambda: window.tabs.tabText(0) == "&Draw")
    assert window.ws.settings.get("view/language") == "en"
    assert window.trainTab.lossPlot.getPlotItem().titleLabel.text == "Loss per step"
    assert window.trainTab.recipeCombo.itemText(0) == "fast (default)"
    assert window.drawTab.bars.confidenceLabel.text() == "Draw a digit"


def test_the_prediction_is_spoken_in_the_current_language(window, qtbot):
    from tests.gui.conftest import ONE, draw, fit_strokes
    draw(qtbot, window.drawTab.canvas, fit_strokes(ONE))
    bars = window.drawTab.bars
    qtbot.waitUntil(lambda: bars.probabilities() is not None)
    assert re.fullmatch(r"1, \d+% sure", bars.accessibleDescription()), bars.accessibleDescription()
    window.set_language("zh_TW")
    qtbot.waitUntil(lambda: "確定" in bars.accessibleDescription())
    assert bars.accessibleDescription().startswith("1，")


def test_language_setting_is_used_at_start(qtbot):
    from mnist_gui.core.settings import MemoryStore, Settings
    from mnist_gui.core.workspace import Workspace
    from tests.gui.conftest import open_window
    ws = Workspace(settings=Settings(MemoryStore({"view/language": "zh_TW", "view/appearance": "dark"})))
    w = open_window(qtbot, workspace=ws)
    assert w.tabs.tabText(1) == "訓練(&T)" and w.languageActions["zh_TW"].isChecked()
    assert theme.current() is theme.DARK and w.appearanceActions["dark"].isChecked()
    w.jobs.stop_all(5000)


def plots(window) -> list[pg.PlotWidget]:
    found = window.findChildren(pg.PlotWidget)
    assert len(found) >= 5   # prediction bars, loss, accuracy, per-digit accuracy, confusion matrix
    return found


def test_dark_and_light_follow_into_every_plot_and_the_canvas(window, qtbot):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QApplication
    window.appearanceActions["dark"].trigger()
    assert window.ws.settings.get("view/appearance") == "dark"
    assert theme.current().dark
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() < 100
    for p in plots(window):
        assert p.backgroundBrush().color() == QColor(*theme.DARK.plot_bg), p.objectName()
        assert p.getAxis("left").textPen().color() == QColor(*theme.DARK.plot_fg), p.objectName()
    canvas = window.drawTab.canvas
    img = canvas.grab().toImage()
    assert img.pixelColor(canvas.width() // 2, 5).lightness() < 100   # dark paper
    window.appearanceActions["light"].trigger()
    assert not theme.current().dark
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 150
    for p in plots(window):
        assert p.backgroundBrush().color() == QColor(*theme.LIGHT.plot_bg), p.objectName()
    assert canvas.grab().toImage().pixelColor(canvas.width() // 2, 5).lightness() > 200


def test_what_the_network_sees_does_not_depend_on_the_theme(window, qtbot):
    from tests.gui.conftest import SEVEN, draw, fit_strokes
    draw(qtbot, window.drawTab.canvas, fit_strokes(SEVEN))
    light = window.drawTab.current_input().copy()
    window.set_appearance("dark")
    assert (window.drawTab.current_input() == light).all()


INTERACTIVE = (QAbstractButton, QComboBox, QAbstractSpinBox, QSlider, QLineEdit, QAbstractItemView, QTabBar,
               pg.PlotWidget)


def test_every_interactive_widget_has_an_accessible_name(window, qtbot):
    from mnist_gui.gui.widgets.canvas import DrawingCanvas
    unnamed = []
    for tab_index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(tab_index)
        for w in window.findChildren(QWidget):
            if not isinstance(w, (*INTERACTIVE, DrawingCanvas)) or not w.isVisible():
                continue
            if isinstance(w, QLineEdit) and isinstance(w.parent(), (QAbstractSpinBox, QComboBox)):
                continue   # the editor inside a spin box or combo box: the box is named
            iface = QAccessible.queryAccessibleInterface(w)
            name = iface.text(QAccessible.Text.Name) if iface is not None else w.accessibleName()
            if not name.strip():
                unnamed.append(f"{type(w).__name__} {w.objectName() or '(no objectName)'} "
                               f"in {type(w.parent()).__name__}")
    assert not unnamed, unnamed


def mnemonic(text: str) -> str | None:
    m = re.search(r"&([^&])", text)
    return m.group(1).lower() if m else None


def clashes(texts: list[str]) -> list[str]:
    """Pairs of texts that share an Alt+letter."""
    seen: dict[str, str] = {}
    found = []
    for t in texts:
        letter = mnemonic(t)
        if letter in seen:
            found.append(f"Alt+{letter.upper()}: {seen[letter]!r} and {t!r}")
        elif letter:
            seen[letter] = t
    return found


def live_mnemonics(top: QWidget, page: QWidget) -> list[str]:
    """The texts whose Alt+letter works in a window now: as Qt does, those of the visible and enabled
    buttons (check boxes included), labels with a buddy, group boxes and tab titles on `page`; and the
    window's own tab titles and menu bar."""
    texts = []
    if isinstance(top, QMainWindow):
        texts += [top.tabs.tabText(i) for i in range(top.tabs.count()) if top.tabs.isTabEnabled(i)]
        texts += [a.text() for a in top.menuBar().actions() if a.isVisible() and a.isEnabled()]
    for w in page.findChildren(QWidget):
        if not (w.isVisible() and w.isEnabled()):
            continue
        if isinstance(w, QAbstractButton) or isinstance(w, QLabel) and w.buddy() is not None:
            texts.append(w.text())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QTabBar):
            texts += [w.tabText(i) for i in range(w.count()) if w.isTabEnabled(i)]
    return texts


def in_use(window, tab, qtbot):
    """The tab with its work under way or its content there, where more of its buttons are enabled (or other
    texts shown): a run paused, a study running, MNIST loading, a layer selected, a drawing on the canvas.
    Returns how to put it back."""
    from mnist_gui.gui.tabs.study_tab import StudyWorker
    from tests.gui.conftest import ONE, draw, fit_strokes
    if tab is window.drawTab:
        draw(qtbot, tab.canvas, fit_strokes(ONE))   # Remember
        qtbot.waitUntil(tab.teachButton.isEnabled)
        return tab.canvas.clear
    if tab is window.trainTab:
        tab._set_running(True)
        tab.progress.paused = True
        tab.retranslate()                     # Pause reads Continue
        return lambda: tab._set_running(False)
    if tab is window.modelTab:
        tab.editor.table.selectRow(1)         # Remove, Move up, Move down
        return lambda: tab.editor.table.clearSelection()
    if tab is window.dataTab:
        tab.cancelButton.show()               # as while MNIST loads
        return tab.cancelButton.hide
    if tab is window.studyTab:
        tab._worker = StudyWorker(window.ws, tab.plan())   # not started: the tab as while it runs
        tab._update_buttons()

        def back():
            tab._worker = None
            tab._update_buttons()
        return back
    return lambda: None


@pytest.mark.parametrize("panel", ["hidden", "shown"])
@pytest.mark.parametrize("language", ["en", "zh_TW"])
def test_mnemonics_do_not_clash(window, qtbot, small_mnist, language, panel):
    """Alt+letter is unambiguous in every state of every tab: the visible, enabled buttons, labels, group boxes
    and inner tab titles, with the window's tab titles and menu bar, as the tab opens and in use (a paused run,
    a running study, an evaluation's results, a selected layer, a taught digit), with the MNIST panel shown on
    the tabs that have it and hidden, in English and in Chinese; and within each menu, and in File → MNIST
    data…"""
    import numpy as np
    from PySide6.QtCore import QCoreApplication

    from tests.gui.conftest import evaluate
    window.ws.use_mnist(small_mnist)
    window.ws.teach(3, np.zeros((28, 28), np.float32))         # Fine-tune and Delete selected
    evaluate(qtbot, window)                                     # Most confident mistakes, Open in canvas
    if language != "en":
        window.set_language(language)
        qtbot.waitUntil(lambda: window.tabs.tabText(0) == QCoreApplication.translate("MainWindow", "&Draw"))
    assert window.tabs.tabText(0) == ("&Draw" if language == "en" else "繪圖(&D)")
    found, panels = [], 0
    for i in range(window.tabs.count()):
        tab = window.tabs.widget(i)
        window.tabs.setCurrentIndex(i)
        data_panel = getattr(tab, "dataPanel", None)
        if data_panel is not None:
            data_panel.show_status() if panel == "shown" else data_panel.hide()
            panels += data_panel.isVisible()
        for state in ("as it opens", "in use"):
            back = in_use(window, tab, qtbot) if state == "in use" else (lambda: None)
            pages = tab.findChildren(QTabWidget) or [None]
            for inner in pages:
                for j in range(inner.count() if inner is not None else 1):
                    if inner is not None:
                        inner.setCurrentIndex(j)
                    QApplication.processEvents()
                    where = f"{window.tabs.tabText(i)}, {state}" + (f", {inner.tabText(j)}" if inner else "")
                    found += [f"{where}: {c}" for c in clashes(live_mnemonics(window, tab))]
            back()
    for menu in window.menuBar().findChildren(QMenu):
        found += [f"menu {menu.title()}: {c}" for c in clashes([a.text() for a in menu.actions()
                                                                 if a.isVisible() and a.isEnabled()])]
    dialog = window.show_data_setup()
    found += [f"MNIST data: {c}" for c in clashes(live_mnemonics(dialog, dialog))]
    dialog.reject()
    window.set_language("en")
    assert panels == (4 if panel == "shown" else 0)
    assert not found, "\n".join(found)


def test_keyboard_shortcuts_dialog_lists_the_menu_shortcuts(window, qtbot):
    dlg = window.show_shortcuts()
    qtbot.waitExposed(dlg)
    rows = {dlg.table.item(r, 1).text(): dlg.table.item(r, 0).text() for r in range(dlg.table.rowCount())}
    assert rows["Open model"] == "Ctrl+O" and rows["Undo stroke"] == "Ctrl+Z"
    assert rows["the Train tab"] == "Alt+T, Ctrl+2" and rows["the Studies tab"] == "Alt+U, Ctrl+7"
    dlg.close()


def test_ctrl_and_a_number_shows_that_tab(window, qtbot):
    """Ctrl+1 … Ctrl+7 reach every tab from the keyboard, as their Alt letters do."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QKeySequence, QShortcut
    window.activateWindow()
    for i in (6, 1, 0):
        sc = window.findChild(QShortcut, f"tabShortcut{i + 1}")
        assert sc.key() == QKeySequence(f"Ctrl+{i + 1}")
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_1 + i), Qt.KeyboardModifier.ControlModifier)
        qtbot.waitUntil(lambda i=i: window.tabs.currentIndex() == i)


def test_window_icon(window):
    """run_app gives the application its icon; every window shows it."""
    from PySide6.QtWidgets import QApplication

    from mnist_gui.gui.app import set_app_icon
    set_app_icon(QApplication.instance())
    assert not window.windowIcon().isNull()


def test_about_shows_versions_and_models(window, qtbot):
    import PySide6
    import torch
    from PySide6.QtCore import qVersion
    dlg = window.show_about()
    qtbot.waitExposed(dlg)
    text = dlg.label.text()
    for v in (qVersion(), PySide6.__version__, torch.__version__):
        assert v in text
    from mnist_gui import config
    from mnist_gui.core.checkpoint import load_checkpoint
    acc = load_checkpoint(config.SHIPPED_MODEL).metrics["test_accuracy"]
    assert f"Shipped model: test accuracy {acc:.2%}" in text   # from the shipped checkpoint's metrics
    assert acc >= 0.995
    assert "Live model: tf-tutorial-shipped" in text
    assert "tensorflow.org/tutorials/layers" in text and dlg.label.openExternalLinks()
    dlg.close()


def test_a_progress_bars_text_reads_in_one_colour_over_the_filled_part_too(qtbot):
    """Every progress bar of the window (Train, Studies, Evaluate, the MNIST download) draws its text in the
    text colour over the filled part as over the rest, also after a theme switch: the style's two colours cut a
    letter on the chunk's edge in two halves ("41% tep 289/703", a newcomer's report). (The light theme tells
    them apart: white over the blue chunk; the dark theme's two colours are alike.) The text stands out on the
    chunk at 4.5:1 in both themes."""
    import numpy as np
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QApplication

    from mnist_gui.gui.widgets.images import qimage_to_rgba
    from mnist_gui.gui.widgets.progress_bar import ProgressBar

    def qapp_text():
        return QApplication.palette().color(QPalette.ColorRole.Text)
    theme.manager().set_appearance("light")
    bars = {}
    for value in (0, 100):                     # the text over the empty part, and over the filled part
        bars[value] = bar = ProgressBar()
        qtbot.addWidget(bar)
        bar.resize(400, 26)
        bar.setRange(0, 100)
        bar.setValue(value)
        bar.setFormat("%p%  step 888/888")
        bar.show()
    theme.manager().set_appearance("dark")     # made before a switch: they follow it, and back

    def one_colour(bar) -> bool:
        return bar.palette().color(QPalette.ColorRole.HighlightedText) == bar.palette().color(QPalette.ColorRole.Text)
    qtbot.waitUntil(lambda: bars[100].palette().color(QPalette.ColorRole.Text) == qapp_text() and one_colour(bars[100]))
    pal = bars[100].palette()   # the dark theme's light text on its blue was 3.3:1: the chunk is darker for it
    assert theme.contrast(pal.color(QPalette.ColorRole.Text).getRgb()[:3],
                          pal.color(QPalette.ColorRole.Highlight).getRgb()[:3]) >= 4.5
    theme.manager().set_appearance("light")
    qtbot.waitUntil(lambda: bars[100].palette().color(QPalette.ColorRole.Text) == qapp_text() and one_colour(bars[100]))
    for value, bar in bars.items():
        text = np.array(bar.palette().color(QPalette.ColorRole.Text).getRgb()[:3])
        px = qimage_to_rgba(bar.grab().toImage())[6:20, 120:280, :3].astype(int)   # the text's middle, no border
        assert np.abs(px - text).sum(2).min() < 60, (value, np.abs(px - text).sum(2).min())
