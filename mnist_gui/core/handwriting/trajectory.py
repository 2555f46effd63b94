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

`features` and the combination need numpy only; training and export need torch, the live path
(`onnx_trajectory`) ONNX Runtime.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from mnist_gui import config

log = logging.getLogger(__name__)

POINTS = 64          # points along the path
CHANNELS = 5         # x, y, cos and sin of the direction of travel, pen down (1) or between strokes (0)
PathReader = Callable[[Sequence], np.ndarray]   # N stroke sets -> N×10 probabilities

# How the path net's opinion joins the image's: softmax(log p_image + WEIGHT · log p_path / TEMPERATURE).
# The weight is 1 (a product of the two readers, not chosen on anything); the temperature is what the inner
# writer folds of benchmarks/pendigits_nested.py chose for the path net (0.5, 0.75, 0.5 for the three
# outer folds: the least negative log-likelihood on inner held-out writers). On the outer folds this
# reads 99.69% of unseen writers' digits against the image's 98.31% (benchmarks/README.md).
WEIGHT = 1.0
TEMPERATURE = 0.5
VARIANTS, EPOCHS = 2, 6   # the training recipe: each pen digit as drawn and 2 varied copies, 6 epochs
PATH_FILE: Path | None = None   # None: the one that ships (resources/trajectory.onnx)


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
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2, 1e-6)
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


# ------------------------------------------------------------------------------------------------ the net

def _torch_parts():
    import torch
    from torch import nn

    class TrajectoryNet(nn.Module):
        """Five 1-D convolutions over the path's points, average and max over the path, ten logits (one
        for the path gate: digit or not)."""

        def __init__(self, outputs: int = 10):
            super().__init__()

            def block(i, o, k):
                return [nn.Conv1d(i, o, k, padding=k // 2, bias=False), nn.BatchNorm1d(o), nn.ReLU()]

            self.body = nn.Sequential(*block(CHANNELS, 48, 5), *block(48, 48, 5), nn.MaxPool1d(2),
                                      *block(48, 96, 3), *block(96, 96, 3), nn.MaxPool1d(2),
                                      *block(96, 96, 3))
            self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(192, outputs))

        def forward(self, paths: torch.Tensor) -> torch.Tensor:
            h = self.body(paths)
            return self.head(torch.cat([h.mean(2), h.amax(2)], 1))

    return torch, nn, TrajectoryNet


def new_net(outputs: int = 10):
    return _torch_parts()[2](outputs)


def varied_features(digits, variants: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each pen digit's features as drawn and `variants` times varied (pendigits.vary_strokes); labels."""
    from mnist_gui.core.handwriting.pendigits import vary_strokes
    rng = np.random.default_rng(seed)
    feats, labels = [], []
    for k in range(variants + 1):
        for d in digits:
            feats.append(features(d.strokes if k == 0 else vary_strokes(d.strokes, rng)))
            labels.append(d.label)
    return np.stack(feats), np.asarray(labels, np.int64)


def train_trajectory(feats: np.ndarray, labels: np.ndarray, epochs: int = EPOCHS, seed: int = 0,
                     log: Callable[[str], None] = print, gate: bool = False):
    """A TrajectoryNet fitted to N feature arrays (varied_features) and their digits; with gate=True a
    path gate fitted to labels digit (1) or not (0), both kinds weighing the same whatever their counts."""
    torch, nn, TrajectoryNet = _torch_parts()
    torch.manual_seed(seed)
    x = torch.from_numpy(np.asarray(feats, np.float32))
    y = torch.as_tensor(np.asarray(labels, np.float32 if gate else np.int64))
    net = TrajectoryNet(1 if gate else 10)
    if gate:
        pos = float(y.mean())
        w = torch.where(y > 0.5, 0.5 / max(pos, 1e-6), 0.5 / max(1 - pos, 1e-6))

        def loss_of(b):
            return nn.functional.binary_cross_entropy_with_logits(net(x[b]).squeeze(1), y[b], weight=w[b])
    else:
        def loss_of(b):
            return nn.functional.cross_entropy(net(x[b]), y[b], label_smoothing=0.05)
    from mnist_gui.core.handwriting.judge_net import fit
    return fit(net, len(y), loss_of, epochs, 3e-3, "path gate" if gate else "path net", log)


def _torch_outputs(net, feats, head, empty: tuple) -> np.ndarray:
    """head(net(x)) of N feature arrays, 1,000 at a time, by the torch network (what its ONNX export
    computes); zeros of shape `empty` for none."""
    torch = _torch_parts()[0]
    x = torch.from_numpy(np.asarray(feats, np.float32))
    if not len(x):
        return np.zeros(empty)
    with torch.inference_mode():
        return torch.cat([head(net.eval()(x[i:i + 1000])) for i in range(0, len(x), 1000)]).double().numpy()


def path_probabilities(net, feats) -> np.ndarray:
    """N×10 probabilities of N feature arrays by a path net."""
    return _torch_outputs(net, feats, lambda z: z.softmax(1), (0, 10))


def path_gate_scores(net, feats) -> np.ndarray:
    """P(digit) of N feature arrays by a path gate (train_trajectory(gate=True))."""
    return _torch_outputs(net, feats, lambda z: z[:, 0].sigmoid(), (0,))


def export_trajectory_onnx(net, path, gate: bool = False) -> Path:
    """The path net as ONNX (input "paths" [N, CHANNELS, POINTS]; output "probabilities" [N, 10]; a path
    gate's output "digit" [N], P(digit)), written atomically: what the live path runs without torch."""
    torch, nn, _ = _torch_parts()
    from mnist_gui.core.handwriting.judge_net import _BATCH
    from mnist_gui.core.onnx_export import _quiet
    from mnist_gui.core.storage import atomic_write_bytes

    class Softmax(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, paths):
            z = self.inner(paths)
            return torch.sigmoid(z[:, 0]) if gate else torch.softmax(z, 1)

    with torch.no_grad(), _quiet():
        program = torch.onnx.export(Softmax(net.eval()), (torch.rand(2, CHANNELS, POINTS),),
                                    input_names=["paths"], output_names=["digit" if gate else "probabilities"],
                                    dynamic_shapes={"paths": {0: _BATCH}}, opset_version=20, dynamo=True,
                                    external_data=False, verbose=False, report=False)
    program.model_proto.producer_name = "mnist-gui"
    path = Path(path)
    atomic_write_bytes(path, program.model_proto.SerializeToString())
    return path


# --------------------------------------------------------------------------------------- the live path

def onnx_trajectory(path, threads: int = 1) -> PathReader:
    """The path net exported by export_trajectory_onnx, on ONNX Runtime; ValueError in one line when the
    file is missing or is not one."""
    from mnist_gui.core.live import checked_session
    session = checked_session(path, ["paths"], ["probabilities"], "a path recognizer", threads)

    def read(stroke_sets) -> np.ndarray:
        x = batch_features(stroke_sets)
        if not len(x):
            return np.zeros((0, 10))
        return session.run(["probabilities"], {"paths": x})[0].astype(np.float64)

    return read


@functools.cache
def shipped_trajectory() -> PathReader | None:
    """The path net that ships (or PATH_FILE), loaded once; None, said once on stderr, when it cannot be
    found or read (digits are then read from the image alone)."""
    try:
        return onnx_trajectory(PATH_FILE or config.resource_path("trajectory.onnx"))
    except Exception as e:  # a broken install must not stop the drawing
        log.warning("reading drawings without the pen-path recognizer: %s", e)
        return None


def with_path(p_image: np.ndarray, strokes) -> np.ndarray:
    """The image's probabilities joined with the path net's reading of the same strokes (the image's
    alone when there are no strokes or no path net)."""
    reader = shipped_trajectory() if strokes else None
    if reader is None:
        return p_image
    return combine(p_image, reader([strokes])[0])
