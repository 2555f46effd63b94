"""Networks as data: a spec is an ordered list of layers, each a kind and its parameters.

`analyse` works out every layer's input and output volume, (W − F + 2P)/S + 1 written out, its
parameters and multiply-adds, and the problems in words, without torch. `build` turns a spec with
no errors into a named `torch.nn.Sequential`.

Kinds and their fields (defaults in brackets; a field without one is required):

    conv       filters, kernel, stride [1], padding [0] (a number, "same" or "valid"), bias [true]
    maxpool    size, stride [= size], padding [0]
    avgpool    size, stride [= size], padding [0]
    relu leakyrelu elu gelu tanh sigmoid      activations, no fields
    batchnorm  no fields: 2d after a conv/pool volume, 1d after flatten/dense
    dropout    rate [0.5]
    flatten    no fields
    dense      units

Module names: conv, pool (max and avg), bn and the activations are numbered per kind (conv1, conv2,
pool1, relu3); flatten, dropout and dense are numbered only when the network has more than one of
them; the last dense layer is `logits`. These are the names the presets have always had, so their
state_dict keys do not change.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields, replace
from pathlib import Path

from mnist_gui import config
from mnist_gui.core import limits
from mnist_gui.core.messages import Message
from mnist_gui.core.messages import say as msg

ACTIVATIONS = ("relu", "leakyrelu", "elu", "gelu", "tanh", "sigmoid")
POOLS = ("maxpool", "avgpool")
_REQUIRED = object()

# kind -> its fields and their defaults, in the order a form shows them.
KINDS: dict[str, dict[str, object]] = {
    "conv": {"filters": _REQUIRED, "kernel": _REQUIRED, "stride": 1, "padding": 0, "bias": True},
    "maxpool": {"size": _REQUIRED, "stride": None, "padding": 0},
    "avgpool": {"size": _REQUIRED, "stride": None, "padding": 0},
    **{a: {} for a in ACTIVATIONS},
    "batchnorm": {},
    "dropout": {"rate": 0.5},
    "flatten": {},
    "dense": {"units": _REQUIRED},
}
PADDING_WORDS = ("same", "valid")
# Upper bounds that keep a hand-written spec from asking for terabytes (the editor's spin boxes stop lower).
MAX_SIZE = {"filters": 65_536, "units": 65_536, "kernel": 1_024, "size": 1_024, "stride": 1_024, "padding": 1_024}
MAX_LAYERS = 1_000    # and an architecture file of at most MAX_SPEC_BYTES: what is read is bounded too
MAX_SPEC_BYTES = 1_000_000
OUTPUTS = 10          # one per digit
BYTES_PER_PARAM = 4   # fp32
# Training holds every weight this many times: the weights, their gradients and the optimizer's two moments.
TRAINING_COPIES = 4


class SpecError(ValueError):
    """A spec that cannot be read or built. `layer` is 1-based (None for the whole spec)."""

    def __init__(self, message: str, layer: int | None = None, field: str | None = None):
        super().__init__(message)
        self.layer, self.field = layer, field


def _short(v, as_json: bool = False) -> str:
    """A value for a message (repr, or JSON), cut to 40 characters: a file may hold a name of ten million."""
    if isinstance(v, int) and not isinstance(v, bool) and abs(v) >= 10**15:
        return _number(v)
    text = json.dumps(v, default=repr) if as_json else repr(v)
    return text if len(text) <= 40 else text[:37] + "..."


def _finite(v) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:   # a whole number of 400 digits
        return False


def _number(v: int) -> str:
    """A whole number for a message; one of more than 15 digits by its length."""
    return f"{v:,}" if abs(v) < 10**15 else f"{'-' if v < 0 else ''}({len(str(abs(v))):,} digits)"


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


@dataclass(frozen=True)
class Layer:
    """One layer: `Layer("conv", filters=32, kernel=5, padding="same")`. Fields a kind does not take stay None;
    defaults are filled in. Wrong types or fields raise SpecError; values that make no sense (a zero kernel)
    are accepted here and reported by `analyse`, so an editor can show them on their row."""

    kind: str
    filters: int | None = None
    kernel: int | None = None
    size: int | None = None
    stride: int | None = None
    padding: int | str | None = None
    bias: bool | None = None
    rate: float | None = None
    units: int | None = None

    def __post_init__(self):
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise SpecError(f"unknown kind {_short(self.kind)}; choose from {', '.join(KINDS)}", field="kind")
        takes = KINDS[self.kind]
        for f in fields(self)[1:]:
            v = getattr(self, f.name)
            if f.name not in takes:
                if v is not None:
                    raise SpecError(f"{self.kind} takes no {f.name!r}" + _takes_text(self.kind), field=f.name)
                continue
            if v is None:
                v = takes[f.name]
                if v is _REQUIRED:
                    raise SpecError(f"missing {f.name!r}" + _takes_text(self.kind), field=f.name)
                if v is None:  # a pool's stride defaults to its size
                    v = self.size
                object.__setattr__(self, f.name, v)
            _check_type(self.kind, f.name, v)
            if f.name == "rate":
                object.__setattr__(self, "rate", float(v))

    def to_dict(self) -> dict:
        return {"kind": self.kind, **{name: getattr(self, name) for name in KINDS[self.kind]}}

    @classmethod
    def from_dict(cls, d: dict) -> Layer:
        if not isinstance(d, dict):
            raise SpecError(f"expected an object like {{\"kind\": \"conv\", ...}}, got {_short(d)}")
        if "kind" not in d:
            raise SpecError(f"no \"kind\"; choose from {', '.join(KINDS)}", field="kind")
        known = {f.name for f in fields(cls)}
        for k in d:
            if k not in known:
                raise SpecError(f"unknown field {_short(k)}" + _takes_text(d["kind"]), field=str(k)[:40])
        return cls(**d)


def _takes_text(kind) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        return ""
    return f" ({kind} takes {', '.join(KINDS[kind])})" if KINDS[kind] else f" ({kind} takes no fields)"


def _check_type(kind: str, name: str, v) -> None:
    if name == "bias":
        ok, want = isinstance(v, bool), "true or false"
    elif name == "rate":
        ok, want = _finite(v), "a number"
    elif name == "padding" and kind == "conv":
        ok, want = _whole(v) or v in PADDING_WORDS, "a whole number, \"same\" or \"valid\""
    else:
        ok, want = _whole(v), "a whole number"
    if not ok:
        raise SpecError(f"{name} must be {want}, got {_short(v, as_json=True)}", field=name)


@dataclass(frozen=True)
class NetworkSpec:
    layers: tuple[Layer, ...]

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))

    def to_list(self) -> list[dict]:
        return [layer.to_dict() for layer in self.layers]

    def to_dict(self) -> dict:
        return {"layers": self.to_list()}

    @classmethod
    def from_dict(cls, d) -> NetworkSpec:
        """From {"layers": [...]} or the bare list of layer objects."""
        layers = d.get("layers") if isinstance(d, dict) else d
        if not isinstance(layers, list):
            raise SpecError("an architecture is a JSON object with a \"layers\" list")
        if not layers:
            raise SpecError("the architecture has no layers")
        if len(layers) > MAX_LAYERS:
            raise SpecError(f"the architecture has {len(layers):,} layers; at most {MAX_LAYERS:,} are read")
        out = []
        for i, ld in enumerate(layers, 1):
            try:
                out.append(Layer.from_dict(ld))
            except SpecError as e:
                kind = ld.get("kind") if isinstance(ld, dict) else None
                where = f"layer {i} ({kind})" if isinstance(kind, str) and kind in KINDS else f"layer {i}"
                raise SpecError(f"{where}: {e}", layer=i, field=e.field) from None
            except TypeError as e:  # non-string keys and the like
                raise SpecError(f"layer {i}: {e}", layer=i) from None
        return cls(tuple(out))

    def with_dropout(self, rate: float) -> NetworkSpec:
        """Every dropout layer's rate set to `rate` (the training field "dropout" overriding a spec)."""
        return NetworkSpec(tuple(replace(ly, rate=float(rate)) if ly.kind == "dropout" else ly for ly in self.layers))


def spec_to_json(spec: NetworkSpec) -> str:
    """One layer a line: easy to read and edit by hand."""
    lines = ",\n".join("    " + json.dumps(d) for d in spec.to_list())
    return "{\n  \"layers\": [\n" + lines + "\n  ]\n}\n"


def spec_from_json(text: str) -> NetworkSpec:
    if len(text) > MAX_SPEC_BYTES:
        raise SpecError(f"too large ({len(text):,} characters; an architecture is at most {MAX_SPEC_BYTES:,})")
    try:
        d = json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError(f"not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None
    except RecursionError:
        raise SpecError("not valid JSON here (nested too deeply)") from None
    except ValueError:   # a number of more than 4,300 digits
        raise SpecError("not valid JSON here (a number too long to read)") from None
    return NetworkSpec.from_dict(d)


def load_spec_file(path) -> NetworkSpec:
    """Read an architecture file; every problem is one SpecError line that starts with the path."""
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(f"{path}: too large ({path.stat().st_size:,} bytes; an architecture is at most "
                            f"{MAX_SPEC_BYTES:,})")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{path}: no such architecture file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"{path}: cannot read it ({getattr(e, 'strerror', None) or e})") from None
    try:
        return spec_from_json(text)
    except SpecError as e:
        raise SpecError(f"{path}: {e}", layer=e.layer, field=e.field) from None


def save_spec_file(path, spec: NetworkSpec) -> None:
    Path(path).write_text(spec_to_json(spec), encoding="utf-8")


def module_names(layers) -> list[str]:
    """The name each layer gets in the built nn.Sequential (see the module docstring)."""
    prefix = {"maxpool": "pool", "avgpool": "pool", "batchnorm": "bn"}
    kinds = [prefix.get(ly.kind, ly.kind) for ly in layers]
    dense = [i for i, ly in enumerate(layers) if ly.kind == "dense"]
    counts: dict[str, int] = {}
    names = []
    for i, k in enumerate(kinds):
        if dense and i == dense[-1]:
            names.append("logits")
            continue
        counts[k] = counts.get(k, 0) + 1
        total = kinds.count(k) - (k == "dense" and bool(dense))
        plain = k in ("flatten", "dropout", "dense") and total == 1
        names.append(k if plain else f"{k}{counts[k]}")
    return names


# ----------------------------------------------------------------------------------------- analysis

@dataclass(frozen=True)
class Problem:
    level: str          # "error" (cannot train) or "warning"
    layer: int          # 1-based
    kind: str
    field: str | None   # the field at fault, None when it is the layer's place in the network
    message: Message | str  # without the "layer N (kind): " prefix; a coded Message the window translates

    @property
    def text(self) -> str:
        """The problem in English words."""
        return str(self.message)

    @property
    def is_error(self) -> bool:
        return self.level == "error"

    @property
    def located(self) -> Message:
        """The problem with its layer: "layer N (kind): …"."""
        return msg("layer-problem", layer=self.layer, kind=self.kind, problem=self.message)

    def __str__(self) -> str:
        return str(self.located)


@dataclass(frozen=True)
class LayerRow:
    index: int                        # 1-based
    name: str                         # the module's name in the built nn.Sequential
    layer: Layer
    input_shape: tuple | None         # H, W, C for a volume, (N,) when flat; None after an error upstream
    output_shape: tuple | None        # None when it cannot be worked out
    arithmetic: str = ""              # "(28 − 5 + 2·2) / 1 + 1 = 28"; ⌊…⌋ when the stride does not divide
    floors_to: int | None = None      # the floored size when the stride does not divide, else None
    kernel: int | None = None         # conv kernel or pool size
    stride: int | None = None
    padding: int | tuple | None = None  # resolved: an int, or (before, after) for uneven 'same'
    params: int = 0
    macs: int = 0                     # multiply-adds per image (conv and dense; the rest counted as 0)
    problems: tuple[Problem, ...] = ()

    @property
    def kind(self) -> str:
        return self.layer.kind

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def input_text(self) -> str:
        return volume_text(self.input_shape)

    @property
    def output_text(self) -> str:
        return volume_text(self.output_shape)

    def to_dict(self) -> dict:
        return {"index": self.index, "name": self.name, "kind": self.kind, "layer": self.layer.to_dict(),
                "input_shape": self.input_shape, "output_shape": self.output_shape,
                "arithmetic": self.arithmetic, "floors_to": self.floors_to, "kernel": self.kernel,
                "stride": self.stride, "padding": self.padding, "params": self.params, "macs": self.macs,
                "problems": [{"level": p.level, "field": p.field, "message": str(p)} for p in self.problems]}


@dataclass(frozen=True)
class Totals:
    params: int
    weight_bytes: int   # fp32
    macs: int           # multiply-adds per image


def volume_text(shape) -> str:
    return "?" if shape is None else "×".join(str(s) for s in shape)


def totals(rows: list[LayerRow]) -> Totals:
    params = sum(r.params for r in rows)
    return Totals(params=params, weight_bytes=BYTES_PER_PARAM * params, macs=sum(r.macs for r in rows))


def problems(rows: list[LayerRow], level: str | None = None) -> list[Problem]:
    return [p for r in rows for p in r.problems if level is None or p.level == level]


def analyse(spec, input_shape=(1, 28, 28)) -> list[LayerRow]:
    """One row per layer, in order: volumes, arithmetic, parameters, multiply-adds, problems. No torch."""
    layers = spec.layers if isinstance(spec, NetworkSpec) else tuple(spec)
    c, h, w = input_shape
    shape: tuple | None = (h, w, c)
    rows: list[LayerRow] = []
    for i, (layer, name) in enumerate(zip(layers, module_names(layers)), 1):
        found: list[Problem] = []
        row = _analyse_layer(layer, shape, lambda level, field, text: found.append(  # noqa: B023 (called here)
            Problem(level, i, layer.kind, field, text)))  # noqa: B023
        row = replace(row, index=i, name=name, input_shape=shape, problems=tuple(found))
        rows.append(row)
        shape = row.output_shape
    if rows and shape is not None and shape != (OUTPUTS,):
        last = rows[-1]
        rows[-1] = replace(last, problems=last.problems + (Problem(
            "error", last.index, last.kind, None,
            msg("wrong-outputs", outputs=volume_text(shape), classes=OUTPUTS)),))
    if rows:
        _check_memory(rows)
    return rows


def _check_memory(rows: list[LayerRow]) -> None:
    """In place: an error on the layer that asks most when training the network needs more memory than the
    machine lets a run use (core/limits.py), for its weights or for one image's outputs."""
    t, usable = totals(rows), limits.usable_bytes()
    weights = TRAINING_COPIES * t.weight_bytes
    one_image = training_bytes(rows, 1) - weights
    if weights > usable:
        i = max(range(len(rows)), key=lambda i: rows[i].params)
        text = (f"the network's {t.params:,} weights take {limits.size_text(t.weight_bytes)}; training needs "
                f"{TRAINING_COPIES} times that, {limits.size_text(weights)}, and {limits.limit_text()}")
    elif weights + one_image > usable:
        i = max(range(len(rows)), key=lambda i: math.prod(rows[i].output_shape or ()))
        text = (f"one image's outputs through the network take {limits.size_text(one_image)}, and "
                f"{limits.limit_text()}")
    else:
        return
    rows[i] = replace(rows[i], problems=rows[i].problems + (Problem("error", rows[i].index, rows[i].kind, None,
                                                                    text),))


def training_bytes(rows: list[LayerRow], batch: int) -> int:
    """About how much memory training this network takes at this batch size: TRAINING_COPIES of the weights,
    and per image its input and every layer's output, kept for the backward pass (measured: within 25%
    above what PyTorch uses on the CPU for the presets)."""
    per_image = config.IMAGE_PIXELS + sum(math.prod(r.output_shape or ()) for r in rows)
    return TRAINING_COPIES * totals(rows).weight_bytes + batch * BYTES_PER_PARAM * per_image


def _analyse_layer(layer: Layer, shape, say) -> LayerRow:
    row = LayerRow(index=0, name="", layer=layer, input_shape=shape, output_shape=None)
    k = layer.kind
    bad: list[Message] = []

    def err(field, text):
        bad.append(text)
        say("error", field, text)

    def at_least(name, low=1):
        v = getattr(layer, name)
        if v < low:
            err(name, msg("at-least", what=name, low=low, got=_number(v)))
        elif v > MAX_SIZE.get(name, v):
            err(name, msg("too-large", what=name, got=_number(v), high=MAX_SIZE[name]))

    # values that make no sense wherever the layer stands
    if k == "conv":
        for f in ("filters", "kernel", "stride"):
            at_least(f)
        if _whole(layer.padding) and layer.padding < 0:
            err("padding", msg("padding-negative", got=_number(layer.padding)))
        elif _whole(layer.padding) and layer.padding > MAX_SIZE["padding"]:
            err("padding", msg("padding-too-large", got=_number(layer.padding), high=MAX_SIZE["padding"]))
    elif k in POOLS:
        at_least("size")
        at_least("stride")
        if layer.padding < 0:
            err("padding", msg("padding-negative", got=_number(layer.padding)))
        elif layer.size >= 1 and layer.padding > layer.size // 2:
            err("padding", msg("pool-padding", padding=_number(layer.padding), size=layer.size, most=layer.size // 2))
    elif k == "dense":
        at_least("units")
    elif k == "dropout" and not 0 <= layer.rate < 1:
        say("error", "rate", msg("rate-range", rate=layer.rate))  # the volume is still known
    if shape is None or bad:
        return row
    flat = len(shape) == 1

    if k in ("conv", *POOLS):
        if flat:
            err(None, msg("needs-volume", kind=k, n=shape[0]))
            return row
        f, s = (layer.kernel, layer.stride) if k == "conv" else (layer.size, layer.stride)
        fname = "kernel" if k == "conv" else "pool size"
        pad = layer.padding
        if pad == "valid":
            before = after = 0
        elif pad == "same":
            before, after = (f - 1) // 2, f - 1 - (f - 1) // 2
            if s != 1:
                err("padding", msg("same-needs-stride-1", stride=s))
            elif f % 2 == 0 and f > 0:
                say("warning", "padding", msg("same-uneven", kernel=f, before=before, after=after))
            if f > max(shape[0], shape[1]):
                say("warning", "kernel", msg("same-mostly-padding", what=fname, size=f, h=shape[0], w=shape[1]))
        else:
            before = after = pad
        if bad:
            return row
        sizes, texts, floors = [], [], None
        ptext = f"2·{before}" if before == after else f"{before} + {after}"
        for x in dict.fromkeys((shape[1], shape[0])):  # width first, as the tutorial writes it
            num = x - f + before + after
            if num < 0:
                pad_words = str(before) if before == after else f"{before}+{after}"
                err("kernel" if k == "conv" else "size",
                    msg("larger-than-input", what=fname, size=f, h=shape[0], w=shape[1], padding=pad_words))
                return row
            out = num // s + 1
            frac = f"({x} − {f} + {ptext}) / {s}"
            if num % s:
                floors = out
                texts.append(f"⌊{frac}⌋ + 1 = {out}")
                say("warning", "stride", msg("not-whole", fraction=frac, out=out))
            else:
                texts.append(f"{frac} + 1 = {out}")
            sizes.append(out)
        ow, oh = sizes[0], sizes[-1]
        cin = shape[2]
        padding = before if before == after else (before, after)
        if k == "conv":
            params = f * f * cin * layer.filters + (layer.filters if layer.bias else 0)
            return replace(row, output_shape=(oh, ow, layer.filters), arithmetic="; ".join(texts),
                           floors_to=floors, kernel=f, stride=s, padding=padding, params=params,
                           macs=oh * ow * layer.filters * f * f * cin)
        return replace(row, output_shape=(oh, ow, cin), arithmetic="; ".join(texts), floors_to=floors,
                       kernel=f, stride=s, padding=padding)

    if k == "flatten":
        if flat:
            say("warning", None, msg("flatten-does-nothing"))
        return replace(row, output_shape=(math.prod(shape),))
    if k == "dense":
        if not flat:
            err(None, msg("dense-needs-flat", volume=volume_text(shape)))
            return row
        n = shape[0]
        return replace(row, output_shape=(layer.units,), params=n * layer.units + layer.units,
                       macs=n * layer.units)
    if k == "batchnorm":
        return replace(row, output_shape=shape, params=2 * shape[-1])
    return replace(row, output_shape=shape)  # activations, dropout


# ----------------------------------------------------------------------------------------- building

def build(spec, input_shape=(1, 28, 28)):
    """The named torch.nn.Sequential for a spec; SpecError naming the layer and field for its first error.

    The spec is kept on the module as `network_spec`, so the spec a module was built from can be read back.
    """
    from collections import OrderedDict

    from torch import nn

    spec = spec if isinstance(spec, NetworkSpec) else NetworkSpec(tuple(spec))
    if not spec.layers:
        raise SpecError("the architecture has no layers")
    rows = analyse(spec, input_shape)
    for p in problems(rows, "error"):
        raise SpecError(str(p), layer=p.layer, field=p.field)
    acts = {"relu": nn.ReLU, "leakyrelu": nn.LeakyReLU, "elu": nn.ELU, "gelu": nn.GELU, "tanh": nn.Tanh,
            "sigmoid": nn.Sigmoid}
    mods = OrderedDict()
    for r in rows:
        ly, k, shape = r.layer, r.kind, r.input_shape
        if k == "conv":
            pad = "same" if isinstance(r.padding, tuple) else r.padding
            m = nn.Conv2d(shape[2], ly.filters, kernel_size=ly.kernel, stride=ly.stride, padding=pad, bias=ly.bias)
        elif k == "maxpool":
            m = nn.MaxPool2d(kernel_size=ly.size, stride=ly.stride, padding=ly.padding)
        elif k == "avgpool":
            m = nn.AvgPool2d(kernel_size=ly.size, stride=ly.stride, padding=ly.padding)
        elif k == "batchnorm":
            m = nn.BatchNorm2d(shape[2]) if len(shape) == 3 else nn.BatchNorm1d(shape[0])
        elif k == "dropout":
            m = nn.Dropout(ly.rate)
        elif k == "flatten":
            m = nn.Flatten()
        elif k == "dense":
            m = nn.Linear(shape[0], ly.units)
        else:
            m = acts[k]()
        mods[r.name] = m
    model = nn.Sequential(mods)
    model.network_spec = spec
    return model


def epoch_seconds(spec: NetworkSpec, batch: int = 64, repeats: int = 3,
                  images: int = config.MNIST_TRAIN_SIZE) -> float:
    """Seconds per epoch of 60,000 images on this machine, from a few timed forward+backward passes
    (the Model tab's estimate; imports torch)."""
    import time

    import torch
    import torch.nn.functional as F
    model = build(spec).train()
    x = torch.randn(batch, 1, config.IMAGE_SIZE, config.IMAGE_SIZE)
    y = torch.randint(0, 10, (batch,))
    F.cross_entropy(model(x), y).backward()          # warm-up: allocations, kernels chosen
    t0 = time.perf_counter()
    for _ in range(repeats):
        model.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
    return (time.perf_counter() - t0) / repeats * images / batch
