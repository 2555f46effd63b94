"""Checkpoints: one file with the state_dict, its config, hyperparameters, metrics, history.

Written atomically (temp file, fsync, rename). Loaded with weights_only=True. Every problem
is one CheckpointError with a clear message; nothing half-loaded ever escapes.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from mnist_gui.core.models import ModelConfig, build_model

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


def atomic_write_bytes(path: Path, write) -> None:
    """Call write(fileobj) on a temp file beside path, fsync, then rename over path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a saved model is an ordinary file
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


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


def _reason(e: Exception) -> str:
    """The informative line of a torch.load error, without its long advice."""
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    for ln in lines:
        if "Unpickler error" in ln:
            return ln.split(". Please use")[0][:200]
    return (lines[0][:200] if lines else type(e).__name__)


def load_checkpoint(path) -> Checkpoint:
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such model file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle, zip and unpickler errors all mean the same to a user
        raise CheckpointError(f"{path}: not a readable model file (corrupt, truncated or foreign: "
                              f"{_reason(e)})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not an mnist-gui model file")
    if payload.get("format_version", 0) > FORMAT_VERSION:
        raise CheckpointError(f"{path}: made by a newer mnist-gui (format {payload.get('format_version')})")
    try:
        mcfg = ModelConfig.from_dict(payload.get("model_config"))
        model = build_model(mcfg)
        model.load_state_dict(payload["state_dict"], strict=True)
    except (ValueError, KeyError, RuntimeError, TypeError) as e:
        first = str(e).strip().splitlines()[0][:200]
        raise CheckpointError(f"{path}: weights do not match the model they claim to be ({first})") from None
    model.eval()
    for v in model.state_dict().values():
        if v.is_floating_point() and not torch.isfinite(v).all():
            raise CheckpointError(f"{path}: holds non-finite weights")
    return Checkpoint(model=model, model_config=mcfg, train_config=payload.get("train_config") or {},
                      metrics=payload.get("metrics") or {}, history=payload.get("history") or {},
                      meta=payload.get("meta") or {}, path=path)
