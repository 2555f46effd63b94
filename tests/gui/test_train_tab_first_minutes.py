"""The Train, Evaluate, Data and Model tabs in a new user's first minutes (issue 33, second round): what
they say without MNIST, and that nothing jumps or runs off the window at the default size."""

import pytest
from PySide6.QtCore import QRectF

from mnist_gui.gui.widgets.plots import Plot


@pytest.fixture
def no_mnist(window, monkeypatch):
    monkeypatch.delenv("MNIST_GUI_DATA", raising=False)
    from mnist_gui.gui.widgets.data_folder import mnist_missing
    if not mnist_missing(window.ws):
        pytest.skip("MNIST is found without MNIST_GUI_DATA here")
    return window


def test_the_train_tab_without_mnist_says_so_when_shown_and_train_moves_nothing(no_mnist, qtbot):
    window = no_mnist
    tab = window.trainTab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.dataPanel.isVisible())          # at once, not only after Train
    qtbot.waitUntil(lambda: tab.devicesListed, timeout=60_000)
    form, plot = tab.settingsBox.geometry(), tab.lossPlot.geometry()
    with qtbot.waitSignal(tab.runFailed, timeout=60_000):
        tab.trainButton.click()
    qtbot.wait(0)
    assert tab.dataPanel.isVisible() and "MNIST" in tab.dataPanel.message.text()
    assert tab.settingsBox.geometry() == form and tab.lossPlot.geometry() == plot   # no jump
    assert window.lastMessage is None or not window.lastMessage.isVisible()       # the panel says it, once


def test_the_loading_pytorch_line_resolves(window, qtbot):
    tab = window.trainTab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.devicesListed, timeout=60_000)
    lines = tab.log.toPlainText().splitlines()
    assert "loading PyTorch…" in lines
    assert any(line.startswith("PyTorch loaded") for line in lines[lines.index("loading PyTorch…") + 1:])


def test_an_empty_plots_words_fit_its_view(qtbot):
    p = Plot("narrow")
    qtbot.addWidget(p)
    p.resize(300, 200)
    p.show()
    qtbot.waitExposed(p)
    p.set_empty("no run yet: press Train, or select runs in the Runs list, and some more words to wrap")
    vb = p.getPlotItem().vb
    item = p._emptyItem
    inside = vb.mapRectToScene(vb.rect())
    assert inside.contains(item.mapRectToScene(item.boundingRect())), (inside, item.mapRectToScene(item.boundingRect()))
    assert isinstance(inside, QRectF)
