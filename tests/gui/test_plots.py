"""Every plot of the Train, Evaluate and Studies tabs: no SI prefix, no auto-range button, honest empty
states and ranges, legends beside the data, overlay colours that are not the current run's."""

import math

import pyqtgraph as pg
import pytest

from mnist_gui.gui import theme
from mnist_gui.gui.widgets.plots import percent_floor
from tests.gui.conftest import accept_new_model

PLOTS = {"lossPlot", "accuracyPlot", "perClassPlot", "confusionMatrix", "reliabilityPlot", "studyAccuracyPlot",
         "studyTimePlot"}


def tab_plots(window) -> dict:
    found = {}
    for tab in (window.trainTab, window.evaluateTab, window.studyTab):
        window.tabs.setCurrentWidget(tab)
        found.update({p.objectName(): p for p in tab.findChildren(pg.PlotWidget)})
    return found


def test_no_plot_has_an_si_prefix_or_an_auto_range_button(window):
    plots = tab_plots(window)
    assert PLOTS <= set(plots)
    for name, p in plots.items():
        for ax in ("left", "bottom", "right", "top"):
            assert not p.getAxis(ax).autoSIPrefix, name
        assert p.getPlotItem().buttonsHidden and not p.getPlotItem().autoBtn.isVisible(), name


def test_empty_plots_say_what_they_wait_for_and_show_no_made_up_range(window):
    plots = tab_plots(window)
    for name in PLOTS - {"reliabilityPlot"}:   # the reliability diagram shows its diagonal from the start
        p = plots[name]
        assert p.is_empty() and p.emptyText, name
        assert not p.getAxis("left").style["showValues"], name
    assert plots["perClassPlot"].viewRange()[1] == pytest.approx([0, 100])
    for name in ("accuracyPlot", "studyAccuracyPlot"):   # room above 100 for a point drawn there
        lo, hi = plots[name].viewRange()[1]
        assert lo == 0 and 100 < hi <= 110, name
    assert plots["studyTimePlot"].viewRange()[1][0] == 0


def test_legends_sit_beside_the_data(window):
    for name, p in tab_plots(window).items():
        legend = p.getPlotItem().legend
        if legend is None:
            continue
        if name == "studyTimePlot":   # no rows: it keeps the data as wide as the accuracy plot's above it
            assert not legend.items
            continue
        assert legend.items, name
        view = p.getPlotItem().vb.sceneBoundingRect()
        assert legend.sceneBoundingRect().left() >= view.right() - 1, name   # layout cells may share a pixel


def _distance(a, b) -> float:
    return math.dist(a, b)


@pytest.mark.parametrize("t", [theme.LIGHT, theme.DARK], ids=["light", "dark"])
def test_overlaid_runs_never_take_the_current_runs_colours(t):
    current = (t.smooth_loss, t.test, t.train_acc)
    for i, c in enumerate(t.runs):
        others = current + t.runs[:i] + t.runs[i + 1:]
        assert min(_distance(c, o) for o in others) >= 60, c


def test_percent_axes_start_at_zero_or_say_where_they_start():
    assert percent_floor([]) == 0 and percent_floor([12.0, 99.0]) == 0
    assert percent_floor([97.3, 99.1]) == 96 and percent_floor([99.95]) == 99


@pytest.mark.slow
def test_a_run_plots_accuracy_in_percent_from_0_to_100(window, qtbot, small_mnist):
    from mnist_gui.core.recipes import TrainConfig
    tab = window.trainTab
    window.tabs.setCurrentWidget(tab)
    window.ws.use_mnist(small_mnist)
    tab.apply_config(TrainConfig(preset="fast-bn", lr=1e-2, batch_size=64, max_steps=20))
    tab.start_training()
    accept_new_model(qtbot, window)
    _, acc = tab.trainAccCurve.getData()
    _, test = tab.testAccCurve.getData()
    assert 1 < acc.max() <= 100 and 1 < test.max() <= 100          # percent, not fractions
    assert not tab.accuracyPlot.is_empty() and not tab.lossPlot.is_empty()
    assert tab.accuracyPlot.viewRange()[1][0] == 0 and 100 < tab.accuracyPlot.viewRange()[1][1] <= 110
    assert tab.lossPlot.viewRange()[1][0] >= 0
    # an overlaid run in a colour of its own
    panel = tab.runsPanel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)   # the records are read in a worker
    panel.table.selectRow(0)
    pens = [item.opts["pen"].color().getRgb()[:3] for _plot, item in panel._overlays]
    own = {tuple(c) for c in (theme.current().train_acc, theme.current().test, theme.current().smooth_loss)}
    assert pens and not own & set(pens)


def _columns(plots, xs) -> list[list[float]]:
    """Where each x value is drawn in each plot, in window pixels (the plots stacked at the same left edge)."""
    from PySide6.QtCore import QPointF
    out = []
    for p in plots:
        vb = p.getPlotItem().vb
        out.append([p.mapTo(p.window(), p.mapFromScene(vb.mapViewToScene(QPointF(x, 0)))).x() for x in xs])
    return out


def test_the_train_tabs_two_plots_draw_a_step_at_the_same_place(qtbot):
    """Loss above accuracy: a step is at the same x in both, whatever their tick labels (2.5 against 100),
    legends (training (smoothed) against training (running)), titles in Chinese or a wider legend row."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QSplitter

    from mnist_gui.core.events import EpochEnded, Progressed
    from mnist_gui.gui.widgets.training_plots import TrainingPlots
    plots = TrainingPlots()
    plots.retranslate()
    splitter = QSplitter(Qt.Orientation.Vertical)
    splitter.addWidget(plots.lossPlot)
    splitter.addWidget(plots.accuracyPlot)
    qtbot.addWidget(splitter)
    splitter.resize(700, 560)
    splitter.show()
    qtbot.waitExposed(splitter)
    steps = tuple(range(1, 601))
    plots.add_progress(Progressed(600, 600, 1, 0.1, 0.98, 100.0, 0.0, 1e-3, 10.0, steps,
                                  tuple(2.3 * math.exp(-s / 80) + 0.05 for s in steps),
                                  tuple(min(0.99, 1 - 0.9 * math.exp(-s / 60)) for s in steps)))
    plots.add_epoch(EpochEnded(1, 1, 600, 0.08, 0.98, (0.98,) * 10, 10.0, 1.0))
    pair = (plots.lossPlot, plots.accuracyPlot)

    def aligned():
        loss, acc = _columns(pair, (0, 300, 600))
        return all(abs(a - b) <= 1 for a, b in zip(loss, acc)) and loss[2] - loss[0] > 200
    qtbot.waitUntil(aligned)
    views = [p.getPlotItem().vb.sceneBoundingRect() for p in pair]
    assert abs(views[0].right() - views[1].right()) <= 1   # the axis lines end together too
    plots.lossPlot.setLabel("left", "交叉熵")               # written across: a narrower left axis
    plots.accuracyPlot.plot([0, 600], [50, 60], name="an earlier run with a much longer name")
    qtbot.waitUntil(aligned)


def test_a_test_point_at_100_percent_shows_whole_at_any_height(qtbot):
    """The accuracy axis ends a point's half above 100%, in pixels whatever the plot's height: a test accuracy
    of 100% (a small test set, a fine-tune) was drawn half cut off by the top of the view."""
    from PySide6.QtCore import QPointF

    from mnist_gui.gui.widgets.plots import POINT_ROOM_PX
    from mnist_gui.gui.widgets.training_plots import TrainingPlots
    plots = TrainingPlots()
    plot = plots.accuracyPlot
    qtbot.addWidget(plot)
    plots.add_test(10, 1.0, 0.01)
    plot.show()
    qtbot.waitExposed(plot)
    vb = plot.getPlotItem().vb
    symbol = plots.testAccCurve.opts["symbolSize"] / 2
    for height in (160, 420, 900):
        plot.resize(500, height)
        qtbot.waitUntil(lambda h=height: abs(plot.height() - h) <= 1)
        top = vb.mapViewToScene(QPointF(10, 100)).y() - vb.sceneBoundingRect().top()   # pixels above the point
        assert symbol < top <= POINT_ROOM_PX + 1, height
        assert vb.viewRange()[1][0] == 0   # and still from 0
    plot.setYRange(95, 100, padding=0)    # the user zooms in: a resize leaves their range as it is
    for size in ((700, 900), (700, 300)):
        plot.resize(*size)
        qtbot.waitUntil(lambda s=size: plot.width() == s[0] and abs(plot.height() - s[1]) <= 1)
        assert vb.viewRange()[1] == pytest.approx([95, 100]), size


def test_the_studies_two_plots_draw_a_value_at_the_same_place(window, qtbot):
    """Accuracy above training time, one legend beside the first: a value is at the same x in both."""
    from mnist_gui.core.study import results as st
    from mnist_gui.core.study.plan import StudyPlan
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    runs = [(1e-3, 0, 0.971), (1e-3, 1, 0.975), (1e-2, 0, 0.982), (1e-2, 1, 0.99), (3e-2, 0, 0.93), (3e-2, 1, 0.95)]
    rows = [st.TrialRow(i, "complete", {"lr": lr}, seed, acc, 10.0 + i) for i, (lr, seed, acc) in enumerate(runs)]
    tab._set_rows(rows, StudyPlan("lr", "lr", [1e-3, 1e-2, 3e-2], 2))   # as a study's rows are shown
    pair = (tab.accuracyPlot, tab.timePlot)
    xs = sorted(tab.x_positions("lr").values())
    assert tab.accuracyPlot.getAxis("left").labelText != tab.timePlot.getAxis("left").labelText

    def aligned():
        top, bottom = _columns(pair, xs)
        return all(abs(a - b) <= 1 for a, b in zip(top, bottom)) and top[-1] - top[0] > 20
    qtbot.waitUntil(aligned)


def test_a_squeezed_train_tab_never_cuts_a_legend_off(window, qtbot):
    """In Chinese, with the MNIST panel above them at the default window size, the Train tab's plots kept
    too little height for their legends: the last row was cut off. The plots now ask for the height their
    title, legend and x axis need; the log below gives way."""
    from mnist_gui.core.errors import DataError
    tab = window.trainTab
    window.resize(1000, 680)
    window.tabs.setCurrentWidget(tab)
    window.set_language("zh_TW")
    try:
        tab.dataPanel.show_missing(DataError("MNIST was not found: a long explanation " * 4))
        for plot in (tab.lossPlot, tab.accuracyPlot):
            legend = plot.getPlotItem().legend
            qtbot.waitUntil(lambda p=plot, lg=legend: p.rect().contains(
                p.mapFromScene(lg.sceneBoundingRect()).boundingRect()) and p.height() >= p.minimumSizeHint().height() - 6)
            assert plot.minimumSizeHint().height() >= legend.sceneBoundingRect().height()
    finally:
        window.set_language("en")


def test_a_legends_dot_has_its_points_colour_before_the_first_point(window, qtbot):
    """The legend's dot of the Train tab's test points and of the Studies tab's mean is drawn in their colour
    from the start, in both themes (it was pyqtgraph's grey-blue until the first point came, and stayed so on
    screen until a repaint)."""
    from PySide6.QtGui import QColor, QImage, QPainter
    train, study = window.trainTab.plots, window.studyTab
    try:
        for appearance in ("light", "dark"):
            theme.manager().set_appearance(appearance)
            t = theme.current()
            for plot, curve, colour in ((train.lossPlot, train.testLossCurve, t.test),
                                        (train.accuracyPlot, train.testAccCurve, t.test),
                                        (study.accuracyPlot, study.meanCurve, t.test)):
                want = QColor(*colour)
                sample = next(s for s, _ in plot.getPlotItem().legend.items if s.item is curve)
                img = QImage(20, 20, QImage.Format.Format_ARGB32)
                img.fill(0)
                painter = QPainter(img)
                sample.paint(painter, None, None)
                painter.end()
                got = img.pixelColor(10, 10)
                assert abs(got.red() - want.red()) + abs(got.green() - want.green()) + abs(got.blue() - want.blue()) < 30, (
                    appearance, got.name(), want.name())
    finally:
        theme.manager().set_appearance("system")
