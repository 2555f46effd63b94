"""The protobuf wire format, just enough to drop graph outputs from an ONNX model without the onnx package
(core/live.py runs the probabilities on such a lean copy of the graph)."""

from __future__ import annotations

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


_MODEL_GRAPH, _GRAPH_OUTPUT, _VALUE_INFO_NAME = 7, 12, 1   # onnx.proto field numbers


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
