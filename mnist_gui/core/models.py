"""Architecture presets built from a small config dataclass, and a layer summary.

`tf-tutorial` is exactly the network of TensorFlow's "A Guide to TF Layers: Building a
Convolutional Neural Network" (cnn_mnist.py). The other presets train faster.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from typing import Callable

import torch
from torch import nn


@dataclass
class ModelConfig:
    preset: str = "tf-tutorial"
    dropout: float = 0.4

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        if not isinstance(d, dict) or d.get("preset") not in PRESETS:
            raise ValueError(f"unknown model preset {d.get('preset') if isinstance(d, dict) else d!r}")
        return cls(preset=str(d["preset"]), dropout=float(d.get("dropout", 0.4)))


def _tf_tutorial(cfg: ModelConfig) -> nn.Sequential:
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 32, kernel_size=5, stride=1, padding=2)),   # 'same'
        ("relu1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(kernel_size=2, stride=2)),
        ("conv2", nn.Conv2d(32, 64, kernel_size=5, stride=1, padding=2)),
        ("relu2", nn.ReLU()),
        ("pool2", nn.MaxPool2d(kernel_size=2, stride=2)),
        ("flatten", nn.Flatten()),
        ("dense", nn.Linear(7 * 7 * 64, 1024)),
        ("relu3", nn.ReLU()),
        ("dropout", nn.Dropout(cfg.dropout)),
        ("logits", nn.Linear(1024, 10)),
    ]))


def _fast_bn(cfg: ModelConfig) -> nn.Sequential:
    """A small batch-norm net: about 99% after one epoch, several times faster than tf-tutorial."""
    return nn.Sequential(OrderedDict([
        ("conv1", nn.Conv2d(1, 24, kernel_size=5, stride=1, padding=2, bias=False)),
        ("bn1", nn.BatchNorm2d(24)),
        ("relu1", nn.ReLU()),
        ("pool1", nn.MaxPool2d(kernel_size=2, stride=2)),
        ("conv2", nn.Conv2d(24, 48, kernel_size=3, stride=1, padding=1, bias=False)),
        ("bn2", nn.BatchNorm2d(48)),
        ("relu2", nn.ReLU()),
        ("pool2", nn.MaxPool2d(kernel_size=2, stride=2)),
        ("conv3", nn.Conv2d(48, 64, kernel_size=3, stride=1, padding=1, bias=False)),
        ("bn3", nn.BatchNorm2d(64)),
        ("relu3", nn.ReLU()),
        ("pool3", nn.MaxPool2d(kernel_size=2, stride=2)),
        ("flatten", nn.Flatten()),
        ("dropout", nn.Dropout(cfg.dropout * 0.25)),
        ("logits", nn.Linear(64 * 3 * 3, 10)),
    ]))


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    build: Callable[[ModelConfig], nn.Sequential] = field(repr=False)


PRESETS: dict[str, Preset] = {
    "tf-tutorial": Preset("tf-tutorial", "TF Layers tutorial CNN: conv5x5/32, pool, conv5x5/64, pool, dense 1024, dropout, dense 10", _tf_tutorial),
    "fast-bn": Preset("fast-bn", "small batch-norm CNN: conv5x5/24, conv3x3/48, conv3x3/64 with pooling, dense 10", _fast_bn),
}


def build_model(cfg: ModelConfig | None = None) -> nn.Sequential:
    cfg = cfg or ModelConfig()
    if cfg.preset not in PRESETS:
        raise ValueError(f"unknown model preset {cfg.preset!r}; choose from {', '.join(PRESETS)}")
    if not 0.0 <= cfg.dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {cfg.dropout}")
    return PRESETS[cfg.preset].build(cfg)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@dataclass
class LayerInfo:
    name: str
    kind: str
    input_shape: tuple
    output_shape: tuple
    kernel: int | None = None
    stride: int | None = None
    padding: int | None = None
    params: int = 0
    arithmetic: str = ""

    def shape_text(self, shape: tuple) -> str:
        return "×".join(str(s) for s in shape)


def _single(v) -> int:
    return int(v[0] if isinstance(v, (tuple, list)) else v)


def layer_summary(model: nn.Module, input_shape=(1, 28, 28)) -> list[LayerInfo]:
    """Per leaf layer: shapes from a real forward pass (hooks), parameters, (W−F+2P)/S+1 worked out.

    Shapes are written as the tutorial does, height×width×channels, without the batch dimension.
    """
    infos: list[LayerInfo] = []
    hooks = []

    def hwc(t: torch.Tensor) -> tuple:
        s = tuple(t.shape[1:])
        return (s[1], s[2], s[0]) if len(s) == 3 else s

    def make_hook(name: str):
        def hook(mod, inputs, output):
            info = LayerInfo(name=name, kind=type(mod).__name__, input_shape=hwc(inputs[0]),
                             output_shape=hwc(output),
                             params=sum(p.numel() for p in mod.parameters(recurse=False)))
            if isinstance(mod, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d)):
                f, s, p = _single(mod.kernel_size), _single(mod.stride), _single(mod.padding)
                w = inputs[0].shape[-1]
                info.kernel, info.stride, info.padding = f, s, p
                out = (w - f + 2 * p) // s + 1
                exact = (w - f + 2 * p) % s == 0
                frac = f"({w} − {f} + 2·{p}) / {s}"
                info.arithmetic = f"{frac if exact else '⌊' + frac + '⌋'} + 1 = {out}"
                assert out == output.shape[-1], (name, out, output.shape)
            infos.append(info)
        return hook

    for name, mod in model.named_modules():
        if name and not list(mod.children()):
            hooks.append(mod.register_forward_hook(make_hook(name)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            p = next(model.parameters(), None)
            x = torch.zeros((1, *input_shape), device=p.device if p is not None else "cpu")
            model(x)
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return infos
