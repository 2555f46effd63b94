"""The architecture presets: the one place they are defined, as specs (core/spec.py). Imports no torch.

`tf-tutorial` is exactly the network of TensorFlow's "A Guide to TF Layers: Building a
Convolutional Neural Network" (cnn_mnist.py). The other presets train faster.

A new preset is a function returning its spec and a row in `PRESETS`: `ModelConfig` builds it, the
training field "preset" (the Train tab, `--preset`) and the Model tab's "Start from" list it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from mnist_gui.core.spec import Layer, NetworkSpec

CUSTOM = "custom"   # the preset name of a network given as a spec, not one of PRESETS


def tf_tutorial_spec(dropout: float = 0.4) -> NetworkSpec:
    return NetworkSpec((
        Layer("conv", filters=32, kernel=5, padding="same"),
        Layer("relu"),
        Layer("maxpool", size=2),
        Layer("conv", filters=64, kernel=5, padding="same"),
        Layer("relu"),
        Layer("maxpool", size=2),
        Layer("flatten"),
        Layer("dense", units=1024),
        Layer("relu"),
        Layer("dropout", rate=dropout),
        Layer("dense", units=10),
    ))


def fast_bn_spec(dropout: float = 0.4) -> NetworkSpec:
    """A small batch-norm net: near tf-tutorial's accuracy after one epoch, in much less time (figures: benchmarks/README.md)."""
    def block(filters, kernel):
        return (Layer("conv", filters=filters, kernel=kernel, padding="same", bias=False), Layer("batchnorm"),
                Layer("relu"), Layer("maxpool", size=2))
    return NetworkSpec((*block(24, 5), *block(48, 3), *block(64, 3), Layer("flatten"),
                        Layer("dropout", rate=dropout * 0.25), Layer("dense", units=10)))


@dataclass(frozen=True)
class Preset:
    name: str                                                   # the stable id: "tf-tutorial"
    description: str
    spec: Callable[[float], NetworkSpec] = field(repr=False)   # dropout -> the network


PRESETS: dict[str, Preset] = {p.name: p for p in (
    Preset("tf-tutorial", "TF Layers tutorial CNN: conv5x5/32, pool, conv5x5/64, pool, dense 1024, dropout, dense 10",
           tf_tutorial_spec),
    Preset("fast-bn", "small batch-norm CNN: conv5x5/24, conv3x3/48, conv3x3/64 with pooling, dense 10",
           fast_bn_spec),
)}


@dataclass
class ModelConfig:
    """What to build: a preset by name, or a spec (the layer list as plain dicts, see core/spec.py).

    `dropout` for a preset is what it has always been (tf-tutorial's dropout rate; fast-bn uses a quarter
    of it) and defaults to 0.4. For a spec, None (the default) keeps the spec's own rates and a number sets
    every dropout layer's rate to it. A spec makes the preset "custom".
    """

    preset: str = "tf-tutorial"
    dropout: float | None = None
    spec: list[dict] | None = None

    def __post_init__(self):
        if self.spec is not None:
            net = self.spec if isinstance(self.spec, NetworkSpec) else NetworkSpec.from_dict(self.spec)
            self.spec = net.to_list()
            self.preset = CUSTOM
        elif self.dropout is None:
            self.dropout = 0.4

    @property
    def name(self) -> str:
        return self.preset

    def network(self) -> NetworkSpec:
        """The spec this config builds, with the dropout rule above applied."""
        if self.spec is not None:
            net = NetworkSpec.from_dict(self.spec)
            return net if self.dropout is None else net.with_dropout(self.dropout)
        if self.preset not in PRESETS:
            raise ValueError(f"unknown model preset {self.preset!r}; choose from {', '.join(PRESETS)}")
        return PRESETS[self.preset].spec(0.4 if self.dropout is None else self.dropout)   # (set for a preset)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        if isinstance(d, dict) and d.get("spec") is not None:
            dropout = d.get("dropout")
            return cls(dropout=None if dropout is None else float(dropout), spec=d["spec"])
        if not isinstance(d, dict) or d.get("preset") not in PRESETS:
            raise ValueError(f"unknown model preset {d.get('preset') if isinstance(d, dict) else d!r}")
        return cls(preset=str(d["preset"]), dropout=float(d.get("dropout", 0.4)))
