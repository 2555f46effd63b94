"""Networks built from a small config dataclass (a preset from core/presets.py, or a spec); weight averaging."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from mnist_gui.core.presets import CUSTOM, PRESETS
from mnist_gui.core.spec import NetworkSpec, build


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
        return PRESETS[self.preset].spec(self.dropout)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        if isinstance(d, dict) and d.get("spec") is not None:
            dropout = d.get("dropout")
            return cls(dropout=None if dropout is None else float(dropout), spec=d["spec"])
        if not isinstance(d, dict) or d.get("preset") not in PRESETS:
            raise ValueError(f"unknown model preset {d.get('preset') if isinstance(d, dict) else d!r}")
        return cls(preset=str(d["preset"]), dropout=float(d.get("dropout", 0.4)))


def build_model(cfg: ModelConfig | None = None) -> nn.Sequential:
    cfg = cfg or ModelConfig()
    if cfg.dropout is not None and not 0.0 <= cfg.dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {cfg.dropout}")
    return build(cfg.network())


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@torch.no_grad()
def move_towards(model: nn.Module, state: dict, share: float) -> None:
    """In place: every floating-point tensor of `model` moves `share` of the way to the same tensor of
    `state` (weights of the same network); integer buffers (batch-norm counts) stay."""
    for k, v in model.state_dict().items():
        if v.is_floating_point():
            v.lerp_(state[k].to(v.device, v.dtype), share)


def average_weights(a: nn.Module, b: nn.Module, weight_b: float) -> nn.Module:
    """A copy of `b` with every floating-point tensor (1 - weight_b) * a + weight_b * b: the same network
    fine-tuned (b) and not (a), averaged (WiSE-FT). Integer buffers (batch-norm counts) come from b."""
    import copy
    if not 0.0 <= weight_b <= 1.0:
        raise ValueError(f"the weight must be in [0, 1], got {weight_b}")
    sa, sb = a.state_dict(), b.state_dict()
    if sa.keys() != sb.keys() or any(sa[k].shape != sb[k].shape for k in sa):
        raise ValueError("the two models are not the same network")
    out = copy.deepcopy(b)
    move_towards(out, sa, 1.0 - weight_b)
    return out.eval()
