import os

import pytest
import torch

from mnist_gui.core.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from mnist_gui.core.models import ModelConfig, build_model


def saved(tmp_path, preset="fast-bn"):
    cfg = ModelConfig(preset)
    m = build_model(cfg).eval()
    p = save_checkpoint(tmp_path / "m.pt", m, cfg, {"lr": 0.01, "train_size": None},
                        {"test_accuracy": 0.5, "per_class": [0.5] * 10}, {"loss": [2.3, 1.0]}, name="t")
    return p, m


@pytest.mark.slow
def test_round_trip(tmp_path):
    p, m = saved(tmp_path)
    ck = load_checkpoint(p)
    x = torch.randn(3, 1, 28, 28)
    assert torch.equal(ck.model(x), m(x))
    assert ck.model_config == ModelConfig("fast-bn")
    assert ck.train_config["lr"] == 0.01 and ck.metrics["test_accuracy"] == 0.5
    assert ck.history["loss"] == [2.3, 1.0]
    assert ck.meta["versions"]["torch"] and ck.meta["date"]
    assert ck.name == "t"


def test_corrupt_truncated_and_foreign_files(tmp_path):
    p, _ = saved(tmp_path)
    data = p.read_bytes()
    (tmp_path / "trunc.pt").write_bytes(data[: len(data) // 2])
    (tmp_path / "garbage.pt").write_bytes(os.urandom(5000))
    torch.save({"weights": torch.zeros(3)}, tmp_path / "foreign.pt")
    torch.save([1, 2, 3], tmp_path / "list.pt")
    for name in ("trunc.pt", "garbage.pt", "foreign.pt", "list.pt", "missing.pt"):
        with pytest.raises(CheckpointError) as e:
            load_checkpoint(tmp_path / name)
        assert name in str(e.value) and "\n" not in str(e.value)
    # the ONNX export given where its checkpoint goes (`mnist-gui evaluate --model m.onnx`): said so, not "random bytes"
    from mnist_gui import config
    with pytest.raises(CheckpointError, match=r"shipped_model.onnx: an ONNX export, not a checkpoint: give the .pt"):
        load_checkpoint(config.resource_path("shipped_model.onnx"))


def test_mismatched_weights(tmp_path):
    p, _ = saved(tmp_path)
    payload = torch.load(p, weights_only=True)
    payload["model_config"]["preset"] = "tf-tutorial"  # claims another architecture
    torch.save(payload, tmp_path / "mismatch.pt")
    with pytest.raises(CheckpointError, match="do not match"):
        load_checkpoint(tmp_path / "mismatch.pt")


def test_malicious_pickle_is_not_executed(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))
    torch.save({"format": "mnist-gui-checkpoint", "x": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError):
        load_checkpoint(tmp_path / "evil.pt")
    assert not (tmp_path / "pwned").exists()


def test_crash_mid_save_keeps_the_old_file(tmp_path, monkeypatch):
    p, m = saved(tmp_path)
    before = p.read_bytes()

    def boom(obj, f, *a, **k):
        f.write(b"partial")
        raise KeyboardInterrupt  # e.g. the user stopped the app mid-save
    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(p, m, ModelConfig("fast-bn"))
    assert p.read_bytes() == before
    assert sorted(f.name for f in tmp_path.iterdir()) == ["m.onnx", "m.pt"]  # no temp file left behind
    load_checkpoint(p)
    from mnist_gui.core.checkpoint import open_live
    assert open_live(p) is not None   # the .onnx beside it is still the old file's own export


def test_unwritable_target_is_a_clear_error(tmp_path):
    _, m = saved(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CheckpointError, match="cannot save"):
        save_checkpoint(blocker / "sub" / "m.pt", m, ModelConfig("fast-bn"))


def test_shipped_model_loads(shipped):
    assert shipped.model_config.preset in ("tf-tutorial", "fast-bn")
    assert shipped.test_accuracy is not None
    # it says whose pen digits it has seen: every writer of the pendigits file (issue 12)
    from mnist_gui.core.handwriting.pendigits import seen_writers
    assert seen_writers(shipped.train_config) == frozenset(range(1, 31))


@pytest.mark.slow
def test_shipped_model_reads_mnist_test_as_its_checkpoint_says(shipped, mnist):
    from mnist_gui.core.train import evaluate
    ev = evaluate(shipped.model, mnist.test, precision="fp32")   # as it was measured, on any CPU
    assert ev["accuracy"] == pytest.approx(shipped.test_accuracy, abs=1e-9)


def _tampered(tmp_path, change):
    p, _ = saved(tmp_path)
    payload = torch.load(p, weights_only=True)
    change(payload)
    out = tmp_path / "tampered.pt"
    torch.save(payload, out)
    return out


def _refused(path, *words):
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(path)
    msg = str(e.value)
    assert "\n" not in msg and str(path) in msg
    for w in words:
        assert w in msg, msg
    return msg


@pytest.mark.slow
@pytest.mark.parametrize("field,value", [("metrics", [1, 2]), ("meta", "x"), ("history", [0.5]),
                                         ("train_config", 3), ("history", {"loss": "low"}),
                                         ("history", {"loss": [1.0, float("nan")]})])
def test_fields_of_the_wrong_type_are_refused_on_load(tmp_path, field, value):
    _refused(_tampered(tmp_path, lambda d: d.__setitem__(field, value)), field if field != "train_config" else "")


@pytest.mark.slow
def test_format_version_as_text_is_not_an_mnist_gui_checkpoint(tmp_path):
    _refused(_tampered(tmp_path, lambda d: d.__setitem__("format_version", "1")), "not an mnist-gui checkpoint")
    _refused(_tampered(tmp_path, lambda d: d.__setitem__("format_version", 99)), "newer")
    _refused(_tampered(tmp_path, lambda d: d.__setitem__("format", "other")), "not an mnist-gui checkpoint")


def test_integer_weights_are_refused_not_silently_zeroed(tmp_path):
    def to_int(d):
        d["state_dict"]["conv1.weight"] = d["state_dict"]["conv1.weight"].mul(100).long()
    _refused(_tampered(tmp_path, to_int), "conv1.weight", "int64", "not floating point")


@pytest.mark.slow
def test_batch_norm_counter_stays_an_integer(tmp_path):
    p, _ = saved(tmp_path)
    assert torch.load(p, weights_only=True)["state_dict"]["bn1.num_batches_tracked"].dtype == torch.int64
    load_checkpoint(p)

    def to_float(d):
        d["state_dict"]["bn1.num_batches_tracked"] = torch.tensor(1.5)
    _refused(_tampered(tmp_path, to_float), "bn1.num_batches_tracked")


def test_shape_mismatch_names_the_layer_and_both_shapes(tmp_path):
    def narrow(d):
        d["state_dict"]["conv1.weight"] = torch.zeros(16, 1, 5, 5)
    msg = _refused(_tampered(tmp_path, narrow))
    assert "layer conv1.weight has shape 16×1×5×5 but the network needs 24×1×5×5" in msg


@pytest.mark.slow
def test_missing_and_extra_layers_are_named(tmp_path):
    _refused(_tampered(tmp_path, lambda d: d["state_dict"].pop("logits.bias")), "missing", "logits.bias")
    _refused(_tampered(tmp_path, lambda d: d["state_dict"].__setitem__("spare.weight", torch.zeros(2))),
             "unexpected", "spare.weight")
    _refused(_tampered(tmp_path, lambda d: d["state_dict"].__setitem__("conv1.weight", [1.0])),
             "conv1.weight", "not a tensor")


def test_refusal_messages_are_in_our_words(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("hi",))
    torch.save({"format": "mnist-gui-checkpoint", "x": Evil()}, tmp_path / "evil.pt")
    msg = _refused(tmp_path / "evil.pt", "contains code or objects that are not plain data, refused")
    assert "weights_only" not in msg
    (tmp_path / "noise.pt").write_bytes(os.urandom(3000))
    _refused(tmp_path / "noise.pt", "not a readable model file")
    (tmp_path / "folder.pt").mkdir()
    _refused(tmp_path / "folder.pt", "folder")


def test_saved_tensors_are_cpu_copies_and_load_maps_to_cpu(tmp_path):
    p, m = saved(tmp_path)
    for v in torch.load(p, weights_only=True)["state_dict"].values():
        assert v.device.type == "cpu"
    assert all(v.device.type == "cpu" for v in load_checkpoint(p).model.state_dict().values())
