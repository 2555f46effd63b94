import pytest
from PySide6.QtCore import QItemSelectionModel

from mnist_gui.core.recipes import TrainConfig
from mnist_gui.gui.widgets.runs_panel import KIND_COL, LR_COL, RUN_COL, STATUS_COL, when_text
from tests.gui.conftest import accept_new_model, evaluate


@pytest.mark.slow
def test_two_runs_are_listed_overlaid_and_made_live(window, qtbot, small_mnist, _isolated_home):
    tab = window.trainTab
    window.ws.use_mnist(small_mnist)
    for lr in (1e-2, 3e-3):
        tab.apply_config(TrainConfig(preset="fast-bn", lr=lr, batch_size=64, max_steps=20))
        tab.start_training()
        accept_new_model(qtbot, window)
    panel = tab.runsPanel
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2)   # the records are read in a worker
    assert {panel.table.item(r, LR_COL).text() for r in range(2)} == {"0.01", "0.003"}
    # named for people: the network, the accuracy, when; made by a training; the second run is the live one
    for r, run in enumerate(panel.runs):
        name = panel.table.item(r, RUN_COL).text()
        assert name.startswith("fast-bn") and f"{run.test_accuracy:.2%}" in name and run.date[11:16] in name
        assert run.id in panel.table.item(r, RUN_COL).toolTip()
        assert panel.table.item(r, KIND_COL).text() == "training"
    assert [panel.table.item(r, STATUS_COL).text() for r in range(2)] == ["finished, kept", "finished, live"]
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
    assert panel.table.item(0, STATUS_COL).text() == "finished, live"
    assert [r.id for r in panel.selected()] == [first.id] and not panel.makeLiveButton.isEnabled()   # live already
    assert not panel.deleteRunButton.isEnabled() and "live" in panel.deleteRunButton.toolTip()   # nor deleted
    panel.table.selectRow(1)
    assert panel.makeLiveButton.isEnabled() and panel.deleteRunButton.isEnabled()
    # a damaged record is skipped with a message
    (first.folder / "run.json").write_text("{ not json")
    with qtbot.waitSignal(panel.loaded):
        panel.refresh()
    assert panel.table.rowCount() == 1 and "skipped damaged run record" in panel.message.text()
    panel.table.selectRow(0)
    panel.deleteRunButton.click()
    box = panel.deleteBox   # asked first: the run's model goes too, for good
    assert box.isVisible() and box.text() == "Delete 1 run and the model it made?" and panel.table.rowCount() == 1
    next(b for b in box.buttons() if b.text() == "&Delete").click()
    qtbot.waitUntil(lambda: panel.table.rowCount() == 0)


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


@pytest.mark.slow
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


def test_the_runs_list_follows_the_runs_folder_and_says_what_made_each_run(window, qtbot):
    """A run recorded by another process (the command line) appears without a restart; a fine-tune and a
    study's run say so, the study by name; a run without its model says it was discarded."""
    import json

    from mnist_gui.core.runs import RunStore
    tab = window.trainTab
    window.tabs.setCurrentWidget(tab)
    tab.bottomTabs.setCurrentWidget(tab.runsPanel)
    panel = tab.runsPanel
    qtbot.waitUntil(lambda: panel._loaded)
    assert panel.table.rowCount() == 0
    other = RunStore(window.ws.runs_dir)            # as `mnist-gui train` would, not through this window
    cfg = {"preset": "tf-tutorial", "optimizer": "adamw", "lr": 0.002}
    other.record("finished", cfg, {"test_accuracy": 0.987}, {}, 3.0, kind="finetune")
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=10_000)
    study = other.record("finished", cfg, {"test_accuracy": 0.95}, {}, 2.0, kind="study")
    d = json.loads((study.folder / "run.json").read_text())
    d["study"] = "lr"                                # the study's name, when core/study records it
    (study.folder / "run.json").write_text(json.dumps(d))
    qtbot.waitUntil(lambda: panel.table.rowCount() == 2, timeout=10_000)
    with qtbot.waitSignal(panel.loaded):
        panel.refresh()
    assert [panel.table.item(r, KIND_COL).text() for r in range(2)] == ["fine-tune", "study lr"]
    assert panel.table.item(0, RUN_COL).text().startswith("tf-tutorial · 98.70% · ")
    assert panel.table.item(0, STATUS_COL).text() == "finished, model discarded"   # recorded without a model
    # the list gets room: in a 1600×1000 window it shows several runs, with no scrollbar cutting into them
    window.resize(1600, 1000)
    table = panel.table
    rows = table.verticalHeader().defaultSectionSize()
    qtbot.waitUntil(lambda: table.viewport().height() >= 6 * rows and not table.horizontalScrollBar().isVisible())


def test_when_a_run_ran_reads_as_a_time_today_else_a_date():
    assert when_text("2026-12-02 18:26:54", today="2026-12-02") == "18:26"
    assert when_text("2026-11-30 09:05:00", today="2026-12-02") == "2026-11-30 09:05"


def _many_records(root, n: int) -> None:
    """n run records written as mnist-gui writes them (without the fsyncs: a test's folder)."""
    import json
    rec = {"status": "finished", "kind": "train", "device": "cpu", "precision": "fp32", "study": "", "kept": False,
           "config": {"preset": "fast-bn", "lr": 0.01, "batch_size": 64}, "metrics": {"test_accuracy": 0.9},
           "history": {"step": list(range(50)), "loss": [1.0] * 50}, "seconds": 3.0, "date": "2026-12-01 10:00:00"}
    for i in range(n):
        (root / f"20261201-100000-fast-bn-{i:05d}").mkdir(parents=True)
        (root / f"20261201-100000-fast-bn-{i:05d}" / "run.json").write_text(json.dumps(dict(rec, id=str(i))))


@pytest.mark.slow
def test_many_runs_are_read_off_the_gui_thread_and_only_what_changed_again(window, qtbot, monkeypatch):
    """The Runs list of a folder of many runs: the records are read in a worker (refresh returns before they
    are read), and a refresh after one more run reads that one record, not all of them again."""
    from mnist_gui.core.runs import RunStore
    _many_records(window.ws.runs_dir, 300)
    panel = window.trainTab.runsPanel
    reads = []
    read = RunStore._read
    monkeypatch.setattr(RunStore, "_read", lambda self, folder: reads.append(folder.name) or read(self, folder))
    with qtbot.waitSignal(panel.loaded, timeout=60_000):
        panel.refresh()
        assert panel.table.rowCount() == 0             # nothing read in the GUI thread
    assert panel.table.rowCount() == 300 and len(reads) == 300
    reads.clear()
    window.ws.runs.record("finished", {"preset": "fast-bn", "lr": 0.003}, {"test_accuracy": 0.5}, {}, 1.0)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 301)
    assert reads and set(reads) == {panel.runs[-1].id}      # only the new record was read


def test_the_runs_lists_kind_and_status_read_in_chinese(window, qtbot):
    """Issue 33: the Runs list's kind and status columns stayed English after switching to 繁體中文."""
    from mnist_gui.core.runs import RunStore
    tab = window.trainTab
    window.tabs.setCurrentWidget(tab)
    tab.bottomTabs.setCurrentWidget(tab.runsPanel)
    panel = tab.runsPanel
    qtbot.waitUntil(lambda: panel._loaded)
    store = RunStore(window.ws.runs_dir)
    cfg = {"preset": "tf-tutorial", "optimizer": "adamw", "lr": 0.002}
    for status, kind in (("finished", "train"), ("stopped", "finetune"), ("diverged", "study")):
        store.record(status, cfg, {"test_accuracy": 0.9}, {}, 1.0, kind=kind)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 3, timeout=10_000)
    window.set_language("zh_TW")
    try:
        qtbot.waitUntil(lambda: panel.table.horizontalHeaderItem(KIND_COL).text() != "Kind")
        for r in range(3):
            for col in (KIND_COL, STATUS_COL):
                text = panel.table.item(r, col).text()
                assert text and not any("a" <= c.lower() <= "z" for c in text), (r, col, text)
    finally:
        window.set_language("en")


def test_evaluating_a_live_model_that_was_not_evaluated_shows_its_accuracy_everywhere(window, qtbot, small_mnist,
                                                                                     shipped):
    """A stopped run kept without its test figure (its evaluation cancelled) is made live and evaluated on the
    Evaluate tab: the status bar, the title, the Runs list and the run's record show the accuracy; opening the
    run's model again (the next start) still knows it."""
    from mnist_gui.core.checkpoint import save_checkpoint
    ws = window.ws
    ws.use_mnist(small_mnist)
    rec = ws.runs.record("stopped", {"preset": shipped.model_config.preset}, {}, {}, 1.0,
                         lambda p: save_checkpoint(p, shipped.model, shipped.model_config, {}, {}, {}))
    ws.make_live(ws.open_model(str(rec.model_path)), remember=False)
    assert "not evaluated" in window.modelLabel.text()
    panel = window.trainTab.runsPanel
    window.tabs.setCurrentWidget(window.trainTab)
    window.trainTab.bottomTabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=10_000)
    assert "not evaluated" in panel.table.item(0, RUN_COL).text()
    window.tabs.setCurrentWidget(window.evaluateTab)
    ev = evaluate(qtbot, window)
    acc = f"{ev['accuracy']:.2%}"
    assert acc in window.modelLabel.text() and "not evaluated" not in window.modelLabel.text()
    assert acc in window.windowTitle()
    qtbot.waitUntil(lambda: acc in panel.table.item(0, RUN_COL).text(), timeout=10_000)
    assert ws.runs.get(rec.id).test_accuracy == pytest.approx(ev["accuracy"])
    assert ws.runs.get(rec.id).status == "stopped"                     # only the figure changed
    assert ws.open_model(str(rec.model_path)).test_accuracy == pytest.approx(ev["accuracy"])


def test_the_live_models_run_is_known_however_its_path_was_spelled(window, qtbot, shipped, tmp_path, monkeypatch):
    """The live model opened through a link to the app folder, by a relative path or with '..': its run still
    reads 'live', cannot be made live again nor deleted (deleted, the next start would not find the model)."""
    import os

    from mnist_gui.core.checkpoint import save_checkpoint
    ws = window.ws
    rec = ws.runs.record("finished", {"preset": shipped.model_config.preset}, {"test_accuracy": 0.9}, {}, 1.0,
                         lambda p: save_checkpoint(p, shipped.model, shipped.model_config, {}, {}, {}))
    link = tmp_path / "link"
    link.symlink_to(ws.home, target_is_directory=True)
    monkeypatch.chdir(ws.runs_dir)
    panel = window.trainTab.runsPanel
    window.tabs.setCurrentWidget(window.trainTab)
    window.trainTab.bottomTabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=10_000)
    for path in (link / "runs" / rec.id / "model.pt", os.path.join(rec.id, "model.pt"),
                 rec.folder / ".." / rec.id / "model.pt"):
        assert str(path) != str(rec.model_path)
        with qtbot.waitSignal(window.modelChanged):
            ws.make_live(ws.open_model(str(path)), remember=False)
        assert panel.table.item(0, STATUS_COL).text() == "finished, live", path
        panel.table.clearSelection()
        panel.table.selectRow(0)
        assert not panel.makeLiveButton.isEnabled(), path
        assert not panel.deleteRunButton.isEnabled() and "live" in panel.deleteRunButton.toolTip(), path
        assert panel.delete_selected() is None   # the live run: nothing to ask, nothing deleted
        assert rec.model_path.is_file(), path


def test_deleting_a_run_asks_first_and_a_failure_stays_said_after_the_list_is_read_again(window, qtbot, monkeypatch):
    """A newcomer's click on Delete run removed the run and its model at once; and a deletion that failed said so for
    an instant: the list, read again, wrote over it."""
    from PySide6.QtWidgets import QMessageBox
    rec = window.ws.runs.record("finished", {"preset": "fast-bn", "lr": 0.01}, {"test_accuracy": 0.9}, {}, 3.0)
    panel = window.trainTab.runsPanel
    with qtbot.waitSignal(panel.loaded):
        panel.refresh()
    panel.table.selectRow(0)
    panel.deleteRunButton.click()
    panel.deleteBox.button(QMessageBox.StandardButton.Cancel).click()   # Cancel: kept
    assert rec.folder.is_dir() and panel.table.rowCount() == 1

    def refused(_record):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(window.ws, "delete_run", refused)
    panel.deleteRunButton.click()
    next(b for b in panel.deleteBox.buttons() if b.text() == "&Delete").click()
    with qtbot.waitSignal(panel.loaded):
        panel.refresh()   # (a run recorded meanwhile elsewhere, a file watcher: the list is read again)
    assert panel.message.text() == "Could not delete the run: Permission denied" and rec.folder.is_dir()
