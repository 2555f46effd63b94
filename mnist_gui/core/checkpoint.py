"""Checkpoints: one file with the state_dict, its config, hyperparameters, metrics, history, and beside
it (same name, .onnx) the network exported for the live path (core/live.py).

Written atomically (temp file, fsync, rename). Loaded with weights_only=True. Every problem
is one CheckpointError with a clear message; nothing half-loaded ever escapes.

This module imports torch only where it needs it: `open_live` opens a checkpoint for drawing and reading
from its .onnx alone (torch is loaded later, by `Checkpoint.load_model`, when training, evaluation or
fine-tuning needs the weights).
"""

from __future__ import annotations

import datetime as _dt
import io
import logging
import os
import pickle
import platform
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mnist_gui.core.presets import ModelConfig
from mnist_gui.core.storage import (  # noqa: F401
    DiskFullError,
    atomic_write_bytes,
    check_history,
    is_file,
    is_number,
    loads_json,
)

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import torch
    from torch import nn

    from mnist_gui.core.live import OnnxModel

FORMAT = "mnist-gui-checkpoint"
FORMAT_VERSION = 1


class CheckpointError(Exception):
    pass


@dataclass
class Checkpoint:
    model: nn.Module | None              # None until load_model() (a checkpoint opened by open_live)
    model_config: ModelConfig
    train_config: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    meta: dict = field(default_factory=dict)
    path: Path | None = None
    live: OnnxModel | None = None         # the network on ONNX Runtime (the live path); None: torch only

    def load_model(self) -> nn.Module:
        """The torch network: loaded from path the first time (imports torch; CheckpointError), with the
        training history the .onnx does not carry. A file that changed since it was opened (its .onnx no
        longer its export: another run saved over it) is refused rather than read as this model."""
        if self.model is None:
            if self.path is None:
                raise CheckpointError("the model has no weights to load")
            if self.live is not None and not self.live.is_export_of(self.path):
                raise CheckpointError(f"{self.path}: changed on disk since it was opened; open it again")
            loaded = load_checkpoint(self.path)
            self.model, self.history = loaded.model, self.history or loaded.history
        return self.model

    @property
    def name(self) -> str:
        return self.meta.get("name") or (self.path.stem if self.path else self.model_config.preset)

    @property
    def test_accuracy(self) -> float | None:
        v = self.metrics.get("test_accuracy")
        return float(v) if isinstance(v, (int, float)) else None


def _plain(obj):
    """Keep only types that torch.load(weights_only=True) accepts."""
    import torch
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
                    metrics: dict | None = None, history: dict | None = None, name: str | None = None,
                    onnx: bool = True) -> Path:
    """Write the checkpoint atomically, then (onnx) its network as ONNX beside it (see save_live).
    DiskFullError (an OSError: how much was needed, where) when it does not fit, CheckpointError for any
    other failure to write; either way no file is left half written."""
    import torch
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
    buf = io.BytesIO()   # in memory first: torch's writer turns a full disk into a RuntimeError
    torch.save(payload, buf)
    try:
        atomic_write_bytes(path, buf.getbuffer())
    except DiskFullError:
        raise
    except OSError as e:
        raise CheckpointError(f"cannot save model to {path}: {e.strerror or e}") from None
    if onnx:
        save_live(path, model, model_config, payload["train_config"], payload["metrics"], name or "")
    return path


def live_metadata(path: Path, train_config: dict, metrics: dict, name: str) -> dict:
    """What the .onnx beside a checkpoint says of it: enough for the window without torch."""
    from mnist_gui.core.live import file_sha256
    return {"name": name, "metrics": metrics, "train_config": train_config,
            "source_sha256": file_sha256(path), "source": path.name}


def _may_write_export(target: Path) -> bool:
    """May an export be written at target: nothing is there, or an mnist-gui export (a stale one of ours).
    A file of the user's own (another ONNX model, anything else) is theirs: never replaced or removed."""
    from mnist_gui.core.live import OnnxModel, OnnxModelError
    try:
        if not stat.S_ISREG(os.lstat(target).st_mode):
            return False   # a link, a FIFO, a folder: the writer would refuse it anyway
    except FileNotFoundError:
        return True
    except OSError:
        return False
    try:
        OnnxModel.from_path(target)
    except OnnxModelError:
        return False
    return True


def save_live(path: Path, model, model_config: ModelConfig, train_config: dict, metrics: dict, name: str):
    """Export the network beside the checkpoint at path (same name, .onnx) and return it as an OnnxModel;
    None, with the stale file removed, when this network cannot be exported (the app then reads it with
    torch) or the file cannot be written. A .onnx there that is not an mnist-gui export is left as it is
    (None: the caller exports in memory)."""
    from mnist_gui.core.live import OnnxModel, OnnxModelError, onnx_path_for
    from mnist_gui.core.onnx_export import save_onnx
    target = onnx_path_for(path)
    if not _may_write_export(target):
        log.warning("left %s as it is: not an mnist-gui export, so the model's export is not written there", target)
        return None
    try:
        save_onnx(target, model, model_config, live_metadata(Path(path), train_config, metrics, name))
        return OnnxModel.from_path(target)
    except (OnnxModelError, OSError):
        try:   # a stale export must not be taken for this one; a link or a FIFO the writer refused is left
            if stat.S_ISREG(os.lstat(target).st_mode):
                target.unlink()
        except OSError:
            pass   # none there, or a read-only folder: open_live's sha check refuses a stale one anyway
        return None


def open_live(path) -> Checkpoint | None:
    """A checkpoint opened from the .onnx beside it, without torch: the live network and what the window
    shows (name, network, train config, metrics); the weights load later (Checkpoint.load_model). None when
    there is no .onnx that was exported from exactly this file (load_checkpoint then opens it with torch)."""
    from mnist_gui.core.live import OnnxModel, OnnxModelError, onnx_path_for
    path = Path(path)
    if not is_file(path) or not is_file(onnx_path_for(path)):
        return None
    try:
        live = OnnxModel.from_path(onnx_path_for(path))
        if not live.is_export_of(path):
            return None
        train_config = loads_json(live.metadata.get("train_config", "{}"))
        mcfg = ModelConfig.from_dict(live.model_config)
    except (OnnxModelError, ValueError, OSError):
        return None
    return Checkpoint(model=None, model_config=mcfg,
                      train_config=train_config if isinstance(train_config, dict) else {},
                      metrics=live.metrics, meta={"name": live.metadata.get("name", "")}, path=path, live=live)


def with_live(ck: Checkpoint, write: bool = True) -> Checkpoint:
    """ck with its live network: exported now (an older checkpoint, opened with torch) and, when write and
    the folder allows, saved beside it so the next start needs no torch. ck.live stays None when this
    network cannot be exported."""
    if ck.live is not None or ck.model is None:
        return ck
    from mnist_gui.core.live import OnnxModel, OnnxModelError
    if write and ck.path is not None:
        ck.live = save_live(ck.path, ck.model, ck.model_config, ck.train_config, ck.metrics, ck.name)
    if ck.live is None:
        from mnist_gui.core.onnx_export import export_onnx
        try:
            ck.live = OnnxModel.from_bytes(export_onnx(ck.model, ck.model_config, {"name": ck.name,
                                           "metrics": ck.metrics, "train_config": ck.train_config}))
        except OnnxModelError:
            pass
    return ck


def _shape(t: torch.Tensor) -> str:
    return "×".join(str(n) for n in t.shape) if t.dim() else "a single number"


def _names(keys) -> str:
    keys = sorted(keys)
    return ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")


def _check_payload(payload) -> str | None:
    """What is wrong with a loaded payload's fields (None when every field has the right type)."""
    import torch
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
    problem = _check_stored(sd)
    if problem:
        return problem
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


def _check_archive(f) -> str | None:
    """A checkpoint is the zip that torch.save writes, its entries stored as they are: refuse any other file,
    a file larger than a run may use, a compressed entry and entries that add up to more than the file (a zip
    bomb) before torch reads it. f: the file, open (left at its start)."""
    import zipfile

    from mnist_gui.core import limits
    size = os.fstat(f.fileno()).st_size
    if size > limits.usable_bytes():
        return f"too large ({limits.size_text(size)}, and {limits.limit_text()})"
    try:
        with zipfile.ZipFile(f) as z:
            entries = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        return "not a readable model file (random bytes, corrupt or truncated)"
    finally:
        f.seek(0)
    if any(e.compress_type != zipfile.ZIP_STORED for e in entries):
        return "not a readable model file (compressed inside; mnist-gui writes its models uncompressed)"
    if sum(e.file_size for e in entries) > size:
        return (f"not a readable model file (its parts claim {sum(e.file_size for e in entries):,} bytes, "
                f"more than the file's {size:,})")
    return None


def _check_stored(sd: dict) -> str | None:
    """Every tensor's values are in the file, once: contiguous, inside its own storage, no two sharing one.
    So the weights cannot ask for more memory than the file holds (a 1-value tensor 'expanded' to a billion)."""
    seen: dict[int, str] = {}
    for k, v in sd.items():
        storage = v.untyped_storage()
        if not v.is_contiguous() or (v.storage_offset() + v.numel()) * v.element_size() > storage.nbytes():
            return f"layer {k} is not stored in full ({v.numel():,} values in {storage.nbytes():,} bytes)"
        if storage.nbytes():
            if storage.data_ptr() in seen:
                return f"layers {seen[storage.data_ptr()]} and {k} share their values"
            seen[storage.data_ptr()] = k
    return None


def _check_declared(mcfg: ModelConfig, sd: dict) -> str | None:
    """The network the checkpoint declares, checked without building it: no errors (the machine's memory
    among them, core/limits.py), and no more weights than the file holds."""
    from mnist_gui.core.spec import analyse, problems, totals
    rows = analyse(mcfg.network())
    errors = problems(rows, "error")
    if errors:
        return str(errors[0])
    declared, stored = totals(rows).params, sum(v.numel() for v in sd.values())
    if declared > stored:
        return (f"the network it declares has {declared:,} weights but the file holds {stored:,}: "
                f"weights do not match the network")
    return None


def _check_weights(state: dict, expected: dict) -> str | None:
    """Every tensor must be the layer the network needs: same names, shapes, and a fitting dtype."""
    import torch
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

    Tensors are mapped to the CPU. The file is checked before torch reads it (_check_archive), and the
    network it declares before it is built (_check_declared: its size against the file's and the machine's).
    Nothing is returned until every field's type and every tensor's name, shape and dtype have been checked
    against the network the checkpoint claims to be.
    """
    from mnist_gui.core.storage import StateFileError, open_state_file
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path}: is a folder, not a model file")
    try:   # opened once, through the bounded reader: what is checked is what torch reads
        f = open_state_file(path, follow_links=True)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: no such model file") from None
    except StateFileError as e:   # a FIFO, a device (or a link to one): never opened, never waited on
        raise CheckpointError(str(e).replace("; not read", "; not a model file")) from None
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read it ({e.strerror or e})") from None
    with f:
        try:
            problem = _check_archive(f)
        except OSError as e:
            raise CheckpointError(f"{path}: cannot read it ({e.strerror or e})") from None
        if problem and Path(path).suffix.lower() == ".onnx" and problem.startswith("not a readable model file ("):
            # an ONNX export (`mnist-gui export`) given where the checkpoint it came from goes
            problem = "an ONNX export, not a checkpoint: give the .pt it was exported from"
        if problem:
            raise CheckpointError(f"{path}: {problem}")
        payload = _torch_load(path, f)
    problem = _check_payload(payload)
    if problem:
        raise CheckpointError(f"{path}: {problem}")
    return _checked(path, payload)


def _torch_load(path: Path, f) -> dict:
    """torch.load of the checked, open file, every failure one CheckpointError naming path."""
    import torch
    try:
        return torch.load(f, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        if _is_refused_object(str(e)):
            raise CheckpointError(f"{path}: contains code or objects that are not plain data, refused") from None
        raise CheckpointError(f"{path}: not a readable model file (random bytes, corrupt or truncated)") from None
    except OSError as e:
        raise CheckpointError(f"{path}: cannot read it ({e.strerror or e})") from None
    except Exception:  # zip, pickle and storage errors all mean the same to a user
        raise CheckpointError(f"{path}: not a readable model file (random bytes, corrupt or truncated)") from None


def _checked(path: Path, payload: dict) -> Checkpoint:
    """The network a checked payload declares, built and loaded once it is known to fit (CheckpointError)."""
    from mnist_gui.core.models import build_model
    try:
        mcfg = ModelConfig.from_dict(payload["model_config"])
        problem = _check_declared(mcfg, payload["state_dict"])
        if problem:
            raise CheckpointError(f"{path}: {problem}")
        model = build_model(mcfg)
    except ValueError as e:
        raise CheckpointError(f"{path}: {str(e).strip().splitlines()[0][:200]}") from None
    except (MemoryError, RuntimeError):   # the allocator, on a machine with less free than it has
        raise CheckpointError(f"{path}: its network does not fit in the memory free now") from None
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


def export_onnx_file(ck: Checkpoint, out) -> Path:
    """Write ck's network as a standalone ONNX file (File → Export model as ONNX…, `mnist-gui export`):
    the live network as it is (inputs and outputs in core/live.py), exported now if it has none."""
    from mnist_gui.core.live import OnnxModelError
    out = Path(out)
    if out.suffix != ".onnx":
        out = out.with_name(out.name + ".onnx")
    if ck.live is None:
        ck.load_model()
        with_live(ck, write=False)
    if ck.live is None:
        raise OnnxModelError(f"{ck.name}: this network cannot be exported to ONNX")
    try:
        atomic_write_bytes(out, ck.live.data)
    except OSError as e:
        raise OnnxModelError(f"cannot write {out}: {e.strerror or e}") from None
    return out
