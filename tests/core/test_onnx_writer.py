"""core/onnx_writer.py: a spec's network written directly is the graph torch's exporter makes of it.

Same outputs in the same order, same names, same metadata, and the same numbers (within 1e-5) as both torch
itself and the traced export, on the shipped model and on networks of every layer kind; a module that is
not exactly what its spec builds is traced instead.
"""

import numpy as np
import onnx
import pytest
import torch
from torch import nn

from mnist_gui import config
from mnist_gui.core.checkpoint import load_checkpoint
from mnist_gui.core.live import INPUT
from mnist_gui.core.models import ModelConfig, build_model
from mnist_gui.core.onnx_export import export_onnx, export_onnx_traced
from mnist_gui.core.onnx_writer import spec_rows
from tests.core.test_onnx import EVERY_KIND, RANDOM_SPECS, trained_looking

ATOL = 1e-5


def _run(data: bytes, x: np.ndarray) -> dict[str, np.ndarray]:
    import onnxruntime as ort
    s = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in s.get_outputs()], s.run(None, {INPUT: x}), strict=True))


def _torch_outputs(model: nn.Module, x: np.ndarray) -> dict[str, np.ndarray]:
    """logits, probabilities and every layer's output, from torch itself."""
    outs = {}
    model = model.eval()
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: outs.__setitem__("layer:" + n, o.numpy()))
             for n, m in model.named_children()]
    with torch.no_grad():
        logits = model((torch.from_numpy(x) - config.MNIST_MEAN) / config.MNIST_STD)
    for h in hooks:
        h.remove()
    return {"logits": logits.numpy(), "probabilities": logits.softmax(1).numpy(), **outs}


def _assert_same(written: bytes, traced: bytes, model: nn.Module) -> None:
    a, b = onnx.load_from_string(written), onnx.load_from_string(traced)
    onnx.checker.check_model(a)
    assert [o.name for o in a.graph.output] == [o.name for o in b.graph.output]
    assert [i.name for i in a.graph.input] == [i.name for i in b.graph.input] == [INPUT]
    assert {p.key: p.value for p in a.metadata_props} == {p.key: p.value for p in b.metadata_props}
    assert (a.ir_version, a.opset_import, a.producer_name, a.producer_version, a.graph.name) == \
        (b.ir_version, b.opset_import, b.producer_name, b.producer_version, b.graph.name)
    x = np.random.default_rng(0).random((5, 1, 28, 28), dtype=np.float32)
    got, want, ref = _run(written, x), _run(traced, x), _torch_outputs(model, x)
    assert list(got) == list(want) == list(ref)
    for name in want:
        scale = max(1.0, float(np.abs(want[name]).max()))
        assert got[name].shape == want[name].shape, name
        np.testing.assert_allclose(got[name], want[name], rtol=0, atol=ATOL * scale, err_msg=name)
        np.testing.assert_allclose(got[name], ref[name], rtol=0, atol=ATOL * scale, err_msg=name)
    x1 = x[:1]   # the batch axis is dynamic
    assert _run(written, x1)["probabilities"].shape == (1, 10)


def test_the_shipped_model_written_is_the_traced_export():
    ck = load_checkpoint(config.SHIPPED_MODEL)
    meta = {"name": ck.name, "metrics": ck.metrics, "source_sha256": "ab" * 32, "train_config": ck.train_config}
    assert spec_rows(ck.model) is not None
    _assert_same(export_onnx(ck.model, ck.model_config, meta), export_onnx_traced(ck.model, ck.model_config, meta),
                 ck.model)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@pytest.mark.parametrize("spec", [EVERY_KIND, *RANDOM_SPECS], ids=["every-kind", *map(str, range(5))])
def test_networks_of_every_kind_written_are_the_traced_export(spec):
    cfg = ModelConfig(spec=spec.to_list())
    torch.manual_seed(1)
    model = trained_looking(build_model(cfg), 1).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    written = export_onnx(model, cfg, {"name": "random"})
    assert model.training and all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    _assert_same(written, export_onnx_traced(model, cfg, {"name": "random"}), model)


def test_a_module_that_is_not_what_its_spec_builds_is_traced():
    cfg = ModelConfig(spec=EVERY_KIND.to_list())
    assert spec_rows(build_model(cfg)) is not None
    changed = build_model(cfg)
    changed.leakyrelu1.negative_slope = 0.2         # not what the spec's leakyrelu computes
    assert spec_rows(changed) is None
    extra = build_model(cfg)
    extra.add_module("more", nn.ReLU())             # a layer the spec does not have
    assert spec_rows(extra) is None
    plain = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))   # no spec at all
    assert spec_rows(plain) is None
    x = np.random.default_rng(2).random((3, 1, 28, 28), dtype=np.float32)
    got = _run(export_onnx(changed, cfg, {}), x)    # traced: what the module computes, not what the spec says
    np.testing.assert_allclose(got["logits"], _torch_outputs(changed, x)["logits"], rtol=0, atol=ATOL)
