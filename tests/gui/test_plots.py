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
    for name in ("accuracyPlot", "perClassPlot", "studyAccuracyPlot"):
        assert plots[name].viewRange()[1] == pytest.approx([0, 100]), name
    assert plots["studyTimePlot"].viewRange()[1][0] == 0


def test_legends_sit_beside_the_data(window):
    for name, p in tab_plots(window).items():
        legend = p.getPlotItem().legend
        if legend is None:
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
    assert tab.accuracyPlot.viewRange()[1] == pytest.approx([0, 100])
    assert tab.lossPlot.viewRange()[1][0] >= 0
    # an overlaid run in a colour of its own
    panel = tab.runsPanel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)   # the records are read in a worker
    panel.table.selectRow(0)
    pens = [item.opts["pen"].color().getRgb()[:3] for _plot, item in panel._overlays]
    own = {tuple(c) for c in (theme.current().train_acc, theme.current().test, theme.current().smooth_loss)}
    assert pens and not own & set(pens)
