"""The live path without torch: an exported network (core/onnx_export.py) on ONNX Runtime.

`LivePredictor` is the classifier a core/reading.Reader reads with (probabilities, classify: a batch,
activations for the feature maps), like core/predictor.Predictor on torch. It needs numpy and onnxruntime
only: importing this module, loading a model and predicting never import torch.

Two sessions per model. The file's graph returns every leaf layer's output (for the feature maps); a graph
output cannot be fused away, so ONNX Runtime cannot fold batch norm into the convolution or fuse conv and
relu. The plain probabilities therefore run on a lean copy of the graph with only logits and probabilities
as outputs (core/onnx_wire.lean_graph: the layer outputs dropped from the protobuf, without the onnx
package), which is faster (benchmarks/live_predict.py; figures in benchmarks/README.md), and its large dense
layers run on 8-bit integers (onnx_wire.quantized_dense: the shipped model's 12.8 MB of dense weights were most of
a read's time). The full graph, in float32, is loaded when activations are first asked for; their "softmax" is
the lean graph's, the probabilities the bars show.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mnist_gui import config
from mnist_gui.core.onnx_wire import _MODEL_GRAPH, LOGITS, PROBABILITIES, _fields, lean_graph, quantized_dense
from mnist_gui.core.storage import JsonFileError, StateFileError, is_number, loads_json, os_reason, read_state_file

FORMAT = "mnist-gui-onnx"
FORMAT_VERSION = 1
INPUT = "image"                 # float32 [N, 1, 28, 28], raw [0, 1]: the graph normalises
LAYER_PREFIX = "layer:"         # "layer:conv1": a leaf layer's output, named as the torch module
SUFFIX = ".onnx"
MAX_BYTES = 2 * 1024 ** 3       # protobuf cannot hold more; refused before a byte is read
# One intra-op thread keeps the live path to one core whatever the machine; beside a training process two
# threads gain nothing for one image (benchmarks/live_predict.py; figures in benchmarks/README.md).
DEFAULT_THREADS = 1


class OnnxModelError(Exception):
    """An .onnx file that cannot be used (missing, corrupt, not ours, too new) or a network that cannot be
    exported; one line, naming the file."""


def file_sha256(path) -> str:
    """The sha256 of a regular file (a FIFO or a device in its place: StateFileError, never waited on)."""
    from mnist_gui.core.storage import _open_regular
    h = hashlib.sha256()
    with os.fdopen(_open_regular(path, os.O_RDONLY, StateFileError, "not read", follow=True), "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def onnx_path_for(checkpoint_path) -> Path:
    """Where the ONNX export of a checkpoint lives: beside it, same name, .onnx."""
    return Path(checkpoint_path).with_suffix(SUFFIX)


# A graph is run only when it is made of the operators our exports write (core/onnx_export.py, the gates, the
# judge, the path net) and their plain equivalents: no control flow (Loop, If, Scan: a Loop of 10^12
# iterations never ends), no operator that makes a tensor larger than its inputs from a number (Expand, Tile,
# ConstantOfShape, Range, Resize), no custom domains, no functions. Checked on the file's bytes, before
# ONNX Runtime builds anything.
ALLOWED_OPERATORS = frozenset((
    "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "Div", "Dropout",
    "Elu", "Erf", "Exp", "Flatten", "Gather", "Gelu", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Identity",
    "LeakyRelu", "Log", "LogSoftmax", "MatMul", "Max", "MaxPool", "Min", "Mul", "Pow", "ReduceMax", "ReduceMean",
    "ReduceSum", "Relu", "Reshape", "Shape", "Sigmoid", "Slice", "Softmax", "Sqrt", "Squeeze", "Sub", "Tanh",
    "Transpose", "Unsqueeze",
))
_GRAPH_NODE, _NODE_OP_TYPE, _NODE_DOMAIN, _MODEL_FUNCTIONS = 1, 4, 7, 25


class UnexpectedGraph(ValueError):
    """An ONNX graph holding an operator that mnist-gui's exports never write: refused before it runs."""


def check_operators(data: bytes) -> None:
    """UnexpectedGraph unless every node of the model's graph is an allowed operator of the default domain
    (and the model defines no functions). ValueError when the bytes are not a model protobuf."""
    mv = memoryview(data)
    for num, wt, _, end, payload in _fields(mv):
        if num == _MODEL_FUNCTIONS and wt == 2:
            raise UnexpectedGraph("it defines its own functions, which mnist-gui's exports never write")
        if num != _MODEL_GRAPH or wt != 2:
            continue
        for gnum, gwt, _, gend, gp in _fields(mv[payload:end]):
            if gnum != _GRAPH_NODE or gwt != 2:
                continue
            op, domain = "", ""
            node = mv[payload:end][gp:gend]
            for nnum, nwt, _, nend, np_ in _fields(node):
                if nwt == 2 and nnum in (_NODE_OP_TYPE, _NODE_DOMAIN):
                    text = bytes(node[np_:nend]).decode("utf-8", "replace")
                    op, domain = (text, domain) if nnum == _NODE_OP_TYPE else (op, text)
            if domain not in ("", "ai.onnx") or op not in ALLOWED_OPERATORS:
                shown = f"{domain}.{op}" if domain else op
                raise UnexpectedGraph(f"its graph uses the operator {shown[:60]!r}, which mnist-gui's exports "
                                      f"never write; not run")


# ------------------------------------------------------------------------------------------------ the model

def _session(data: bytes, threads: int, checked: bool = False):
    """checked: the operators were checked on the file's bytes (data: our own rewrite of them)."""
    import onnxruntime as ort
    if not checked:
        check_operators(data)   # UnexpectedGraph: nothing is built
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.log_severity_level = 3               # errors only: they come back as exceptions
    # A waiting worker thread sleeps instead of spinning: spinning burns the core a training run needs.
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # A model is data: weights stored outside it ("external data", read relative to the working folder) would
    # let a hostile .onnx read other files. Our exports hold every weight, so the folder for them is no folder.
    so.add_session_config_entry("session.model_external_initializers_file_folder_path", os.devnull)
    return ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])


def checked_session(path, inputs: list[str], outputs: list[str], what: str, threads: int = 1,
                    edit: Callable[[bytes], bytes] | None = None):
    """An ONNX Runtime session of one of our small networks (the gates, the judge, the path net): its
    input and output names checked; ValueError in one line naming the file when it is missing or is not
    `what`. edit: what to make of the file's bytes first (its operators are checked before and after)."""
    path = Path(path)
    try:
        data = read_state_file(path, MAX_BYTES, follow_links=True)
        if edit is not None:
            check_operators(data)
            data = edit(data)
        session = _session(data, threads)
        names = [o.name for o in session.get_outputs()]   # (an edit may add outputs after the file's own)
        if [i.name for i in session.get_inputs()] != inputs or names[:len(outputs)] != outputs or \
                (edit is None and len(names) != len(outputs)):
            raise ValueError(f"its inputs are not {inputs} or its outputs not {outputs}")
    except FileNotFoundError:
        raise ValueError(f"{path} is missing") from None
    except UnexpectedGraph as e:
        raise ValueError(f"{path}: {e}") from None
    except Exception as e:
        raise ValueError(f"{path} is not {what} ({type(e).__name__})") from None
    return session


def _as_batch(images) -> np.ndarray:
    """A list of 28×28 images, an [N, 28, 28] or [N, 1, 28, 28] array -> float32 [N, 1, 28, 28]."""
    x = np.asarray(images, dtype=np.float32)
    s = config.IMAGE_SIZE
    if x.ndim == 3 and x.shape[1:] == (s, s):
        x = x[:, None]
    if x.ndim != 4 or x.shape[1:] != (1, s, s):
        raise ValueError(f"expected 28×28 images, got an array of shape {x.shape}")
    return np.ascontiguousarray(x)


class OnnxModel:
    """An exported network on ONNX Runtime, with the metadata it was saved with.

    Open with `from_path` or `from_bytes`; every problem is one OnnxModelError. threads: ONNX Runtime's
    intra-op threads for this model (DEFAULT_THREADS). integers: the probabilities' large dense layers run on 8-bit
    integers (onnx_wire.quantized_dense; False: float32 throughout, as the file holds it)."""

    def __init__(self, data: bytes, source: str = "ONNX model", path: Path | None = None,
                 threads: int = DEFAULT_THREADS, integers: bool = True):
        self.path, self.threads, self._source = path, int(threads), source
        self._data = bytes(data)
        self._full = None
        if not self._data:
            raise OnnxModelError(f"{source}: empty file, not an ONNX model")
        try:
            check_operators(self._data)   # on the file's bytes: the lean copy adds its own integer operators
            plain = lean_graph(self._data)
        except UnexpectedGraph as e:
            raise OnnxModelError(f"{source}: {e}") from None
        except ValueError:
            raise OnnxModelError(f"{source}: not a readable ONNX model (random bytes, corrupt or truncated)") from None
        try:
            lean = quantized_dense(plain) if integers else plain
        except Exception:   # (odd tensors in a file ONNX Runtime may still read: it decides, in float32)
            lean = plain
        try:
            try:
                self._lean = _session(lean, self.threads, checked=True)
            except Exception:
                if lean is plain:
                    raise
                lean = plain   # a graph the integer operators do not fit (an old opset): float32 as the file holds it
                self._lean = _session(lean, self.threads, checked=True)
            # the integer layers scale their input by the largest value in the batch: one image a run, so that an
            # image reads the same whatever is read beside it (number mode batches what its cache lacks)
            self._one_a_run = lean is not plain
        except Exception as e:  # onnxruntime raises its own types (InvalidProtobuf, InvalidGraph, Fail, ...)
            raise OnnxModelError(f"{source}: not a readable ONNX model ({_first_line(e)})") from None
        self.metadata = dict(self._lean.get_modelmeta().custom_metadata_map)
        problem = self._check()
        if problem:
            raise OnnxModelError(f"{source}: {problem}")

    @classmethod
    def from_bytes(cls, data: bytes, threads: int = DEFAULT_THREADS, source: str = "ONNX model",
                   integers: bool = True) -> OnnxModel:
        return cls(data, source=source, threads=threads, integers=integers)

    @classmethod
    def from_path(cls, path, threads: int = DEFAULT_THREADS, integers: bool = True) -> OnnxModel:
        path = Path(path)
        if path.is_dir():
            raise OnnxModelError(f"{path}: is a folder, not an ONNX model")
        try:   # the bounded reader: a FIFO or a device in place of the file is refused, never waited on
            data = read_state_file(path, MAX_BYTES, follow_links=True)
        except StateFileError as e:
            raise OnnxModelError(f"{e} (not an ONNX model)") from None
        except FileNotFoundError:
            raise OnnxModelError(f"{path}: no such ONNX model file") from None
        except OSError as e:
            raise OnnxModelError(f"{path}: cannot read it ({os_reason(e)})") from None
        return cls(data, source=str(path), path=path, threads=threads, integers=integers)

    # -------------------------------------------------------------------------------------- metadata

    def _check(self) -> str | None:
        md = self.metadata
        if md.get("format") != FORMAT:
            return "not an mnist-gui ONNX model (no mnist-gui format in its metadata)"
        version = md.get("format_version", "")
        if not version.isdigit():
            return f"format_version is {version[:40]!r}, not a whole number"
        if int(version) > FORMAT_VERSION:
            return f"made by a newer mnist-gui (ONNX format {version}); update mnist-gui to open it"
        self._json = {}
        for key in ("model_config", "spec", "layers", "metrics"):
            try:
                self._json[key] = loads_json(md.get(key, "null"))
            except JsonFileError as e:
                return f"metadata {key!r} is {e}"
        if not isinstance(self._json["layers"], list) or not all(isinstance(n, str) for n in self._json["layers"]):
            return "metadata 'layers' is not a list of layer names"
        for key in ("model_config", "metrics"):
            if not isinstance(self._json[key], dict):
                return f"metadata {key!r} is not a table"
        inputs = self._lean.get_inputs()
        s = config.IMAGE_SIZE
        if len(inputs) != 1 or inputs[0].name != INPUT or list(inputs[0].shape[1:]) != [1, s, s]:
            return f"its input is not one {INPUT!r} of 1×{s}×{s} images"
        outputs = {o.name: o for o in self._lean.get_outputs()}
        if LOGITS not in outputs or PROBABILITIES not in outputs:
            return f"it has no {LOGITS!r} and {PROBABILITIES!r} outputs"
        shape = outputs[PROBABILITIES].shape
        if len(shape) != 2 or (isinstance(shape[1], int) and shape[1] != 10):
            return "its probabilities are not ten, one per digit"
        return None

    @property
    def data(self) -> bytes:
        """The model file's bytes (the full graph, with every layer's output)."""
        return self._data

    @property
    def name(self) -> str:
        return self.metadata.get("name") or (self.path.stem if self.path else
                                             str(self.model_config.get("preset") or "model"))

    @property
    def model_config(self) -> dict:
        """ModelConfig.to_dict() of the exported network (ModelConfig.from_dict rebuilds it)."""
        return dict(self._json["model_config"])

    @property
    def spec(self) -> list[dict] | None:
        """The network as a layer list (core/spec.py), presets included."""
        spec = self._json["spec"]
        return list(spec) if isinstance(spec, list) else None

    @property
    def layer_names(self) -> list[str]:
        """The leaf layers whose outputs `activations` returns, in the order they run."""
        return list(self._json["layers"])

    @property
    def metrics(self) -> dict:
        return dict(self._json["metrics"])

    @property
    def test_accuracy(self) -> float | None:
        v = self._json["metrics"].get("test_accuracy")
        return float(v) if is_number(v) else None

    @property
    def source_sha256(self) -> str:
        return self.metadata.get("source_sha256", "")

    def is_export_of(self, checkpoint_path) -> bool:
        """Was this model exported from exactly this checkpoint file (its sha256)? False when it cannot tell."""
        try:
            return bool(self.source_sha256) and file_sha256(checkpoint_path) == self.source_sha256
        except OSError:   # StateFileError is one
            return False

    # ------------------------------------------------------------------------------------ prediction

    def probabilities_batch(self, images) -> np.ndarray:
        """N 28×28 [0, 1] images (a list or an array) -> N×10 probabilities (float64), in one run."""
        if len(images) == 0:
            return np.zeros((0, 10))
        x = _as_batch(images)
        if self._one_a_run and len(x) > 1:
            return np.concatenate([self._lean.run([PROBABILITIES], {INPUT: x[i:i + 1]})[0]
                                   for i in range(len(x))]).astype(np.float64)
        return self._lean.run([PROBABILITIES], {INPUT: x})[0].astype(np.float64)

    def probabilities(self, img28: np.ndarray) -> np.ndarray:
        """28×28 [0, 1] image -> ten probabilities (float64)."""
        return self.probabilities_batch(np.asarray(img28)[None])[0]

    def activations(self, img28: np.ndarray) -> dict[str, np.ndarray]:
        """Every leaf layer's output for one image by layer name, then "softmax" (Predictor.activations)."""
        if self._full is None:
            try:
                self._full = _session(self._data, self.threads)
            except Exception as e:
                raise OnnxModelError(f"{self._source}: its layer outputs cannot be loaded ({_first_line(e)})") from None
        names = [LAYER_PREFIX + n for n in self.layer_names]
        outs = self._full.run(names, {INPUT: _as_batch(np.asarray(img28)[None])})
        acts = {n: o[0] for n, o in zip(self.layer_names, outs)}
        acts["softmax"] = self.probabilities(img28).astype(np.float32)   # the bars' (the lean graph's integer layers)
        return acts


def _first_line(e: BaseException) -> str:
    """onnxruntime's message without its prefix ("[ONNXRuntimeError] : 7 : INVALID_PROTOBUF : ") and the
    source location it names ("/onnxruntime_src/...model.cc:179 onnxruntime::Model::Model(...) ")."""
    text = str(e).strip()
    if text.startswith("[ONNXRuntimeError]"):
        text = text.split(" : ", 3)[-1]
    text = re.sub(r"/onnxruntime_src/\S+ [^\s(]+\([^)]*\)\s*", "", text)
    return (text.splitlines() or [type(e).__name__])[0][:200]


class LivePredictor:
    """The live model on ONNX Runtime: the classifier a core/reading.Reader reads strokes, images and whole
    numbers with, and the feature maps, without torch."""

    def __init__(self, model: OnnxModel):
        self.set_model(model)

    def set_model(self, model: OnnxModel) -> None:
        self.model = model

    @classmethod
    def from_path(cls, path, threads: int = DEFAULT_THREADS) -> LivePredictor:
        return cls(OnnxModel.from_path(path, threads))

    def probabilities(self, img28: np.ndarray) -> np.ndarray:
        return self.model.probabilities(img28)

    def classify(self, images) -> np.ndarray:
        """The number reader's classify(): N 28×28 images -> N×10 probabilities, in one run."""
        return self.model.probabilities_batch(images)

    probabilities_batch = classify

    def activations(self, img28: np.ndarray) -> dict[str, np.ndarray]:
        return self.model.activations(img28)
