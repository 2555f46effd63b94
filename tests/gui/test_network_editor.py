"""The Model tab's network editor, used through its widgets."""

import random
import re
import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QSpinBox

from mnist_gui.core.spec import problems
from tests.gui.conftest import accept_new_model


def rows(editor):
    t = editor.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def test_editor_shows_the_live_model_with_its_arithmetic(window):
    editor = window.modelTab.editor
    by_name = {r[1]: r for r in rows(editor)}
    assert by_name["conv1"][4] == "28×28×1" and by_name["conv1"][5] == "28×28×32"
    assert by_name["conv1"][6] == "(28 − 5 + 2·2) / 1 + 1 = 28"
    assert by_name["pool2"][5] == "7×7×64" and by_name["dense"][7] == f"{3136 * 1024 + 1024:,}"
    assert "3,274,634" in editor.totalsLabel.text()
    assert editor.trainButton.isEnabled()


def test_the_time_per_epoch_is_measured_in_the_background_and_shown(window, qtbot):
    """Measured while the editor is on screen (it loads torch: a session that only draws never does)."""
    editor = window.modelTab.editor
    window.tabs.setCurrentWidget(window.modelTab)
    qtbot.waitUntil(lambda: "about" in editor.estimateLabel.text(), timeout=60_000)
    text = editor.estimateLabel.text()
    assert re.search(r"about [\d,]+ s \([\d,]+–[\d,]+ s in \d timings; 60,000 images", text) or \
        "not measured: a step of 64 images would take about" in text     # a busy machine


class _HeldTiming:
    """epoch_time standing in for the real one: it answers `answer` once released, and says when it is called."""

    def __init__(self, answer):
        self.answer, self.started, self.release = answer, threading.Event(), threading.Event()

    def __call__(self, spec, should_stop=lambda: False, **_kw):
        self.started.set()
        self.release.wait(30)
        return self.answer


def test_the_time_per_epoch_says_its_spread(window, qtbot, monkeypatch):
    from mnist_gui.core.spec import EpochTime
    from mnist_gui.gui.tabs import model_tab
    monkeypatch.setattr(model_tab, "epoch_time", lambda spec, **_kw: EpochTime(45.2, 30.4, 59.0, 5))
    editor = window.modelTab.editor
    window.tabs.setCurrentWidget(window.modelTab)
    qtbot.waitUntil(lambda: "about" in editor.estimateLabel.text(), timeout=10_000)
    assert editor.estimateLabel.text() == ("Time per epoch on this machine: about 45 s (30–59 s in 5 timings; "
                                           "60,000 images, batch 64, forward and backward)")


def test_an_impossible_network_shows_its_numbers_and_no_total_or_time(window, qtbot, monkeypatch):
    """The estimate of the network as it was must not land once it cannot work (issue 33)."""
    from mnist_gui.core.spec import EpochTime
    from mnist_gui.gui.tabs import model_tab
    held = _HeldTiming(EpochTime(78.0, 77.0, 79.0, 5))
    monkeypatch.setattr(model_tab, "epoch_time", held)
    editor = window.modelTab.editor
    window.tabs.setCurrentWidget(window.modelTab)
    qtbot.waitUntil(held.started.is_set, timeout=10_000)          # the live model is being timed
    editor.table.selectRow(3)                                     # conv2, 14×14 input
    editor.fieldWidgets["padding"].setCurrentText("0")
    editor.fieldWidgets["kernel"].setValue(20)
    held.release.set()
    qtbot.waitUntil(lambda: not window.jobs._jobs, timeout=10_000)   # its answer was delivered before
    assert rows(editor)[3][6] == "(14 − 20 + 2·0) / 1 + 1 = −5: the filter is larger than the input"
    assert editor.estimateLabel.text() == ""
    assert "3,274,634" not in editor.totalsLabel.text() and not any(c.isdigit() for c in editor.totalsLabel.text())
    assert not editor.trainButton.isEnabled()


def test_the_time_per_epoch_gives_up_after_a_bounded_time(window, qtbot, monkeypatch):
    from mnist_gui.core.spec import EpochTime
    from mnist_gui.gui.tabs import model_tab
    held = _HeldTiming(EpochTime(78.0, 77.0, 79.0, 5))
    monkeypatch.setattr(model_tab, "epoch_time", held)
    editor = window.modelTab.editor
    editor._give_up_timer.setInterval(200)
    window.tabs.setCurrentWidget(window.modelTab)
    qtbot.waitUntil(lambda: "not measured" in editor.estimateLabel.text(), timeout=10_000)
    assert editor.estimateLabel.text().startswith("Time per epoch on this machine: not measured (no answer in ")
    held.release.set()                                            # its late answer is not shown
    qtbot.waitUntil(lambda: not window.jobs._jobs, timeout=10_000)
    assert "not measured" in editor.estimateLabel.text()


def test_a_bad_kernel_is_flagged_on_its_row_and_disables_train(window, qtbot):
    editor = window.modelTab.editor
    window.tabs.setCurrentWidget(window.modelTab)
    editor.table.selectRow(3)                                    # conv2, 14×14 input
    kernel = editor.fieldWidgets["kernel"]
    padding = editor.fieldWidgets["padding"]
    assert isinstance(kernel, QSpinBox)
    padding.setCurrentText("0")
    kernel.setFocus()
    kernel.selectAll()
    qtbot.keyClicks(kernel, "20")
    qtbot.keyClick(kernel, Qt.Key.Key_Enter)
    r = rows(editor)[3]
    assert "kernel 20 is larger than its 14×14 input after padding 0" in r[9]
    assert not editor.trainButton.isEnabled()
    assert "layer 4 (conv)" in editor.problemLabel.text()
    # back to a kernel that fits: the flag goes, Train comes back
    kernel.setValue(5)
    assert rows(editor)[3][9] == "" and editor.trainButton.isEnabled()
    assert rows(editor)[3][6] == "(14 − 5 + 2·0) / 1 + 1 = 10"


def test_add_move_remove_and_a_network_that_does_not_end_in_ten(window):
    editor = window.modelTab.editor
    n = len(editor.layers)
    editor.table.selectRow(n - 1)                                  # the logits layer
    editor.addKindCombo.setCurrentIndex(editor.addKindCombo.findData("dense"))
    editor.addButton.click()                                       # dense 128 after the logits
    assert len(editor.layers) == n + 1 and not editor.trainButton.isEnabled()
    assert "ends in 128 outputs; it must end in 10" in editor.problemLabel.text()
    editor.upButton.click()                                        # now before the logits: fine again
    assert editor.layers[n - 1]["units"] == 128 and editor.trainButton.isEnabled()
    editor.removeButton.click()
    assert len(editor.layers) == n and editor.trainButton.isEnabled()
    kind = editor.fieldWidgets["kind"]
    assert isinstance(kind, QComboBox)


def test_random_specs_shapes_equal_a_forward_pass(window):
    """What the editor shows is what torch computes."""
    import torch

    from mnist_gui.core.spec import NetworkSpec, build
    editor = window.modelTab.editor
    rng = random.Random(7)
    checked = 0
    for _ in range(15):
        layers = []
        for _c in range(rng.randint(1, 3)):
            layers += [{"kind": "conv", "filters": rng.choice([4, 8]), "kernel": rng.choice([1, 3, 5]),
                        "stride": rng.choice([1, 2]), "padding": rng.choice([0, 1, 2]), "bias": True},
                       {"kind": "relu"}]
            if rng.random() < 0.5:
                layers.append({"kind": rng.choice(["maxpool", "avgpool"]), "size": 2, "stride": 2, "padding": 0})
        layers += [{"kind": "flatten"}, {"kind": "dense", "units": 10}]
        editor.set_layers(layers, edited=True)
        if problems(editor.rows, "error") or not editor.layers:
            continue
        model = build(NetworkSpec.from_dict(layers)).eval()
        shapes = []
        hooks = [m.register_forward_hook(lambda m, i, o: shapes.append(tuple(o.shape[1:])))  # noqa: B023 (run now)
                 for m in model.children()]
        model(torch.zeros(1, 1, 28, 28))
        for h in hooks:
            h.remove()
        shown = [r[5] for r in rows(editor)]
        torch_text = ["×".join(map(str, (s[1], s[2], s[0]) if len(s) == 3 else s)) for s in shapes]
        assert shown == torch_text, (layers, shown, torch_text)
        checked += 1
    assert checked >= 5


def test_a_preset_added_to_the_table_is_offered_in_start_from_and_builds(qtbot, monkeypatch, request):
    """A new preset is one row in core/presets.py: the Model tab lists it and ModelConfig builds it."""
    import torch

    from mnist_gui.core import presets
    from mnist_gui.core.models import ModelConfig, build_model
    from mnist_gui.core.spec import Layer, NetworkSpec

    def tiny(dropout):
        return NetworkSpec((Layer("conv", filters=4, kernel=3), Layer("relu"), Layer("flatten"),
                            Layer("dropout", rate=dropout), Layer("dense", units=10)))
    monkeypatch.setitem(presets.PRESETS, "tiny", presets.Preset("tiny", "conv3x3/4, dense 10", tiny))
    window = request.getfixturevalue("window")      # made after the preset was added
    editor = window.modelTab.editor
    offered = [editor.startCombo.itemData(i) for i in range(editor.startCombo.count())]
    assert offered == ["live", "tf-tutorial", "fast-bn", "tiny"]
    editor.startCombo.setCurrentIndex(offered.index("tiny"))
    editor.startButton.click()
    assert editor.layers == tiny(0.4).to_list()
    assert [r[5] for r in rows(editor)] == ["26×26×4", "26×26×4", "2704", "2704", "10"]
    assert editor.trainButton.isEnabled()
    model = build_model(ModelConfig("tiny"))
    assert model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    assert ModelConfig.from_dict(ModelConfig("tiny").to_dict()) == ModelConfig("tiny")


@pytest.mark.slow
def test_train_this_network_trains_the_edited_network(window, qtbot, small_mnist):
    window.ws.use_mnist(small_mnist)
    editor = window.modelTab.editor
    editor.table.selectRow(0)
    editor.fieldWidgets["filters"].setValue(8)                     # conv1: 32 → 8 filters
    qtbot.mouseClick(editor.trainButton, Qt.MouseButton.LeftButton)
    tab = window.trainTab
    assert window.tabs.currentWidget() is tab and tab.presetCombo.currentData() == "custom"
    cfg = tab.config()
    assert cfg.arch["layers"][0]["filters"] == 8
    tab.apply_config(cfg.with_overrides(max_steps=5, train_size=500))
    tab.start_training()
    ck = accept_new_model(qtbot, window)
    assert ck.model_config.preset == "custom" and ck.model.conv1.weight.shape[0] == 8
    # the checkpoint stores the spec it was built from, and loads back
    from mnist_gui.core.checkpoint import load_checkpoint
    again = load_checkpoint(ck.path)
    assert again.model_config.spec[0]["filters"] == 8


def test_fine_tuning_a_custom_live_model_fine_tunes_that_network(window, qtbot, small_mnist):
    """Teaching works the same when the live model is a network edited on the Model tab."""
    import numpy as np

    from mnist_gui.core.checkpoint import Checkpoint
    from mnist_gui.core.models import ModelConfig, build_model
    from mnist_gui.core.spec import NetworkSpec
    layers = window.ws.checkpoint.model_config.network().to_list()
    layers[0]["filters"] = 8
    mcfg = ModelConfig(spec=NetworkSpec.from_dict(layers).to_list())
    window.ws.make_live(Checkpoint(model=build_model(mcfg).eval(), model_config=mcfg, meta={"name": "mine"}),
                        remember=False)
    window.ws.use_mnist(small_mnist)
    img = np.zeros((28, 28), np.float32)
    img[4:24, 13:15] = 1.0
    window.ws.teach(1, img)
    plan = window.ws.plan_finetune()
    cfg, _extra, init_state = plan.config, plan.extra_train, plan.init_state
    assert cfg.preset == "custom" and cfg.arch["layers"][0]["filters"] == 8
    cfg.validated()
    assert init_state["conv1.weight"].shape[0] == 8


def test_a_network_whose_training_does_not_fit_is_refused_on_its_row_and_not_timed(window, qtbot, monkeypatch):
    """Issue 32's network (inside every limit of the editor) on a machine that lets a run use 4.3 GiB."""
    from mnist_gui.core import limits
    from tests.core.test_spec import WIDE_TUTORIAL
    monkeypatch.setattr(limits, "memory_bytes", lambda: int(5.75 * 2**30))
    editor = window.modelTab.editor
    window.tabs.setCurrentWidget(window.modelTab)
    editor.set_layers(WIDE_TUTORIAL, edited=True)
    assert editor.problemLabel.text().startswith("Training is disabled: layer 1 (conv): training it at batch 64 "
                                                 "takes about ")
    assert "\n" not in editor.problemLabel.text() and not editor.trainButton.isEnabled()
    assert "training it at batch 64" in rows(editor)[0][9]
    assert editor.estimateLabel.text() == "" and not editor._timer.isActive()
    # every layer works: its totals are said (they said "none until every layer can work", which it could)
    assert re.match(r"Total parameters: [\d,]+ \([\d.]+ MB of weights\); [\d,]+ multiply-adds per image$",
                    editor.totalsLabel.text()), editor.totalsLabel.text()


def test_a_narrow_window_scrolls_the_layer_table_instead_of_wrapping_its_settings(window, qtbot):
    """At 800×560 the Settings column was squeezed to 25 px, its text a few letters a line and each row 130 px
    high (a newcomer's tryout): below its least width it keeps that width and the table scrolls sideways; a
    wide window shares the room out again."""
    from mnist_gui.gui.tabs.model_tab import FREE_TEXT_LEAST, SETTINGS_COLUMN
    window.show_tab(2)
    table = window.modelTab.editor.table
    qtbot.waitExposed(table)
    header = table.horizontalHeader()
    window.resize(800, 560)
    qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() > 0)
    assert header.sectionSize(SETTINGS_COLUMN) >= FREE_TEXT_LEAST[SETTINGS_COLUMN]
    assert max(table.rowHeight(r) for r in range(table.rowCount())) < 3 * table.fontMetrics().height() + 12
    window.resize(1000, 680)                    # the window's first size: no scrolling there
    qtbot.waitUntil(lambda: table.horizontalScrollBar().maximum() == 0)
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: header.sectionSize(SETTINGS_COLUMN) > FREE_TEXT_LEAST[SETTINGS_COLUMN])   # the room there is
    assert table.horizontalScrollBar().maximum() == 0


def test_the_editors_fields_offer_what_a_spec_file_may_hold(window, qtbot):
    """The filters field offered 4,096 while a spec file (and the command line) takes 65,536; the kernel's offered
    4,096 where 1,024 is the most: each whole-number field now stops where the spec's check does."""
    from mnist_gui.core.layer_kinds import MAX_SIZE
    editor = window.modelTab.editor
    window.tabs.setCurrentWidget(window.modelTab)
    editor.table.selectRow(0)                                    # conv1
    for name in ("filters", "kernel", "stride"):
        assert editor.fieldWidgets[name].maximum() == MAX_SIZE[name]
    filters = editor.fieldWidgets["filters"]
    filters.setFocus()
    filters.selectAll()
    qtbot.keyClicks(filters, "65536")
    qtbot.keyClick(filters, Qt.Key.Key_Enter)
    assert editor.layers[0]["filters"] == 65_536
    units = next(i for i, layer in enumerate(editor.layers) if "units" in layer)
    editor.table.selectRow(units)
    assert editor.fieldWidgets["units"].maximum() == MAX_SIZE["units"]
