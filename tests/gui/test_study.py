"""The Studies tab: a study runs in the background, fills the chart as trials finish, records runs, cancels, resumes."""

from pathlib import Path

import pytest


def _set_up(tab, values: str, name: str) -> None:
    tab.paramCombo.setCurrentIndex(tab.paramCombo.findData("lr"))
    tab.valuesEdit.setText(values)
    tab.repeatSpin.setValue(1)
    tab.recipeCombo.setCurrentIndex(tab.recipeCombo.findData("fast-bn"))
    tab.maxStepsSpin.setValue(5)
    tab.trainSizeSpin.setValue(500)
    tab.nameEdit.setText(name)


def _run_to_end(qtbot, tab, timeout=180_000) -> str:
    with qtbot.waitSignal(tab.studyEnded, timeout=timeout) as blocker:
        assert tab.startButton.isEnabled()
        tab.startButton.click()
    return blocker.args[0]


@pytest.mark.slow
def test_a_three_trial_study_fills_the_chart_and_records_three_runs(window, qtbot, small_mnist, tmp_path):
    window.ws.use_mnist(small_mnist)
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    _set_up(tab, "1e-3,3e-3,1e-2", "gui-lr")
    shown = []
    tab.progressBar.valueChanged.connect(shown.append)
    assert _run_to_end(qtbot, tab) == "finished"
    assert 5 in shown    # the trainer's Started set the bar's range and its last Progressed reached it
    assert len(tab.seedPoints.data) == 3
    assert [s.value for s in tab.summary] == [1e-3, 3e-3, 1e-2]
    assert tab.table.rowCount() == 3
    runs, _ = window.ws.runs.load()
    assert len(runs) == 3 and {r.kind for r in runs} == {"study"}
    # the Train tab's Runs list shows them
    qtbot.waitUntil(lambda: window.trainTab.runsPanel.table.rowCount() == 3)
    # log axis for the learning rate: ticks at log10 of the values, labelled with the values
    assert tab.x_positions("lr")[1e-2] == -2.0
    assert "best: Learning rate" in tab.verdictLabel.text()   # the field's label, not its id
    out = tmp_path / "study.csv"
    assert tab.export_csv(str(out))
    assert len(Path(out).read_text().splitlines()) == 4


@pytest.mark.slow
def test_cancel_keeps_the_finished_runs_and_start_resumes(window, qtbot, small_mnist):
    window.ws.use_mnist(small_mnist)
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    _set_up(tab, "1e-3,2e-3,3e-3,1e-2", "gui-cancel")
    with qtbot.waitSignal(tab.studyEnded, timeout=180_000) as ended:
        tab.startButton.click()
        qtbot.waitUntil(lambda: any(r.state == "complete" for r in tab.rows), timeout=120_000)
        tab.cancelButton.click()
    assert ended.args == ["cancelled"]
    kept = [r for r in tab.rows if r.state == "complete"]
    assert 1 <= len(kept) < 4
    bar = tab.progressBar   # it keeps how far it got (it went back to 0%): the trials that ended, not the one stopped
    assert bar.value() / bar.maximum() == len(kept) / 4 and bar.text().endswith("%")
    runs, _ = window.ws.runs.load()
    assert {r.id for r in runs} == {r.run_id for r in kept}   # finished runs stay; the stopped one is not a run
    assert len(tab.seedPoints.data) == len(kept)
    # Start with the same name resumes: only the remaining values run
    assert _run_to_end(qtbot, tab) == "finished"
    done = [r for r in tab.rows if r.state == "complete"]
    assert sorted(r.params["lr"] for r in done) == [1e-3, 2e-3, 3e-3, 1e-2]
    assert len(window.ws.runs.load()[0]) == 4
    assert len(tab.seedPoints.data) == 4


def test_a_bad_value_is_said_in_the_tab(window):
    tab = window.studyTab
    _set_up(tab, "1e-3,fast", "bad")
    assert not tab.start()
    assert "Cannot start: 'fast' is not a number" in tab.statusLabel.text()
    assert not tab.is_running()


def test_a_damaged_study_file_is_said_in_the_tab_in_one_line(window, qtbot):
    tab = window.studyTab
    _set_up(tab, "1e-3", "damaged")
    journal = window.ws.studies_dir / "damaged.journal"
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_bytes(b"\x00\xff garbage\n")
    tab.refresh()    # the study is opened in a worker (its journal is checked under its lock)
    qtbot.waitUntil(lambda: "Cannot read" in tab.statusLabel.text())
    assert tab.statusLabel.text() == (f"Cannot read the study: the study file {journal} is damaged at line 1 "
                                      f"(not a study record); restore it, or move it away to start the study again")


def test_a_study_whose_journal_is_locked_never_freezes_the_tab(window, qtbot):
    """Opening a study checks its journal under the journal's lock; another process may hold it. The tab
    opens it in a worker: the form answers at once, the live lock is not broken, the rows come when it is
    released."""
    import os

    import optuna

    from mnist_gui.core.study import storage as st
    st.quiet_optuna()
    study = optuna.create_study(study_name="locked", storage=st.storage_for(window.ws, "locked"))
    study.enqueue_trial({"lr": 0.01})
    journal = window.ws.studies_dir / "locked.journal"
    held = st._journal_lock(journal)
    held.acquire()
    tab = window.studyTab
    window.show_tab(6)
    tab.nameEdit.setText("locked")
    tab.refresh()                                   # returns at once
    lock = f"{journal}.lock"
    assert os.readlink(lock) == f"{journal}#{st.HOST}#{os.getpid()}" and tab.rows == []
    held.release()
    qtbot.waitUntil(lambda: len(tab.rows) == 1)


def test_a_study_without_mnist_says_not_found_once(window, qtbot, monkeypatch):
    """As the Data and Evaluate tabs: the panel says it, with the way to set MNIST up; not the status too."""
    monkeypatch.delenv("MNIST_GUI_DATA", raising=False)
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    _set_up(tab, "1e-3", "no-mnist")
    assert _run_to_end(qtbot, tab, timeout=60_000) == "failed"
    shown = [w.text() for w in (tab.statusLabel, tab.dataPanel.message) if w.isVisibleTo(tab)]
    assert sum("MNIST was not found" in text for text in shown) == 1, shown
    assert tab.dataPanel.isVisibleTo(tab) and tab.startButton.isEnabled()
    # and no study was made: no journal of waiting trials that a relaunch would list, nothing to export
    assert not (window.ws.home / "studies" / "no-mnist.journal").exists()
    tab.refresh()
    assert tab.rows == [] and not tab.exportButton.isEnabled()


def test_a_study_cancelled_while_mnist_loads_says_nothing_was_made(window, qtbot):
    """Start while MNIST is still loading (another tab's load holds it): a Cancel then ends the study before
    it is made, and says so, not "Start resumes the study"."""
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    _set_up(tab, "1e-3", "cancelled-early")
    with window.ws._mnist_lock:   # the Data tab's load, not done yet: the study waits for it
        with qtbot.waitSignal(tab.studyEnded, timeout=60_000) as ended:
            tab.startButton.click()
            tab.cancelButton.click()
            assert tab.statusLabel.text() == "Stopping…"
    assert ended.args == ["cancelled"]
    assert tab.statusLabel.text() == "Cancelled before the study began: nothing was made."
    assert not (window.ws.home / "studies" / "cancelled-early.journal").exists()
    tab.refresh()
    assert tab.rows == [] and tab.startButton.isEnabled()


def test_write_csv_starts_where_the_exports_go_never_in_the_working_folder(window, qtbot, tmp_path, monkeypatch):
    """Write CSV… proposes <the last export's folder>/<study>.csv (else the documents folder), as Export model as
    ONNX… does, and remembers where it went (it proposed a bare name.csv: the folder the app was started in)."""
    import optuna
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    from mnist_gui.core.study import storage as st
    st.quiet_optuna()
    optuna.create_study(study_name="csv", storage=st.storage_for(window.ws, "csv")).enqueue_trial({"lr": 0.01})
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    out = tmp_path / "exports"
    out.mkdir()
    asked, answer = [], [""]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (asked.append(Path(a[2])), (answer[0], ""))[1])
    tab = window.studyTab
    window.tabs.setCurrentWidget(tab)
    assert not tab.exportButton.isEnabled()      # no study with a trial yet: nothing to write, the intro stays
    assert tab.progressBar.text() == ""          # and no "0%" of nothing
    tab.nameEdit.setText("csv")
    tab.refresh()
    qtbot.waitUntil(lambda: len(tab.rows) == 1)
    assert tab.exportButton.isEnabled()
    assert not tab.export_csv()                                # cancelled: nothing written, nothing remembered
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    assert asked[-1].name == "csv.csv" and asked[-1].is_absolute(), asked[-1]
    assert asked[-1].parent in {p for p in (Path(documents), Path.home()) if p.is_dir()}, asked[-1]
    assert window.ws.settings.get("export/folder") == ""
    answer[0] = str(out / "trials.csv")
    assert tab.export_csv() and (out / "trials.csv").is_file()
    assert window.ws.settings.get("export/folder") == str(out)
    answer[0] = ""
    tab.export_csv()
    assert asked[-1] == out / "csv.csv"                        # where the last export went
    window.export_onnx()
    assert asked[-1].parent == out                             # and Export model as ONNX… starts there too
