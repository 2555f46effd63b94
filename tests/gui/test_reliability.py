import pytest
from PySide6.QtCore import Qt

from tests.gui.conftest import evaluate


@pytest.mark.slow
def test_reliability_diagram_after_evaluation(window, qtbot, small_mnist, monkeypatch):
    tab = window.evaluateTab
    window.ws.use_mnist(small_mnist)
    window.tabs.setCurrentWidget(tab)
    assert tab.reliabilityBins == []
    ev = evaluate(qtbot, window)
    bins = tab.reliabilityBins
    assert len(bins) == 10 and sum(bn.count for bn in bins) == len(small_mnist.test)
    top = ev["probabilities"].numpy().max(1)
    assert bins[9].count == int((top > 0.9).sum())
    assert "ECE" in tab.reliabilityPlot.getPlotItem().titleLabel.text
    # pen digits missing: one line in the title, the MNIST diagram's numbers untouched
    monkeypatch.setattr("mnist_gui.core.handwriting.pendigits.find_pendigits", lambda folder: None)
    tab.reliabilitySource.setCurrentIndex(tab.reliabilitySource.findData("pen"))
    qtbot.waitUntil(lambda: "not found" in tab.reliabilityPlot.getPlotItem().titleLabel.text, timeout=30_000)
    tab.reliabilitySource.setCurrentIndex(tab.reliabilitySource.findData("mnist"))
    assert sum(bn.count for bn in tab.reliabilityBins) == len(small_mnist.test)


@pytest.mark.slow
def test_reliability_diagram_of_pen_digits_the_model_has_not_seen(window, qtbot, small_mnist, monkeypatch):
    from mnist_gui.core.handwriting.pendigits import find_pendigits, read_unipen
    path = find_pendigits(small_mnist.folder)
    if path is None:
        pytest.skip("pen-drawn digits not available")
    tab = window.evaluateTab
    window.ws.use_mnist(small_mnist)
    # the live model says it trained on writers 1-20's pen digits: only 21-30 are read
    monkeypatch.setitem(window.ws.checkpoint.train_config, "pen_writers", "1-20")
    window.tabs.setCurrentWidget(tab)
    tab.reliabilitySource.setCurrentIndex(tab.reliabilitySource.findData("pen"))
    title = lambda: tab.reliabilityPlot.getPlotItem().titleLabel.text  # noqa: E731
    qtbot.waitUntil(lambda: "ECE" in title() or "not" in title(), timeout=120_000)
    assert "ECE" in title() and "21-30" in title(), title()
    assert len(tab.reliabilityBins) == 10
    assert sum(bn.count for bn in tab.reliabilityBins) == sum(d.writer > 20 for d in read_unipen(path))


@pytest.mark.slow
def test_pen_diagram_follows_the_live_model_and_says_when_it_has_seen_every_writer(window, qtbot, small_mnist,
                                                                                   monkeypatch):
    """A diagram of the writers one model has not seen; then a model that has seen all 30 goes live (as
    the shipped one has): the old diagram goes and the reason is said in words."""
    from dataclasses import replace

    from mnist_gui.core.handwriting.pendigits import find_pendigits
    if find_pendigits(small_mnist.folder) is None:
        pytest.skip("pen-drawn digits not available")
    tab = window.evaluateTab
    window.ws.use_mnist(small_mnist)
    ck = window.ws.checkpoint
    assert ck.train_config.get("pen_writers") == "1-30"      # the shipped model
    window.ws.make_live(replace(ck, train_config=dict(ck.train_config, pen_writers="1-20")), remember=False)
    window.tabs.setCurrentWidget(tab)
    tab.reliabilitySource.setCurrentIndex(tab.reliabilitySource.findData("pen"))
    title = lambda: tab.reliabilityPlot.getPlotItem().titleLabel.text  # noqa: E731
    qtbot.waitUntil(lambda: "ECE" in title(), timeout=120_000)
    assert "21-30" in title() and sum(b.count for b in tab.reliabilityBins) > 2000
    window.ws.make_live(ck, remember=False)
    qtbot.waitUntil(lambda: "unseen" in tab.reliabilityPlot.toolTip(), timeout=60_000)
    assert "(1-30)" in tab.reliabilityPlot.toolTip() and "ECE" not in title()
    assert tab.reliabilityBins == [] and tab.reliabilityEce is None and tab._relTexts == []


@pytest.mark.slow
def test_mnist_results_say_when_the_live_model_has_changed(window, qtbot, small_mnist):
    """The results stay after another model goes live, the accuracy and the diagram marked as an earlier
    model's; evaluating again makes them the live model's. An evaluation the live model changed under
    is an earlier model's when it ends."""
    from dataclasses import replace
    tab = window.evaluateTab
    window.ws.use_mnist(small_mnist)
    window.tabs.setCurrentWidget(tab)
    evaluate(qtbot, window)
    title = lambda: tab.reliabilityPlot.getPlotItem().titleLabel.text.replace("<br>", " ")  # noqa: E731
    assert tab.result_is_live() and "earlier" not in tab.accuracyLabel.text() and "earlier" not in title()
    ck = window.ws.checkpoint
    window.ws.make_live(replace(ck, meta=dict(ck.meta, name="another")), remember=False)
    assert not tab.result_is_live()
    assert "earlier model" in tab.accuracyLabel.text() and "earlier model" in title()
    assert sum(bn.count for bn in tab.reliabilityBins) == len(small_mnist.test)   # still shown
    evaluate(qtbot, window)
    assert tab.result_is_live() and "earlier" not in tab.accuracyLabel.text() and "earlier" not in title()
    with qtbot.waitSignal(tab.evaluated, timeout=120_000):
        qtbot.mouseClick(tab.evaluateButton, Qt.MouseButton.LeftButton)
        window.ws.make_live(ck, remember=False)       # while it runs
    assert not tab.result_is_live() and "earlier model" in tab.accuracyLabel.text()


def test_titles_wrap_to_the_plot_in_any_language():
    """A long title would widen the plot and push the diagram out of view: lines of at most 36 columns,
    a Chinese character counting two, broken between Chinese characters (they have no spaces)."""
    from mnist_gui.gui.tabs.evaluate_tab import TITLE_COLUMNS, _columns, wrap_columns
    en = "Reliability, MNIST test, an earlier model: ECE 0.29%"
    zh = "此模型已用所有書寫者（1-30）的手寫筆跡數字訓練過：沒有未見過的書寫者可供評估"
    for text in (en, zh):
        lines = wrap_columns(text, TITLE_COLUMNS)
        assert len(lines) > 1 and all(_columns(line) <= TITLE_COLUMNS for line in lines)
    assert " ".join(wrap_columns(en, TITLE_COLUMNS)) == en
    assert "".join(wrap_columns(zh, TITLE_COLUMNS)) == zh
    assert wrap_columns("Reliability", TITLE_COLUMNS) == ["Reliability"]


def test_the_counts_and_values_are_readable_in_light_and_dark(window, qtbot):
    """Issue 33: in dark mode the reliability counts stayed the light theme's dark grey (on the dark plot,
    beside blue bars). The counts follow the plot's text colour and the per-digit values the bar's best text
    colour, in both themes, drawn before or after the switch."""
    import numpy as np

    from mnist_gui.gui import theme
    tab = window.evaluateTab
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.full(10, 0.3), 500).astype(np.float32)
    labels = rng.integers(0, 10, 500)

    def readable():
        t = theme.current()
        counts = [item.color.getRgb()[:3] for item in tab._relTexts]
        values = [item.color.getRgb()[:3] for item in tab._classTexts]
        return (counts and values and min(theme.contrast(c, t.plot_bg) for c in counts) >= 4.5
                and min(theme.contrast(c, t.bar) for c in values) >= 3)

    try:
        for first, then in (("light", "dark"), ("dark", "light")):
            theme.manager().set_appearance(first)
            tab._draw_reliability(probs, labels, "MNIST test")
            tab._show_per_class(np.full(10, 99.5))
            assert readable(), first
            theme.manager().set_appearance(then)
            assert readable(), then
    finally:
        theme.manager().set_appearance("system")


def test_the_confidence_axis_shows_0_to_100_with_its_100_label(window, qtbot):
    """At the window's default size the confidence axis runs 0..100 and writes "100" at its end, inside the
    plot (pyqtgraph hid a label that reached past the axis: only 0..80 were written)."""
    import numpy as np
    from PySide6.QtGui import QImage, QPainter
    window.resize(1000, 680)
    tab = window.evaluateTab
    window.tabs.setCurrentWidget(tab)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 500)
    logits = rng.normal(size=(500, 10))
    logits[np.arange(500), labels] += rng.uniform(0, 8, 500)
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    tab._draw_reliability(probs, labels, "MNIST test")
    plot = tab.reliabilityPlot
    qtbot.waitUntil(lambda: plot.isVisible() and plot.width() > 100)
    assert plot.getViewBox().viewRange()[0] == [0.0, 100.0]
    axis = plot.getAxis("bottom")
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        texts = {text: rect for rect, _flags, text in axis.generateDrawSpecs(painter)[2]}
    finally:
        painter.end()
    assert {"0", "100"} <= set(texts), sorted(texts)
    shown = plot.mapFromScene(axis.mapRectToScene(texts["100"])).boundingRect()
    assert plot.rect().contains(shown), (shown, plot.rect())   # written whole, not cut at the plot's edge
