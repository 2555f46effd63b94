"""Networks as data: a spec is an ordered list of layers, each a kind and its parameters.

`analyse` works out every layer's input and output volume, (W − F + 2P)/S + 1 written out, its
parameters and multiply-adds, and the problems in words, without torch. `build` turns a spec with
no errors into a named `torch.nn.Sequential`.

The kinds (conv, maxpool, avgpool, the activations, batchnorm, dropout, flatten, dense), their fields and
rules are classes in core/layer_kinds.py, registered in its `KINDS`; `kinds_text()` lists them with their
fields (defaults in brackets; a field without one is required).

Module names: each kind is numbered under its prefix (conv1, conv2, pool1 for max and avg, bn1, relu3);
a kind that is `plain_when_alone` (flatten, dropout, dense) is numbered only when the network has more
than one of it; the last dense layer is `logits`. These are the names the presets have always had, so
their state_dict keys do not change.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields, replace
from pathlib import Path

from mnist_gui import config
from mnist_gui.core import limits
from mnist_gui.core.layer_kinds import ACTIVATIONS as _ACTIVATION_CLASSES
from mnist_gui.core.layer_kinds import (  # noqa: F401 (MAX_SIZE, PADDING_WORDS, volume_text: for the editor)
    KINDS,
    MAX_SIZE,
    PADDING_WORDS,
    REQUIRED,
    SAME_AS_SIZE,
    Report,
    number_text,
    volume_text,
)
from mnist_gui.core.messages import Message
from mnist_gui.core.messages import say as msg

ACTIVATIONS = tuple(_ACTIVATION_CLASSES)
POOLS = tuple(k for k, kind in KINDS.items() if kind.prefix == "pool")
MAX_LAYERS = 1_000    # and an architecture file of at most MAX_SPEC_BYTES: what is read is bounded too
MAX_SPEC_BYTES = 1_000_000
OUTPUTS = 10          # one per digit
BYTES_PER_PARAM = 4   # fp32
# Training holds every weight this many times: the weights, their gradients and the optimizer's two moments.
TRAINING_COPIES = 4
# And training works with about two more while it steps: the convolutions' weights and their gradients
# reordered for oneDNN, bfloat16 autocast's copy, the optimizer's temporaries (benchmarks/training_memory.py).
WORKING_COPIES = 2
# What training keeps per image, counted with this margin (percent) for what the count leaves out: the
# allocator's rounding, the loss, the convolutions' working memory (benchmarks/training_memory.py).
PER_IMAGE_MARGIN = 15
# The batch size `summary` and the Model tab check a network's training memory at: the default recipe's.
BATCH = 64


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


_number = number_text


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
        kind = KINDS[self.kind]
        for f in fields(self)[1:]:
            v = getattr(self, f.name)
            param = kind.param(f.name)
            if param is None:
                if v is not None:
                    raise SpecError(f"{self.kind} takes no {f.name!r}" + _takes_text(self.kind), field=f.name)
                continue
            if v is None:
                v = param.default
                if v is REQUIRED:
                    raise SpecError(f"missing {f.name!r}" + _takes_text(self.kind), field=f.name)
                if v is SAME_AS_SIZE:  # a pool's stride defaults to its size
                    v = self.size
                object.__setattr__(self, f.name, v)
            want = param.wrong_type(v)
            if want:
                raise SpecError(f"{f.name} must be {want}, got {_short(v, as_json=True)}", field=f.name)
            if param.type == "rate":
                object.__setattr__(self, f.name, float(v))

    @property
    def kind_rules(self):
        """Its kind's class (core/layer_kinds.py): fields, shape rule, parameters, module."""
        return KINDS[self.kind]

    def to_dict(self) -> dict:
        return {"kind": self.kind, **{name: getattr(self, name) for name in KINDS[self.kind].fields}}

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
    names = KINDS[kind].fields
    return f" ({kind} takes {', '.join(names)})" if names else f" ({kind} takes no fields)"


def kinds_text() -> str:
    """Every kind and its fields, one a line (defaults in brackets; a field without one is required)."""
    acts = [k for k in ACTIVATIONS]
    lines = [f"{k:<10} {kind.text}" for k, kind in KINDS.items() if k not in acts]
    return "\n".join(lines + [f"{' '.join(acts)}      activations, no fields"])


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


def spec_from_json(text: str | bytes) -> NetworkSpec:
    """A network from its JSON (text, or a file's bytes); SpecError, one line, for anything else."""
    from mnist_gui.core.storage import JsonFileError, loads_json
    try:   # the one JSON reader: too large, not UTF-8 (an image given by mistake), too deep, not JSON
        d = loads_json(text, MAX_SPEC_BYTES)
    except JsonFileError as e:
        raise SpecError(str(e)) from None
    return NetworkSpec.from_dict(d)


def load_spec_file(path) -> NetworkSpec:
    """Read an architecture file; every problem is one SpecError line that starts with the path."""
    from mnist_gui.core.storage import StateFileError, os_reason, read_state_file
    path = Path(path)
    try:
        if path.is_file() and path.stat().st_size > MAX_SPEC_BYTES:
            raise SpecError(f"{path}: too large ({path.stat().st_size:,} bytes; an architecture is at most "
                            f"{MAX_SPEC_BYTES:,})")
        # a FIFO or a device (a link to /dev/zero) is refused before a byte is read
        data = read_state_file(path, MAX_SPEC_BYTES, follow_links=True)
    except StateFileError as e:
        raise SpecError(str(e)) from None
    except FileNotFoundError:
        raise SpecError(f"{path}: no such architecture file") from None
    except OSError as e:
        raise SpecError(f"{path}: cannot read it ({os_reason(e)})") from None
    try:
        return spec_from_json(data)
    except SpecError as e:
        raise SpecError(f"{path}: {e}", layer=e.layer, field=e.field) from None


def save_spec_file(path, spec: NetworkSpec) -> None:
    from mnist_gui.core.storage import write_text
    write_text(path, spec_to_json(spec))   # the one writer: never through a link


def module_names(layers) -> list[str]:
    """The name each layer gets in the built nn.Sequential (see the module docstring)."""
    kinds = [KINDS[ly.kind] for ly in layers]
    prefixes = [k.prefix for k in kinds]
    dense = [i for i, ly in enumerate(layers) if ly.kind == "dense"]
    counts: dict[str, int] = {}
    names = []
    for i, (kind, k) in enumerate(zip(kinds, prefixes)):
        if dense and i == dense[-1]:
            names.append("logits")
            continue
        counts[k] = counts.get(k, 0) + 1
        total = prefixes.count(k) - (k == "dense" and bool(dense))
        plain = kind.plain_when_alone and total == 1
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
    kept: int = 0                     # numbers per image training keeps besides the output (max pool indices)

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


def totals(rows: list[LayerRow]) -> Totals:
    params = sum(r.params for r in rows)
    return Totals(params=params, weight_bytes=BYTES_PER_PARAM * params, macs=sum(r.macs for r in rows))


def problems(rows: list[LayerRow], level: str | None = None) -> list[Problem]:
    return [p for r in rows for p in r.problems if level is None or p.level == level]


def analyse(spec, input_shape=(1, 28, 28), batch: int | None = None) -> list[LayerRow]:
    """One row per layer, in order: volumes, arithmetic, parameters, multiply-adds, problems. No torch.

    The memory check counts the weights and one image, and with `batch` (`summary` and the Model tab give
    BATCH) training at that many images a step; a run's own batch size is checked when it starts
    (core/recipes.py)."""
    layers = spec.layers if isinstance(spec, NetworkSpec) else tuple(spec)
    c, h, w = input_shape
    shape: tuple | None = (h, w, c)
    rows: list[LayerRow] = []
    for i, (layer, name) in enumerate(zip(layers, module_names(layers)), 1):
        found: list[Problem] = []
        worked_out = _analyse_layer(layer, shape, lambda level, field, text: found.append(  # noqa: B023 (called here)
            Problem(level, i, layer.kind, field, text)))  # noqa: B023
        row = LayerRow(index=i, name=name, layer=layer, input_shape=shape, problems=tuple(found),
                       **{"output_shape": None, **worked_out})
        rows.append(row)
        shape = row.output_shape
    if rows and shape is not None and shape != (OUTPUTS,):
        last = rows[-1]
        rows[-1] = replace(last, problems=last.problems + (Problem(
            "error", last.index, last.kind, None,
            msg("wrong-outputs", outputs=volume_text(shape), classes=OUTPUTS)),))
    if rows:
        _check_memory(rows, batch)
    return rows


def _analyse_layer(layer: Layer, shape, say) -> dict:
    """The row's fields that its kind works out (core/layer_kinds.py), its problems through `say`."""
    kind = KINDS[layer.kind]
    report = Report(say)
    for param in kind.params:   # values that make no sense wherever the layer stands
        text = param.out_of_range(getattr(layer, param.name))
        if text:
            report.error(param.name, text)
    kind.check(layer, report)
    if shape is None or report.stopped:
        return {}
    out = kind.output(layer, shape, report)
    if out.get("output_shape") is not None:
        params, macs = kind.count(layer, shape, out["output_shape"])
        out.update(params=params, macs=macs, kept=kind.kept(layer, shape, out["output_shape"]))
    return out


def _check_memory(rows: list[LayerRow], batch: int | None) -> None:
    """In place: an error on the layer that asks most when training the network needs more memory than the
    machine lets a run use (core/limits.py): for its weights, for one image, or at `batch` images a step."""
    t, usable = totals(rows), limits.usable_bytes()
    weights, fixed = TRAINING_COPIES * t.weight_bytes, training_bytes(rows, 0)
    one_image = training_bytes(rows, 1) - fixed
    if weights > usable:
        i = max(range(len(rows)), key=lambda i: rows[i].params)
        text = (f"the network's {t.params:,} weights take {limits.size_text(t.weight_bytes)}; training needs "
                f"{TRAINING_COPIES} times that, {limits.size_text(weights)}, and {limits.limit_text()}")
    elif fixed + one_image > usable:
        i = max(range(len(rows)), key=lambda i: math.prod(rows[i].output_shape or ()))
        text = (f"one image's outputs through the network take {limits.size_text(one_image)}, and "
                f"{limits.limit_text()}")
    elif batch and fixed + batch * one_image > usable:
        i = max(range(len(rows)), key=lambda i: math.prod(rows[i].output_shape or ()))
        text = (f"training it at batch {batch} takes about {limits.size_text(fixed + batch * one_image)}, and "
                f"{limits.limit_text()}: a batch size of at most {(usable - fixed) // one_image:,} fits")
    else:
        return
    rows[i] = replace(rows[i], problems=rows[i].problems + (Problem("error", rows[i].index, rows[i].kind, None,
                                                                    text),))


def training_bytes(rows: list[LayerRow], batch: int) -> int:
    """About how much memory training this network takes at this batch size (benchmarks/training_memory.py
    measures it against PyTorch on the CPU): TRAINING_COPIES + WORKING_COPIES of the weights, and per image
    its input, every
    layer's output and what its kind keeps besides (a max pool's indices), kept for the backward pass, and
    two gradients of the largest output's size, alive together while the backward pass goes through it, with
    PER_IMAGE_MARGIN. Linear in `batch`, so the largest batch that fits is a division."""
    outputs = [math.prod(r.output_shape or ()) for r in rows]
    per_image = config.IMAGE_PIXELS + sum(outputs) + sum(r.kept for r in rows) + 2 * max(outputs, default=0)
    per_image += per_image * PER_IMAGE_MARGIN // 100
    copies = TRAINING_COPIES + WORKING_COPIES
    return copies * totals(rows).weight_bytes + batch * BYTES_PER_PARAM * per_image


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
    mods = OrderedDict((r.name, KINDS[r.kind].module(r.layer, r)) for r in rows)
    model = nn.Sequential(mods)
    model.network_spec = spec
    return model


@dataclass(frozen=True)
class EpochTime:
    """Seconds per epoch from timed training steps: the median and the fastest and slowest timing (the
    machine may be busy with other work). `too_slow`: a full step was not timed; `seconds` is then the
    rough figure from a step of a few images, and `step_seconds` what a full step would take at that rate."""
    seconds: float | None = None
    low: float | None = None
    high: float | None = None
    timings: int = 0
    too_slow: bool = False
    step_seconds: float | None = None


TIMING_BUDGET_S = 10.0   # epoch_time times steps for about this long at most


def epoch_time(spec: NetworkSpec, batch: int = BATCH, timings: int = 5, budget_s: float = TIMING_BUDGET_S,
               should_stop=lambda: False, images: int = config.MNIST_TRAIN_SIZE) -> EpochTime:
    """Seconds per epoch of `images` on this machine, from up to `timings` timed forward+backward passes at
    `batch` images (the Model tab's estimate; imports torch). Bounded: steps of a few images are timed first,
    and a network whose full step would take more than `budget_s` is not timed further (`too_slow`); the
    timed steps stop once `budget_s` is spent (at least one is timed) or `should_stop()` (no figure then).
    """
    import statistics
    import time

    import torch
    import torch.nn.functional as F
    model = build(spec).train()

    def step(n: int) -> float:
        x = torch.randn(n, 1, config.IMAGE_SIZE, config.IMAGE_SIZE)
        y = torch.randint(0, OUTPUTS, (n,))
        t0 = time.perf_counter()
        model.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        return time.perf_counter() - t0

    # Warm up at growing batches (2, 8, 32, …): the first steps choose kernels and allocate; a network whose
    # next step, at the rate of the last, would pass the budget is not timed at the batch size.
    step(2)
    n, took = 2, step(2)
    while n < batch:
        if should_stop():
            return EpochTime()
        nxt = min(batch, n * 4)
        if took * nxt / n > budget_s:
            rate = took / n
            return EpochTime(seconds=rate * images, too_slow=True, step_seconds=rate * batch)
        n, took = nxt, step(nxt)
    times: list[float] = []
    spent = 0.0
    while len(times) < timings and not should_stop():
        times.append(step(batch))
        spent += times[-1]
        if spent + times[-1] > budget_s:
            break
    if not times:
        return EpochTime()
    per_epoch = [t * images / batch for t in times]
    return EpochTime(statistics.median(per_epoch), min(per_epoch), max(per_epoch), len(times))
