"""Layer kinds: one class each, registered in `KINDS` (no torch until a module is built, no Qt).

A kind says everything about itself: its fields (`Param`: type, default, the range `analyse` accepts and
the editor offers), the values that make no sense wherever it stands (`check`), its shape rule (`output`:
(W − F + 2P)/S + 1 for a convolution or a pool), its parameters and multiply-adds (`count`), what training
keeps of it beyond its output (`kept`), its module's name in the built network and its torch module
(`module`, torch imported there). `core/spec.py` reads the table: `Layer` checks fields against it,
`analyse` calls the rules, `build` the modules; the Model tab's editor lists the kinds and their fields.

Adding a kind: a class here, registered in `KINDS` (an activation is one `Activation` entry), and its row in
the tests (`tests/core/test_spec.py` KIND_CASES).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from mnist_gui.core.messages import Message
from mnist_gui.core.messages import say as msg

REQUIRED = object()       # a field without a default
SAME_AS_SIZE = object()   # a pool's stride: its size unless given
PADDING_WORDS = ("same", "valid")
# Upper bounds that keep a hand-written spec from asking for terabytes; the editor's spin boxes stop at the same (a
# network too large to train is refused on its row: limits.py).
MAX_SIZE = {"filters": 65_536, "units": 65_536, "kernel": 1_024, "size": 1_024, "stride": 1_024, "padding": 1_024}
EDITOR_MAX = 4_096        # what the editor's spin boxes offer for a whole-number field without a MAX_SIZE


def number_text(v: int) -> str:
    """A whole number for a message; one of more than 15 digits by its length."""
    return f"{v:,}" if abs(v) < 10**15 else f"{'-' if v < 0 else ''}({len(str(abs(v))):,} digits)"


def volume_text(shape) -> str:
    return "?" if shape is None else "×".join(str(s) for s in shape)


def _whole(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _finite(v) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return math.isfinite(float(v))
    except OverflowError:   # a whole number of 400 digits
        return False


@dataclass(frozen=True)
class Param:
    """One field of a kind. `type`: "int", "bool", "rate" (a number) or "padding" (a whole number, "same" or
    "valid"). A whole number below `low` or above `high` is an error on the layer's row (`too_big` ends the
    latter's message: its code in core/messages.py); `editor` is the range the editor's widget offers, `start`
    a new layer's value when the field has no default."""

    name: str
    type: str = "int"
    default: Any = REQUIRED
    low: int = 1
    high: int | None = None
    too_big: str = "too-large"
    editor: tuple[float, float] = (0, EDITOR_MAX)
    start: Any = None

    def wrong_type(self, v) -> str | None:
        """What the value must be, when it is not that; None when its type is right."""
        if self.type == "bool":
            return None if isinstance(v, bool) else "true or false"
        if self.type == "rate":
            return None if _finite(v) else "a number"
        if self.type == "padding":
            return None if _whole(v) or v in PADDING_WORDS else "a whole number, \"same\" or \"valid\""
        return None if _whole(v) else "a whole number"

    def out_of_range(self, v) -> Message | None:
        """The problem with a whole number outside [low, high]; None inside or for other types."""
        if self.type not in ("int", "padding") or not _whole(v):
            return None
        if v < self.low:
            return (msg("padding-negative", got=number_text(v)) if self.low == 0
                    else msg("at-least", what=self.name, low=self.low, got=number_text(v)))
        if self.high is not None and v > self.high:
            named = {"what": self.name} if self.too_big == "too-large" else {}
            return msg(self.too_big, **named, got=number_text(v), high=self.high)
        return None


def _size(name: str, **kw) -> Param:
    """A whole-number field up to MAX_SIZE[name], in a spec file and in the editor alike."""
    return Param(name, high=MAX_SIZE[name], editor=(0, MAX_SIZE[name]), **kw)


class Report:
    """What a kind's rules say of one layer: `error` (training is disabled; `stops` the volume from being
    worked out past it) and `warning`."""

    def __init__(self, say):
        self.say, self.stopped = say, False

    def error(self, field: str | None, text: Message, stops: bool = True) -> None:
        self.say("error", field, text)
        self.stopped = self.stopped or stops

    def warning(self, field: str | None, text: Message) -> None:
        self.say("warning", field, text)


class LayerKind:
    """The base of every kind: no fields, the volume unchanged, no parameters (an activation)."""

    id: str
    params: ClassVar[tuple[Param, ...]] = ()
    module_prefix: ClassVar[str | None] = None   # the name its module is numbered under; None: its id
    plain_when_alone: ClassVar[bool] = False     # named without a number when the network has one of it
    text: ClassVar[str] = ""                     # its fields in words (spec.kinds_text)

    @property
    def prefix(self) -> str:
        return self.module_prefix or self.id

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def check(self, layer, report: Report) -> None:
        """Values that make no sense wherever the layer stands (beyond each field's range)."""

    def output(self, layer, shape: tuple, report: Report) -> dict:
        """The row's output_shape (H, W, C for a volume, (N,) when flat; None when it cannot be worked out),
        and any of its other fields (arithmetic, floors_to, kernel, stride, padding) from the input `shape`."""
        return {"output_shape": shape}

    def count(self, layer, shape: tuple, out: tuple) -> tuple[int, int]:
        """Its parameters and multiply-adds per image, from its input and output volumes."""
        return 0, 0

    def kept(self, layer, shape: tuple, out: tuple) -> int:
        """Numbers (4 bytes each) per image that training keeps of this layer besides its output."""
        return 0

    def module(self, layer, row):
        """The torch module for this layer on its analysed row (`row.input_shape` is H, W, C or (N,))."""
        raise NotImplementedError


class Activation(LayerKind):
    """An element-wise activation: one entry per torch class in `KINDS`."""

    def __init__(self, id: str, torch_class: str):
        self.id, self.torch_class = id, torch_class

    def module(self, layer, row):
        from torch import nn
        return getattr(nn, self.torch_class)()


def _exact(v: Fraction) -> str:
    """(W − F + 2P)/S + 1 when it is not a size: −1, 0.5, ≈ −0.33 (a real minus sign, as the tutorial writes)."""
    text = str(v.numerator // v.denominator) if v.denominator == 1 else f"{float(v):.2f}".rstrip("0")
    sign = "≈ " if v.denominator != 1 and Fraction(text) != v else ""
    return sign + text.replace("-", "−")


class Windowed(LayerKind):
    """A filter of F×F slid with stride S over the padded input: a convolution or a pool."""

    window_field: ClassVar[str]    # the field that holds F
    window_words: ClassVar[str]    # F in messages

    def padding(self, layer, f: int, s: int, shape, report: Report) -> tuple[int, int]:
        return layer.padding, layer.padding

    def output(self, layer, shape, report):
        k = self.id
        if len(shape) == 1:
            report.error(None, msg("needs-volume", kind=k, n=shape[0]))
            return {}
        f, s = getattr(layer, self.window_field), layer.stride
        before, after = self.padding(layer, f, s, shape, report)
        if report.stopped:
            return {}
        sizes, texts, floors = [], [], None
        ptext = f"2·{before}" if before == after else f"{before} + {after}"
        for x in dict.fromkeys((shape[1], shape[0])):  # width first, as the tutorial writes it
            num = x - f + before + after
            frac = f"({x} − {f} + {ptext}) / {s}"
            if num < 0:
                pad_words = str(before) if before == after else f"{before}+{after}"
                report.error(self.window_field, msg("larger-than-input", what=self.window_words, size=f,
                                                    h=shape[0], w=shape[1], padding=pad_words))
                padded = "padded input" if before + after else "input"
                return {"arithmetic": f"{frac} + 1 = {_exact(Fraction(num, s) + 1)}: the filter is larger "
                                      f"than the {padded}"}
            out = num // s + 1
            if num % s:
                floors = out
                texts.append(f"⌊{frac}⌋ + 1 = {out}")
                report.warning("stride", msg("not-whole", fraction=frac, out=out))
            else:
                texts.append(f"{frac} + 1 = {out}")
            sizes.append(out)
        ow, oh = sizes[0], sizes[-1]
        return {"output_shape": (oh, ow, self.channels(layer, shape)), "arithmetic": "; ".join(texts),
                "floors_to": floors, "kernel": f, "stride": s,
                "padding": before if before == after else (before, after)}

    def channels(self, layer, shape) -> int:
        return shape[2]


class Conv(Windowed):
    id = "conv"
    params = (_size("filters", start=32), _size("kernel", start=3), _size("stride", default=1),
              Param("padding", "padding", default=0, low=0, high=MAX_SIZE["padding"], too_big="padding-too-large",
                    editor=(0, MAX_SIZE["padding"])),
              Param("bias", "bool", default=True))
    window_field, window_words = "kernel", "kernel"
    text = 'filters, kernel, stride [1], padding [0] (a number, "same" or "valid"), bias [true]'

    def padding(self, layer, f, s, shape, report):
        pad = layer.padding
        if pad == "valid":
            return 0, 0
        if pad != "same":
            return pad, pad
        before, after = (f - 1) // 2, f - 1 - (f - 1) // 2
        if s != 1:
            report.error("padding", msg("same-needs-stride-1", stride=s))
        elif f % 2 == 0 and f > 0:
            report.warning("padding", msg("same-uneven", kernel=f, before=before, after=after))
        if f > max(shape[0], shape[1]):
            report.warning("kernel", msg("same-mostly-padding", what="kernel", size=f, h=shape[0], w=shape[1]))
        return before, after

    def channels(self, layer, shape):
        return layer.filters

    def count(self, layer, shape, out):
        f, cin = layer.kernel, shape[2]
        params = f * f * cin * layer.filters + (layer.filters if layer.bias else 0)
        return params, out[0] * out[1] * layer.filters * f * f * cin

    def module(self, layer, row):
        from torch import nn
        pad = "same" if isinstance(row.padding, tuple) else row.padding
        return nn.Conv2d(row.input_shape[2], layer.filters, kernel_size=layer.kernel, stride=layer.stride,
                         padding=pad, bias=layer.bias)


class Pool(Windowed):
    params = (_size("size", start=2), _size("stride", default=SAME_AS_SIZE), Param("padding", default=0, low=0))
    module_prefix = "pool"
    window_field, window_words = "size", "pool size"
    text = "size, stride [= size], padding [0]"
    torch_class: ClassVar[str]

    def check(self, layer, report):
        if layer.size >= 1 and layer.padding > layer.size // 2:
            report.error("padding", msg("pool-padding", padding=number_text(layer.padding), size=layer.size,
                                        most=layer.size // 2))

    def module(self, layer, row):
        from torch import nn
        return getattr(nn, self.torch_class)(kernel_size=layer.size, stride=layer.stride, padding=layer.padding)


class MaxPool(Pool):
    id, torch_class = "maxpool", "MaxPool2d"

    def kept(self, layer, shape, out):
        return 2 * math.prod(out)    # where each maximum was, as 8-byte indices, for the backward pass


class AvgPool(Pool):
    id, torch_class = "avgpool", "AvgPool2d"


class BatchNorm(LayerKind):
    id, module_prefix = "batchnorm", "bn"
    text = "no fields: 2d after a conv/pool volume, 1d after flatten/dense"

    def count(self, layer, shape, out):
        return 2 * shape[-1], 0

    def module(self, layer, row):
        from torch import nn
        shape = row.input_shape
        return nn.BatchNorm2d(shape[2]) if len(shape) == 3 else nn.BatchNorm1d(shape[0])


class Dropout(LayerKind):
    id, plain_when_alone = "dropout", True
    params = (Param("rate", "rate", default=0.5, editor=(0.0, 1.5)),)
    text = "rate [0.5]"

    def check(self, layer, report):
        if not 0 <= layer.rate < 1:   # the volume is still known past it
            report.error("rate", msg("rate-range", rate=layer.rate), stops=False)

    def module(self, layer, row):
        from torch import nn
        return nn.Dropout(layer.rate)


class Flatten(LayerKind):
    id, plain_when_alone = "flatten", True
    text = "no fields"

    def output(self, layer, shape, report):
        if len(shape) == 1:
            report.warning(None, msg("flatten-does-nothing"))
        return {"output_shape": (math.prod(shape),)}

    def module(self, layer, row):
        from torch import nn
        return nn.Flatten()


class Dense(LayerKind):
    id, plain_when_alone = "dense", True
    params = (_size("units", start=128),)
    text = "units"

    def output(self, layer, shape, report):
        if len(shape) != 1:
            report.error(None, msg("dense-needs-flat", volume=volume_text(shape)))
            return {}
        return {"output_shape": (layer.units,)}

    def count(self, layer, shape, out):
        return shape[0] * layer.units + layer.units, shape[0] * layer.units

    def module(self, layer, row):
        from torch import nn
        return nn.Linear(row.input_shape[0], layer.units)


ACTIVATIONS = {"relu": "ReLU", "leakyrelu": "LeakyReLU", "elu": "ELU", "gelu": "GELU", "tanh": "Tanh",
               "sigmoid": "Sigmoid"}

# Every kind, in the order the editor lists them.
KINDS: dict[str, LayerKind] = {k.id: k for k in (
    Conv(), MaxPool(), AvgPool(), *(Activation(a, c) for a, c in ACTIVATIONS.items()), BatchNorm(), Dropout(),
    Flatten(), Dense(),
)}
