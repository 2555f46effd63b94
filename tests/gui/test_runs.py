from PySide6.QtCore import QItemSelectionModel

from mnist_gui.core.recipes import TrainConfig
from tests.gui.conftest import accept_new_model


def test_two_runs_are_listed_overlaid_and_made_live(window, qtbot, small_mnist, _isolated_home):
    tab = window.trainTab
    window.ws.use_mnist(small_mnist)
    for lr in (1e-2, 3e-3):
        tab.apply_config(TrainConfig(preset="fast-bn", lr=lr, batch_size=64, max_steps=20))
        tab.start_training()
        accept_new_model(qtbot, window)
    panel = tab.runsPanel
    assert panel.table.rowCount() == 2
    assert {panel.table.item(r, 4).text() for r in range(2)} == {"0.01", "0.003"}
    # overlay both
    sm = panel.table.selectionModel()
    for r in range(2):
        sm.select(panel.table.model().index(r, 0),
                  QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
    assert len(panel.selected()) == 2
    assert panel.overlay_count() >= 4  # loss + accuracy (+ test) per run
    assert not panel.makeLiveButton.isEnabled()  # one at a time
    # make the first run live
    panel.table.clearSelection()
    panel.table.selectRow(0)
    first = panel.selected()[0]
    with qtbot.waitSignal(window.modelChanged):
        panel.makeLiveButton.click()
    assert window.checkpoint.path == first.model_path
    # a damaged record is skipped with a message
    (first.folder / "run.json").write_text("{ not json")
    panel.refresh()
    assert panel.table.rowCount() == 1 and "skipped damaged run record" in panel.message.text()
    panel.table.selectRow(0)
    panel.deleteRunButton.click()
    assert panel.table.rowCount() == 0


def test_run_store_round_trip(tmp_path):
    from mnist_gui.core.runs import RunStore
    store = RunStore(tmp_path)
    rec = store.record("finished", {"preset": "fast-bn", "lr": 0.01}, {"test_accuracy": 0.9, "predictions": [1]},
                       {"loss": [1.0, 0.5]}, 3.0)
    runs, problems = store.load()
    assert problems == [] and len(runs) == 1
    assert runs[0].id == rec.id and runs[0].metrics == {"test_accuracy": 0.9} and runs[0].history["loss"] == [1.0, 0.5]
    (tmp_path / "junk").mkdir()
    runs, problems = store.load()
    assert len(runs) == 1 and len(problems) == 1


def test_a_run_trained_from_the_command_line_appears_in_the_runs_list(qtbot, _isolated_home):
    from tests.conftest import run_cli
    from tests.gui.conftest import open_window
    r = run_cli("train", "--recipe", "tutorial", "--max-steps", "5", "--train-size", "500", "--no-progress",
                "--device", "cpu")
    assert r.returncode == 0, r.stderr
    w = open_window(qtbot)
    w.tabs.setCurrentWidget(w.trainTab)
    w.trainTab.bottomTabs.setCurrentWidget(w.trainTab.runsPanel)
    panel = w.trainTab.runsPanel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1)
    run = panel.runs[0]
    assert run.config["optimizer"] == "sgd" and run.config["max_steps"] == 5 and run.has_model
    assert run.device == "cpu" and run.id in r.stdout
    panel.table.selectRow(0)
    with qtbot.waitSignal(w.modelChanged):
        panel.makeLiveButton.click()
    assert w.checkpoint.path == run.model_path
    w.close()
