import ast
import math
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch

from mnist_gui.core.events import EpochEnded, Finished, Progressed, Started, StatusChanged
from mnist_gui.core.messages import say
from mnist_gui.core.recipes import RECIPES, TrainConfig
from mnist_gui.core.states import RunStatus
from mnist_gui.core.train import Trainer, evaluate

ROOT = Path(__file__).resolve().parents[2]


def quick(**kw):
    base = dict(preset="fast-bn", lr=1e-2, batch_size=64, epochs=1)
    base.update(kw)
    return TrainConfig(**base)


@pytest.mark.slow
def test_short_run_learns(small_mnist):
    events = []
    r = Trainer(quick(), small_mnist, events.append).run()
    assert r.status == "finished" and r.model is not None
    assert r.metrics["test_accuracy"] > 0.85          # chance is 0.10
    kinds = [type(e) for e in events]
    assert kinds[0] is Started and Progressed in kinds and kinds.count(EpochEnded) == 1
    step = next(e for e in events if isinstance(e, Progressed))
    assert step.epoch == 1 and step.images_per_s > 0 and step.eta_s >= 0 and 0 <= step.accuracy <= 1
    ep = next(e for e in events if isinstance(e, EpochEnded))
    assert len(ep.per_class) == 10 and 0 <= ep.test_accuracy <= 1
    assert len(r.history["loss"]) == events[0].total_steps


def test_events_come_in_order_and_cover_every_step(small_mnist):
    """Started, Progressed..., EpochEnded (each evaluated epoch), Finished last; the Progressed events
    together list every step of the history once, in order."""
    events = []
    r = Trainer(quick(max_steps=5), small_mnist, events.append).run()
    kinds = [type(e) for e in events]
    n = kinds.count(Progressed)
    assert n >= 1 and kinds == [Started] + [Progressed] * n + [EpochEnded, Finished]
    progress = events[1:-2]
    assert [s for e in progress for s in e.steps] == r.history["step"] == [1, 2, 3, 4, 5]
    assert [x for e in progress for x in e.losses] == r.history["loss"]
    assert [x for e in progress for x in e.accuracies] == r.history["accuracy"]
    assert all(e.step == e.steps[-1] and e.loss == e.losses[-1] and e.accuracy == e.accuracies[-1]
               for e in progress)
    start, ep, fin = events[0], events[-2], events[-1]
    assert (start.total_steps, start.train_size, start.epochs, start.device) == (5, 3000, 1, "cpu")
    assert start.config == r.config.to_dict()
    assert (ep.epoch, ep.epochs, ep.step, ep.test_accuracy) == (1, 1, 5, r.metrics["test_accuracy"])
    assert (fin.status, fin.message, fin.step) == (r.status, r.message, 5)
    assert fin.train_seconds == r.metrics["train_seconds"] and fin.seconds == r.seconds


def test_progress_is_sent_at_most_every_interval_and_before_each_evaluation(small_mnist):
    """The one throttle: with an interval longer than the run, the first step goes at once, the rest of
    each epoch just before its evaluation, and the last step at once; nothing is lost or repeated."""
    events = []
    r = Trainer(quick(max_steps=50), small_mnist, events.append, progress_interval_s=1e9).run()
    names = [type(e).__name__ for e in events]     # 3000 images / 64 = 46 steps per epoch: two epochs
    assert names == ["Started", "Progressed", "Progressed", "EpochEnded", "Progressed", "EpochEnded",
                     "Finished"]
    assert [e.steps for e in events if isinstance(e, Progressed)] == [
        (1,), tuple(range(2, 47)), tuple(range(47, 51))]
    assert [e.epoch for e in events if isinstance(e, Progressed)] == [1, 1, 2]
    assert r.history["step"] == list(range(1, 51))


def test_tf_tutorial_trains_on_a_subset(small_mnist):
    r = Trainer(TrainConfig(max_steps=40, batch_size=64), small_mnist).run()
    assert r.status == "finished" and r.metrics["test_accuracy"] > 0.6


def test_same_seed_same_result(small_mnist):
    cfg = quick(max_steps=15, augment=True, train_size=1000)
    a = Trainer(cfg, small_mnist).run()
    b = Trainer(cfg, small_mnist).run()
    assert a.history["loss"] == b.history["loss"]
    for k, v in a.model.state_dict().items():
        assert torch.equal(v, b.model.state_dict()[k]), k


def test_stop_returns_the_model_it_had(small_mnist):
    trainer = None
    events, asked_at = [], []

    def cb(e):
        events.append(e)
        if isinstance(e, Progressed) and e.step >= 5 and not asked_at:
            asked_at.append(e.step)
            trainer.stop()
    trainer = Trainer(quick(epochs=3), small_mnist, cb, progress_interval_s=0)
    r = trainer.run()
    assert r.status == "stopped" and r.model is not None
    assert r.history["step"][-1] == asked_at[0]  # took effect within one batch
    assert events[-1] == Finished(RunStatus.STOPPED, say("run-stopped", step=asked_at[0], total=138), asked_at[0],
                                  events[-1].train_seconds, events[-1].seconds)
    assert str(events[-1].message) == f"stopped at step {asked_at[0]} of 138"   # what the command line prints
    assert [s for e in events if isinstance(e, Progressed) for s in e.steps] == r.history["step"]


def test_pause_and_resume(small_mnist):
    seen = []
    trainer = None

    def cb(e):
        seen.append(e)
        if isinstance(e, Progressed) and e.step >= 3 and not trainer.paused and not paused_at:
            paused_at.append(e.step)
            trainer.pause()
            threading.Timer(0.3, trainer.resume).start()
    paused_at = []
    # every read-back sends its Progressed: with the default throttle a fast machine may send nothing
    # between step 1 and the last step, and a pause asked at the last step has nothing left to pause
    trainer = Trainer(quick(max_steps=6), small_mnist, cb, progress_interval_s=0)
    r = trainer.run()
    assert r.status == "finished"
    msgs = [e.message for e in seen if isinstance(e, StatusChanged)]
    assert msgs == [say("run-paused"), say("run-resumed")] and list(map(str, msgs)) == ["paused", "resumed"]
    # nothing happened between pause and resume
    i = seen.index(StatusChanged(say("run-paused")))
    assert seen[i - 1].step == paused_at[0] and seen[i + 1] == StatusChanged(say("run-resumed"))
    assert seen[i + 2].steps[0] == paused_at[0] + 1


def test_a_run_trains_on_a_thread_fewer_while_the_user_draws(small_mnist, monkeypatch):
    """Workspace.share_cores (the Draw tab, while the pen moves) reaches the trainer: from the next batch it
    trains on one thread fewer, until the time asked for has passed; at the end torch's threads are as the run
    found them."""
    import time

    monkeypatch.setattr(torch, "get_num_threads", lambda: threads[0])
    monkeypatch.setattr(torch, "set_num_threads", lambda n: threads.__setitem__(0, n))
    threads, per_step = [4], {}

    def cb(e):
        if isinstance(e, Progressed):
            per_step.update((s, threads[0]) for s in e.steps)
            if e.step == 3:
                trainer.share_cores(time.monotonic() + 3600)   # drawing
            if e.step == 6:
                trainer.share_cores(time.monotonic() - 1)      # the pen left long ago
    trainer = Trainer(quick(max_steps=9), small_mnist, cb, progress_interval_s=0)
    assert trainer.run().status == "finished"
    assert [per_step[s] for s in range(1, 10)] == [4, 4, 4, 3, 3, 3, 4, 4, 4] and threads == [4]
    trainer = Trainer(quick(max_steps=4), small_mnist, progress_interval_s=0)
    trainer.share_cores(time.monotonic() + 3600)   # drawing when the run ends: its threads are given back
    assert trainer.run().status == "finished" and threads == [4]
    threads[0] = 1   # one thread: nothing to share
    per_step.clear()
    trainer = Trainer(quick(max_steps=3), small_mnist, cb, progress_interval_s=0)
    trainer.share_cores(time.monotonic() + 3600)
    trainer.run()
    assert set(per_step.values()) == {1} and threads == [1]


def test_the_workspace_shares_cores_with_the_runs_training_now(tmp_path, small_mnist, monkeypatch):
    """Workspace.share_cores reaches a run that is training (its RunControl, then its trainer), and none after."""
    from mnist_gui.core import train as T
    from mnist_gui.core.workspace import RunControl, RunPlan, Workspace
    asked = []
    monkeypatch.setattr(T.Trainer, "share_cores", lambda self, until: asked.append(until))
    ws = Workspace(tmp_path / "home")
    monkeypatch.setattr(ws, "mnist", lambda **_kw: small_mnist)

    def on_event(e):
        if isinstance(e, Progressed) and not asked:   # the run's progress, sent while it trains
            ws.share_cores()
    control = RunControl()
    with ws.working("train"):
        ws.run(RunPlan(quick(max_steps=4)), on_event, control)
    assert len(asked) == 1 and asked[0] > 0   # while it trained
    ws.share_cores()
    assert len(asked) == 1                    # none after


def test_nan_guard(small_mnist):
    from mnist_gui.core.models import ModelConfig, build_model
    state = build_model(ModelConfig("fast-bn")).state_dict()
    state["logits.bias"][3] = float("nan")  # the next forward pass gives a NaN loss
    events = []
    r = Trainer(quick(max_steps=50), small_mnist, events.append, init_state=state).run()
    assert r.status is RunStatus.DIVERGED and r.model is None
    assert str(r.message) == "diverged at step 1: loss is nan; lower the learning rate"
    assert r.message.code == "diverged" and r.message.step == 1 and math.isnan(r.message.loss)
    assert events[-2] == StatusChanged(r.message)
    assert isinstance(events[-1], Finished) and (events[-1].status, events[-1].message) == ("diverged", r.message)


def test_init_state_is_not_modified(small_mnist):
    from mnist_gui.core.models import ModelConfig, build_model
    m = build_model(ModelConfig("fast-bn"))
    before = {k: v.clone() for k, v in m.state_dict().items()}
    r = Trainer(quick(max_steps=5), small_mnist, init_state=m.state_dict()).run()
    assert r.status == "finished"
    for k, v in m.state_dict().items():
        assert torch.equal(v, before[k])


def test_absurd_settings_are_refused(small_mnist):
    for bad in (dict(lr=-1), dict(batch_size=0), dict(epochs=0), dict(optimizer="rmsprop"),
                dict(dropout=1.0), dict(train_size=3)):
        with pytest.raises(ValueError):
            Trainer(quick(**bad), small_mnist)
    # the value as typed: a whole number is not said as "1e+09"
    with pytest.raises(ValueError, match=r"batch size must be in \[1, 60000\], got 999999999$"):
        Trainer(quick(batch_size=999_999_999), small_mnist)


def test_tutorial_recipe_is_the_tutorials():
    r = RECIPES["tutorial"].config
    assert (r.preset, r.optimizer, r.lr, r.batch_size, r.max_steps, r.momentum) == \
        ("tf-tutorial", "sgd", 1e-3, 100, 20000, 0.0)


def test_evaluate_confusion_matches_accuracy(small_mnist, shipped):
    ev = evaluate(shipped.model, small_mnist.test)
    conf = torch.tensor(ev["confusion"])
    assert conf.sum() == len(small_mnist.test)
    assert abs(conf.diag().sum().item() / conf.sum().item() - ev["accuracy"]) < 1e-9


# -- devices and sync points

HAS_CUDA = torch.cuda.is_available()


@pytest.mark.slow
def test_sync_points_keep_one_history_entry_per_step(small_mnist, monkeypatch):
    """The accelerator path (values read only at sync points) on the CPU: same numbers, fewer events."""
    from mnist_gui.core import train as train_mod
    cfg = quick(max_steps=50)                       # 3000 images / 64 = 46 steps per epoch: two epochs
    every = Trainer(cfg, small_mnist).run()
    monkeypatch.setattr(train_mod, "SYNC_INTERVAL_S", 1e9)
    events = []
    t = Trainer(cfg, small_mnist, events.append)
    t.read_every_step = False
    r = t.run()
    steps = [e for e in events if isinstance(e, Progressed)]
    assert [len(e.steps) for e in steps] == [46, 4]          # end of epoch 1, last step
    assert [e.step for e in steps] == [46, 50]
    assert [s for e in steps for s in e.steps] == list(range(1, 51)) == r.history["step"]
    assert len(r.history["loss"]) == len(r.history["accuracy"]) == 50
    assert r.history["loss"] == every.history["loss"]
    assert r.history["accuracy"] == every.history["accuracy"]
    assert steps[-1].loss == r.history["loss"][-1] and list(steps[-1].accuracies) == r.history["accuracy"][46:]


def test_every_step_on_the_cpu_has_its_event_without_an_interval(small_mnist):
    events = []
    Trainer(quick(max_steps=7), small_mnist, events.append, progress_interval_s=0).run()
    steps = [e for e in events if isinstance(e, Progressed)]
    assert [e.steps for e in steps] == [(i,) for i in range(1, 8)]
    assert all(e.losses == (e.loss,) and e.accuracies == (e.accuracy,) for e in steps)


def test_nan_guard_at_a_sync_point_names_the_first_bad_step(small_mnist, monkeypatch):
    from mnist_gui.core import train as train_mod
    from mnist_gui.core.models import ModelConfig, build_model
    monkeypatch.setattr(train_mod, "SYNC_INTERVAL_S", 1e9)
    state = build_model(ModelConfig("fast-bn")).state_dict()
    state["logits.bias"][3] = float("nan")
    events = []
    t = Trainer(quick(max_steps=20), small_mnist, events.append, init_state=state)
    t.read_every_step = False
    r = t.run()
    assert r.status == "diverged" and r.model is None
    assert str(r.message) == "diverged at step 1: loss is nan; lower the learning rate"
    assert [type(e) for e in events] == [Started, StatusChanged, Finished]   # stopped at its first sync point


def test_result_model_is_on_the_cpu_in_eval_mode(small_mnist):
    r = Trainer(quick(max_steps=3), small_mnist, device="cpu").run()
    assert not r.model.training
    assert {p.device.type for p in r.model.parameters()} == {"cpu"}
    assert all(p.is_contiguous() for p in r.model.parameters())


def test_bad_or_missing_device_is_refused_before_training(small_mnist):
    from mnist_gui.core.device import DeviceError
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        Trainer(quick(), small_mnist, device="gpu")
    if not HAS_CUDA:
        with pytest.raises(DeviceError, match="CUDA was asked for"):
            Trainer(quick(), small_mnist, device="cuda")


def test_device_copies_are_cached():
    from mnist_gui.core.train import on_device
    meta = torch.device("meta")
    a, b = torch.zeros(5, dtype=torch.uint8), torch.zeros(5, dtype=torch.uint8)
    assert on_device(a, torch.device("cpu")) is a
    ca = on_device(a, meta)
    assert ca.device == meta and on_device(a, meta) is ca       # moved once
    assert on_device(b, meta) is not ca


def test_evaluate_on_a_device_leaves_the_callers_model_alone(small_mnist, shipped):
    model = shipped.model
    ev = evaluate(model, small_mnist.test, device="cpu")
    ref = evaluate(model, small_mnist.test)
    assert ev["accuracy"] == ref["accuracy"] and ev["predictions"].device.type == "cpu"
    assert next(model.parameters()).device.type == "cpu"


def test_checkpoint_does_not_depend_on_the_training_device(small_mnist, tmp_path):
    from mnist_gui.core.checkpoint import load_checkpoint, save_checkpoint
    r = Trainer(quick(max_steps=5), small_mnist, device="cpu").run()
    model = r.model.to(memory_format=torch.channels_last)     # saved as it might be left after training
    path = save_checkpoint(tmp_path / "m.pt", model, r.config.model_config(), r.config.to_dict())
    ck = load_checkpoint(path)
    for k, v in r.model.state_dict().items():
        got = ck.model.state_dict()[k]
        assert got.device.type == "cpu" and torch.equal(got, v), k
    x = torch.rand(4, 1, 28, 28)
    assert torch.allclose(ck.model(x), r.model.eval()(x), atol=1e-6)  # memory layouts differ, not weights


@pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device on this machine")
def test_cuda_checkpoint_loads_on_the_cpu(small_mnist, tmp_path):
    from mnist_gui.core.checkpoint import load_checkpoint, save_checkpoint
    r = Trainer(quick(max_steps=5), small_mnist, device="cuda").run()
    assert {p.device.type for p in r.model.parameters()} == {"cpu"}
    cuda_model = r.model.to("cuda")
    path = save_checkpoint(tmp_path / "m.pt", cuda_model, r.config.model_config(), r.config.to_dict())
    ck = load_checkpoint(path)
    for k, v in cuda_model.state_dict().items():
        got = ck.model.state_dict()[k]
        assert got.device.type == "cpu" and torch.equal(got, v.cpu()), k


@pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device on this machine")
def test_cuda_training_learns_and_reads_back_rarely(small_mnist):
    events = []
    r = Trainer(quick(epochs=1), small_mnist, events.append, device="cuda").run()
    assert r.status == "finished" and r.metrics["test_accuracy"] > 0.85
    steps = [e for e in events if isinstance(e, Progressed)]
    assert sum(len(e.steps) for e in steps) == len(r.history["loss"]) == events[0].total_steps
    ev = evaluate(r.model, small_mnist.test, device="cuda")
    assert abs(ev["accuracy"] - r.metrics["test_accuracy"]) < 0.01


def test_device_policy_with_mocked_accelerators(small_mnist, monkeypatch):
    """What each device gets, without one: reads at sync points off the CPU, fused optimizer on CPU/CUDA,
    bf16 autocast by default on CUDA devices that support it, never on MPS, and the fp32 precision off."""
    from mnist_gui.core import train as train_mod
    monkeypatch.setattr(train_mod, "resolve_device", lambda d: torch.device(d))
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    t = Trainer(quick(), small_mnist, device="cuda:0")
    assert (t.precision, t.read_every_step, t.fused_optimizer) == ("bf16", False, True)
    assert Trainer(quick(precision="fp32"), small_mnist, device="cuda:0").precision == "fp32"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert Trainer(quick(), small_mnist, device="cuda:0").precision == "fp32"
    t = Trainer(quick(), small_mnist, device="mps")
    assert (t.precision, t.read_every_step, t.fused_optimizer) == ("fp32", False, False)
    t = Trainer(quick(), small_mnist, device="cpu")
    assert (t.read_every_step, t.fused_optimizer) == (True, True)


def _cpu_caps(monkeypatch, **caps):
    """torch.cpu.get_capabilities() as a CPU with these features (and AVX-512, which oneDNN's own bf16
    check accepts even where bfloat16 is only emulated)."""
    base = {"architecture": "x86_64", "avx512_f": True, "avx512_bf16": False, "amx_bf16": False}
    monkeypatch.setattr(torch.cpu, "get_capabilities", lambda: {**base, **caps})
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True)


@pytest.mark.parametrize("caps, want", [({}, "fp32"), ({"avx512_bf16": True}, "bf16"), ({"amx_bf16": True}, "bf16")])
def test_auto_precision_on_the_cpu_follows_torchs_capability_checks(monkeypatch, caps, want):
    from mnist_gui.core.device import resolve_precision
    _cpu_caps(monkeypatch, **caps)
    cpu = torch.device("cpu")
    assert resolve_precision("auto", cpu) == want
    assert (resolve_precision("fp32", cpu), resolve_precision("bf16", cpu)) == ("fp32", "bf16")
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False)
    assert resolve_precision("auto", cpu) == "fp32"


def test_without_cpu_bf16_auto_trains_and_evaluates_as_fp32(small_mnist, monkeypatch):
    """On a CPU without bfloat16 instructions nothing changes: auto is the float32 run, step for step."""
    _cpu_caps(monkeypatch)
    cfg = quick(max_steps=6, train_size=600)
    auto, fp32 = Trainer(cfg, small_mnist).run(), Trainer(quick(max_steps=6, train_size=600, precision="fp32"),
                                                          small_mnist).run()
    assert auto.precision == fp32.precision == "fp32"
    assert auto.history["loss"] == fp32.history["loss"]
    assert auto.metrics["test_loss"] == fp32.metrics["test_loss"]
    a, b = evaluate(auto.model, small_mnist.test), evaluate(auto.model, small_mnist.test, precision="fp32")
    assert torch.equal(a["probabilities"], b["probabilities"])


def test_with_cpu_bf16_auto_trains_in_bf16_and_learns(small_mnist, monkeypatch):
    """Where the CPU has bfloat16, auto runs the forward pass under bf16 autocast (another computation than
    float32's), keeps the weights float32 and still learns; the run says what it ran in."""
    _cpu_caps(monkeypatch, avx512_bf16=True)
    events = []
    r = Trainer(quick(), small_mnist, events.append).run()
    ref = Trainer(quick(precision="fp32"), small_mnist).run()
    assert (r.precision, ref.precision, events[0].precision) == ("bf16", "fp32", "bf16")
    assert r.history["loss"] != ref.history["loss"]
    assert all(p.dtype == torch.float32 for p in r.model.parameters())
    assert r.status == "finished" and r.metrics["test_accuracy"] > 0.85
    assert abs(r.metrics["test_accuracy"] - ref.metrics["test_accuracy"]) < 0.02


def test_evaluate_in_bf16_reads_like_fp32_and_leaves_the_model_alone(small_mnist, shipped):
    model = shipped.model
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()
    a = evaluate(model, small_mnist.test, precision="fp32")
    b = evaluate(model, small_mnist.test, precision="bf16")
    assert not torch.equal(a["probabilities"], b["probabilities"])    # bf16 ran
    assert (a["predictions"] != b["predictions"]).sum() <= 2
    assert abs(a["loss"] - b["loss"]) < 0.01
    assert model.training and all(torch.equal(v, before[k]) for k, v in model.state_dict().items())
    assert all(p.is_contiguous() for p in model.parameters())       # not turned channels-last
    model.eval()


def test_precision_is_a_checked_field_and_the_run_record_names_what_ran(small_mnist, tmp_path):
    from mnist_gui.core.recipes import FIELDS_BY_NAME
    from mnist_gui.core.workspace import Workspace
    assert FIELDS_BY_NAME["precision"].choices == ("auto", "fp32", "bf16")
    with pytest.raises(ValueError, match="unknown precision 'fp16'; choose from auto, fp32, bf16"):
        quick(precision="fp16").validated()
    r = Trainer(quick(max_steps=3, train_size=300, precision="bf16"), small_mnist).run()
    ws = Workspace(tmp_path)
    ws.finish_run(r, device="cpu", onnx=False)
    (rec,), problems = ws.runs.load()
    assert (rec.precision, rec.config["precision"], problems) == ("bf16", "bf16", [])


def test_a_run_that_averages_with_its_start_ends_halfway_between(small_mnist):
    """The fine-tune recipe's weight averaging: the same run (same seed) with average_start 0.5 ends with
    every weight exactly halfway between the starting weights and where the plain run ends."""
    from mnist_gui.core.models import ModelConfig, build_model
    from mnist_gui.core.recipes import RECIPES, TrainConfig
    from mnist_gui.core.train import Trainer
    assert RECIPES["finetune"].config.average_start == 0.3
    torch.manual_seed(0)
    start = build_model(ModelConfig(preset="fast-bn")).state_dict()
    cfg = TrainConfig(preset="fast-bn", lr=1e-2, batch_size=32, max_steps=4, epochs=1, seed=3)
    plain = Trainer(cfg, small_mnist, init_state=start).run()
    half = Trainer(cfg.with_overrides(average_start=0.5), small_mnist, init_state=start).run()
    p, h = plain.model.state_dict(), half.model.state_dict()
    moved = 0
    for k, v in start.items():
        if v.is_floating_point():
            assert torch.allclose(h[k], (v + p[k]) / 2, atol=1e-6), k
            moved += not torch.equal(p[k], v)
    assert moved > 0                                   # the plain run did move away from the start
    assert half.metrics["test_accuracy"] != plain.metrics["test_accuracy"] or moved
    with pytest.raises(ValueError, match="average with the start"):
        TrainConfig(average_start=1.0).validated()


@pytest.mark.parametrize("steps", [1, 2, 3, 4, 5])
def test_one_cycle_runs_of_a_few_steps_finish(small_mnist, steps):
    """torch's OneCycleLR divided by zero for a 4-step run (max steps 4 in the form was a failed run)."""
    from mnist_gui.core.recipes import TrainConfig
    cfg = TrainConfig(preset="fast-bn", schedule="onecycle", batch_size=16, max_steps=steps, epochs=1)
    r = Trainer(cfg, small_mnist).run()
    assert r.status == "finished" and r.metrics["steps"] == steps


# ------------------------------------------------------------------ CUDA graphs: the decision, the fallback

@pytest.mark.parametrize("cfg_kw, device, available, env, want", [
    ({}, "cpu", True, None, False),
    ({}, "cuda:0", True, None, True),
    ({"optimizer": "adam"}, "cuda:0", True, None, True),
    ({"optimizer": "sgd", "momentum": 0.9}, "cuda:0", True, None, False),
    ({"augment": True}, "cuda:0", True, None, False),
    ({}, "cuda:0", False, None, False),
    ({}, "cuda:0", True, "0", False),
    ({}, "mps", True, None, False),
])
def test_the_cuda_graph_decision_with_the_capability_mocked(monkeypatch, cfg_kw, device, available, env, want):
    from mnist_gui.core import train as train_mod
    monkeypatch.setattr(train_mod, "cuda_graphs_available", lambda dev: available)
    if env is None:
        monkeypatch.delenv("MNIST_GUI_CUDA_GRAPHS", raising=False)
    else:
        monkeypatch.setenv("MNIST_GUI_CUDA_GRAPHS", env)
    use, why = train_mod.graph_decision(quick(**cfg_kw).validated(), torch.device(device))
    assert use is want and why


def test_a_cpu_run_is_eager_and_records_it(small_mnist):
    r = Trainer(quick(max_steps=3, train_size=600), small_mnist).run()
    assert r.metrics["step_mode"] == "eager" and r.metrics["step_mode_why"].startswith("cpu")


@pytest.mark.parametrize("recipe", ["fast", "fast-bn", "finetune"])
def test_the_graphs_schedule_tables_are_what_the_eager_optimizer_used(small_mnist, recipe):
    """A captured step reads the learning rate and beta1 from tables made before the run: they must be the
    values the eager run's scheduler gave its optimizer before each step (one-cycle moves both)."""
    seen = []

    class Recording(Trainer):
        def _set_up(self):
            super()._set_up()
            self.optimizer.register_step_pre_hook(lambda opt, a, k: seen.append(
                (opt.param_groups[0]["lr"], opt.param_groups[0]["betas"][0])))

    cfg = RECIPES[recipe].config
    cfg = TrainConfig(**{**cfg.to_dict(), "max_steps": 12, "train_size": 640, "augment": False})
    t = Recording(cfg, small_mnist)
    r = t.run()
    assert r.status == "finished" and len(seen) == 12
    t._set_up()
    lrs, betas = t.schedule_values()
    assert len(lrs) == 13
    assert lrs[:12] == pytest.approx([s[0] for s in seen], rel=1e-12)
    assert betas[:12] == pytest.approx([s[1] for s in seen], rel=1e-12)


@pytest.mark.skipif(not HAS_CUDA, reason="no CUDA device on this machine")
def test_a_cuda_graph_run_learns_as_the_eager_one(small_mnist, monkeypatch):
    g = Trainer(quick(max_steps=40, train_size=2560), small_mnist, device="cuda").run()
    monkeypatch.setenv("MNIST_GUI_CUDA_GRAPHS", "0")
    e = Trainer(quick(max_steps=40, train_size=2560), small_mnist, device="cuda").run()
    assert (g.metrics["step_mode"], e.metrics["step_mode"]) == ("cuda graph", "eager")
    assert len(g.history["loss"]) == len(e.history["loss"]) == 40
    assert abs(g.metrics["test_accuracy"] - e.metrics["test_accuracy"]) < 0.05


@pytest.mark.slow
def test_warm_up_pays_what_a_first_optimizer_and_a_first_save_would_import(tmp_path):
    """A process's first optimizer imports torch._dynamo (seconds, before a first run's first step), its
    first save torchvision and onnx; after warm_up() (what the window runs in a worker when PyTorch loads)
    making an optimizer and saving a model with its ONNX import nothing."""
    code = ("import sys, torch\n"
            "from mnist_gui.core.checkpoint import save_checkpoint\n"
            "from mnist_gui.core.models import build_model\n"
            "from mnist_gui.core.presets import ModelConfig\n"
            "from mnist_gui.core.train import warm_up\n"
            "if sys.argv[1] == 'warm': warm_up()\n"
            "mcfg = ModelConfig()\n"
            "model = build_model(mcfg)\n"
            "before = set(sys.modules)\n"
            "torch.optim.AdamW(model.parameters(), lr=1e-3)\n"
            "save_checkpoint(sys.argv[2], model, mcfg, {}, {}, {}, onnx=True)\n"
            "print(sorted(set(sys.modules) - before))\n")
    counts = {}
    for mode in ("cold", "warm"):
        r = subprocess.run([sys.executable, "-c", code, mode, str(tmp_path / f"{mode}.pt")], capture_output=True,
                           text=True, cwd=ROOT, timeout=300)
        assert r.returncode == 0, r.stderr
        counts[mode] = {m.split(".")[0] if not m.startswith("torch.") else ".".join(m.split(".")[:2])
                        for m in ast.literal_eval(r.stdout.strip().splitlines()[-1])}
    heavy = {"torch._dynamo", "onnx", "torchvision"}
    assert heavy <= counts["cold"] and not heavy & counts["warm"], counts
