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
    return batch_features([strokes])[0]


def batch_features(stroke_sets) -> np.ndarray:
    """N × CHANNELS × POINTS: `features` of each stroke set, all resampled at once (the ways of turning a
    drawing round, elastic.turned, or number mode's candidates cost little more than one)."""
    out = np.zeros((len(stroke_sets), CHANNELS, POINTS), np.float32)
    inked = [(n, [p for p in (np.asarray(s, np.float64).reshape(-1, 2) for s in strokes) if len(p)])
             for n, strokes in enumerate(stroke_sets)]
    inked = [(n, pts) for n, pts in inked if pts]
    if not inked:
        return out
    # one polyline per set: every stroke's points, so the jump from a stroke's end to the next one's start
    # is a segment too (pen flag 0; 1 within a stroke); padded to the longest by repeating the last point
    # and the last flag: segments of length 0, the same features as the set alone
    sizes = [sum(len(p) for p in pts) for _, pts in inked]
    path, down = np.empty((len(inked), max(sizes), 2)), np.ones((len(inked), max(max(sizes) - 1, 1)))
    for r, ((_, pts), size) in enumerate(zip(inked, sizes)):
        path[r, :size], path[r, size:] = np.concatenate(pts), pts[-1][-1]
        down[r, np.cumsum([len(p) for p in pts[:-1]], dtype=np.int64) - 1] = 0.0
        down[r, size - 1:] = down[r, size - 2] if size > 1 else 1.0
    out[[n for n, _ in inked]] = _resampled(path, down, np.array(sizes))
    return out


def _resampled(path: np.ndarray, down: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """W × CHANNELS × POINTS from W polylines (W × P × 2, row w's first sizes[w] points its own, the rest
    its last point again) and their segments' pen flags (W × P-1)."""
    out = np.zeros((len(path), CHANNELS, POINTS), np.float32)
    lo, hi = path.min(1), path.max(1)
    centre, half = lo / 2 + hi / 2, np.maximum((hi - lo).max(1) / 2, 1e-6)   # halves first: no overflow
    path = (path - centre[:, None]) / half[:, None, None]
    seg = np.linalg.norm(np.diff(path, axis=1), axis=2)
    total = np.array([r[:m - 1].sum() for r, m in zip(seg, sizes)])   # summed as one set's alone
    dot = total < 1e-9                     # a dot (or several at one place)
    live = np.flatnonzero(~dot)
    if len(live) < len(path):
        out[dot, 0:2] = path[dot, 0, :, None]
        out[dot, 4] = 1.0
        if not len(live):
            return out
        path, down, total, seg = path[live], down[live], total[live], seg[live]
    s = np.concatenate([np.zeros((len(live), 1)), np.cumsum(seg, 1)], 1)
    end = s[np.arange(len(live)), sizes[live] - 1][:, None]
    at = np.arange(POINTS) * (total[:, None] / (POINTS - 1))   # np.linspace(0, total, POINTS), row by row
    at[:, -1] = total
    # np.interp's arithmetic, both coordinates at once: at[i] in segment k, s[k] <= at[i] < s[k + 1]
    k = np.clip(np.stack([np.searchsorted(r, a, side="right") for r, a in zip(s, at)]) - 1, 0, s.shape[1] - 2)
    rows = np.arange(len(live))[:, None]
    t0, t1, p0, p1 = s[rows, k], s[rows, k + 1], path[rows, k], path[rows, k + 1]
    with np.errstate(divide="ignore", invalid="ignore"):   # t1 == t0 only where at == t0: p0, below
        xy = ((p1 - p0) / (t1 - t0)[..., None]) * (at - t0)[..., None] + p0
    xy = np.where((at == t0)[..., None], p0, xy)
    xy = np.where((at >= end)[..., None], path[:, -1:], xy)
    d = np.empty_like(xy)                  # np.gradient(xy, axis=1)
    d[:, 1:-1] = (xy[:, 2:] - xy[:, :-2]) / 2.0
    d[:, 0], d[:, -1] = xy[:, 1] - xy[:, 0], xy[:, -1] - xy[:, -2]
    d /= np.maximum(np.linalg.norm(d, axis=2, keepdims=True), 1e-9)
    out[live, 0:2], out[live, 2:4], out[live, 4] = xy.transpose(0, 2, 1), d.transpose(0, 2, 1), down[rows, k]
    return out


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
