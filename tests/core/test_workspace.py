"""The Workspace's workflows, the ones the command line and the window both use: plan a run, the busy
state, decide whether a run goes live, evaluate, read the pen digits, save, delete a run, paths."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mnist_gui.core.workspace import Busy, FinishedRun, Workspace


def _mnist(n_train=64, n_test=50, seed=0):
    import torch

    from mnist_gui.core.data import Mnist, MnistSplit
    g = torch.Generator().manual_seed(seed)

    def split(n):
        return MnistSplit(torch.randint(0, 256, (n, 28, 28), dtype=torch.uint8, generator=g),
                          torch.arange(n, dtype=torch.int64) % 10)
    return Mnist(train=split(n_train), test=split(n_test), folder=Path("/nowhere"))


# -- paths ---------------------------------------------------------------------------------------
def test_every_path_comes_from_home(tmp_path):
    ws = Workspace(tmp_path / "a")
    assert ws.runs.root == tmp_path / "a" / "runs"
    assert ws.my_digits.path == tmp_path / "a" / "my_digits.jsonl"
    assert {ws.models_dir, ws.download_dir, ws.studies_dir, ws.settings_path} == {
        tmp_path / "a" / n for n in ("models", "data", "studies", "settings.ini")}


def test_a_runs_model_opened_through_a_link_to_the_app_folder_gets_its_records_figure(tmp_path, shipped):
    """The app folder reached through a symbolic link (or the model's path through one): the run is still
    found, so a model saved without its test figure gets the one its record has."""
    from mnist_gui.core.checkpoint import save_checkpoint
    real, link = tmp_path / "real", tmp_path / "link"
    real.mkdir()
    link.symlink_to(real, target_is_directory=True)
    rec = Workspace(real).runs.record("finished", {"preset": shipped.model_config.preset},
                                      {"test_accuracy": 0.875}, {}, 1.0,
                                      lambda p: save_checkpoint(p, shipped.model, shipped.model_config, {}, {}, {}))
    for home, other in ((link, real), (real, link)):
        path = other / "runs" / rec.id / "model.pt"
        assert Workspace(home).open_model(str(path)).test_accuracy == 0.875, (home, path)


def test_mnist_is_downloaded_into_the_workspaces_own_folder(tmp_path, monkeypatch):
    """Not into the global app folder ($MNIST_GUI_HOME): the Workspace's home is the one that counts."""
    from mnist_gui.core import data
    monkeypatch.delenv("MNIST_GUI_DATA", raising=False)
    asked = []

    def fake_download(dest, progress=None, should_stop=None):
        asked.append(Path(dest))
        raise data.DataError("offline")
    monkeypatch.setattr(data, "download_mnist", fake_download)
    ws = Workspace(tmp_path / "mine")
    with pytest.raises(data.DataError):
        ws.mnist()
    assert asked == [tmp_path / "mine" / "data"]


# -- busy ----------------------------------------------------------------------------------------
def test_one_piece_of_work_at_a_time_and_listeners_hear_it(tmp_path):
    ws = Workspace(tmp_path)
    heard = []
    ws.busy_changed.connect(heard.append)
    work = ws.working("study")
    with pytest.raises(Busy, match="study is running"):
        ws.working("train")
    assert ws.busy == "study"
    work.release()
    work.release()   # twice: said once
    with ws.working("train"):
        assert ws.busy == "train"
    assert ws.busy is None
    assert heard == ["study", None, "train", None]


# -- planning a run ------------------------------------------------------------------------------
def test_plan_run_overrides_and_validates(tmp_path):
    ws = Workspace(tmp_path)
    plan = ws.plan_run("fast", lr=0.01, batch_size=None)
    assert plan.config.lr == 0.01 and plan.config.batch_size == ws.recipes["fast"].config.batch_size
    assert plan.kind == "train" and plan.init_state is None and plan.extra_train is None
    assert plan.device == ws.device
    with pytest.raises(ValueError, match="unknown recipe"):
        ws.plan_run("no-such-recipe")
    with pytest.raises(ValueError):
        ws.plan_run("fast", lr=-1.0)
    with pytest.raises(ValueError, match="cannot be used with it"):
        ws.plan_run("fast", arch={"layers": []}, preset="tf-tutorial")


def test_plan_run_from_a_model_takes_its_network_weights_and_seen_writers(tmp_path, shipped):
    ws = Workspace(tmp_path)
    init = replace(shipped, train_config=dict(shipped.train_config, pen_writers="1-3"))
    plan = ws.plan_run("fast", init=init)
    assert plan.config.preset == shipped.model_config.preset
    assert plan.init_state.keys() == shipped.model.state_dict().keys()
    assert plan.config.pen_writers == "1-3"


def test_plan_run_adds_pen_digits_and_records_their_writers(tmp_path):
    from mnist_gui.core.handwriting.pendigits import PenDigit
    stroke = [(0.0, 0.0), (0.0, 10.0), (1.0, 20.0)]
    digits = [PenDigit(label=1, writer=w, strokes=[stroke]) for w in (4, 5, 7)]
    plan = Workspace(tmp_path).plan_run("fast", pen_digits=digits, pen_variants=2)
    assert len(plan.extra_train) == 6 and plan.config.pen_writers == "4-5,7"


def test_plan_finetune_needs_a_model_and_my_digits(tmp_path, shipped):
    ws = Workspace(tmp_path)
    with pytest.raises(ValueError, match="empty"):
        ws.plan_finetune()
    ws.teach(3, np.zeros((28, 28), np.float32))
    with pytest.raises(ValueError, match="not loaded"):
        ws.plan_finetune()
    ws.make_live(shipped, remember=False)
    plan = ws.plan_finetune()
    assert plan.kind == "finetune" and plan.config.average_start > 0   # ends part of the way back
    assert plan.init_state.keys() == shipped.model.state_dict().keys() and len(plan.extra_train) > 1


# -- deciding whether a run goes live ------------------------------------------------------------
def _done(status, acc, kind="train", model=True):
    from mnist_gui.core.checkpoint import Checkpoint
    ck = Checkpoint(model=None, model_config=None, metrics={"test_accuracy": acc}) if model else None
    return FinishedRun(status, "", None, ck, kind=kind)


@pytest.mark.parametrize("status, new, kind, action", [
    ("finished", 0.995, "train", "live"),          # better: live at once
    ("finished", 0.990, "train", "ask_worse"),     # worse: asked
    ("finished", 0.986, "finetune", "live"),       # fine-tuning may cost up to a point of MNIST
    ("finished", 0.980, "finetune", "ask_worse"),  # ... not more
    ("stopped", 0.999, "train", "ask_stopped"),    # stopped: always asked
    ("diverged", None, "train", "none"),
])
def test_live_decision(tmp_path, shipped, status, new, kind, action):
    ws = Workspace(tmp_path)
    ws.make_live(replace(shipped, metrics={"test_accuracy": 0.994}), remember=False)
    decision = ws.live_decision(_done(status, new, kind, model=status != "diverged"))
    assert decision.action == action
    if action != "none":
        assert (decision.new_accuracy, decision.live_accuracy) == (new, 0.994)


def test_a_live_model_never_measured_is_not_replaced_unasked(tmp_path, shipped):
    """Nothing to compare (a stopped run's model made live unmeasured, an imported file): a new run asks; a fine-tune
    (of the live model itself) goes live; with no live model at all the run does."""
    ws = Workspace(tmp_path)
    assert ws.live_decision(_done("finished", 0.5)).action == "live"
    ws.make_live(replace(shipped, metrics={}), remember=False)
    decision = ws.live_decision(_done("finished", 0.5))
    assert decision.action == "ask_unmeasured" and (decision.new_accuracy, decision.live_accuracy) == (0.5, None)
    assert ws.live_decision(_done("finished", 0.5, "finetune")).action == "live"
    ws.make_live(replace(shipped, metrics={"test_accuracy": 0.994}), remember=False)
    assert ws.live_decision(_done("finished", None)).action == "ask_unmeasured"


# -- evaluating, reading pen digits --------------------------------------------------------------
def test_evaluate_the_live_model_or_another_and_stop(tmp_path, shipped):
    from mnist_gui.core.data import Cancelled
    ws = Workspace(tmp_path)
    ws.use_mnist(_mnist(n_test=30))
    ws.make_live(shipped, remember=False)
    seen = []
    ev, data = ws.evaluate(progress=seen.append)
    assert len(ev["probabilities"]) == len(data.test) == 30 and seen[-1] == (30, 30)
    assert 0 <= ev["accuracy"] <= 1
    with pytest.raises(Cancelled):
        ws.evaluate(shipped.model, should_stop=lambda: True)


def test_pen_digits_not_found_is_one_clear_error(tmp_path, shipped, monkeypatch):
    from mnist_gui.core.data import DataError
    monkeypatch.delenv("MNIST_GUI_PENDIGITS", raising=False)
    monkeypatch.setenv("MNIST_GUI_DATA", str(tmp_path / "empty"))
    ws = Workspace(tmp_path)
    ws.make_live(shipped, remember=False)
    with pytest.raises(DataError, match="pen-drawn digits not found"):
        ws.read_pen_digits()


def test_read_pen_digits_leaves_out_the_writers_the_model_has_seen(tmp_path, shipped, monkeypatch):
    from tests.conftest import SHARED_PENDIGITS
    if not SHARED_PENDIGITS.exists():
        pytest.skip("pen digits not available")
    monkeypatch.setenv("MNIST_GUI_PENDIGITS", str(SHARED_PENDIGITS))
    ws = Workspace(tmp_path)
    probs, labels, writers = ws.read_pen_digits(shipped.model, seen=frozenset(range(2, 31)))
    assert writers == frozenset({1}) and probs.shape == (len(labels), 10) and len(labels) > 50


# -- saving, deleting ----------------------------------------------------------------------------
@pytest.mark.slow
def test_save_model_remembers_it_only_when_it_is_the_live_one(tmp_path, shipped):
    ws = Workspace(tmp_path)
    ws.make_live(replace(shipped), remember=False)
    other = replace(shipped)
    path = ws.save_model(other, tmp_path / "models" / "other")
    assert path == tmp_path / "models" / "other.pt" and path.is_file()
    ws.saved(other, path)
    assert other.path == path and ws.settings.get("model/path") == ""
    live_path = ws.save_model(ws.checkpoint, tmp_path / "live.pt")
    ws.saved(ws.checkpoint, live_path)
    assert ws.settings.get("model/path") == str(live_path)


def test_deleting_a_run_is_announced_even_when_it_fails(tmp_path):
    from mnist_gui.core.runs import RunStoreError
    ws = Workspace(tmp_path)
    rec = ws.runs.record("finished", {"preset": "tf-tutorial"}, {}, {}, 1.0)
    heard = []
    ws.runs_changed.connect(lambda: heard.append(True))
    ws.delete_run(rec)
    assert ws.runs.load()[0] == [] and heard == [True]
    (tmp_path / "outside").mkdir()
    (ws.runs_dir / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(RunStoreError):
        ws.delete_run("link")
    assert heard == [True, True] and (tmp_path / "outside").is_dir()


# -- the one run sequence ------------------------------------------------------------------------
def _plan(ws, **kw):
    from mnist_gui.core.recipes import TrainConfig
    return ws.plan_run(base=TrainConfig(preset="fast-bn", batch_size=16, eval_every_epoch=False, **kw))


@pytest.mark.slow
def test_run_trains_measures_and_records_one_run(tmp_path):
    from mnist_gui.core.events import Finished, Started
    ws = Workspace(tmp_path)
    ws.use_mnist(_mnist())
    seen = []
    with ws.working("train"):
        done = ws.run(_plan(ws, max_steps=3), seen.append)
    assert type(seen[0]) is Started and type(seen[-1]) is Finished
    assert done.status == "finished" and done.record is not None and done.checkpoint.path.is_file()
    assert done.result.metrics["test_accuracy"] is not None and done.record.kind == "train"
    assert [r.id for r in ws.runs.load()[0]] == [done.record.id]


@pytest.mark.slow
@pytest.mark.parametrize("keep_stopped", [True, False])
def test_a_stopped_run_is_measured_and_recorded_unless_a_study_drops_it(tmp_path, keep_stopped):
    from mnist_gui.core.events import Measuring, Progressed
    from mnist_gui.core.workspace import RunControl
    ws = Workspace(tmp_path)
    ws.use_mnist(_mnist())
    control, seen = RunControl(), []

    def on_event(ev):
        seen.append(ev)
        if isinstance(ev, Progressed):
            control.stop()
    done = ws.run(_plan(ws, max_steps=1000), on_event, control, keep_stopped=keep_stopped)
    assert done.status == "stopped" and str(done.message).startswith("stopped at step")
    measured = [ev for ev in seen if isinstance(ev, Measuring)]
    if keep_stopped:
        assert measured[0] == Measuring(0, 50) and measured[-1].done == 50
        assert done.record is not None and done.checkpoint.test_accuracy is not None
        h = ws.runs.load()[0][0].history   # its test point at the step it stopped, for the plots
        assert h["epoch_step"] == [done.result.history["step"][-1]]
        assert h["test_accuracy"] == [done.checkpoint.test_accuracy] and len(h["test_loss"]) == len(h["epoch"]) == 1
    else:
        assert not measured and done.record is None and ws.runs.load()[0] == []


@pytest.mark.slow
def test_a_stop_before_the_first_step_records_nothing_and_an_abort_measures_nothing(tmp_path):
    from mnist_gui.core.events import Measuring, Progressed
    from mnist_gui.core.workspace import STOPPED_BEFORE_TRAINING, RunControl
    ws = Workspace(tmp_path)
    ws.use_mnist(_mnist())
    asked = []
    done = ws.run(_plan(ws, max_steps=5), control=RunControl(lambda: asked.append(1) or True))
    assert asked and done.message == STOPPED_BEFORE_TRAINING and done.record is None and done.checkpoint is None
    control, seen = RunControl(), []

    def on_event(ev):
        seen.append(ev)
        if isinstance(ev, Progressed):
            control.abort()
    done = ws.run(_plan(ws, max_steps=1000), on_event, control)
    assert done.status == "stopped" and done.record is not None and done.checkpoint.test_accuracy is None
    assert not [ev for ev in seen if isinstance(ev, Measuring)]
