import threading

import pytest
import torch

from mnist_gui.core.recipes import RECIPES, TrainConfig
from mnist_gui.core.train import Trainer, evaluate


def quick(**kw):
    base = dict(preset="fast-bn", lr=1e-2, batch_size=64, epochs=1)
    base.update(kw)
    return TrainConfig(**base)


def test_short_run_learns(small_mnist):
    events = []
    r = Trainer(quick(), small_mnist, events.append).run()
    assert r.status == "finished" and r.model is not None
    assert r.metrics["test_accuracy"] > 0.85          # chance is 0.10
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and "step" in kinds and kinds.count("epoch") == 1
    step = next(e for e in events if e["type"] == "step")
    for key in ("step", "epoch", "loss", "accuracy", "images_per_s", "eta_s"):
        assert key in step
    ep = next(e for e in events if e["type"] == "epoch")
    assert len(ep["per_class"]) == 10 and 0 <= ep["test_accuracy"] <= 1
    assert len(r.history["loss"]) == events[0]["total_steps"]


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

    def cb(e):
        if e["type"] == "step" and e["step"] == 5:
            trainer.stop()
    trainer = Trainer(quick(epochs=3), small_mnist, cb)
    r = trainer.run()
    assert r.status == "stopped" and r.model is not None
    assert r.history["step"][-1] == 5  # took effect within one batch


def test_pause_and_resume(small_mnist):
    seen = []
    trainer = None

    def cb(e):
        seen.append(e)
        if e["type"] == "step" and e["step"] == 3:
            trainer.pause()
            threading.Timer(0.3, trainer.resume).start()
    trainer = Trainer(quick(max_steps=6), small_mnist, cb)
    r = trainer.run()
    assert r.status == "finished"
    msgs = [e.get("message") for e in seen if e["type"] == "status"]
    assert msgs == ["paused", "resumed"]
    # nothing happened between pause and resume
    i = next(i for i, e in enumerate(seen) if e.get("message") == "paused")
    assert seen[i - 1]["step"] == 3 and seen[i + 2]["step"] == 4


def test_nan_guard(small_mnist):
    from mnist_gui.core.models import ModelConfig, build_model
    state = build_model(ModelConfig("fast-bn")).state_dict()
    state["logits.bias"][3] = float("nan")  # the next forward pass gives a NaN loss
    events = []
    r = Trainer(quick(max_steps=50), small_mnist, events.append, init_state=state).run()
    assert r.status == "diverged" and r.model is None
    assert r.message == "diverged at step 1: loss is nan; lower the learning rate"
    assert events[-1] == {"type": "status", "message": r.message}


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


def test_tutorial_recipe_is_the_tutorials():
    r = RECIPES["tutorial"].config
    assert (r.preset, r.optimizer, r.lr, r.batch_size, r.max_steps, r.momentum) == \
        ("tf-tutorial", "sgd", 1e-3, 100, 20000, 0.0)


def test_evaluate_confusion_matches_accuracy(small_mnist, shipped):
    ev = evaluate(shipped.model, small_mnist.test)
    conf = torch.tensor(ev["confusion"])
    assert conf.sum() == len(small_mnist.test)
    assert abs(conf.diag().sum().item() / conf.sum().item() - ev["accuracy"]) < 1e-9
