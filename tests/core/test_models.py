import pytest
import torch

from mnist_gui.core.models import PRESETS, ModelConfig, build_model
from mnist_gui.core.spec import analyse, totals


def test_tf_tutorial_shapes_match_the_tutorial():
    rows = {r.name: r for r in analyse(ModelConfig("tf-tutorial").network())}
    assert rows["conv1"].input_shape == (28, 28, 1) and rows["conv1"].output_shape == (28, 28, 32)
    assert (rows["conv1"].kernel, rows["conv1"].stride, rows["conv1"].padding) == (5, 1, 2)
    assert rows["pool1"].output_shape == (14, 14, 32)
    assert rows["conv2"].output_shape == (14, 14, 64)
    assert rows["pool2"].output_shape == (7, 7, 64)
    assert rows["flatten"].output_shape == (3136,)
    assert rows["dense"].output_shape == (1024,)
    assert rows["dropout"].output_shape == (1024,)
    assert rows["logits"].output_shape == (10,)
    assert rows["conv1"].arithmetic == "(28 − 5 + 2·2) / 1 + 1 = 28"
    assert rows["pool1"].arithmetic == "(28 − 2 + 2·0) / 2 + 1 = 14"
    assert rows["conv2"].params == 5 * 5 * 32 * 64 + 64
    assert rows["dense"].params == 3136 * 1024 + 1024
    assert sum(p.numel() for p in build_model().parameters()) == 3_274_634


def test_summary_params_add_up_for_every_preset():
    for name in PRESETS:
        m = build_model(ModelConfig(name))
        rows = analyse(ModelConfig(name).network())
        assert totals(rows).params == sum(r.params for r in rows) == sum(p.numel() for p in m.parameters())
        assert rows[-1].output_shape == (10,)
        assert m(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_dropout_only_in_training():
    m = build_model(ModelConfig("tf-tutorial", dropout=0.4))
    x = torch.randn(4, 1, 28, 28)
    m.eval()
    assert torch.equal(m(x), m(x))
    m.train()
    assert not torch.equal(m(x), m(x))


def test_bad_config_is_rejected():
    with pytest.raises(ValueError, match="unknown model preset"):
        build_model(ModelConfig("nope"))
    with pytest.raises(ValueError, match="dropout"):
        build_model(ModelConfig("tf-tutorial", dropout=1.5))


def test_average_weights_interpolates_floats_and_takes_counts_from_the_second():
    import pytest

    from mnist_gui.core.models import ModelConfig, average_weights, build_model
    torch.manual_seed(0)
    a, b = build_model(ModelConfig(preset="fast-bn")), build_model(ModelConfig(preset="fast-bn"))
    b.train()(torch.rand(4, 1, 28, 28))            # b's batch-norm has counted a batch, a's has not
    half = average_weights(a, b, 0.25)
    sa, sb, sh = a.state_dict(), b.state_dict(), half.state_dict()
    for k in sa:
        if sa[k].is_floating_point():
            assert torch.allclose(sh[k], 0.75 * sa[k] + 0.25 * sb[k])
        else:
            assert torch.equal(sh[k], sb[k])
    assert any(not sa[k].is_floating_point() and not torch.equal(sa[k], sb[k]) for k in sa)
    none_of_b = average_weights(a, b, 0.0).state_dict()
    assert all(torch.equal(none_of_b[k], sa[k]) for k in sa if sa[k].is_floating_point())
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        average_weights(a, b, 1.5)
    with pytest.raises(ValueError, match="not the same network"):
        average_weights(a, build_model(ModelConfig(preset="tf-tutorial")), 0.5)
