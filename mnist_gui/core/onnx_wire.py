"""The protobuf wire format, just enough to drop graph outputs from an ONNX model and to run its large dense
layers on 8-bit integers, without the onnx package (core/live.py runs the probabilities on such a lean copy of
the graph)."""

from __future__ import annotations

import numpy as np

LOGITS, PROBABILITIES = "logits", "probabilities"   # the outputs the lean graph keeps (core/live.py)


def _varint(b, i: int) -> tuple[int, int]:
    v = shift = 0
    while True:
        if i >= len(b) or shift > 63:
            raise ValueError("bad varint")
        c = b[i]
        i += 1
        v |= (c & 0x7F) << shift
        if c < 0x80:
            return v, i
        shift += 7


def _fields(b):
    """(field number, wire type, start, end, payload start) of each top-level field of a message."""
    i, n = 0, len(b)
    while i < n:
        start = i
        key, i = _varint(b, i)
        num, wt, payload = key >> 3, key & 7, None
        if wt == 0:
            _, i = _varint(b, i)
        elif wt == 1:
            i += 8
        elif wt == 2:
            size, i = _varint(b, i)
            payload, i = i, i + size
        elif wt == 5:
            i += 4
        else:
            raise ValueError(f"wire type {wt}")
        if i > n or num == 0:
            raise ValueError("truncated")
        yield num, wt, start, i, payload


def _encode_varint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


_MODEL_GRAPH, _GRAPH_INPUT, _GRAPH_OUTPUT, _VALUE_INFO_NAME = 7, 11, 12, 1   # onnx.proto field numbers


def _value_name(b) -> str:
    for num, wt, _, end, payload in _fields(b):
        if num == _VALUE_INFO_NAME and wt == 2:
            return bytes(b[payload:end]).decode("utf-8", "replace")
    return ""


def lean_graph(data: bytes, keep=(LOGITS, PROBABILITIES)) -> bytes:
    """The model with only the graph outputs named in `keep` (the rest of the file byte for byte).
    ValueError when the bytes are not a model protobuf with a graph."""
    mv = memoryview(data)
    parts: list[bytes | memoryview] = []
    found = False
    for num, wt, start, end, payload in _fields(mv):
        if num == _MODEL_GRAPH and wt == 2:
            g = mv[payload:end]
            kept = [g[s:e] for gnum, gwt, s, e, p in _fields(g)
                    if not (gnum == _GRAPH_OUTPUT and gwt == 2 and _value_name(g[p:e]) not in keep)]
            graph = b"".join(kept)
            parts += [_encode_varint(_MODEL_GRAPH << 3 | 2), _encode_varint(len(graph)), graph]
            found = True
        else:
            parts.append(mv[start:end])
    if not found:
        raise ValueError("no graph")
    return b"".join(parts)


# ---------------------------------------------------------------------------------- dense layers in integers
# The shipped network's dense layer (3136 × 1024 weights, 12.8 MB as float32) was most of a live read's time: its
# weights are read from memory at each stroke (the caches have been emptied by the window's other work in the
# meantime). Run on 8-bit integers with the operators ONNX Runtime's own `quantize_dynamic` uses (DynamicQuantizeLinear
# on the input, MatMulInteger, then the scales), the weights take a quarter of the bytes: one image after a pause
# 1.30 -> 0.73 ms (benchmarks/README.md). Weights per output unit, symmetric, 7 bits (as quantize_dynamic's
# reduce_range: on CPUs without VNNI, ONNX Runtime's u8×s8 product adds pairs in 16 bits, which 8-bit weights can
# overflow). The input's scale is the batch's: core/live.py runs one image a run. The shipped model reads the 10,000
# MNIST test digits with the same 40 mistakes and no digit changed (benchmarks/README.md; tests/core/test_onnx.py
# checks 2,000 of them). A weight that is not finite leaves its layer in float32.

QUANTIZE_FROM = 1 << 18          # weights of a Gemm with at least this many are quantized (the shipped: 3.2 M)
WEIGHT_LEVELS = 63               # 7 bits: -63 .. 63
_GRAPH_NODE, _GRAPH_INITIALIZER = 1, 5
_NODE_INPUT, _NODE_OUTPUT, _NODE_NAME, _NODE_OP_TYPE, _NODE_ATTRIBUTE, _NODE_DOMAIN = 1, 2, 3, 4, 5, 7
_TENSOR_DIMS, _TENSOR_TYPE, _TENSOR_NAME, _TENSOR_RAW = 1, 2, 8, 9
_ATTR_NAME, _ATTR_F, _ATTR_I, _ATTR_TYPE = 1, 2, 3, 20
_FLOAT, _INT8, _ATTR_INT = 1, 3, 2


def _text(b) -> str:
    return bytes(b).decode("utf-8", "replace")


def _field(num: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _encode_varint(num << 3 | 2) + _encode_varint(len(data)) + data


def _varint_field(num: int, v: int) -> bytes:
    return _encode_varint(num << 3) + _encode_varint(v)


def _tensor(name: str, a: np.ndarray, dtype: int) -> bytes:
    return (b"".join(_varint_field(_TENSOR_DIMS, d) for d in a.shape) + _varint_field(_TENSOR_TYPE, dtype)
            + _field(_TENSOR_NAME, name) + _field(_TENSOR_RAW, np.ascontiguousarray(a).tobytes()))


def _node(op: str, inputs: list[str], outputs: list[str], to: int | None = None) -> bytes:
    parts = [_field(_NODE_INPUT, i) for i in inputs] + [_field(_NODE_OUTPUT, o) for o in outputs]
    parts.append(_field(_NODE_OP_TYPE, op))
    if to is not None:
        parts.append(_field(_NODE_ATTRIBUTE, _field(_ATTR_NAME, "to") + _varint_field(_ATTR_I, to)
                            + _varint_field(_ATTR_TYPE, _ATTR_INT)))
    return _field(_GRAPH_NODE, b"".join(parts))


def _value(b, start: int) -> int:
    """The varint value of the field that starts at start (after its key)."""
    return _varint(b, _varint(b, start)[1])[0]


def _float_tensor(b) -> tuple[str, np.ndarray | None]:
    """(name, values) of a TensorProto; values None unless they are float32 in raw_data."""
    name, dims, dtype, raw = "", [], None, None
    for num, wt, start, end, p in _fields(b):
        if num == _TENSOR_NAME and wt == 2:
            name = _text(b[p:end])
        elif num == _TENSOR_DIMS and wt == 0:
            dims.append(_value(b, start))
        elif num == _TENSOR_DIMS and wt == 2:   # packed
            i = p
            while i < end:
                d, i = _varint(b, i)
                dims.append(d)
        elif num == _TENSOR_TYPE and wt == 0:
            dtype = _value(b, start)
        elif num == _TENSOR_RAW and wt == 2:
            raw = b[p:end]
    if dtype != _FLOAT or raw is None or any(d > 1 << 31 for d in dims) or len(raw) != 4 * int(np.prod(dims)):
        return name, None
    return name, np.frombuffer(raw, "<f4").reshape(dims)


def _gemm(b) -> tuple[list[str], list[str], bool] | None:
    """(inputs, outputs, transB) of a plain Gemm node (alpha = beta = 1, A not transposed, default domain), or
    None for any other node."""
    inputs, outputs, op, trans = [], [], "", {"transA": 0, "transB": 0}
    for num, wt, _, end, p in _fields(b):
        if wt != 2:
            continue
        if num == _NODE_INPUT:
            inputs.append(_text(b[p:end]))
        elif num == _NODE_OUTPUT:
            outputs.append(_text(b[p:end]))
        elif num == _NODE_OP_TYPE:
            op = _text(b[p:end])
        elif num == _NODE_DOMAIN and _text(b[p:end]) not in ("", "ai.onnx"):
            return None
        elif num == _NODE_ATTRIBUTE:
            attr = b[p:end]
            name = next((_text(attr[q:e]) for n, w, _, e, q in _fields(attr) if n == _ATTR_NAME and w == 2), "")
            if name in trans:
                trans[name] = next((_value(attr, s) for n, w, s, _, _ in _fields(attr) if n == _ATTR_I and w == 0), 0)
            elif name in ("alpha", "beta"):   # (an attribute without its value reads as 0 in ONNX Runtime)
                f = next((np.frombuffer(bytes(attr[e - 4:e]), "<f4")[0] for n, w, _, e, _ in _fields(attr)
                          if n == _ATTR_F and w == 5), 0.0)
                if f != 1.0:
                    return None
            else:
                return None
    if op != "Gemm" or len(inputs) not in (2, 3) or len(outputs) != 1 or trans["transA"]:
        return None
    return inputs, outputs, bool(trans["transB"])


def _int8_dense(x: str, weights: np.ndarray, bias: list[str], out: str, trans_b: bool) -> list[bytes]:
    """The initializers and nodes that compute Gemm(x, weights, bias) on 8-bit integers, into out."""
    n_by_k = weights if trans_b else weights.T   # a row per output unit
    scale = np.maximum(np.maximum(n_by_k.max(1), -n_by_k.min(1)), 1e-30).astype(np.float32) / WEIGHT_LEVELS
    q = np.empty(n_by_k.shape[::-1], np.int8)   # MatMulInteger's B: K × N (within ±63) ...
    for r in range(0, len(n_by_k), 1024):   # ... made a slice at a time (a model's float copies stay small)
        q[:, r:r + 1024] = np.rint(n_by_k[r:r + 1024] * (1 / scale[r:r + 1024])[:, None]).T
    pre = f"{out}/int8"
    return [_field(_GRAPH_INITIALIZER, _tensor(f"{pre}/weight", q, _INT8)),
            _field(_GRAPH_INITIALIZER, _tensor(f"{pre}/weight_scale", scale, _FLOAT)),
            _node("DynamicQuantizeLinear", [x], [f"{pre}/x", f"{pre}/x_scale", f"{pre}/x_zero"]),
            _node("MatMulInteger", [f"{pre}/x", f"{pre}/weight", f"{pre}/x_zero"], [f"{pre}/product"]),
            _node("Cast", [f"{pre}/product"], [f"{pre}/float"], to=_FLOAT),
            _node("Mul", [f"{pre}/x_scale", f"{pre}/weight_scale"], [f"{pre}/scale"]),
            _node("Mul", [f"{pre}/float", f"{pre}/scale"], [f"{pre}/scaled" if bias else out])] + \
        ([_node("Add", [f"{pre}/scaled", bias[0]], [out])] if bias else [])


def quantized_dense(data: bytes) -> bytes:
    """The model with each Gemm of at least QUANTIZE_FROM constant weights run on 8-bit integers (see above);
    the model unchanged when it has none. ValueError when the bytes are not a model protobuf with a graph."""
    mv = memoryview(data)
    graph_at = [(s, e, p) for num, wt, s, e, p in _fields(mv) if num == _MODEL_GRAPH and wt == 2]
    if not graph_at:
        raise ValueError("no graph")
    start, end, payload = graph_at[0]
    g = mv[payload:end]
    # (number, at, field, body) of each field; one not length-delimited (none in a GraphProto) kept as it is
    fields = [(num, s, g[s:e], g[p:e]) if wt == 2 else (0, s, g[s:e], g[s:s]) for num, wt, s, e, p in _fields(g)]
    nodes = [(s, body) for num, s, _, body in fields if num == _GRAPH_NODE]
    gemms = {s: gm for s, gm in ((s, _gemm(body)) for s, body in nodes) if gm is not None}
    uses: dict[str, int] = {}   # how many nodes read each value; the graph's inputs count too
    for name in [_value_name(body) for num, _, _, body in fields if num == _GRAPH_INPUT] + [
            _text(body[q:e]) for _, body in nodes for n, w, _, e, q in _fields(body) if n == _NODE_INPUT and w == 2]:
        uses[name] = uses.get(name, 0) + 1
    weights, dropped = {}, set()   # the weights quantized: a large float matrix, one Gemm's B and nothing else's
    for num, s, _, body in fields:
        if num == _GRAPH_INITIALIZER:
            name, values = _float_tensor(body)
            if values is not None and values.ndim == 2 and values.size >= QUANTIZE_FROM and uses.get(name) == 1 \
                    and any(gm[0][1] == name for gm in gemms.values()) and np.isfinite(values).all():
                weights[name] = values
                dropped.add(s)   # replaced by its 8-bit copy
    if not weights:
        return data
    parts: list[bytes | memoryview] = []
    for _, s, field, _ in fields:
        gemm = gemms.get(s)
        if gemm is not None and gemm[0][1] in weights:
            (x, w, *bias), (out,), trans_b = gemm
            parts += _int8_dense(x, weights[w], [b for b in bias if b], out, trans_b)   # ("": no bias)
        elif s not in dropped:
            parts.append(field)
    graph = b"".join(parts)
    return b"".join([mv[:start], _encode_varint(_MODEL_GRAPH << 3 | 2), _encode_varint(len(graph)), graph, mv[end:]])


# ------------------------------------------------------------------------------- reading and adding outputs

def _graph(data: bytes) -> memoryview:
    mv = memoryview(data)
    for num, wt, _, end, payload in _fields(mv):
        if num == _MODEL_GRAPH and wt == 2:
            return mv[payload:end]
    raise ValueError("no graph")


def graph_nodes(data: bytes) -> list[tuple[str, list[str], list[str]]]:
    """(operator, inputs, outputs) of each node of the model's graph, in order."""
    g, out = _graph(data), []
    for num, wt, _, e, p in _fields(g):
        if num == _GRAPH_NODE and wt == 2:
            node, op, ins, outs = g[p:e], "", [], []
            for n, w, _, ne, q in _fields(node):
                if w == 2 and n == _NODE_INPUT:
                    ins.append(_text(node[q:ne]))
                elif w == 2 and n == _NODE_OUTPUT:
                    outs.append(_text(node[q:ne]))
                elif w == 2 and n == _NODE_OP_TYPE:
                    op = _text(node[q:ne])
            out.append((op, ins, outs))
    return out


def initializers(data: bytes, names) -> dict[str, np.ndarray]:
    """The float32 initializers of the graph with these names (those found; a copy of each)."""
    g, want, out = _graph(data), set(names), {}
    for num, wt, _, e, p in _fields(g):
        if num == _GRAPH_INITIALIZER and wt == 2:
            name, values = _float_tensor(g[p:e])
            if name in want and values is not None:
                out[name] = values.copy()
    return out


def with_outputs(data: bytes, names) -> bytes:
    """The model with these values of its graph (float32 tensors) as outputs too, after its own."""
    mv = memoryview(data)
    parts: list[bytes | memoryview] = []
    for num, wt, start, end, payload in _fields(mv):
        if num == _MODEL_GRAPH and wt == 2:
            tensor_type = _field(1, _varint_field(1, _FLOAT))   # TypeProto.tensor_type.elem_type
            graph = bytes(mv[payload:end]) + b"".join(
                _field(_GRAPH_OUTPUT, _field(_VALUE_INFO_NAME, n) + _field(2, tensor_type)) for n in names)
            parts += [_encode_varint(_MODEL_GRAPH << 3 | 2), _encode_varint(len(graph)), graph]
        else:
            parts.append(mv[start:end])
    return b"".join(parts)
