import json
import random
from collections import OrderedDict
from dataclasses import dataclass

import pytest
import torch
from torch import nn

from mnist_gui.core.models import ModelConfig, build_model
from mnist_gui.core.presets import fast_bn_spec, tf_tutorial_spec
from mnist_gui.core.spec import (
    ACTIVATIONS,
    POOLS,
    Layer,
    NetworkSpec,
    SpecError,
    analyse,
    build,
    load_spec_file,
    problems,
    spec_from_json,
    spec_to_json,
    totals,
)
from tests.conftest import run_cli


def net(*layers) -> NetworkSpec:
    return NetworkSpec(tuple(Layer(**ly) if isinstance(ly, dict) else ly for ly in layers))


def conv(filters=8, kernel=3, **kw):
    return Layer("conv", filters=filters, kernel=kernel, **kw)


TAIL = (Layer("flatten"), Layer("dense", units=10))


# ----------------------------------------------------------------------------------- the spec as data

def test_round_trip_through_dicts_and_json():
    spec = net(conv(16, 5, padding="same", bias=False), Layer("batchnorm"), Layer("leakyrelu"),
               Layer("avgpool", size=3, stride=2, padding=1), Layer("flatten"), Layer("dropout", rate=0.3),
               Layer("dense", units=32), Layer("gelu"), Layer("dense", units=10))
    assert NetworkSpec.from_dict(spec.to_dict()) == spec
    assert NetworkSpec.from_dict(spec.to_list()) == spec          # the bare list is accepted too
    assert spec_from_json(spec_to_json(spec)) == spec
    assert json.loads(spec_to_json(spec)) == spec.to_dict()
    assert spec.layers[3].to_dict() == {"kind": "avgpool", "size": 3, "stride": 2, "padding": 1}


def test_defaults_are_filled_in():
    assert Layer("maxpool", size=3) == Layer("maxpool", size=3, stride=3, padding=0)
    assert Layer("conv", filters=4, kernel=3).to_dict() == \
        {"kind": "conv", "filters": 4, "kernel": 3, "stride": 1, "padding": 0, "bias": True}
    assert Layer("dropout").rate == 0.5 and Layer("relu").to_dict() == {"kind": "relu"}


@pytest.mark.parametrize("layers, message", [
    ({"layers": [{"kind": "convolution", "filters": 8}]}, "layer 1: unknown kind 'convolution'; choose from conv"),
    ({"layers": [{"kind": "conv", "filters": 8, "kernel": 3, "units": 4}]},
     "layer 1 (conv): conv takes no 'units' (conv takes filters, kernel, stride, padding, bias)"),
    ({"layers": [{"kind": "relu"}, {"kind": "dense", "unit": 10}]}, "layer 2 (dense): unknown field 'unit'"),
    ({"layers": [{"kind": "conv", "kernel": 3}]}, "layer 1 (conv): missing 'filters'"),
    ({"layers": [{"kind": "conv", "filters": 8, "kernel": 3.0}]},
     "layer 1 (conv): kernel must be a whole number, got 3.0"),
    ({"layers": [{"kind": "conv", "filters": 8, "kernel": 3, "padding": "full"}]},
     "layer 1 (conv): padding must be a whole number, \"same\" or \"valid\", got \"full\""),
    ({"layers": [{"kind": "maxpool", "size": 2, "padding": "same"}]},
     "layer 1 (maxpool): padding must be a whole number, got \"same\""),
    ({"layers": [{"kind": "conv", "filters": 8, "kernel": 3, "bias": 1}]},
     "layer 1 (conv): bias must be true or false, got 1"),
    ({"layers": [{"kind": "dropout", "rate": "0.5"}]}, "layer 1 (dropout): rate must be a number"),
    ({"layers": [{"filters": 8}]}, "layer 1: no \"kind\""),
    ({"layers": ["conv"]}, "layer 1: expected an object"),
    ({"layers": []}, "the architecture has no layers"),
    ({"network": []}, "a JSON object with a \"layers\" list"),
])
def test_malformed_specs_say_what_is_wrong(layers, message):
    with pytest.raises(SpecError) as e:
        NetworkSpec.from_dict(layers)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_load_spec_file_errors_are_one_line_with_the_path(tmp_path):
    with pytest.raises(SpecError, match="no such architecture file"):
        load_spec_file(tmp_path / "missing.json")
    p = tmp_path / "broken.json"
    p.write_text('{"layers": [\n  {"kind": "conv",}\n]}')
    with pytest.raises(SpecError, match=r"broken.json: not valid JSON \(.* at line 2 column 19\)$"):
        load_spec_file(p)
    p.write_bytes(b"\xff\xfe{")   # binary (a PNG given by mistake): said so, not Python's codec message
    with pytest.raises(SpecError, match=r"broken.json: not JSON text: byte 0 is not UTF-8 \(a binary file\?\)$"):
        load_spec_file(p)
    p.write_text(spec_to_json(tf_tutorial_spec()))
    assert load_spec_file(p) == tf_tutorial_spec()


# ----------------------------------------------------------------------------------- presets

def _old_tf_tutorial(dropout):
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 32, kernel_size=5, stride=1, padding=2)), ("relu1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(kernel_size=2, stride=2)),
        ("conv2", nn.Conv2d(32, 64, kernel_size=5, stride=1, padding=2)), ("relu2", nn.ReLU()),
        ("pool2", nn.MaxPool2d(kernel_size=2, stride=2)), ("flatten", nn.Flatten()),
        ("dense", nn.Linear(7 * 7 * 64, 1024)), ("relu3", nn.ReLU()), ("dropout", nn.Dropout(dropout)),
        ("logits", nn.Linear(1024, 10))]))


def _old_fast_bn(dropout):
    mods = []
    for i, (cin, cout, k) in enumerate([(1, 24, 5), (24, 48, 3), (48, 64, 3)], 1):
        mods += [(f"conv{i}", nn.Conv2d(cin, cout, kernel_size=k, stride=1, padding=k // 2, bias=False)),
                 (f"bn{i}", nn.BatchNorm2d(cout)), (f"relu{i}", nn.ReLU()),
                 (f"pool{i}", nn.MaxPool2d(kernel_size=2, stride=2))]
    mods += [("flatten", nn.Flatten()), ("dropout", nn.Dropout(dropout * 0.25)), ("logits", nn.Linear(576, 10))]
    return nn.Sequential(OrderedDict(mods))


@pytest.mark.parametrize("preset, old", [("tf-tutorial", _old_tf_tutorial), ("fast-bn", _old_fast_bn)])
def test_presets_build_exactly_the_modules_they_always_had(preset, old):
    for dropout in (0.4, 0.2):
        new = build_model(ModelConfig.from_dict({"preset": preset, "dropout": dropout}))  # an old checkpoint's dict
        before = old(dropout)
        assert repr(new) == repr(before)
        assert {k: v.shape for k, v in new.state_dict().items()} == \
            {k: v.shape for k, v in before.state_dict().items()}
        new.load_state_dict(before.state_dict(), strict=True)


def test_the_shipped_model_still_loads(shipped):
    assert shipped.model_config == ModelConfig("tf-tutorial", 0.4)
    assert list(shipped.model.state_dict()) == list(build_model(ModelConfig("tf-tutorial")).state_dict())
    assert shipped.model.network_spec == tf_tutorial_spec(0.4)


def test_preset_rows_show_the_tutorial_arithmetic():
    rows = {r.name: r for r in analyse(tf_tutorial_spec())}
    assert rows["conv1"].arithmetic == "(28 − 5 + 2·2) / 1 + 1 = 28"
    assert rows["pool2"].input_shape == (14, 14, 64) and rows["pool2"].output_shape == (7, 7, 64)
    assert rows["dense"].params == 3136 * 1024 + 1024 and rows["dense"].macs == 3136 * 1024
    assert rows["conv2"].macs == 14 * 14 * 64 * 5 * 5 * 32
    t = totals(list(rows.values()))
    assert t.params == sum(p.numel() for p in build_model().parameters()) and t.weight_bytes == 4 * t.params
    assert t.macs == sum(r.macs for r in rows.values()) and not problems(list(rows.values()))
    # fast-bn's last pool floors 7×7 to 3×3: a warning, not an error
    assert [str(p) for p in problems(analyse(fast_bn_spec()))] == \
        ["layer 12 (maxpool): (7 − 2 + 2·0) / 2 + 1 is not whole: floors to 3"]


# ----------------------------------------------------------------------------------- ModelConfig with a spec

def test_model_config_with_a_spec_is_custom_and_round_trips(tmp_path):
    from mnist_gui.core.checkpoint import load_checkpoint, save_checkpoint
    spec = net(conv(4, 3), Layer("relu"), Layer("maxpool", size=2), *TAIL)
    cfg = ModelConfig(spec=spec.to_list())
    assert cfg.preset == cfg.name == "custom" and cfg.dropout is None
    assert ModelConfig.from_dict(cfg.to_dict()) == cfg == ModelConfig(spec=spec)
    model = build_model(cfg)
    assert list(model.state_dict()) == ["conv1.weight", "conv1.bias", "logits.weight", "logits.bias"]
    save_checkpoint(tmp_path / "c.pt", model, cfg)
    ck = load_checkpoint(tmp_path / "c.pt")
    assert ck.model_config == cfg and ck.model.network_spec == spec
    assert torch.equal(ck.model.conv1.weight, model.conv1.weight)


def test_dropout_override_sets_every_dropout_layer_of_a_spec():
    spec = net(Layer("flatten"), Layer("dropout", rate=0.1), Layer("dense", units=20), Layer("dropout", rate=0.3),
               Layer("dense", units=10))
    kept = build_model(ModelConfig(spec=spec))
    assert [m.p for m in kept if isinstance(m, nn.Dropout)] == [0.1, 0.3]
    assert [n for n, _ in kept.named_children()] == ["flatten", "dropout1", "dense", "dropout2", "logits"]
    overridden = build_model(ModelConfig(spec=spec, dropout=0.2))
    assert [m.p for m in overridden if isinstance(m, nn.Dropout)] == [0.2, 0.2]
    with pytest.raises(ValueError, match="dropout must be in"):
        build_model(ModelConfig(spec=spec, dropout=1.0))


# ----------------------------------------------------------------------------------- problems, one each

def only_problem(spec, level):
    found = problems(analyse(spec))
    assert len(found) == 1, [str(p) for p in found]
    assert found[0].level == level
    return found[0]


def test_kernel_larger_than_its_input():
    spec = net(conv(8, 4), Layer("relu"), Layer("maxpool", size=5), conv(8, 7), *TAIL)  # 28 → 25 → 5
    p = only_problem(spec, "error")
    assert str(p) == "layer 4 (conv): kernel 7 is larger than its 5×5 input after padding 0"
    assert (p.layer, p.field) == (4, "kernel")
    with pytest.raises(SpecError) as e:
        build(spec)
    assert str(e.value) == str(p) and (e.value.layer, e.value.field) == (4, "kernel")


def test_an_output_of_zero_or_less_is_an_error_and_padding_counts():
    rows = analyse(net(conv(8, 30), *TAIL))          # (28 − 30 + 0)/1 + 1 = −1
    assert rows[0].output_shape is None and rows[1].input_shape is None
    assert [str(p) for p in problems(rows)] == ["layer 1 (conv): kernel 30 is larger than its 28×28 input after padding 0"]
    rows = analyse(net(Layer("maxpool", size=29, stride=2), *TAIL))   # ⌊(28 − 29)/2⌋ + 1 = 0
    assert rows[0].output_shape is None and problems(rows)[0].field == "size"
    rows = analyse(net(conv(8, 30, padding=1), *TAIL))  # (28 − 30 + 2)/1 + 1 = 1: fine
    assert rows[0].output_shape == (1, 1, 8) and not problems(rows)


def test_a_stride_that_does_not_divide_is_a_warning_that_floors():
    spec = net(Layer("maxpool", size=2), conv(8, 3, stride=2), *TAIL)
    p = only_problem(spec, "warning")
    assert str(p) == "layer 2 (conv): (14 − 3 + 2·0) / 2 + 1 is not whole: floors to 6" and p.field == "stride"
    row = analyse(spec)[1]
    assert row.floors_to == 6 and row.arithmetic == "⌊(14 − 3 + 2·0) / 2⌋ + 1 = 6" and row.output_shape == (6, 6, 8)
    assert build(spec)[:2](torch.zeros(1, 1, 28, 28)).shape == (1, 8, 6, 6)
    assert analyse(net(conv(8, 3), *TAIL))[0].floors_to is None


def test_dense_after_a_volume_needs_flatten():
    p = only_problem(net(conv(8, 3), Layer("dense", units=10)), "error")
    assert str(p) == ("layer 2 (dense): dense needs a flat input, but its input is the 26×26×8 volume: "
                      "put a flatten before it")


def test_flatten_twice_is_a_warning():
    p = only_problem(net(Layer("flatten"), Layer("flatten"), Layer("dense", units=10)), "warning")
    assert str(p) == "layer 2 (flatten): its input is already flat: this flatten does nothing"


@pytest.mark.parametrize("kind", ["conv", "maxpool"])
def test_conv_or_pool_after_flatten_is_an_error(kind):
    layer = conv(8, 3) if kind == "conv" else Layer(kind, size=2)
    p = only_problem(net(Layer("flatten"), layer, Layer("dense", units=10)), "error")
    assert str(p) == f"layer 2 ({kind}): {kind} needs an H×W×C volume, but its input is flat (784): " \
                     "it cannot follow flatten or dense"


@pytest.mark.parametrize("layers, ends", [((Layer("flatten"), Layer("dense", units=9)), "9"),
                                          ((conv(10, 28),), "1×1×10")])
def test_a_network_must_end_in_ten_outputs(layers, ends):
    p = only_problem(NetworkSpec(layers), "error")
    assert p.layer == len(layers)
    assert p.text.startswith(f"the network ends in {ends} outputs; it must end in 10")


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_dropout_rate_outside_zero_one(rate):
    rows = analyse(net(Layer("flatten"), Layer("dropout", rate=rate), Layer("dense", units=10)))
    p, = problems(rows)
    assert str(p) == f"layer 2 (dropout): rate must be in [0, 1), got {rate:g}" and p.field == "rate"
    assert rows[-1].output_shape == (10,)   # the volume is still known past it


@pytest.mark.parametrize("layer, field", [
    (conv(0, 3), "filters"), (conv(8, 0), "kernel"), (conv(8, 3, stride=0), "stride"),
    (conv(8, 3, padding=-1), "padding"), (Layer("maxpool", size=0, stride=1), "size"),
    (Layer("avgpool", size=2, stride=-1), "stride"), (Layer("dense", units=0), "units"),
])
def test_non_positive_values(layer, field):
    spec = net(Layer("flatten"), layer, Layer("dense", units=10)) if layer.kind == "dense" else net(layer, *TAIL)
    p = problems(analyse(spec))[0]
    assert p.level == "error" and p.field == field
    assert p.text == (f"{field} must be 0 or more, got -1" if field == "padding"
                      else f"{field} must be at least 1, got {getattr(layer, field)}")
    with pytest.raises(SpecError, match=field):
        build(spec)


def test_pool_padding_over_half_its_size():
    p = only_problem(net(Layer("maxpool", size=3, padding=2), *TAIL), "error")
    assert p.text == "padding 2 is more than half the pool size 3 (PyTorch allows at most 1)"


def test_same_padding_needs_stride_one():
    p = only_problem(net(conv(8, 3, stride=2, padding="same"), *TAIL), "error")
    assert str(p) == ('layer 1 (conv): padding "same" needs stride 1; PyTorch does not support it with stride 2 '
                      '(give the padding as a number)') and p.field == "padding"


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_same_padding_with_an_even_kernel_pads_unevenly_as_pytorch_does():
    spec = net(conv(8, 4, padding="same"), *TAIL)
    p = only_problem(spec, "warning")
    assert p.text == 'padding "same" with the even kernel 4 pads unevenly: 1 before and 2 after, as PyTorch does'
    row = analyse(spec)[0]
    assert row.output_shape == (28, 28, 8) and row.padding == (1, 2)
    assert row.arithmetic == "(28 − 4 + 1 + 2) / 1 + 1 = 28"
    assert build(spec)[0](torch.zeros(1, 1, 28, 28)).shape == (1, 8, 28, 28)


def test_valid_padding_is_zero():
    row = analyse(net(conv(8, 5, padding="valid"), *TAIL))[0]
    assert row.padding == 0 and row.output_shape == (24, 24, 8)


def test_batchnorm_follows_its_input():
    model = build(net(conv(6, 3), Layer("batchnorm"), Layer("flatten"), Layer("dense", units=10),
                      Layer("batchnorm")))
    assert isinstance(model.bn1, nn.BatchNorm2d) and model.bn1.num_features == 6
    assert isinstance(model.bn2, nn.BatchNorm1d) and model.bn2.num_features == 10


# ----------------------------------------------------------------------------------- analysis == forward pass

@dataclass
class Traced:
    name: str
    input_shape: tuple
    output_shape: tuple
    params: int
    arithmetic: str = ""


def traced_summary(model: nn.Module, input_shape=(1, 28, 28)) -> list[Traced]:
    """What a real forward pass (hooks on every leaf module) says of each layer: the reference for analyse."""
    infos: list[Traced] = []
    hooks = []

    def hwc(t: torch.Tensor) -> tuple:
        s = tuple(t.shape[1:])
        return (s[1], s[2], s[0]) if len(s) == 3 else s

    def single(v) -> int:
        return int(v[0] if isinstance(v, (tuple, list)) else v)

    def make_hook(name: str):
        def hook(mod, inputs, output):
            info = Traced(name, hwc(inputs[0]), hwc(output), sum(p.numel() for p in mod.parameters(recurse=False)))
            if isinstance(mod, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)) and not isinstance(mod.padding, str):
                f, s, p = single(mod.kernel_size), single(mod.stride), single(mod.padding)
                w = inputs[0].shape[-1]
                out = (w - f + 2 * p) // s + 1
                frac = f"({w} − {f} + 2·{p}) / {s}"
                info.arithmetic = f"{frac if (w - f + 2 * p) % s == 0 else '⌊' + frac + '⌋'} + 1 = {out}"
                assert out == output.shape[-1], (name, out, output.shape)
            infos.append(info)
        return hook

    for name, mod in model.named_modules():
        if name and not list(mod.children()):
            hooks.append(mod.register_forward_hook(make_hook(name)))
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros((1, *input_shape)))
    finally:
        for h in hooks:
            h.remove()
    return infos


def random_spec(rng: random.Random) -> NetworkSpec:
    layers = []
    for _ in range(rng.randint(0, 3)):
        stride = rng.choice([1, 1, 2, 3])
        layers.append(conv(rng.randint(1, 6), rng.randint(1, 6), stride=stride, bias=rng.random() < 0.5,
                           padding=rng.choice([0, 1, 2, "valid"] + (["same"] if stride == 1 else []))))
        if rng.random() < 0.4:
            layers.append(Layer("batchnorm"))
        layers.append(Layer(rng.choice(ACTIVATIONS)))
        if rng.random() < 0.6:
            size = rng.randint(1, 3)
            layers.append(Layer(rng.choice(POOLS), size=size, stride=rng.choice([None, 1, 2]),
                                padding=rng.randint(0, size // 2)))
    layers.append(Layer("flatten"))
    for _ in range(rng.randint(0, 2)):
        layers += [Layer("dense", units=rng.randint(1, 40)), Layer(rng.choice(ACTIVATIONS))]
        if rng.random() < 0.5:
            layers.append(Layer(rng.choice(["dropout", "batchnorm"])) if rng.random() < 0.5
                          else Layer("dropout", rate=rng.random() * 0.9))
    layers.append(Layer("dense", units=10))
    return NetworkSpec(tuple(layers))


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
def test_analysis_matches_a_real_forward_pass_for_random_specs():
    rng = random.Random(1234)
    checked = 0
    while checked < 40:
        spec = random_spec(rng)
        rows = analyse(spec)
        if problems(rows, "error"):
            continue    # e.g. a kernel larger than what is left; those are tested above
        model = build(spec)
        traced = traced_summary(model)   # hooks on a real forward pass
        assert [t.name for t in traced] == [r.name for r in rows]
        assert [t.input_shape for t in traced] == [r.input_shape for r in rows], spec
        assert [t.output_shape for t in traced] == [r.output_shape for r in rows], spec
        assert [t.params for t in traced] == [r.params for r in rows], spec
        assert [t.arithmetic for t in traced if t.arithmetic] == \
            [r.arithmetic for r in rows if r.arithmetic and not isinstance(r.padding, tuple)]
        assert totals(rows).params == sum(p.numel() for p in model.parameters())
        checked += 1


def test_the_analysis_of_a_preset_is_its_forward_pass():
    model = build_model(ModelConfig("fast-bn"))
    rows = analyse(ModelConfig("fast-bn").network())
    assert [r.kind for r in rows[:4]] == ["conv", "batchnorm", "relu", "maxpool"]
    assert [(r.input_shape, r.output_shape, r.params) for r in rows] == \
        [(t.input_shape, t.output_shape, t.params) for t in traced_summary(model)]
    assert rows[0].macs == 28 * 28 * 24 * 25


# ----------------------------------------------------------------------------------- command line

def test_cli_summary_of_an_architecture_file(tmp_path):
    out = tmp_path / "tutorial.json"
    r = run_cli("summary", "--preset", "tf-tutorial", "--arch-out", str(out))
    assert r.returncode == 0, r.stderr
    assert load_spec_file(out) == tf_tutorial_spec()
    r = run_cli("summary", "--arch", str(out))
    assert r.returncode == 0, r.stderr
    assert "(28 − 5 + 2·2) / 1 + 1 = 28" in r.stdout and "3,274,634" in r.stdout and "13,883,904" in r.stdout
    r = run_cli("summary", "--arch", str(out), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["parameters"] == 3_274_634 and d["weight_bytes"] == 4 * 3_274_634 and d["errors"] == []
    assert [x["output_shape"] for x in d["layers"] if x["name"].startswith("pool")] == [[14, 14, 32], [7, 7, 64]]


def test_cli_summary_of_a_bad_architecture_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(spec_to_json(net(conv(8, 4), Layer("relu"), Layer("maxpool", size=5), conv(8, 7), *TAIL)))
    r = run_cli("summary", "--arch", str(bad))
    assert r.returncode == 2
    assert r.stderr == "mnist-gui: error: layer 4 (conv): kernel 7 is larger than its 5×5 input after padding 0\n"
    assert "error: kernel 7 is larger" in r.stdout    # shown on its row of the table too
    r = run_cli("summary", "--arch", str(bad), "--json")
    assert r.returncode == 2 and json.loads(r.stdout)["errors"] == [r.stderr.split("error: ", 1)[1].strip()]
    bad.write_text('{"layers": [{"kind": "conv", "filters": 8, "kernal": 3}]}')
    r = run_cli("summary", "--arch", str(bad))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "bad.json: layer 1 (conv): unknown field 'kernal'" in r.stderr


def test_analysis_needs_neither_torch_nor_qt():
    import subprocess
    import sys
    code = ("import sys\nfrom mnist_gui.core.spec import analyse, spec_from_json\n"
            "analyse(spec_from_json('[{\"kind\": \"flatten\"}, {\"kind\": \"dense\", \"units\": 10}]'))\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'pyqtgraph')]\n"
            "print(bad); assert not bad")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


# ----------------------------------------------------------------------------------- the kinds' table

# One row per kind (core/layer_kinds.py KINDS): a layer, its input (H, W, C or N), its output and parameters.
# A kind without a row fails test_every_kind_has_a_row; each row is checked against the kind's torch module.
KIND_CASES = [
    (Layer("conv", filters=4, kernel=3, stride=2, padding=1), (9, 9, 3), (5, 5, 4), 3 * 3 * 3 * 4 + 4),
    (Layer("maxpool", size=3, stride=2), (9, 9, 3), (4, 4, 3), 0),
    (Layer("avgpool", size=2, padding=1), (9, 9, 3), (5, 5, 3), 0),
    *[(Layer(a), (9, 9, 3), (9, 9, 3), 0) for a in ACTIVATIONS],
    (Layer("batchnorm"), (9, 9, 3), (9, 9, 3), 6),
    (Layer("dropout", rate=0.2), (20,), (20,), 0),
    (Layer("flatten"), (9, 9, 3), (243,), 0),
    (Layer("dense", units=7), (20,), (7,), 20 * 7 + 7),
]


def _row_for(layer, shape):
    """The analysed row of `layer` on an input of `shape` (a flat one comes through a flatten)."""
    if len(shape) == 1:
        return analyse([Layer("flatten"), layer], input_shape=(shape[0], 1, 1))[-1]
    return analyse([layer], input_shape=(shape[2], shape[0], shape[1]))[0]


def test_every_kind_has_a_row():
    from mnist_gui.core.layer_kinds import KINDS
    assert {layer.kind for layer, *_ in KIND_CASES} == set(KINDS)


@pytest.mark.parametrize("layer, shape, out, params", KIND_CASES, ids=[c[0].kind for c in KIND_CASES])
def test_each_kinds_rule_is_its_torch_module(layer, shape, out, params):
    row = _row_for(layer, shape)
    assert (row.output_shape, row.params) == (out, params)
    module = layer.kind_rules.module(layer, row)
    x = torch.zeros((2, shape[2], shape[0], shape[1]) if len(shape) == 3 else (2, shape[0]))
    y = module.train()(x)
    assert tuple(y.shape[1:]) == ((out[2], out[0], out[1]) if len(out) == 3 else out)
    assert sum(p.numel() for p in module.parameters()) == params


def test_a_new_kind_is_one_class_in_the_table(monkeypatch):
    """An L2 pool as a new kind: its class, registered, is read by Layer, analyse, module_names and build."""
    from mnist_gui.core import layer_kinds
    from mnist_gui.core.layer_kinds import Param, Windowed

    class LpPool(Windowed):
        id = "lppool"
        params = (Param("size", high=1_024, start=2), Param("stride", default=layer_kinds.SAME_AS_SIZE))
        window_field, window_words = "size", "pool size"

        def padding(self, layer, f, s, shape, report):
            return 0, 0

        def module(self, layer, row):
            return nn.LPPool2d(2, kernel_size=layer.size, stride=layer.stride)

    monkeypatch.setitem(layer_kinds.KINDS, "lppool", LpPool())
    spec = NetworkSpec.from_dict([{"kind": "conv", "filters": 4, "kernel": 3}, {"kind": "lppool", "size": 3},
                                  {"kind": "flatten"}, {"kind": "dense", "units": 10}])
    assert spec.layers[1].stride == 3 and spec.layers[1].to_dict() == {"kind": "lppool", "size": 3, "stride": 3}
    rows = analyse(spec)
    assert rows[1].name == "lppool1" and rows[1].arithmetic == "⌊(26 − 3 + 2·0) / 3⌋ + 1 = 8"
    assert rows[1].output_shape == (8, 8, 4) and not problems(rows, "error")
    model = build(spec)
    assert isinstance(model.lppool1, nn.LPPool2d) and model(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    with pytest.raises(SpecError, match=r"lppool takes no 'padding' \(lppool takes size, stride\)"):
        Layer("lppool", size=2, padding=1)


# ----------------------------------------------------------------------------------- an impossible size, in numbers

@pytest.mark.parametrize("spec, row, text", [
    (net(conv(8, 4), Layer("relu"), Layer("maxpool", size=5), conv(8, 7), *TAIL), 3,
     "(5 − 7 + 2·0) / 1 + 1 = −1: the filter is larger than the input"),
    (net(Layer("maxpool", size=29, stride=2), *TAIL), 0,
     "(28 − 29 + 2·0) / 2 + 1 = 0.5: the filter is larger than the input"),
    (net(conv(8, 33, stride=3, padding=1), *TAIL), 0,
     "(28 − 33 + 2·1) / 3 + 1 = 0: the filter is larger than the padded input"),
    (net(conv(8, 31, stride=3), *TAIL), 0, "(28 − 31 + 2·0) / 3 + 1 = 0"),
])
def test_an_impossible_size_shows_its_number_and_why(spec, row, text):
    rows = analyse(spec)
    assert rows[row].output_shape is None and problems(rows, "error")
    assert rows[row].arithmetic.startswith(text)


# ----------------------------------------------------------------------------------- training memory

# The network of issue 32: the tutorial's, with 4,096 and 1,024 filters and a dense layer of 16 (inside every
# limit of the editor). Training it at batch 64 takes more than 4.3 GiB; the old estimate said about 3.6 GB.
WIDE_TUTORIAL = [dict(d, **{0: {"filters": 4096}, 3: {"filters": 1024}, 7: {"units": 16}}.get(i, {}))
                 for i, d in enumerate(tf_tutorial_spec().to_list())]


def test_the_memory_check_refuses_the_wide_tutorial_at_batch_64_in_one_line(monkeypatch):
    from mnist_gui.core import limits
    from mnist_gui.core.recipes import RECIPES
    from mnist_gui.core.spec import BATCH, training_bytes
    monkeypatch.setattr(limits, "memory_bytes", lambda: int(5.75 * 2**30))     # 4.3 GiB usable
    spec = NetworkSpec.from_dict(WIDE_TUTORIAL)
    assert not problems(analyse(spec), "error")                                 # weights and one image fit
    errors = problems(analyse(spec, batch=BATCH), "error")
    assert len(errors) == 1 and "\n" not in str(errors[0])
    assert str(errors[0]).startswith("layer 1 (conv): training it at batch 64 takes about ")
    assert str(errors[0]).endswith("fits") and "this machine lets a run use 4.3 GiB" in str(errors[0])
    assert training_bytes(analyse(spec), BATCH) > limits.usable_bytes()
    cfg = RECIPES["fast"].config.with_network(WIDE_TUTORIAL)
    with pytest.raises(ValueError) as e:
        cfg.validated()
    assert str(e.value).startswith("batch size 64: training this network would need about ") and "\n" not in str(e.value)


@pytest.mark.slow
def test_a_network_the_memory_check_just_passes_trains_a_step(monkeypatch, small_mnist):
    """The check's boundary: a limit just above the estimate passes it and the run trains; just below, it is
    refused before any work (benchmarks/training_memory.py measures the estimate against PyTorch)."""
    from mnist_gui.core import limits
    from mnist_gui.core.recipes import RECIPES
    from mnist_gui.core.spec import training_bytes
    from mnist_gui.core.train import Trainer
    layers = [dict(d, **{0: {"filters": 64}, 3: {"filters": 32}, 7: {"units": 16}}.get(i, {}))
              for i, d in enumerate(tf_tutorial_spec().to_list())]
    cfg = RECIPES["fast"].config.with_network(layers).with_overrides(max_steps=1, train_size=256)
    need = training_bytes(analyse(NetworkSpec.from_dict(layers)), cfg.batch_size)
    monkeypatch.setattr(limits, "memory_bytes", lambda: int((need - 1) / limits.USABLE_SHARE))
    with pytest.raises(ValueError, match="batch size 64: training this network would need"):
        cfg.validated()
    monkeypatch.setattr(limits, "memory_bytes", lambda: int((need + 2**20) / limits.USABLE_SHARE))
    result = Trainer(cfg, small_mnist).run()
    assert result.status == "finished" and result.model is not None


# ----------------------------------------------------------------------------------- the time per epoch

def test_the_time_per_epoch_is_a_median_with_its_spread():
    from mnist_gui.core.spec import epoch_time
    spec = net(conv(2, 3), Layer("maxpool", size=4), *TAIL)
    t = epoch_time(spec, batch=8, timings=3, budget_s=30)
    assert 1 <= t.timings <= 3 and not t.too_slow
    assert 0 < t.low <= t.seconds <= t.high


def test_the_time_per_epoch_gives_up_on_a_network_too_slow_to_time():
    from mnist_gui.core.spec import epoch_time
    t = epoch_time(net(conv(2, 3), *TAIL), batch=64, budget_s=0)
    assert t.too_slow and t.timings == 0 and t.seconds > 0 and t.step_seconds > 0
    stopped = epoch_time(net(conv(2, 3), *TAIL), batch=8, should_stop=lambda: True)
    assert stopped.seconds is None and not stopped.too_slow
