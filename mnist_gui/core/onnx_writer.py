"""A network built from a spec -> its ONNX graph, written directly from the spec and the weights.

The network is data (core/spec.py): every layer kind maps to one ONNX operator, so the graph is written with
the `onnx` package's helpers instead of tracing the module with torch's exporter. The result is the graph
core/onnx_export.py describes (same input, outputs, output names and metadata): the raw image in, the
normalisation inside, logits, probabilities and every layer's output ("layer:<name>"), the batch axis
dynamic, opset ONNX_OPSET, IR version IR_VERSION.

    conv       Conv (pads from the resolved padding; "same" with an even kernel pads unevenly, as PyTorch)
    maxpool    MaxPool                         avgpool    AveragePool (count_include_pad, as PyTorch)
    relu leakyrelu elu gelu tanh sigmoid       Relu, LeakyRelu (0.01), Elu (1.0), Gelu (exact), Tanh, Sigmoid
    batchnorm  BatchNormalization (eval: the running statistics)
    dropout    Identity (eval)                 flatten    Flatten (axis 1)
    dense      Gemm (transB)

`write_spec_onnx` returns None for a module it cannot write exactly (not the nn.Sequential `spec.build`
made, or a module whose type or settings differ from its spec's): the caller then uses torch's exporter.
Every kind the spec has is written here. Imports numpy and onnx; reads the weights from the module's
state_dict (torch tensors), so it needs torch only through the module it is given.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mnist_gui import config

IR_VERSION = 10   # what torch's exporter writes for opset 20; onnxruntime >= 1.18 loads it

_ACT_OPS: dict[str, tuple[str, dict[str, Any]]] = {"relu": ("Relu", {}), "leakyrelu": ("LeakyRelu", {"alpha": 0.01}), "elu": ("Elu", {"alpha": 1.0}),
            "gelu": ("Gelu", {"approximate": "none"}), "tanh": ("Tanh", {}), "sigmoid": ("Sigmoid", {})}
# kind -> the torch class name build() makes (batchnorm: 1d or 2d by its input)
_CLASSES = {"conv": ("Conv2d",), "maxpool": ("MaxPool2d",), "avgpool": ("AvgPool2d",),
            "batchnorm": ("BatchNorm2d", "BatchNorm1d"), "dropout": ("Dropout",), "flatten": ("Flatten",),
            "dense": ("Linear",), "relu": ("ReLU",), "leakyrelu": ("LeakyReLU",), "elu": ("ELU",),
            "gelu": ("GELU",), "tanh": ("Tanh",), "sigmoid": ("Sigmoid",)}


def _matches(mod, row) -> bool:
    """Whether the torch module computes exactly what the row's operator will (the settings build() uses)."""
    k, ly = row.kind, row.layer
    if type(mod).__name__ not in _CLASSES.get(k, ()):   # a kind this writer does not know: traced instead
        return False
    if k == "leakyrelu":
        return mod.negative_slope == 0.01
    if k == "elu":
        return mod.alpha == 1.0
    if k == "gelu":
        return mod.approximate == "none"
    if k == "flatten":
        return mod.start_dim == 1 and mod.end_dim == -1
    if k == "conv":
        return (mod.groups == 1 and tuple(mod.dilation) == (1, 1) and mod.padding_mode == "zeros"
                and tuple(mod.stride) == (ly.stride, ly.stride) and tuple(mod.kernel_size) == (ly.kernel,) * 2
                and (mod.bias is not None) == bool(ly.bias))
    if k in ("maxpool", "avgpool"):
        same = mod.kernel_size in (ly.size, (ly.size,) * 2) and mod.stride in (ly.stride, (ly.stride,) * 2) \
            and mod.padding in (ly.padding, (ly.padding,) * 2) and not mod.ceil_mode
        if k == "maxpool":
            return same and mod.dilation in (1, (1, 1)) and not mod.return_indices
        return same and mod.count_include_pad and mod.divisor_override is None
    if k == "batchnorm":
        return mod.track_running_stats and mod.running_mean is not None and mod.affine
    return True


def _pads(padding) -> list[int]:
    before, after = padding if isinstance(padding, tuple) else (padding, padding)
    return [before, before, after, after]   # top, left, bottom, right


def _shape(row_shape) -> list:
    """An analyse() shape (H, W, C or (N,)) as the tensor's, batch first and dynamic."""
    if len(row_shape) == 3:
        h, w, c = row_shape
        return ["batch", c, h, w]
    return ["batch", *row_shape]


def spec_rows(model):
    """The spec's analysed rows when `model` is exactly the network spec.build made of it, else None."""
    spec = getattr(model, "network_spec", None)
    if spec is None or type(model).__name__ != "Sequential":
        return None
    from mnist_gui.core.spec import analyse, problems
    try:
        rows = analyse(spec)
    except Exception:   # a spec object that is not one (defensive: fall back to the exporter)
        return None
    if problems(rows, "error"):
        return None
    children = list(model.named_children())
    if [n for n, _ in children] != [r.name for r in rows]:
        return None
    if any(list(m.children()) or not _matches(m, r) for (_, m), r in zip(children, rows)):
        return None
    return rows


def write_spec_onnx(model, graph_name: str, metadata_props: dict[str, str], opset: int,
                    producer_version: str):
    """The ModelProto for a spec-built network (see the module docstring), or None when it is not one."""
    rows = spec_rows(model)
    if rows is None:
        return None
    from onnx import TensorProto, helper, numpy_helper

    from mnist_gui.core.live import INPUT, LAYER_PREFIX, LOGITS, PROBABILITIES

    state = {k: v.detach().cpu().float().numpy() for k, v in model.state_dict().items()
             if v.is_floating_point()}
    inits = [numpy_helper.from_array(np.asarray(config.MNIST_MEAN, np.float32), "mean"),
             numpy_helper.from_array(np.asarray(config.MNIST_STD, np.float32), "std")]
    nodes = [helper.make_node("Sub", [INPUT, "mean"], ["sub"]), helper.make_node("Div", ["sub", "std"], ["div"])]

    def weight(name: str) -> str:   # named as torch's exporter names them
        inits.append(numpy_helper.from_array(np.ascontiguousarray(state[name]), f"net.{name}"))
        return f"net.{name}"

    x = "div"
    outputs = []
    for r in rows:
        k, ly, out = r.kind, r.layer, LAYER_PREFIX + r.name
        if k == "conv":
            ins = [x, weight(f"{r.name}.weight")] + ([weight(f"{r.name}.bias")] if ly.bias else [])
            node = helper.make_node("Conv", ins, [out], kernel_shape=[ly.kernel] * 2, strides=[ly.stride] * 2,
                                    pads=_pads(r.padding), dilations=[1, 1], group=1)
        elif k in ("maxpool", "avgpool"):
            attrs: dict[str, Any] = {"kernel_shape": [ly.size] * 2, "strides": [ly.stride] * 2, "pads": _pads(ly.padding),
                     "ceil_mode": 0}
            if k == "avgpool":
                attrs["count_include_pad"] = 1
            node = helper.make_node("MaxPool" if k == "maxpool" else "AveragePool", [x], [out], **attrs)
        elif k == "batchnorm":
            bn = dict(model.named_children())[r.name]
            ins = [x] + [weight(f"{r.name}.{p}") for p in ("weight", "bias", "running_mean", "running_var")]
            node = helper.make_node("BatchNormalization", ins, [out], epsilon=float(bn.eps))
        elif k == "dense":
            ins = [x, weight(f"{r.name}.weight"), weight(f"{r.name}.bias")]
            node = helper.make_node("Gemm", ins, [out], transB=1)
        elif k == "flatten":
            node = helper.make_node("Flatten", [x], [out], axis=1)
        elif k == "dropout":
            node = helper.make_node("Identity", [x], [out])
        else:
            op, attrs = _ACT_OPS[k]
            node = helper.make_node(op, [x], [out], **attrs)
        nodes.append(node)
        outputs.append(helper.make_tensor_value_info(out, TensorProto.FLOAT, _shape(r.output_shape)))
        x = out
    nodes += [helper.make_node("Identity", [x], [LOGITS]),
              helper.make_node("Softmax", [LOGITS], [PROBABILITIES], axis=1)]
    n_out = _shape(rows[-1].output_shape)
    graph = helper.make_graph(
        nodes, graph_name,
        [helper.make_tensor_value_info(INPUT, TensorProto.FLOAT, ["batch", 1, config.IMAGE_SIZE, config.IMAGE_SIZE])],
        [helper.make_tensor_value_info(LOGITS, TensorProto.FLOAT, n_out),
         helper.make_tensor_value_info(PROBABILITIES, TensorProto.FLOAT, n_out), *outputs],
        initializer=inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=IR_VERSION,
                              producer_name="mnist-gui", producer_version=producer_version)
    helper.set_model_props(proto, metadata_props)
    return proto
