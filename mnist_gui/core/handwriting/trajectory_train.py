"""The path net and the path gate (handwriting/trajectory.py) with torch: build, train, score, export to
ONNX. The run time (features, the combination, the exported nets on ONNX Runtime) is trajectory.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from mnist_gui.core.handwriting.trajectory import CHANNELS, POINTS, batch_features

VARIANTS, EPOCHS = 2, 6   # the training recipe: each pen digit as drawn and 2 varied copies, 6 epochs




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
    feats = [batch_features([d.strokes if k == 0 else vary_strokes(d.strokes, rng) for d in digits])
             for k in range(variants + 1)]
    return np.concatenate(feats), np.tile(np.asarray([d.label for d in digits], np.int64), variants + 1)


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


