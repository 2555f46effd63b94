"""A trained network -> an ONNX model that core/live.py runs on ONNX Runtime without torch.

Used at save time (it imports torch; core/live.py does not). The graph takes the raw image and holds the
normalisation itself, so the runtime side needs no constants and cannot normalise twice:

    input   image           float32 [N, 1, 28, 28], ink bright in [0, 1] (what preprocess makes)
    outputs logits          float32 [N, 10]
            probabilities   float32 [N, 10] (softmax of logits)
            layer:<name>    one per leaf module, in the order they run, <name> the torch module name
                            (conv1, relu1, ..., logits): what Predictor.activations returns, batch kept

The batch axis is dynamic. Metadata (custom_metadata_map, readable with onnxruntime alone) says what the
model is; see `metadata`. A network built from a spec is written directly (core/onnx_writer.py); any other
module goes through torch's dynamo exporter (torch.export + onnxscript): the
TorchScript one is deprecated since torch 2.9. The opset is ONNX_OPSET; see there.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import math
import re
import sys
import threading
import warnings
from pathlib import Path

from mnist_gui import config
from mnist_gui.core.live import FORMAT, FORMAT_VERSION, INPUT, LAYER_PREFIX, LOGITS, PROBABILITIES, OnnxModelError
from mnist_gui.core.storage import atomic_write_bytes, os_reason

# 20: torch's default, which every onnxruntime the project admits (>= 1.18) runs. onnxruntime 1.32 also loads
# 21-25 for every layer kind here, but those opsets only add data types (bfloat16, int4, float8) to the same
# operators, and the exporter's own opset is 18: anything newer is a version conversion after the fact (from
# 26 on that conversion fails for Gelu and leaves the model as it was, unloadable). What sets the oldest
# onnxruntime is the IR version torch writes, 10: onnxruntime 1.17 refuses it, 1.18 runs these models.
ONNX_OPSET = 20

# Loggers that talk while exporting (torch.export's and the onnxscript converter's progress and fallbacks).
_CHATTY = ("torch.onnx", "torch.export", "torch._dynamo", "torch._export", "torch.fx", "torch._subclasses",
           "torch.__trace", "onnxscript", "onnx_ir")


def _import_torch():
    import torch
    from torch import nn
    return torch, nn


def leaf_names(model) -> list[str]:
    """The torch module names Predictor.activations uses: every leaf module, in named_modules order."""
    return [name for name, mod in model.named_modules() if name and not list(mod.children())]


def _wrapper(model):
    """A module that normalises the raw image, runs `model` and returns logits, softmax and every leaf
    layer's output (caught by forward hooks, as Predictor.activations does)."""
    _, nn = _import_torch()
    names = set(leaf_names(model))

    class Exported(nn.Module):
        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, image):
            return self.run(image)[0]

        def run(self, image):
            """(logits, probabilities, *leaf outputs) and the leaf names in the order they ran."""
            x = (image - config.MNIST_MEAN) / config.MNIST_STD
            outs: dict = {}
            hooks = [mod.register_forward_hook(lambda m, i, o, name=name: outs.__setitem__(name, o))
                     for name, mod in self.net.named_modules() if name in names]
            try:
                logits = self.net(x)
            finally:
                for h in hooks:
                    h.remove()
            return (logits, logits.softmax(1), *outs.values()), list(outs)

    return Exported(model)


class _MutedForThread:
    """A stand-in for sys.stdout or sys.stderr that drops what one thread writes and passes on the rest
    (torch.export prints a failed attempt's graph to sys.stderr before the exporter tries another way)."""

    def __init__(self, stream, thread: int):
        self._stream, self._thread = stream, thread

    def write(self, text):
        return len(text) if threading.get_ident() == self._thread else self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


@contextlib.contextmanager
def _quiet():
    """No warnings, log lines or prints from the exporter reach the user's terminal while it runs in this
    thread; other threads' output goes through."""
    saved = []
    for name in _CHATTY:
        lg = logging.getLogger(name)
        saved.append((lg, lg.level, lg.propagate, lg.disabled))
        lg.setLevel(logging.CRITICAL + 1)
        lg.propagate, lg.disabled = False, True
    me = threading.get_ident()
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _MutedForThread(out, me), _MutedForThread(err, me)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        if isinstance(sys.stdout, _MutedForThread):
            sys.stdout = out
        if isinstance(sys.stderr, _MutedForThread):
            sys.stderr = err
        for lg, level, propagate, disabled in saved:
            lg.setLevel(level)
            lg.propagate, lg.disabled = propagate, disabled


def _reason(e: BaseException) -> str:
    """The first line of the innermost cause: what the exporter could not do, without its advice."""
    while (e.__cause__ or e.__context__) is not None:
        e = e.__cause__ or e.__context__
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(e)).strip()
    return (text.splitlines() or [type(e).__name__])[0][:200]


def _json(v) -> str:
    return json.dumps(v, sort_keys=True, allow_nan=False, default=str)


def metadata(model_config, meta: dict, layers: list[str]) -> dict[str, str]:
    """The model's metadata_props (every value a string; structured ones JSON):

    format, format_version   FORMAT and FORMAT_VERSION (live.py refuses other formats and newer versions)
    name                     the model's name ("" when it has none)
    model_config             ModelConfig.to_dict() as JSON: what the checkpoint stores
    spec                     the network as a layer list (spec.NetworkSpec.to_list()) as JSON, presets too
    layers                   the leaf layer names, in output order, as JSON
    metrics                  test_accuracy, test_loss, per_class, ... as JSON ({} when none)
    source_sha256            sha256 of the checkpoint file it was exported from ("" when none)
    normalisation            the mean and std folded into the graph, as JSON
    plus any other key of `meta`, as a string (JSON when it is not one).
    """
    cfg = model_config.to_dict() if hasattr(model_config, "to_dict") else dict(model_config)
    try:
        spec = model_config.network().to_list()
    except (AttributeError, ValueError):
        spec = cfg.get("spec")
    meta = dict(meta or {})
    metrics = {k: v for k, v in (meta.pop("metrics", None) or {}).items() if k not in ("predictions", "confidence")}
    props = {k: v if isinstance(v, str) else _json(_plain(v)) for k, v in meta.items()}
    props.update({
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "name": str(meta.get("name") or ""),
        "model_config": _json(cfg),
        "spec": _json(spec),
        "layers": _json(layers),
        "metrics": _json(_plain(metrics)),
        "source_sha256": str(meta.get("source_sha256") or ""),
        "normalisation": _json({"mean": config.MNIST_MEAN, "std": config.MNIST_STD}),
    })
    return props


def _plain(obj):
    """Metrics as JSON-able data (tensors and numpy values to lists and numbers)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


_EXPORTING = threading.Lock()   # torch's exporter is not thread-safe: two at once both fail


def export_onnx(model, model_config, meta: dict | None = None) -> bytes:
    """The eval-mode network as ONNX bytes (see the module docstring for its inputs and outputs).

    `model` is not changed: a copy is exported, so its mode, weights and hooks stay as they were. meta:
    "name", "metrics" (a checkpoint's metrics dict), "source_sha256" (live.file_sha256 of the checkpoint) and any
    other plain values, stored as metadata. A network spec.build made is written from its spec and weights
    (core/onnx_writer.py, milliseconds); any other module is traced by torch's exporter (export_onnx_traced).
    Raises OnnxModelError when the exporter cannot export it.
    """
    from mnist_gui import __version__
    from mnist_gui.core.onnx_writer import spec_rows, write_spec_onnx
    rows = spec_rows(model)
    if rows is not None:
        props = metadata(model_config, meta or {}, [r.name for r in rows])
        proto = write_spec_onnx(model, str((meta or {}).get("name") or "mnist-gui"), props, ONNX_OPSET,
                                __version__)
        if proto is not None:
            return proto.SerializeToString()
    return export_onnx_traced(model, model_config, meta)


def export_onnx_traced(model, model_config, meta: dict | None = None) -> bytes:
    """export_onnx with torch's exporter (any module it can trace; what export_onnx uses for a module that
    is not a network built from a spec)."""
    torch, _ = _import_torch()
    net = copy.deepcopy(model).cpu().eval()
    for p in net.parameters():
        p.requires_grad_(False)
    wrapper = _wrapper(net).eval()
    example = torch.rand(2, 1, config.IMAGE_SIZE, config.IMAGE_SIZE)
    with torch.no_grad():
        _, layers = wrapper.run(example)
    outputs = [LOGITS, PROBABILITIES, *(LAYER_PREFIX + n for n in layers)]
    try:
        with _EXPORTING, _quiet():
            program = torch.onnx.export(
                wrapper, (example,), input_names=[INPUT], output_names=outputs,
                dynamic_shapes={"image": {0: torch.export.Dim("batch", min=1, max=1 << 16)}},
                opset_version=ONNX_OPSET, dynamo=True, external_data=False, verbose=False, report=False)
    except Exception as e:  # the exporter's own errors are many kinds, all meaning "cannot export"
        raise OnnxModelError(f"cannot export the network to ONNX: {_reason(e)}") from None
    proto = program.model_proto
    proto.producer_name = "mnist-gui"
    from mnist_gui import __version__
    proto.producer_version = __version__
    proto.graph.name = str((meta or {}).get("name") or "mnist-gui")
    del proto.metadata_props[:]
    for k, v in metadata(model_config, meta or {}, layers).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, v
    return proto.SerializeToString()


def save_onnx(path, model, model_config, meta: dict | None = None) -> Path:
    """Export and write atomically (temp file, fsync, rename); OnnxModelError naming the file on failure."""
    path = Path(path)
    data = export_onnx(model, model_config, meta)
    try:
        atomic_write_bytes(path, data)
    except OSError as e:
        raise OnnxModelError(f"cannot save the ONNX model to {path}: {os_reason(e)}") from None
    return path

