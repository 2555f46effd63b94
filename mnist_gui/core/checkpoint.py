"""Checkpoints: one file with the state_dict, its config, hyperparameters, metrics, history.

Written atomically (temp file, fsync, rename). Loaded with weights_only=True. Every problem
is one CheckpointError with a clear message; nothing half-loaded ever escapes.
"""

from __future__ import annotations

import datetime as _dt
import pickle
import platform
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from mnist_gui.core.models import ModelConfig, build_model
from mnist_gui.core.storage import atomic_write_bytes, check_history, is_number  # noqa: F401 (re-exported)

FORMAT = "mnist-gui-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(Exception):
    pass


@dataclass
class Checkpoint:
    model: nn.Module
    model_config: ModelConfig
    train_config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    path: Path | None = None

    @property
    def name(self) -> str:
        return self.meta.get("name") or (self.path.stem if self.path else self.model_config.preset)

    @property
    def test_accuracy(self) -> float | None:
        v = self.metrics.get("test_accuracy")
        return float(v) if isinstance(v, (int, float)) else None


def _plain(obj):
    """Keep only types that torch.load(weights_only=True) accepts."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, torch.Tensor):
        return obj.tolist()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    return str(obj)


def save_checkpoint(path, model: nn.Module, model_config: ModelConfig, train_config: dict | None = None,
                    metrics: dict | None = None, history: dict | None = None, name: str | None = None) -> Path:
    import torchvision

    from mnist_gui import __version__
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "state_dict": state,
        "model_config": model_config.to_dict(),
        "train_config": _plain(train_config or {}),
        "metrics": _plain({k: v for k, v in (metrics or {}).items() if k not in ("predictions", "confidence")}),
        "history": _plain(history or {}),
        "meta": {
            "name": name or "",
            "date": _dt.datetime.now().isoformat(timespec="seconds"),
            "versions": {"mnist_gui": __version__, "torch": str(torch.__version__),
                         "torchvision": str(torchvision.__version__), "python": platform.python_version()},
        },
    }
    path = Path(path)
    try:
        atomic_write_bytes(path, lambda f: torch.save(payload, f))
    except OSError as e:
        raise CheckpointError(f"cannot save model to {path}: {e.strerror or e}") from None
    return path


def _shape(t: torch.Tensor) -> str:
    return "×".join(str(n) for n in t.shape) if t.dim() else "a single number"


def _names(keys) -> str:
    keys = sorted(keys)
    return ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")


def _check_payload(payload) -> str | None:
    """What is wrong with a loaded payload's fields (None when every field has the right type)."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        return "not an mnist-gui checkpoint"
    version = payload.get("format_version", 0)
    if not isinstance(version, int) or isinstance(version, bool):
        return f"not an mnist-gui checkpoint (format_version is {str(version)[:40]!r}, not a whole number)"
    if version > FORMAT_VERSION:
        return f"made by a newer mnist-gui (format {version}); update mnist-gui to open it"
    mc = payload.get("model_config")
    if not isinstance(mc, dict) or not isinstance(mc.get("preset"), str):
        return "model_config is missing or not a table with a preset name"
    if mc.get("dropout") is not None and not (is_number(mc["dropout"]) and 0 <= mc["dropout"] < 1):
        return f"model_config dropout is {str(mc['dropout'])[:40]!r}, not a number in [0, 1)"
    sd = payload.get("state_dict")
    if not isinstance(sd, dict):
        return "state_dict is missing or not a table of weights"
    for k, v in sd.items():
        if not isinstance(k, str) or not isinstance(v, torch.Tensor):
            return f"state_dict entry {str(k)[:60]!r} is not a tensor"
        if v.layout != torch.strided or v.is_quantized or v.is_complex():
            return f"layer {k} is not a plain dense tensor"
    for name in ("train_config", "metrics", "history", "meta"):
        if name in payload and not isinstance(payload[name], dict):
            return f"field {name!r} is {type(payload[name]).__name__}, not a table"
    problem = check_history(payload.get("history", {}))
    if problem:
        return problem
    meta = payload.get("meta", {})
    for key in ("name", "date"):
        if key in meta and not isinstance(meta[key], str):
            return f"meta {key!r} is {type(meta[key]).__name__}, not text"
    if "versions" in meta and not isinstance(meta["versions"], dict):
        return "meta 'versions' is not a table"
    acc = payload.get("metrics", {}).get("test_accuracy")
    if acc is not None and not (is_number(acc) and 0 <= acc <= 1):
        return f"metrics test_accuracy is {str(acc)[:40]!r}, not a number in [0, 1]"
    return None


def _check_weights(state: dict, expected: dict) -> str | None:
    """Every tensor must be the layer the network needs: same names, shapes, and a fitting dtype."""
    missing, extra = expected.keys() - state.keys(), state.keys() - expected.keys()
    if missing:
        return f"weights do not match the network: missing {_names(missing)}"
    if extra:
        return f"weights do not match the network: unexpected {_names(extra)}"
    for k, want in expected.items():
        got = state[k]
        if got.shape != want.shape:
            return f"layer {k} has shape {_shape(got)} but the network needs {_shape(want)}"
        if want.is_floating_point() and not got.is_floating_point():
            return f"layer {k} holds {str(got.dtype).replace('torch.', '')} values, not floating point"
        if not want.is_floating_point() and (got.is_floating_point() or got.dtype == torch.bool):
            return f"layer {k} holds {str(got.dtype).replace('torch.', '')} values, not whole numbers"
        if got.is_floating_point() and not torch.isfinite(got).all():
            return f"layer {k} holds non-finite weights (NaN or infinity)"
    return None


def _is_refused_object(message: str) -> bool:
    """torch's weights-only unpickler refused a global, class or call (rather than finding noise)."""
    detail = message.split("WeightsUnpickler error:", 1)[-1].lower()
    return "weights only load failed" in message.lower() and any(
        w in detail for w in ("global", "reduce", "build", "class", "object", "function"))


def load_checkpoint(path) -> Checkpoint:
    """Load and fully check a checkpoint; every problem is one CheckpointError naming the file.

    Tensors are mapped to the CPU. Nothing is returned until every field's type and every tensor's
    name, shape and dtype have been checked against the network the checkpoint claims to be.
    """
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder, not a model file")
    if not path.is_file():
        raise CheckpointError(f"{path}: no such model file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if _is_refused_object(str(e)):
            raise CheckpointError(f"{path}: contains code or objects that are not plain data, refused") from None
        raise CheckpointError(f"{path}: not a readable model file (random bytes, corrupt or truncated)") from None
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read it ({e.strerror or e})") from None
    except Exception:  # zip, pickle and storage errors all mean the same to a user
        raise CheckpointError(f"{path}: not a readable model file (random bytes, corrupt or truncated)") from None
    problem = _check_payload(payload)
    if problem:
        raise CheckpointError(f"{path}: {problem}")
    try:
        mcfg = ModelConfig.from_dict(payload["model_config"])
        model = build_model(mcfg)
    except ValueError as e:
        raise CheckpointError(f"{path}: {str(e).strip().splitlines()[0][:200]}") from None
    problem = _check_weights(payload["state_dict"], model.state_dict())
    if problem:
        raise CheckpointError(f"{path}: {problem}")
    try:
        model.load_state_dict(payload["state_dict"], strict=True)
    except (RuntimeError, ValueError, TypeError) as e:
        first = str(e).strip().splitlines()[0][:200]
        raise CheckpointError(f"{path}: weights do not match the network ({first})") from None
    model.eval()
    return Checkpoint(model=model, model_config=mcfg, train_config=payload.get("train_config", {}),
                      metrics=payload.get("metrics", {}), history=payload.get("history", {}),
                      meta=payload.get("meta", {}), path=path)
