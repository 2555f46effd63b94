"""The ONNX live path: core/onnx_export.py makes the model, core/live.py runs it without torch.

Everything the live path returns is compared with the torch Predictor on the same network: the shipped model
on MNIST test digits and rendered strokes, and random valid networks of every layer kind the spec allows.
"""

import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from mnist_gui import config
from mnist_gui.core.checkpoint import load_checkpoint, save_checkpoint
from mnist_gui.core.handwriting.numbers import read_number
from mnist_gui.core.live import (
    FORMAT_VERSION,
    LAYER_PREFIX,
    LivePredictor,
    OnnxModel,
    OnnxModelError,
    file_sha256,
    lean_graph,
    onnx_path_for,
)
from mnist_gui.core.models import ModelConfig, build_model
from mnist_gui.core.onnx_export import export_onnx, save_onnx
from mnist_gui.core.onnx_wire import quantized_dense
from mnist_gui.core.predictor import Predictor, torch_classifier
from mnist_gui.core.preprocess import strokes_to_mnist
from mnist_gui.core.reading import Reader, ReadingModels
from mnist_gui.core.spec import ACTIVATIONS, KINDS, NetworkSpec, analyse, problems
from tests.conftest import mnist_dir

PROB_ATOL = 1e-5
ACT_RTOL = 1e-4   # of the layer's largest magnitude: a value near zero has no useful relative error


def random_strokes(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """n images rendered from random pen strokes: 1-3 smooth strokes each, the way the canvas makes them."""
    out = []
    while len(out) < n:
        strokes = []
        for _ in range(rng.integers(1, 4)):
            t = np.linspace(0, 1, int(rng.integers(8, 40)))[:, None]
            a, b, c = rng.uniform(0, 300, (3, 2))
            strokes.append(((1 - t) ** 2 * a + 2 * t * (1 - t) * b + t ** 2 * c).tolist())
        img = strokes_to_mnist(strokes)
        if img is not None:
            out.append(img)
    return out


def mnist_test_images(n: int) -> list[np.ndarray]:
    d = mnist_dir()
    if d is None:
        return []
    from mnist_gui.core.data import _find_file, read_idx
    imgs = read_idx(_find_file(d, config.MNIST_FILES["test_images"]))[:n]
    return list(imgs.astype(np.float32) / 255.0)


def random_spec(rng: random.Random) -> NetworkSpec:
    """A random network the Model tab's editor would let you train: layer dicts with the editor's fields,
    read by NetworkSpec.from_dict and kept only when analyse finds no errors."""
    while True:
        layers = []
        for _ in range(rng.randint(1, 3)):
            kernel = rng.choice([2, 3, 4, 5])
            padding = rng.choice(["same", "valid", 0, 1, 2])
            layers.append({"kind": "conv", "filters": rng.randint(2, 8), "kernel": kernel, "padding": padding,
                           "stride": 1 if padding == "same" else rng.choice([1, 1, 2]),
                           "bias": rng.random() < 0.7})
            if rng.random() < 0.5:
                layers.append({"kind": "batchnorm"})
            layers.append({"kind": rng.choice(ACTIVATIONS)})
            if rng.random() < 0.7:
                layers.append({"kind": rng.choice(["maxpool", "avgpool"]), "size": rng.choice([2, 3]),
                               "stride": rng.choice([None, 1, 2]), "padding": rng.choice([0, 1])})
            if rng.random() < 0.3:
                layers.append({"kind": "dropout", "rate": round(rng.random() * 0.5, 2)})
        layers.append({"kind": "flatten"})
        if rng.random() < 0.6:
            layers.append({"kind": "dense", "units": rng.randint(8, 40)})
            if rng.random() < 0.5:
                layers.append({"kind": "batchnorm"})
            layers.append({"kind": rng.choice(ACTIVATIONS)})
            if rng.random() < 0.5:
                layers.append({"kind": "dropout"})
        layers.append({"kind": "dense", "units": 10})
        if rng.random() < 0.2:
            layers.append({"kind": rng.choice(ACTIVATIONS)})
        spec = NetworkSpec.from_dict(layers)
        if not problems(analyse(spec), "error"):
            return spec


# Every layer kind and option the spec allows, in one network: batch norm 2d and 1d, both pools with padding,
# even-kernel "same" padding (uneven), a stride that floors, every activation, dropout, two dense layers.
EVERY_KIND = NetworkSpec.from_dict([
    {"kind": "conv", "filters": 6, "kernel": 4, "padding": "same", "bias": False}, {"kind": "batchnorm"},
    {"kind": "leakyrelu"}, {"kind": "maxpool", "size": 3, "stride": 2, "padding": 1},
    {"kind": "conv", "filters": 8, "kernel": 3, "stride": 2, "padding": 1}, {"kind": "elu"},
    {"kind": "avgpool", "size": 2, "padding": 1}, {"kind": "dropout", "rate": 0.3}, {"kind": "gelu"},
    {"kind": "flatten"}, {"kind": "dense", "units": 24}, {"kind": "batchnorm"}, {"kind": "tanh"},
    {"kind": "dropout"}, {"kind": "dense", "units": 10}, {"kind": "sigmoid"}])
RANDOM_SPECS = [random_spec(random.Random(seed)) for seed in range(5)]


def trained_looking(model: nn.Module, seed: int) -> nn.Module:
    """Batch-norm statistics and affine weights away from their defaults, so that they count."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=g) * 2 - 1)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) + 0.5)
                m.weight.copy_(torch.rand(m.weight.shape, generator=g) + 0.5)
                m.bias.copy_(torch.rand(m.bias.shape, generator=g) - 0.5)
    return model


def assert_same_readings(live: LivePredictor, torch_pred: Predictor, images: list[np.ndarray]) -> None:
    for img in images:
        np.testing.assert_allclose(live.probabilities(img), torch_pred.probabilities(img), rtol=0, atol=PROB_ATOL)
    batch = live.probabilities_batch(images)
    assert batch.shape == (len(images), 10) and batch.dtype == np.float64
    np.testing.assert_allclose(batch, torch_classifier(torch_pred.model)(images), rtol=0, atol=PROB_ATOL)
    np.testing.assert_allclose(live.probabilities_batch(np.stack(images)), batch, rtol=0, atol=1e-7)


def assert_same_activations(live: LivePredictor, torch_pred: Predictor, img: np.ndarray) -> None:
    got, want = live.activations(img), torch_pred.activations(img)
    assert list(got) == list(want)  # the same layers in the same order, softmax last
    for name, w in want.items():
        assert got[name].shape == w.shape and got[name].dtype == w.dtype, name
        scale = max(float(np.abs(w).max()), 1e-6)
        np.testing.assert_allclose(got[name], w, rtol=0, atol=ACT_RTOL * scale, err_msg=name)


@pytest.fixture(scope="module")
def shipped():
    """The shipped model exported, on ONNX Runtime in float32 throughout (what the export itself computes)."""
    ck = load_checkpoint(config.SHIPPED_MODEL)
    data = export_onnx(ck.model, ck.model_config, {"name": ck.name, "metrics": ck.metrics})
    return ck, LivePredictor(OnnxModel.from_bytes(data, integers=False)), data


def test_the_shipped_model_reads_as_the_torch_predictor_does(shipped):
    ck, live, _ = shipped
    images = mnist_test_images(60) + random_strokes(np.random.default_rng(0), 30)
    assert len(images) >= 30
    assert_same_readings(live, Predictor(ck.model), images)
    assert live.probabilities_batch([]).shape == (0, 10)


def test_the_shipped_model_as_the_app_runs_it_reads_the_digits_torch_reads(shipped):
    """Its dense layer on 8-bit integers (onnx_wire.quantized_dense): a quarter of the weights' bytes, the same digit
    as torch on every MNIST test image checked and on random curves but for ties, each probability within 0.05."""
    ck, _, data = shipped
    lean = lean_graph(data)
    assert len(quantized_dense(lean)) < len(lean) / 3 and b"MatMulInteger" in quantized_dense(lean)
    app = LivePredictor(OnnxModel.from_bytes(data))
    digits, strokes = mnist_test_images(2000), random_strokes(np.random.default_rng(2), 200)
    if not digits:
        pytest.skip("MNIST is not here (MNIST_GUI_DATA)")
    got, want = app.probabilities_batch(digits + strokes), torch_classifier(ck.model)(digits + strokes)
    assert np.abs(got - want).max() <= 0.05
    same = got.argmax(1) == want.argmax(1)
    assert same[:len(digits)].all()
    top2 = np.sort(want, 1)[:, -2:]
    assert (same | (top2[:, 1] - top2[:, 0] < 0.02)).all()   # random curves: a tie (0.345 / 0.343) may turn
    # an image reads the same alone and beside others (the input's scale is one image's: number mode batches what its
    # cache lacks, and the same ink must read the same whatever was drawn before it)
    assert all(np.array_equal(app.probabilities(img), got[i]) for i, img in enumerate((digits + strokes)[:50]))
    # the layer view's probabilities are the bars'
    assert np.array_equal(app.activations(strokes[0])["softmax"], app.probabilities(strokes[0]).astype(np.float32))


def test_small_dense_layers_stay_in_float():
    cfg = ModelConfig(spec=EVERY_KIND.to_list())   # dense layers of 24 and 10 units
    data = export_onnx(trained_looking(build_model(cfg), 0), cfg, {"name": "small"})
    assert quantized_dense(lean_graph(data)) == lean_graph(data)


def test_the_shipped_models_activations_are_the_torch_predictors(shipped):
    ck, live, _ = shipped
    torch_pred = Predictor(ck.model)
    for img in (mnist_test_images(3) + random_strokes(np.random.default_rng(1), 2)):
        assert_same_activations(live, torch_pred, img)


def test_strokes_and_images_go_through_the_same_preprocessing(shipped, tmp_path):
    from PIL import Image
    ck, live, _ = shipped
    models = ReadingModels()
    on_onnx, on_torch = Reader(live, models), Reader(Predictor(ck.model), models)
    seven = [[(10, 10), (90, 10), (40, 100)]]
    a, b = on_onnx.read_strokes(seven), on_torch.read_strokes(seven)
    assert np.array_equal(a.image28, b.image28) and np.abs(a.probabilities - b.probabilities).max() <= PROB_ATOL
    assert on_onnx.read_strokes([]) is None
    Image.fromarray((255 - a.image28 * 255).astype(np.uint8)).resize((140, 140)).save(tmp_path / "d.png")
    a, b = on_onnx.read_image(tmp_path / "d.png"), on_torch.read_image(tmp_path / "d.png")
    assert np.array_equal(a.image28, b.image28) and np.abs(a.probabilities - b.probabilities).max() <= PROB_ATOL


def test_the_number_reader_reads_the_same_number_with_either_classifier(shipped):
    ck, live, _ = shipped
    one = [[(10, 0), (12, 100)]]
    seven = [[(40, 0), (100, 0), (60, 100)]]
    strokes = one + seven
    a = read_number(strokes, live.probabilities_batch)
    b = read_number(strokes, torch_classifier(ck.model))
    assert a.text == b.text and abs(a.score - b.score) < 1e-3


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")   # torch's, about itself
@pytest.mark.parametrize("spec", [EVERY_KIND, *RANDOM_SPECS], ids=["every-kind", *map(str, range(5))])
def test_random_valid_networks_read_and_look_inside_as_in_torch(spec):
    kinds = {layer.kind for layer in spec.layers}
    cfg = ModelConfig(spec=spec.to_list())
    torch.manual_seed(0)
    model = trained_looking(build_model(cfg), 0).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    live = LivePredictor(OnnxModel.from_bytes(export_onnx(model, cfg, {"name": "random"}), integers=False))
    assert model.training and all(m.training for m in model.modules())   # export changed nothing
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert not any(m._forward_hooks for m in model.modules())
    images = random_strokes(np.random.default_rng(len(kinds)), 12)
    torch_pred = Predictor(model)   # sets eval mode, as the app's live model is
    assert_same_readings(live, torch_pred, images)
    assert_same_activations(live, torch_pred, images[0])
    assert live.model.spec == spec.to_list()


def test_the_test_networks_cover_every_layer_kind_and_option():
    layers = [layer for spec in (EVERY_KIND, *RANDOM_SPECS) for layer in spec.layers]
    assert {layer.kind for layer in layers} == set(KINDS)
    assert any(layer.kind == "conv" and layer.padding == "same" for layer in layers)
    assert any(layer.kind in ("maxpool", "avgpool") and layer.padding for layer in layers)


def test_exporting_prints_nothing(capfd):
    cfg = ModelConfig("fast-bn")
    export_onnx(build_model(cfg).train(), cfg, {})
    out, err = capfd.readouterr()
    assert out == "" and err == ""


def save_onnx_for_checkpoint(checkpoint_path):
    """Export a saved checkpoint beside itself with torch's exporter, recording its sha256, name and metrics."""
    from mnist_gui.core.live import file_sha256
    from mnist_gui.core.onnx_export import save_onnx
    ck = load_checkpoint(checkpoint_path)
    meta = {"name": ck.name, "metrics": ck.metrics, "source_sha256": file_sha256(checkpoint_path),
            "source": Path(checkpoint_path).name}
    return save_onnx(onnx_path_for(checkpoint_path), ck.model, ck.model_config, meta)


@pytest.mark.slow
def test_metadata_round_trip_and_a_stale_export_is_detected(tmp_path):
    cfg = ModelConfig("fast-bn", dropout=0.2)
    model = build_model(cfg)
    metrics = {"test_accuracy": 0.987, "test_loss": 0.04, "per_class": [0.98] * 10, "predictions": [1, 2]}
    pt = save_checkpoint(tmp_path / "m.pt", model, cfg, {}, metrics, {}, name="mine")
    written = save_onnx_for_checkpoint(pt)
    assert written == onnx_path_for(pt) == tmp_path / "m.onnx"
    m = OnnxModel.from_path(written)
    assert m.name == "mine" and m.test_accuracy == pytest.approx(0.987)
    assert m.metrics["per_class"] == [0.98] * 10 and "predictions" not in m.metrics
    assert ModelConfig.from_dict(m.model_config) == cfg
    assert m.spec == cfg.network().to_list()
    assert m.layer_names == [n for n, _ in model.named_children()]
    assert m.source_sha256 == file_sha256(pt) and m.is_export_of(pt)
    assert m.metadata["format_version"] == str(FORMAT_VERSION) and m.metadata["source"] == "m.pt"
    save_checkpoint(pt, build_model(cfg), cfg, {}, metrics, {}, name="mine")   # retrained, same name
    assert not m.is_export_of(pt) and not m.is_export_of(tmp_path / "missing.pt")

    bare = save_onnx(tmp_path / "bare.onnx", model, cfg)
    b = OnnxModel.from_path(bare)
    assert b.name == "bare" and b.test_accuracy is None and b.source_sha256 == "" and not b.is_export_of(pt)
    with pytest.raises(OnnxModelError, match="cannot save") as e:   # a file where the folder should be
        save_onnx(pt / "x.onnx", model, cfg)
    assert str(pt / "x.onnx") in str(e.value)
    assert not [p for p in tmp_path.rglob("*.tmp")]


def test_the_lean_graph_keeps_only_logits_and_probabilities(shipped):
    import onnx
    _, live, data = shipped
    full = onnx.load_from_string(data)
    lean = onnx.load_from_string(lean_graph(data))
    assert [o.name for o in lean.graph.output] == ["logits", "probabilities"]
    assert [o.name for o in full.graph.output][2:] == [LAYER_PREFIX + n for n in live.model.layer_names]
    assert lean.metadata_props == full.metadata_props and lean.graph.node == full.graph.node
    with pytest.raises(ValueError):
        lean_graph(b"\xff" * 100)


def _with_metadata(data: bytes, **changes) -> bytes:
    import onnx
    proto = onnx.load_from_string(data)
    props = {p.key: p.value for p in proto.metadata_props}
    props.update(changes)
    props = {k: v for k, v in props.items() if v is not None}
    del proto.metadata_props[:]
    onnx.helper.set_model_props(proto, props)
    return proto.SerializeToString()


def test_unusable_files_give_one_clear_error_naming_the_file(tmp_path, shipped, capfd):
    _, _, data = shipped
    cases = {
        "empty.onnx": b"",
        "random.onnx": np.random.default_rng(0).bytes(5000),
        "truncated.onnx": data[: len(data) // 2],
        "text.onnx": b"not a model at all\n" * 10,
        "foreign.onnx": _with_metadata(data, format=None),
        "newer.onnx": _with_metadata(data, format_version=str(FORMAT_VERSION + 1)),
        "badjson.onnx": _with_metadata(data, metrics="{not json"),
    }
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    (tmp_path / "folder.onnx").mkdir()
    capfd.readouterr()
    for name in (*cases, "folder.onnx", "missing.onnx"):
        with pytest.raises(OnnxModelError) as e:
            OnnxModel.from_path(tmp_path / name)
        msg = str(e.value)
        assert str(tmp_path / name) in msg and "\n" not in msg and "Traceback" not in msg, msg
        assert "ONNXRuntimeError" not in msg, msg
    assert "newer mnist-gui" in str(pytest.raises(OnnxModelError, OnnxModel.from_path, tmp_path / "newer.onnx").value)
    assert capfd.readouterr().err == ""   # onnxruntime logged nothing of its own
    with pytest.raises(OnnxModelError, match="empty"):
        OnnxModel.from_bytes(b"")


@pytest.mark.slow
def test_a_network_that_cannot_be_exported_is_one_error_and_prints_nothing(capfd):
    class Eigen(nn.Module):   # no ONNX operator computes eigenvalues
        def forward(self, x):
            m = x[:, 0, :10, :10]
            return torch.linalg.eigvalsh(m @ m.transpose(1, 2))

    class DataDependent(nn.Module):   # torch.export fails and prints its graph; another way then succeeds
        def forward(self, x):
            return x.flatten(1)[:, :10] * (int(x.sum().item()) % 3 + 1)

    capfd.readouterr()
    with pytest.raises(OnnxModelError, match="cannot export the network to ONNX: .*eigh") as e:
        export_onnx(Eigen(), ModelConfig("fast-bn"), {})
    assert "\n" not in str(e.value) and "\x1b" not in str(e.value)
    try:
        export_onnx(DataDependent(), ModelConfig("fast-bn"), {})
    except OnnxModelError:
        pass
    assert capfd.readouterr() == ("", "")


def test_the_live_path_never_imports_torch(tmp_path, shipped):
    _, _, data = shipped
    (tmp_path / "m.onnx").write_bytes(data)
    code = f"""
import sys
from pathlib import Path
import numpy as np
from mnist_gui.core.live import LivePredictor
from mnist_gui.core.handwriting.numbers import read_number
from mnist_gui.core.reading import Reader, ReadingModels
p = LivePredictor.from_path({str(tmp_path / "m.onnx")!r})
reading = Reader(p, ReadingModels()).read_strokes([[(10, 10), (90, 10), (40, 100)]])
img, probs = reading.image28, reading.probabilities
assert probs.shape == (10,) and abs(probs.sum() - 1) < 1e-5
assert p.probabilities_batch([img, img]).shape == (2, 10)
assert "conv1" in p.activations(img)
assert read_number([[(10, 0), (12, 100)], [(40, 0), (100, 0), (60, 100)]], p.probabilities_batch) is not None
bad = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "torchvision", "onnx", "PySide6"))
print(bad)
assert not bad, bad
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stderr == ""


def _gemm_model(weight: np.ndarray, trans_b: int, alpha: float | None = 1.0, shared: bool = False,
                as_input: bool = False, bias: str = "b") -> bytes:
    from onnx import TensorProto, helper, numpy_helper
    k = weight.shape[1] if trans_b else weight.shape[0]
    n = weight.shape[0] if trans_b else weight.shape[1]
    nodes = [helper.make_node("Gemm", ["x", "w", bias], ["y"], transB=trans_b)]
    if alpha is not None:
        nodes[0].attribute.append(helper.make_attribute("alpha", alpha))
    else:   # an alpha attribute without its value: ONNX Runtime reads 0
        nodes[0].attribute.append(helper.make_attribute("alpha", 1.0))
        nodes[0].attribute[-1].ClearField("f")
    outputs = [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", n])]
    if shared:
        nodes.append(helper.make_node("Gemm", ["x", "w"], ["z"], transB=trans_b))
        outputs.append(helper.make_tensor_value_info("z", TensorProto.FLOAT, ["batch", n]))
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", k])] + \
        ([helper.make_tensor_value_info("w", TensorProto.FLOAT, list(weight.shape))] if as_input else [])
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              initializer=[numpy_helper.from_array(weight, "w"),
                                           numpy_helper.from_array(np.linspace(-1, 1, n, dtype=np.float32), "b")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


@pytest.mark.parametrize("trans_b, bias", [(0, "b"), (1, "b"), (1, "")])
def test_a_large_gemm_runs_on_integers_close_to_its_floats(trans_b, bias):
    import onnxruntime as ort
    rng = np.random.default_rng(trans_b)
    weight = rng.normal(0, 0.05, (640, 480)).astype(np.float32)   # 307,200 weights: over QUANTIZE_FROM
    data = _gemm_model(weight, trans_b, bias=bias)
    quantized = quantized_dense(data)
    assert b"MatMulInteger" in quantized and len(quantized) < len(data) / 3
    x = np.maximum(rng.normal(0, 1, (5, 480 if trans_b else 640)), 0).astype(np.float32)   # after a ReLU
    want = ort.InferenceSession(data, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    got = ort.InferenceSession(quantized, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    assert got.shape == want.shape and np.abs(got - want).max() <= 0.02 * np.abs(want).max()


def test_gemms_it_cannot_rewrite_exactly_stay_in_float():
    weight = np.random.default_rng(0).normal(0, 0.05, (640, 480)).astype(np.float32)
    not_finite = weight.copy()
    not_finite[3, 4] = np.nan
    for data in (_gemm_model(weight, 1, alpha=2.0), _gemm_model(weight, 1, alpha=None), _gemm_model(weight, 1, shared=True),
                 _gemm_model(weight, 1, as_input=True), _gemm_model(weight[:300], 1), _gemm_model(not_finite, 1)):
        # scaled (twice: an alpha without its value is 0), its weights used twice, its weights a graph input too (a
        # default the caller may replace), too small, a weight not finite
        assert quantized_dense(data) == data
    with pytest.raises(ValueError):
        quantized_dense(b"\x00\x01 not a model")
