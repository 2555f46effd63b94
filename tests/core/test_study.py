"""Parameter studies (core/study/): values, network fields, the CLI, workers sharing a journal, resuming."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from mnist_gui.core import study as st
from mnist_gui.core.events import StudyOpened, TrialEnded, TrialStarted
from mnist_gui.core.recipes import TrainConfig
from tests.conftest import ROOT, mnist_dir, mnist_skip_reason, run_cli

TINY = ["--preset", "fast-bn", "--train-size", "500", "--max-steps", "5"]
needs_mnist = pytest.mark.skipif(mnist_dir() is None, reason=mnist_skip_reason())


def _journal_trials(home, name):
    """The study's trials, read back from its journal file as any other process would."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage
    storage = JournalStorage(JournalFileBackend(str(home / "studies" / f"{name}.journal")))
    return optuna.load_study(study_name=name, storage=storage).get_trials()


# -- values -------------------------------------------------------------------------------------

def test_values_from_a_list_are_checked_and_typed():
    assert st.parse_values(st.parameter("lr"), "1e-4, 1e-3,1e-2") == [1e-4, 1e-3, 1e-2]
    assert st.parse_values(st.parameter("batch_size"), "32,64,64") == [32, 64]
    assert st.parse_values(st.parameter("optimizer"), "sgd,adamw") == ["sgd", "adamw"]
    assert st.parse_values(st.parameter("augment"), "false,true") == [False, True]
    assert st.parse_values(st.parameter("conv1.filters"), "8,16") == [8, 16]


def test_values_from_a_linear_and_a_log_range():
    assert st.parse_values(st.parameter("dropout"), range_="0:0.6", count=4) == pytest.approx([0, 0.2, 0.4, 0.6])
    assert st.parse_values(st.parameter("lr"), range_="1e-4:1e-1", count=4, log=True) == \
        pytest.approx([1e-4, 1e-3, 1e-2, 1e-1])
    # a range in the list's place, and whole-number parameters rounded
    assert st.parse_values(st.parameter("conv1.filters"), "8:64", count=4, log=True) == [8, 16, 32, 64]


@pytest.mark.parametrize("param,values,kw,message", [
    ("lr", "1e-3,abc", {}, "'abc' is not a number"),
    ("lr", "-1", {}, "learning rate must be in"),
    ("batch_size", "12.5", {}, "whole numbers"),
    ("optimizer", "rmsprop", {}, "unknown optimizer"),
    ("lr", "", {}, "no values"),
    ("lr", "1e-4:1e-1", {}, "needs a count"),
    ("lr", "0:1", {"count": 3, "log": True}, "positive ends"),
    ("optimizer", "a:b", {"count": 2}, "has no range"),
    ("lr", "5:1", {"count": 3}, "lr: the range's low end must not be above its high end, got 5:1$"),
])
def test_bad_values_are_one_line_errors(param, values, kw, message):
    with pytest.raises(st.StudyError, match=message) as e:
        st.parse_values(st.parameter(param), values, **kw)
    assert "\n" not in str(e.value)


def test_unknown_parameters_name_what_there_is():
    with pytest.raises(st.StudyError, match="unknown parameter 'speed'"):
        st.parameter("speed")
    with pytest.raises(st.StudyError, match="no layer 'conv9'.*conv1, relu1, pool1"):
        st.parameter("conv9.filters")
    with pytest.raises(st.StudyError, match="conv1 \\(conv\\) takes filters, kernel"):
        st.parameter("conv1.units")
    with pytest.raises(st.StudyError):
        st.parameter("seed")   # seeds are the repeats


def test_search_ranges():
    assert st.parse_search("lr,dropout") == {"lr": (1e-4, 1e-1, True), "dropout": (0.0, 0.7, False)}
    assert st.parse_search("lr=1e-3:1e-2,optimizer") == {"lr": (1e-3, 1e-2, True),
                                                         "optimizer": (("adamw", "adam", "sgd"),)}
    with pytest.raises(st.StudyError, match="1 to 3"):
        st.parse_search("lr,dropout,weight_decay,label_smoothing")
    with pytest.raises(st.StudyError, match="low end must be below"):
        st.parse_search("lr=1e-2:1e-3")
    # whole numbers said as typed, not 2e+09:1e+09
    with pytest.raises(st.StudyError, match=r"low end must be below its high end, got 2000000000:1000000000$"):
        st.parse_search("batch_size=2000000000:1000000000")


# -- network fields -----------------------------------------------------------------------------

def test_a_network_field_builds_the_tutorial_network_with_that_field_replaced():
    from mnist_gui.core.models import build_model
    from mnist_gui.core.presets import tf_tutorial_spec
    base = TrainConfig()
    cfg = st.trial_config(base, {"conv1.filters": 8, "seed": 1})
    want = [layer.to_dict() for layer in tf_tutorial_spec(base.dropout).layers]
    want[0]["filters"] = 8
    assert cfg.arch["layers"] == want and cfg.preset == "custom" and cfg.seed == 1
    model = build_model(cfg.model_config())
    assert model.conv1.out_channels == 8 and model.conv2.in_channels == 8
    dense = st.trial_config(base, {"dense.units": 128})
    assert build_model(dense.model_config()).dense.out_features == 128
    # training fields stay plain configs
    assert st.trial_config(base, {"lr": 0.01}).arch is None


def test_a_network_value_that_breaks_the_network_fails_with_the_spec_message():
    with pytest.raises(st.TrialFailed, match="the network is not valid: layer 3 \\(maxpool\\): pool size 30"):
        st.trial_config(TrainConfig(), {"pool1.size": 30})


# -- summaries ----------------------------------------------------------------------------------

def test_summary_per_value_and_the_noise_in_words():
    rows = [st.TrialRow(i, "complete", {"lr": lr}, seed, acc, 10.0 + i)
            for i, (lr, seed, acc) in enumerate([(1e-3, 0, 0.90), (1e-3, 1, 0.94), (1e-2, 0, 0.93),
                                                 (1e-2, 1, 0.95)])]
    rows.append(st.TrialRow(4, "failed", {"lr": 1.0}, 0, None, None, error="diverged at step 3"))
    summ = st.summarize(rows, "lr")
    assert [s.value for s in summ] == [1e-3, 1e-2, 1.0]
    assert (summ[0].runs, summ[0].mean, summ[0].min, summ[0].max) == (2, pytest.approx(0.92), 0.90, 0.94)
    assert summ[0].seconds == pytest.approx(10.5)
    assert (summ[2].runs, summ[2].failed, summ[2].error) == (0, 1, "diverged at step 3")
    text = st.noise_text(summ, "lr")
    assert text.startswith("best: lr 0.01 at 94.00%") and "within the noise" in text
    rows[0].accuracy, rows[1].accuracy = 0.50, 0.51
    assert "more than the noise" in st.noise_text(st.summarize(rows, "lr"), "lr")


# -- running studies ------------------------------------------------------------------------------

@pytest.mark.slow
@needs_mnist
def test_a_study_of_three_tiny_runs_through_the_cli(_isolated_home):
    r = run_cli("study", "--param", "lr", "--values", "1e-3,3e-3,1e-2", *TINY, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [v["value"] for v in out["values"]] == [1e-3, 3e-3, 1e-2]
    assert all(v["runs"] == 1 and 0 <= v["mean"] <= 1 for v in out["values"])
    from mnist_gui.core.runs import RunStore
    runs, problems = RunStore(_isolated_home / "runs").load()
    assert not problems
    assert sorted(r.kind for r in runs) == ["study"] * 3
    assert {r.id for r in runs} == {t["run_id"] for t in out["trials"]}
    assert sorted(r.config["lr"] for r in runs) == [1e-3, 3e-3, 1e-2]
    # the table, and a second run with another budget under the same name is refused
    r = run_cli("study", "--param", "lr", "--values", "1e-3", "--max-steps", "6", "--preset", "fast-bn",
                "--train-size", "500")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "was made with other settings" in r.stderr
    # the same name with other values adds to the study, and the table says which values are earlier ones
    r = run_cli("study", "--param", "lr", "--values", "1e-3,3e-2", *TINY)
    assert r.returncode == 0, r.stderr
    rows = {line.split()[0]: line for line in r.stdout.splitlines() if line.strip()[:1].isdigit()}
    assert set(rows) == {"0.001", "0.003", "0.01", "0.03"}
    assert [v for v, line in rows.items() if line.endswith("(earlier)")] == ["0.003", "0.01"]
    assert "also holds runs of 0.003, 0.01 from an earlier command" in r.stdout


@pytest.mark.slow
@needs_mnist
def test_two_worker_processes_run_every_grid_point_exactly_once(_isolated_home):
    r = run_cli("study", "--name", "two", "--param", "dropout", "--values", "0,0.5", "--repeat", "2",
                "--workers", "2", *TINY, "--json")
    assert r.returncode == 0, r.stderr
    trials = _journal_trials(_isolated_home, "two")
    done = [t for t in trials if t.state.name == "COMPLETE"]
    points = sorted((t.params["dropout"], t.params["seed"]) for t in done)
    assert points == [(0.0, 0), (0.0, 1), (0.5, 0), (0.5, 1)]
    assert len({t.user_attrs["pid"] for t in done}) == 2   # both processes took trials
    assert len(json.loads(r.stdout)["values"]) == 2
    # the workers train where the parent's device setting says, and record it as a training run does
    from mnist_gui.core.device import resolve_device
    from mnist_gui.core.runs import RunStore
    runs, _ = RunStore(_isolated_home / "runs").load()
    assert len(runs) == 4 and {r.device for r in runs} == {str(resolve_device("auto"))}


@pytest.mark.slow
@needs_mnist
def test_an_interrupted_study_resumes_with_only_the_remaining_trials(_isolated_home, small_mnist):
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    ws.use_mnist(small_mnist)
    plan = st.StudyPlan("resume", "lr", [1e-3, 3e-3, 1e-2, 3e-2], 1, recipe="fast-bn",
                        overrides={"max_steps": 5, "train_size": 500})
    finished, kinds = [], []

    def stop_after_two():
        return len(finished) >= 2

    def on_event(ev):
        kinds.append(type(ev))
        if isinstance(ev, TrialEnded):
            finished.append(ev.number)
    assert st.run_trials(ws, plan, should_stop=stop_after_two, on_event=on_event) == 2
    assert kinds[:2] == [StudyOpened, TrialStarted] and kinds.count(StudyOpened) == 1   # said once, first
    assert [t.state.name for t in _journal_trials(_isolated_home, "resume")].count("COMPLETE") == 2

    # the app closed while the third trial trained: a killed process leaves its trial running
    study = st.open_study(ws, plan)
    trial = study.ask()
    trial.set_user_attr("host", st.HOST)
    trial.set_user_attr("pid", 2 ** 22 + 12345)   # no such process
    started, opened = [], []
    ran = st.run_study(ws, plan, on_event=lambda ev: started.append(ev.params) if isinstance(ev, TrialStarted)
                       else opened.append(ev.name) if isinstance(ev, StudyOpened) else 0)
    assert sorted(p["lr"] for p in started) == [1e-2, 3e-2] and opened == ["resume"]
    rows = st.trial_rows(ran)
    assert sorted(r.params["lr"] for r in rows if r.state == "complete") == [1e-3, 3e-3, 1e-2, 3e-2]
    assert [r.state for r in rows].count("interrupted") == 1
    assert len(ws.runs.load()[0]) == 4
    # the CSV has one line per trial
    csv_text = st.study_csv(ran)
    assert csv_text.splitlines()[0] == "trial,state,lr,seed,test_accuracy,train_seconds,run,error"
    assert len(csv_text.splitlines()) == 1 + len(rows)


@pytest.mark.slow
@needs_mnist
def test_an_invalid_network_value_fails_its_trial_not_the_study(_isolated_home):
    r = run_cli("study", "--param", "pool1.size", "--values", "2,30", *TINY, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    states = {t["params"]["pool1.size"]: (t["state"], t["error"]) for t in out["trials"]}
    assert states[2] == ("complete", "")
    assert states[30][0] == "failed" and "pool size 30 is larger than its 28×28 input" in states[30][1]


def test_opening_again_fails_a_killed_trial_even_when_the_grid_looks_done(_isolated_home):
    """The trial of a killed process is failed (read as interrupted) and its point queued again, also when
    a worker that found the queue empty has taken the grid's only point as an extra trial: the grid
    sampler then thinks the grid is done and would stop the study, which raises outside optimize()."""
    import optuna
    from optuna.trial import TrialState

    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    plan = st.StudyPlan("killed", "lr", [1e-3], 1, recipe="fast-bn", overrides={"max_steps": 5})
    study = st.open_study(ws, plan)
    killed = study.ask()                          # the queued point, taken by a process that was then killed
    killed.set_user_attr("host", st.HOST)
    killed.set_user_attr("pid", 2 ** 22 + 12345)  # no such process
    extra = study.ask()                           # the grid sampler gives it the grid's only point
    extra.set_user_attr("extra", True)
    plain = optuna.load_study(study_name="killed", storage=st.storage_for(ws, "killed"),
                              sampler=optuna.samplers.RandomSampler())
    plain.tell(extra.number, state=TrialState.PRUNED)
    rows = st.trial_rows(st.open_study(ws, plan))
    assert [(r.state, r.params, r.seed) for r in rows] == [("interrupted", {}, None), ("waiting", {"lr": 1e-3}, 0)]


@pytest.mark.slow
@needs_mnist
def test_a_study_trains_on_the_workspace_device_and_records_it(_isolated_home, small_mnist):
    from mnist_gui.core.device import resolve_device
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    ws.use_mnist(small_mnist)
    plan = st.StudyPlan("device", "lr", [1e-3], 1, recipe="fast-bn", overrides={"max_steps": 5, "train_size": 500})
    ws.set_device("cuda:99")   # not here: refused with the device's message before anything is written
    with pytest.raises(st.StudyError, match="was asked for"):
        st.run_study(ws, plan)
    assert st.load_study(ws, "device") is None and not ws.runs.load()[0]
    ws.set_device("auto")
    assert st.run_trials(ws, plan) == 1
    [run] = ws.runs.load()[0]
    assert run.kind == "study" and run.device == str(resolve_device("auto"))   # "cpu", "cuda:0", "mps"
    assert run.study == "device"   # the record names its study


@pytest.mark.slow
@needs_mnist
def test_a_point_two_machines_queued_at_once_runs_once(_isolated_home, small_mnist):
    """Two machines opening a study at the same moment may both queue a point: it runs once."""
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    ws.use_mnist(small_mnist)
    plan = st.StudyPlan("twice", "lr", [1e-3, 1e-2], 1, recipe="fast-bn", overrides={"max_steps": 5, "train_size": 500})
    study = st.open_study(ws, plan)
    study.enqueue_trial({"lr": 1e-3, "seed": 0}, user_attrs={"grid_point": True})   # the other machine's copy
    assert st.run_trials(ws, plan, study=study) == 2
    rows = st.trial_rows(study)
    assert sorted((r.params["lr"], r.state) for r in rows) == [(1e-3, "complete"), (1e-2, "complete")]
    assert len(ws.runs.load()[0]) == 2


def _wait_for(what, check, limit_s=300):
    deadline = time.monotonic() + limit_s   # a bound, never reached when things work
    while not (found := check()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)
    return found


@pytest.mark.slow
@needs_mnist
def test_sighup_stops_a_study_in_one_process_like_sigterm(_isolated_home):
    """The terminal that started `study` closed (SIGHUP): the trial training is interrupted (a resume runs
    it again), and the command ends with one line and 128 + 1, as for SIGTERM."""
    args = ["--name", "hup", "--param", "lr", "--values", "1e-3,3e-3", "--preset", "fast-bn", "--train-size", "500",
            "--max-steps", "1000000"]
    proc = subprocess.Popen([sys.executable, "-m", "mnist_gui", "study", *args], cwd=str(ROOT), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def training():
        try:
            return [t for t in _journal_trials(_isolated_home, "hup") if t.state.name == "RUNNING"] or None
        except (FileNotFoundError, KeyError):   # not made yet
            return None
    try:
        running = _wait_for("a trial training", training)
        proc.send_signal(signal.SIGHUP)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGHUP, err
    assert err.strip().splitlines()[-1] == "mnist-gui: interrupted; run the same command again to resume the study"
    states = {t.number: st.trial_state(t) for t in _journal_trials(_isolated_home, "hup")}
    assert {states[t.number] for t in running} == {"interrupted"}, states


@needs_mnist
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_the_study_and_its_workers(_isolated_home, sig):
    """SIGTERM or SIGINT to `study --workers 2` alone (not its process group): both workers stop, their
    trials are interrupted (a resume runs them again), the command ends with one line and 128 + the signal."""
    args = ["--name", "sig", "--param", "lr", "--values", "1e-3,3e-3,1e-2,3e-2", "--workers", "2",
            "--preset", "fast-bn", "--train-size", "500", "--max-steps", "1000000"]
    proc = subprocess.Popen([sys.executable, "-m", "mnist_gui", "study", *args], cwd=str(ROOT), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    pids: set[int] = set()

    def both_training():
        try:
            trials = _journal_trials(_isolated_home, "sig")
        except (FileNotFoundError, KeyError):   # not made yet
            return None
        running = [t for t in trials if t.state.name == "RUNNING" and "pid" in t.user_attrs]
        pids.update(t.user_attrs["pid"] for t in running)
        return running if len({t.user_attrs["pid"] for t in running}) == 2 else None
    def alive(pid):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    try:
        running = _wait_for("both workers training", both_training)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        left = [pid for pid in pids if alive(pid)]   # the workers must be gone, not left running under init
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    assert not left
    assert proc.returncode == 128 + sig, err
    lines = err.strip().splitlines()
    assert lines[-1] == "mnist-gui: interrupted; run the same command again to resume the study", err
    assert "Traceback" not in err and sum(line.startswith("mnist-gui") for line in lines) == 1, err
    states = {t.number: st.trial_state(t) for t in _journal_trials(_isolated_home, "sig")}
    assert {states[t.number] for t in running} == {"interrupted"}
    assert "running" not in states.values()


@pytest.mark.parametrize("how", ["run_trials", "run_study"])
def test_a_study_that_cannot_load_mnist_makes_nothing(_isolated_home, tmp_path, how):
    """MNIST is loaded before the study is made: without it, one DataError and no journal of waiting trials
    (the window listed them after a relaunch)."""
    from mnist_gui.core.errors import DataError
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    ws.set_data_dir(str(empty))
    ws.download_missing_mnist = False   # as the window: it offers the download
    plan = st.StudyPlan("lr", "lr", [1e-3, 2e-3], 1, overrides={"max_steps": 2})
    with pytest.raises(DataError, match="MNIST not found"):
        getattr(st, how)(ws, plan)
    assert not (_isolated_home / "studies" / "lr.journal").exists()
    assert st.load_study(ws, "lr") is None


def test_cli_errors_are_one_line(_isolated_home):
    for args, message in ((["--param", "speed", "--values", "1"], "unknown parameter 'speed'"),
                          (["--param", "lr", "--values", "1e-3,abc"], "'abc' is not a number"),
                          (["--param", "lr", "--range", "1e-4:1e-2"], "needs a count")):
        r = run_cli("study", *args)
        assert r.returncode == 2 and r.stderr.count("\n") == 1 and message in r.stderr, r.stderr
    assert not os.path.exists(_isolated_home / "runs")


@pytest.mark.slow
@needs_mnist
def test_a_search_runs_its_trials_and_ranks_the_parameters(_isolated_home, small_mnist):
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    ws.use_mnist(small_mnist)
    plan = st.StudyPlan("search", search=st.parse_search("lr,dropout"), trials=3, recipe="fast-bn",
                        overrides={"max_steps": 5, "train_size": 500})
    study = st.run_study(ws, plan)
    rows = st.trial_rows(study)
    assert len(rows) == 3 and all(r.state == "complete" for r in rows)
    assert all(1e-4 <= r.params["lr"] <= 1e-1 and 0 <= r.params["dropout"] <= 0.7 for r in rows)
    report = st.study_report(study)
    assert report["best"]["accuracy"] == max(r.accuracy for r in rows)
    assert set(report["importances"]) == {"lr", "dropout"}
    assert sum(report["importances"].values()) == pytest.approx(1.0)
    # opening it again runs nothing more
    assert st.run_trials(ws, plan) == 0
