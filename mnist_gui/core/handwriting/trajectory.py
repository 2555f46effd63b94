"""What the canvas knows and an image does not: the pen's path. A second recognizer on the trajectory.

The image CNN sees 28×28 ink; two digits that look alike as ink are often drawn differently (a 9 as a
loop then a stem, a 4 in two strokes, a 1 as a single down stroke against a 7's across-then-down). The
trajectory net reads the strokes as the pen made them: N points equally spaced along the whole path,
the jumps between strokes included, each with its position (centred, scaled by the drawing's larger side,
so the aspect is kept), its direction of travel and whether the pen was down. A small 1-D convolutional
network turns that into ten logits. It trains on the pen writers' digits (UNIPEN strokes), each varied as
another hand might draw it (pendigits.vary_strokes), and never on images.

The two are combined as a weighted sum of log-probabilities, softmax(log p_image + w · log p_path / T),
with the path net's temperature T (and w) chosen on writer folds (benchmarks/pendigits_nested.py).
Images and dropped files keep the image path alone: they have no strokes.

This module is the run time (numpy and ONNX Runtime): `features`, the combination and `onnx_trajectory`.
Training and export (torch) are in trajectory_train.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from mnist_gui.core.live import checked_session

POINTS = 64          # points along the path
CHANNELS = 5         # x, y, cos and sin of the direction of travel, pen down (1) or between strokes (0)
PathReader = Callable[[Sequence], np.ndarray]   # N stroke sets -> N×10 probabilities

# How the path net's opinion joins the image's: softmax(log p_image + WEIGHT · log p_path / TEMPERATURE).
# The weight is 1 (a product of the two readers); the temperature is what the inner writer folds of
# benchmarks/pendigits_nested.py chose for the path net (its figures: benchmarks/README.md).
WEIGHT = 1.0
TEMPERATURE = 0.5


def features(strokes) -> np.ndarray:
    """CHANNELS × POINTS float32 for one digit's strokes (screen coordinates, y down); zeros when there
    is no ink. Points are spaced equally along the pen's path, including the jumps from one stroke's end
    to the next stroke's start (marked pen up), so the order and the direction of the strokes count."""
    pts = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    pts = [p for p in pts if len(p)]
    out = np.zeros((CHANNELS, POINTS), np.float32)
    if not pts:
        return out
    allp = np.vstack(pts)
    lo, hi = allp.min(0), allp.max(0)
    centre, half = lo / 2 + hi / 2, max(float((hi - lo).max()) / 2, 1e-6)   # halves first: no overflow
    # one polyline: every stroke's points, and the jump to the next stroke; pen flag per segment
    path, down = [pts[0][0]], []
    for i, p in enumerate(pts):
        if i:
            path.append(p[0])
            down.append(0.0)
        path.extend(p[1:])
        down.extend([1.0] * (len(p) - 1))
    path = (np.asarray(path) - centre) / half
    down = np.asarray(down)
    seg = np.linalg.norm(np.diff(path, axis=0), axis=1) if len(path) > 1 else np.zeros(0)
    total = float(seg.sum())
    if total < 1e-9:                       # a dot (or several at one place)
        out[0:2] = path[0][:, None]
        out[4] = 1.0
        return out
    s = np.concatenate([[0.0], np.cumsum(seg)])
    at = np.linspace(0.0, total, POINTS)
    x, y = np.interp(at, s, path[:, 0]), np.interp(at, s, path[:, 1])
    k = np.clip(np.searchsorted(s, at, side="right") - 1, 0, len(seg) - 1)
    d = np.stack([np.gradient(x), np.gradient(y)])
    d /= np.maximum(np.linalg.norm(d, axis=0), 1e-9)
    out[0], out[1], out[2], out[3], out[4] = x, y, d[0], d[1], down[k]
    return out


def batch_features(stroke_sets) -> np.ndarray:
    return np.stack([features(s) for s in stroke_sets]) if len(stroke_sets) else \
        np.zeros((0, CHANNELS, POINTS), np.float32)


def combine(p_image: np.ndarray, p_path: np.ndarray, weight: float = WEIGHT,
            temperature: float = TEMPERATURE) -> np.ndarray:
    """softmax(log p_image + weight · log p_path / temperature), row by row (N×10 or 10)."""
    li = np.log(np.clip(np.asarray(p_image, np.float64), 1e-12, 1.0))
    lp = np.log(np.clip(np.asarray(p_path, np.float64), 1e-12, 1.0))
    z = li + weight * lp / temperature
    z -= z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


# --------------------------------------------------------------------------------------- the live path

class PathNet:
    """A path network exported by trajectory_train.export_trajectory_onnx, on ONNX Runtime: the path net
    (output "probabilities", N×10) or the path gate (output "digit", N P(digit)). Called on N stroke sets,
    or on their features (`on_features`) when they are already computed."""

    def __init__(self, session, output: str):
        self._session, self._output = session, output

    def on_features(self, feats: np.ndarray) -> np.ndarray:
        x = np.asarray(feats, np.float32).reshape(-1, CHANNELS, POINTS)
        if self._output == "digit":
            if not len(x):
                return np.zeros(0)
            return self._session.run(["digit"], {"paths": x})[0].astype(np.float64).reshape(-1)
        if not len(x):
            return np.zeros((0, 10))
        return self._session.run(["probabilities"], {"paths": x})[0].astype(np.float64)

    def __call__(self, stroke_sets) -> np.ndarray:
        return self.on_features(batch_features(stroke_sets))


def on_features(reader, feats: np.ndarray, stroke_sets) -> np.ndarray:
    """reader's answer for stroke sets whose features are computed already (a plain callable, as the
    benchmarks pass, is called on the stroke sets)."""
    return reader.on_features(feats) if hasattr(reader, "on_features") else reader(stroke_sets)


def onnx_trajectory(path, threads: int = 1) -> PathNet:
    """The path net exported by trajectory_train.export_trajectory_onnx, on ONNX Runtime; ValueError in one
    line when the file is missing or is not one."""
    return PathNet(checked_session(path, ["paths"], ["probabilities"], "a path recognizer", threads),
                   "probabilities")
