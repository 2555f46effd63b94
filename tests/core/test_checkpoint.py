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
    assert [f.name for f in tmp_path.iterdir()] == ["m.pt"]  # no temp file left behind
    load_checkpoint(p)


def test_unwritable_target_is_a_clear_error(tmp_path):
    _, m = saved(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(CheckpointError, match="cannot save"):
        save_checkpoint(blocker / "sub" / "m.pt", m, ModelConfig("fast-bn"))


def test_shipped_model_loads(shipped):
    assert shipped.model_config.preset in ("tf-tutorial", "fast-bn")
    assert shipped.test_accuracy is not None
