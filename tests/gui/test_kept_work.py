"""What a user built survives a restart: the network edited on the Model tab and the values typed in the
Train form; a damaged saved copy of either does not stop the app (it falls back and says so once)."""

from mnist_gui.core.recipes import CUSTOM
from tests.gui.conftest import open_window


def test_the_edited_network_and_the_typed_values_are_there_after_a_restart(qtbot):
    w = open_window(qtbot)
    editor = w.modelTab.editor
    editor.table.selectRow(1)
    editor.add_layer("relu")                      # the user's own network
    editor.set_field(0, "filters", 24)
    mine = [dict(d) for d in editor.layers]
    w.trainTab.use_network({"layers": mine})      # Train this network: preset custom
    w.trainTab.form.widgets["lr"].setValue(0.0042)
    w.trainTab.form.widgets["batch_size"].setValue(96)
    w.close()

    w2 = open_window(qtbot)
    assert w2.modelTab.editor.layers == mine and w2.modelTab.editor.edited
    cfg = w2.trainTab.config()
    assert (cfg.lr, cfg.batch_size, cfg.preset) == (0.0042, 96, CUSTOM)
    assert cfg.arch["layers"] == mine             # '--preset custom: the network edited on the Model tab'
    assert w2.lastMessage is None                 # nothing to report
    # starting again from the live model is the user's choice: then that is what is kept
    w2.modelTab.editor.startCombo.setCurrentIndex(0)
    w2.modelTab.editor.start_from_choice()
    live = w2.checkpoint.model_config.network().to_list()
    w2.close()
    w3 = open_window(qtbot)
    assert w3.modelTab.editor.layers == live and not w3.modelTab.editor.edited
    w3.close()


def test_a_damaged_saved_network_or_form_falls_back_and_is_named_once(qtbot, _isolated_home):
    _isolated_home.mkdir(parents=True, exist_ok=True)
    (_isolated_home / "settings.ini").write_text(
        '[model]\ndraft="[{\\"kind\\": \\"conv\\", \\"filters\\": \\"many\\"}]"\n'
        '[train]\nform="{\\"lr\\": -5"\n')
    w = open_window(qtbot)
    text = w.lastMessageText
    assert "[model] draft=" in text and "[train] form=" in text and "ignored" in text
    live = w.checkpoint.model_config.network().to_list()
    assert w.modelTab.editor.layers == live and not w.modelTab.editor.edited
    assert w.trainTab.config() == w.ws.recipes[w.ws.default_recipe].config   # the recipe's own values
    w.close()
    w2 = open_window(qtbot)
    assert w2.lastMessage is None                 # said once: the good values were written over them
    w2.close()
