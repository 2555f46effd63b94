"""Setting MNIST up from the window: one place (File → MNIST data…, and the same panel on every tab that
needs MNIST) to choose the folder or download the files with their bytes shown; an offline download
says so in the window's words; a failure for want of MNIST leads there."""


from mnist_gui.gui.i18n import set_language
from tests.core.test_download import mirror, mirror_held  # noqa: F401 - the local MNIST mirror fixtures


def test_the_data_tab_downloads_mnist_with_its_bytes_shown_and_goes_on(window, qtbot, mirror, monkeypatch):  # noqa: F811
    tab = window.dataTab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.dataPanel.isVisibleTo(tab), timeout=60_000)   # nothing to load from
    panel = tab.dataPanel
    assert panel.downloadButton.isVisibleTo(tab) and panel.chooseButton.isVisibleTo(tab)
    assert not tab.meansTitle.isVisibleTo(tab)    # no heading over nothing
    shown = []
    panel.downloadBar.valueChanged.connect(lambda v: shown.append((panel.downloadBar.format(), v)))
    with qtbot.waitSignal(panel.chosen, timeout=60_000):
        panel.downloadButton.click()
    size = (mirror / "train-images-idx3-ubyte.gz").stat().st_size
    assert any(v == size and f"of {size / 1e6:.1f} MB" in text and "(1 of 4)" in text for text, v in shown)
    assert window.ws.data_dir == str(window.ws.download_dir)    # remembered: the command line reads it too
    qtbot.waitUntil(lambda: tab.data is not None, timeout=60_000)   # the tab went on and loaded it
    assert len(tab.data.train) == 400 and not panel.isVisibleTo(tab) and tab.meansTitle.isVisibleTo(tab)


def test_offline_the_panel_says_so_in_our_words_in_either_language(window, qtbot, mirror, monkeypatch):  # noqa: F811
    from torchvision.datasets import MNIST
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])   # nothing listens there
    dialog = window.show_data_setup()
    panel = dialog.panel
    assert "MNIST was not found" in panel.message.text() and "--data-dir" not in panel.message.text()
    with qtbot.waitSignal(panel.downloadButton.clicked):
        panel.downloadButton.click()
    qtbot.waitUntil(lambda: not panel.downloading(), timeout=60_000)
    text = panel.message.text()
    assert "cannot reach the MNIST servers" in text and "choose a folder" in text and "Traceback" not in text
    assert panel.chooseButton.isEnabled() and panel.downloadButton.isEnabled()
    set_language("zh_TW")
    try:
        panel.download()
        qtbot.waitUntil(lambda: not panel.downloading(), timeout=60_000)
        assert "MNIST" in panel.message.text() and "could not" not in panel.message.text()
    finally:
        set_language("en")
    dialog.reject()


def test_a_failed_downloads_reason_stays_when_train_finds_no_mnist(window, qtbot, mirror, monkeypatch):  # noqa: F811
    """Found by a newcomer tryout: Download said "cannot reach the MNIST servers (…)", then Train put the plain "MNIST
    was not found" back in the same panel, the reason gone. It stays until MNIST is found."""
    from torchvision.datasets import MNIST

    from mnist_gui.core.data import not_found
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])   # nothing listens there
    tab = window.trainTab
    window.tabs.setCurrentWidget(tab)
    panel = tab.dataPanel
    panel.download()
    qtbot.waitUntil(lambda: not panel.downloading(), timeout=60_000)
    assert "cannot reach the MNIST servers" in panel.message.text()
    assert tab.start_training()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=120_000)
    assert "cannot reach the MNIST servers" in panel.message.text() and panel.isVisibleTo(tab)
    panel._done("/nowhere")                  # a folder chosen: a later "not found" is that one's own
    panel.show_missing(not_found("/nowhere"))
    assert "cannot reach" not in panel.message.text() and "MNIST was not found" in panel.message.text()


def test_a_cancelled_download_keeps_nothing_half_written(window, qtbot, mirror, mirror_held):  # noqa: F811
    panel = window.show_data_setup().panel
    stop_when_started = []
    panel.downloadBar.valueChanged.connect(   # Cancel clicked once the first bytes show; then the rest is sent
        lambda v: v > 0 and not stop_when_started and (stop_when_started.append(v), panel.cancelButton.click(),
                                                         mirror_held.set()))
    panel.download()
    qtbot.waitUntil(lambda: not panel.downloading(), timeout=60_000)
    assert stop_when_started
    assert "cancelled" in panel.message.text()
    assert not any(p.suffix == ".part" for p in window.ws.download_dir.iterdir())
    assert window.ws.data_dir is None


def test_finetune_without_mnist_opens_the_mnist_setup_instead_of_a_failed_run(window, qtbot, monkeypatch):
    from torchvision.datasets import MNIST
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])
    import os
    folder = os.environ["MNIST_GUI_DATA"]
    monkeypatch.delenv("MNIST_GUI_DATA")
    import numpy as np
    window.ws.teach(3, np.zeros((28, 28), np.float32))
    window.tabs.setCurrentWidget(window.drawTab)          # fine-tune is asked for on the Draw tab
    window.drawTab.finetuneButton.click()
    # the MNIST set-up (the same panel as the Train tab's and File → MNIST data…), not "Training failed"
    assert window.dataDialog is not None and window.dataDialog.isVisible()
    assert window.dataDialog.panel.downloadButton.isVisible()
    purpose = window.dataDialog.purposeLabel   # it says first why MNIST is asked for, in the language of the moment
    assert purpose.isVisible() and purpose.text().startswith("Fine-tuning on your digits needs MNIST too")
    set_language("zh_TW")
    qtbot.waitUntil(lambda: purpose.text().startswith("用你的數字微調也需要 MNIST"))
    set_language("en")
    qtbot.waitUntil(lambda: purpose.text().startswith("Fine-tuning on your digits"))
    assert not window.trainTab.is_running() and window.lastMessage is None
    assert window.drawTab.finetuneButton.isEnabled()
    # the folder chosen there: the dialog closes and the fine-tune asked for goes on
    with qtbot.waitSignal(window.trainTab.runFinished, timeout=300_000):
        assert window.dataDialog.panel.choose(folder)
        assert not window.dataDialog.isVisible()
        assert window.trainTab.is_running() or window.trainTab._preparing
        window.trainTab.stop_training()
    assert window.lastMessage is None


def test_a_finetune_waiting_for_mnist_is_dropped_when_its_dialog_is_closed(window, qtbot, monkeypatch):
    import os

    from torchvision.datasets import MNIST
    monkeypatch.setattr(MNIST, "mirrors", ["http://127.0.0.1:9/"])   # nothing listens there

    import numpy as np
    folder = os.environ["MNIST_GUI_DATA"]
    monkeypatch.delenv("MNIST_GUI_DATA")
    window.ws.teach(3, np.zeros((28, 28), np.float32))
    window.drawTab.finetuneButton.click()
    window.dataDialog.panel.download()          # closing the dialog cancels its download, and drops the fine-tune
    window.dataDialog.reject()
    qtbot.waitUntil(lambda: not window.dataDialog.panel.downloading(), timeout=60_000)
    window.show_data_setup()                    # File → MNIST data…: no reason given, none needed
    assert not window.dataDialog.purposeLabel.isVisible()
    window.dataDialog.reject()
    assert window.choose_data_folder(folder)   # File → MNIST folder… later: no fine-tune starts on its own
    window.show_data_setup().panel.choose(folder)
    assert not window.trainTab.is_running() and not window.trainTab._preparing


def test_without_mnist_the_data_tab_says_not_found_once(window, qtbot, monkeypatch):
    monkeypatch.delenv("MNIST_GUI_DATA", raising=False)
    tab = window.dataTab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.dataPanel.isVisibleTo(tab), timeout=60_000)   # nothing to load from
    assert tab.load()
    qtbot.waitUntil(lambda: tab._loader is None, timeout=60_000)   # Load MNIST failed
    shown = [w.text() for w in (tab.status, tab.dataPanel.message) if w.isVisibleTo(tab)]
    assert sum("MNIST was not found" in text for text in shown) == 1, shown
    assert tab.dataPanel.isVisibleTo(tab) and tab.loadButton.isEnabled()


def test_before_loading_the_data_tab_says_one_thing_about_mnist(window, qtbot, monkeypatch):
    """Known missing: the panel's 'MNIST was not found' alone (the status line said it is loaded when you click
    Load MNIST), in either language; MNIST set up meanwhile elsewhere: how it is loaded, the panel gone."""
    import os

    from tests.gui.test_language_walk import wait_for_the_switch
    folder = os.environ["MNIST_GUI_DATA"]
    monkeypatch.delenv("MNIST_GUI_DATA")
    tab = window.dataTab

    def shown():
        return [w.text() for w in (tab.status, tab.dataPanel.message) if w.isVisibleTo(tab) and w.text()]
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.dataPanel.isVisibleTo(tab), timeout=60_000)   # nothing to load from
    assert len(shown()) == 1 and "MNIST was not found" in shown()[0], shown()
    window.set_language("zh_TW")
    try:
        wait_for_the_switch(window, qtbot)          # Qt posts the language change: checked once it has been made
        assert len(shown()) == 1 and "找不到 MNIST" in shown()[0], shown()
    finally:
        window.set_language("en")
    wait_for_the_switch(window, qtbot)
    assert len(shown()) == 1 and "MNIST was not found" in shown()[0], shown()
    window.tabs.setCurrentWidget(window.drawTab)
    window.ws.set_data_dir(folder)                  # as File → MNIST data… would
    window.tabs.setCurrentWidget(tab)
    assert shown() == [tab.status.text()] and "Load MNIST" in tab.status.text(), shown()


def test_the_mnist_panel_says_what_it_says_again_in_the_language_switched_to(window, qtbot, tmp_path, monkeypatch):
    """The panel's message follows a language switch as its buttons do: MNIST not found (said before the switch,
    then in Chinese), a chosen folder that lacks the files (said in Chinese, then in English again)."""
    from tests.gui.test_language_walk import english_words
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    monkeypatch.setenv("MNIST_GUI_DATA", str(empty))
    tab = window.trainTab
    panel = tab.dataPanel
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(panel.isVisible)
    assert "MNIST was not found" in panel.message.text() and panel.chooseButton.text().startswith("&Browse")
    window.set_language("zh_TW")
    try:
        qtbot.waitUntil(lambda: "MNIST was not found" not in panel.message.text())
        assert "找不到 MNIST" in panel.message.text() and not english_words(panel.message.text())
        assert not english_words(panel.chooseButton.text()) and not english_words(panel.downloadButton.text())
        assert not panel.choose(str(empty))                  # a folder without the files
        assert "缺少" in panel.message.text()
    finally:
        window.set_language("en")
    qtbot.waitUntil(lambda: "缺少" not in panel.message.text())
    assert f"{empty} lacks train-images-idx3-ubyte, " in panel.message.text() and panel.isVisible()


def test_the_panel_puts_its_buttons_one_above_the_other_where_they_would_not_fit(window, qtbot, mirror):  # noqa: F811
    """In a narrow Train tab (800×560) the two buttons side by side were cut to "e for the folder with the
    MNIST" and "Download MNIST (about 11 MB": there they go one above the other, each whole."""
    from PySide6.QtWidgets import QBoxLayout
    tab = window.trainTab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.dataPanel.isVisibleTo(tab), timeout=60_000)   # nothing to load from
    panel = tab.dataPanel
    whole = lambda: all(b.width() >= b.sizeHint().width() for b in (panel.chooseButton, panel.downloadButton))
    window.resize(1000, 680)
    qtbot.waitUntil(lambda: panel.buttons.direction() == QBoxLayout.Direction.LeftToRight and whole())
    window.resize(800, 560)
    qtbot.waitUntil(lambda: panel.buttons.direction() == QBoxLayout.Direction.TopToBottom and whole())


def test_the_panel_never_widens_the_studies_form_column(window, qtbot):
    """The Studies tab's form column is as wide as its form: the panel showing below it (Start without MNIST)
    widened it by 200 px to fit both buttons side by side; now they go one above the other there."""
    from PySide6.QtWidgets import QBoxLayout

    from mnist_gui.core.data import not_found
    tab = window.studyTab
    window.resize(1280, 800)
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.progressBar.width() > 0 and tab.accuracyPlot.width() > 0)
    form, plot = tab.progressBar.width(), tab.accuracyPlot.width()
    tab.dataPanel.show_missing(not_found(None, user_folder=window.ws.download_dir))
    qtbot.waitUntil(lambda: tab.dataPanel.isVisibleTo(tab) and tab.dataPanel.width() > 0)
    assert tab.dataPanel.width() == form and tab.progressBar.width() == form and tab.accuracyPlot.width() == plot
    panel = tab.dataPanel
    whole = lambda: all(b.width() >= b.sizeHint().width() for b in (panel.chooseButton, panel.downloadButton))
    qtbot.waitUntil(lambda: panel.buttons.direction() == QBoxLayout.Direction.TopToBottom and whole())


def test_a_damaged_mnist_folder_is_said_in_the_panel_and_another_folder_goes_on(window, qtbot, tmp_path, monkeypatch):
    """Found by a newcomer: "wrong magic number … (not an MNIST IDX file)" stood in the Data tab's status line with
    no way to choose another folder there, and stayed after File → MNIST data… chose a good one. A damaged folder
    is said in the panel, as a missing one is, and choosing another folder loads it."""
    from tests.core.test_data import make_fake_mnist
    monkeypatch.delenv("MNIST_GUI_DATA", raising=False)
    bad, good = make_fake_mnist(tmp_path / "bad"), make_fake_mnist(tmp_path / "good")
    (bad / "train-images-idx3-ubyte.gz").write_bytes((good / "train-labels-idx1-ubyte.gz").read_bytes())  # labels
    window.ws.set_data_dir(str(bad))
    tab = window.dataTab
    window.tabs.setCurrentWidget(tab)
    assert tab.load()
    qtbot.waitUntil(lambda: tab.dataPanel.isVisibleTo(tab), timeout=30_000)
    assert "holds labels, expected images" in tab.dataPanel.message.text() and tab.status.text() == ""
    assert tab.dataPanel.chooseButton.isVisibleTo(tab)   # the way to another folder, where the error is said
    assert window.choose_data_folder(str(good))          # File → MNIST data… (the panel's own check)
    qtbot.waitUntil(lambda: tab.data is not None, timeout=30_000)
    assert not tab.dataPanel.isVisibleTo(tab) and str(good) in tab.status.text()
    import numpy as np  # a small folder with no image of some digit: those means are black, not NaN
    assert 0 in tab.count_per_class and np.isfinite(tab.mean_images).all()
