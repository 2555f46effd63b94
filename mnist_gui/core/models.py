"""Networks built from a ModelConfig (core/presets.py: a preset, or a spec); weight averaging. Imports torch."""

from __future__ import annotations

import torch
from torch import nn

from mnist_gui.core.presets import CUSTOM, PRESETS, ModelConfig  # noqa: F401 (ModelConfig re-exported)
from mnist_gui.core.spec import build


def build_model(cfg: ModelConfig | None = None) -> nn.Sequential:
    cfg = cfg or ModelConfig()
    if cfg.dropout is not None and not 0.0 <= cfg.dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {cfg.dropout}")
    return build(cfg.network())


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
