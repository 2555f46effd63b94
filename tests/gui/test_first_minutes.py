"""What a new user meets in the first minutes: the window keeps its size in number mode, the Studies tab
names its parameter and shows its values whole, a 0% second reading is not offered."""

import numpy as np

from mnist_gui.core.reading import Reading, verdict
from mnist_gui.gui.widgets.prediction_bars import PredictionBars


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


def test_a_second_reading_of_zero_percent_is_not_offered(qtbot):
    bars = PredictionBars()
    qtbot.addWidget(bars)
    blob = np.ones((28, 28), np.float32)                       # a filled square: not digit-like
    sure = np.full(10, 1e-5)
    sure[8] = 1 - sure.sum() + 1e-5
    bars.show_reading(Reading(blob, sure, verdict(sure.max(), blob)))
    assert bars.doubt == "not digit-like"
    assert bars.confidenceLabel.text() == "Not digit-like: 8 (100%)"
    torn = np.zeros(10)
    torn[[3, 5]] = 0.55, 0.45                                  # a real second reading is still given
    bars.show_reading(Reading(blob, torn, verdict(torn.max())))
    assert bars.confidenceLabel.text() == "Not sure: 3 (55%) or 5 (45%)"
