"""The judges' networks (torch): train, save, load, export to ONNX for the live path.

The whole-digit judge (JudgeNet: see judge.py for what it is and how the number reader uses it) and the
digit gate (GateNet: see gate.py), which says whether a drawing is a digit at all."""


from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mnist_gui import config
from mnist_gui.core.handwriting.judge import FEATURES, SplitJudge


class JudgeNet(nn.Module):
    """Two small convolutions on the image, joined with the features, one logit: whole digit or not."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        self.head = nn.Sequential(nn.Linear(32 * 7 * 7 + FEATURES, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, images: torch.Tensor, feats: torch.Tensor) -> torch.Tensor:
        x = (images - config.MNIST_MEAN) / config.MNIST_STD
        return self.head(torch.cat([self.conv(x), feats], 1)).squeeze(1)


def _tensors(images, feats):
    x = torch.from_numpy(np.stack(images).astype(np.float32)).unsqueeze(1)
    return x, torch.as_tensor(np.asarray(feats, np.float32).reshape(-1, FEATURES))


def train_judge(images: list[np.ndarray], feats: np.ndarray, whole: np.ndarray, epochs: int = 6,
                seed: int = 0, log: Callable[[str], None] = print) -> JudgeNet:
    """A JudgeNet fitted to candidates labelled whole (1) or not (0)."""
    torch.manual_seed(seed)
    x, f = _tensors(images, feats)
    y = torch.as_tensor(np.asarray(whole, np.float32))
    net = JudgeNet()
    loss_fn = nn.BCEWithLogitsLoss()
    return fit(net, len(y), lambda b: loss_fn(net(x[b], f[b]), y[b]), epochs, 1e-3, "judge", log,
               optimizer=lambda params: torch.optim.Adam(params, lr=1e-3), one_cycle=False)


def save_judge(path, net: JudgeNet, info: dict) -> None:
    """The weights and a note of what they were trained on (plain types: loads with weights_only)."""
    import io

    from mnist_gui.core.storage import atomic_write_bytes
    buf = io.BytesIO()
    torch.save({"judge": net.state_dict(), "info": info}, buf)
    atomic_write_bytes(Path(path), buf.getvalue())


MAX_JUDGE_BYTES = 16 * 1024 * 1024   # a judge's weights and its note are tens of kB


def load_judge(path) -> JudgeNet:
    """The judge saved at path; ValueError in one line when the file is missing or is not one. The file is
    read through the bounded reader first (a FIFO, a device or a folder is refused, never waited on; no more
    than MAX_JUDGE_BYTES are read), and torch unpickles those bytes only."""
    import io

    from mnist_gui.core.storage import StateFileError, read_state_file
    try:
        data = read_state_file(path, MAX_JUDGE_BYTES, follow_links=True)
        payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        net = JudgeNet()
        net.load_state_dict(payload["judge"])
    except FileNotFoundError:
        raise ValueError(f"{path} is missing") from None
    except StateFileError as e:
        raise ValueError(f"{e} (not a whole-digit judge)") from None
    except Exception as e:
        raise ValueError(f"{path} is not a whole-digit judge ({type(e).__name__})") from None
    return net.eval()


def torch_judge(net: JudgeNet) -> SplitJudge:
    """The judge on torch, in the two parts the number reader keeps (judge.SplitJudge)."""
    net.eval()
    first, last = net.head[0], net.head[2]

    @torch.inference_mode()
    def image_part(x: np.ndarray) -> np.ndarray:
        emb = net.conv((torch.from_numpy(x) - config.MNIST_MEAN) / config.MNIST_STD)
        return first(torch.cat([emb, torch.zeros(len(x), FEATURES)], 1)).numpy()

    return SplitJudge(image_part, first.weight.detach()[:, -FEATURES:].numpy(), last.weight.detach().numpy(),
                      last.bias.detach().numpy())


def export_judge_onnx(net: JudgeNet, path) -> Path:
    """The judge as ONNX (inputs "images" [N,1,28,28] raw [0,1] and "features" [N,4]; output "whole",
    P(whole digit)), written atomically: what the live path (judge.py) runs without torch."""
    return _export(net, (torch.rand(2, 1, 28, 28), torch.rand(2, FEATURES)), ["images", "features"], "whole", path)


_BATCH = torch.export.Dim("batch", min=1, max=1 << 16)


def _export(net: nn.Module, example: tuple, input_names: list[str], output: str, path) -> Path:
    """sigmoid(net(*inputs)) as ONNX with those input names, any batch size and one output, written
    atomically."""
    from mnist_gui.core.onnx_export import _quiet
    from mnist_gui.core.storage import atomic_write_bytes

    class Sigmoid(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, *inputs):
            return torch.sigmoid(self.inner(*inputs))

    with torch.no_grad(), _quiet():
        program = torch.onnx.export(Sigmoid(net.eval()), example, input_names=input_names, output_names=[output],
                                    dynamic_shapes={"inputs": tuple({0: _BATCH} for _ in example)},
                                    opset_version=20, dynamo=True,
                                    external_data=False, verbose=False, report=False)
    program.model_proto.producer_name = "mnist-gui"
    data = program.model_proto.SerializeToString()
    path = Path(path)
    atomic_write_bytes(path, data)
    return path


# ------------------------------------------------------------------------------------------------ the gate

class GateNet(nn.Module):
    """A digit or not: three small convolutions on the 28×28 input the classifier sees, one logit."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(32 * 3 * 3, 32), nn.ReLU(), nn.Linear(32, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net((images - config.MNIST_MEAN) / config.MNIST_STD).squeeze(1)


def train_gate(images: np.ndarray, is_digit: np.ndarray, epochs: int = 4, seed: int = 0,
               log: Callable[[str], None] = print) -> GateNet:
    """A GateNet fitted to N 28×28 images labelled digit (1) or not (0); both kinds weigh the same in the
    loss whatever their counts."""
    torch.manual_seed(seed)
    x = torch.from_numpy(np.asarray(images, np.float32)).unsqueeze(1)
    y = torch.as_tensor(np.asarray(is_digit, np.float32))
    pos = float(y.mean())
    w = torch.where(y > 0.5, 0.5 / max(pos, 1e-6), 0.5 / max(1 - pos, 1e-6))
    net = GateNet()
    return fit(net, len(y), lambda b: nn.functional.binary_cross_entropy_with_logits(net(x[b]), y[b], weight=w[b]),
               epochs, 2e-3, "gate", log)


def fit(net: nn.Module, n: int, loss_of: Callable, epochs: int, lr: float, label: str,
        log: Callable[[str], None], optimizer: Callable | None = None, one_cycle: bool = True) -> nn.Module:
    """The loop the small networks share (the gates, the path net, the judge): each epoch the n examples in
    a random order, batches of 128, loss_of(batch indices); AdamW with a one-cycle schedule peaking at lr,
    or optimizer(parameters) (the judge: Adam at a fixed rate, one_cycle=False)."""
    opt = optimizer(net.parameters()) if optimizer else torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(1, epochs * ((n + 127) // 128))) \
        if one_cycle else None
    for epoch in range(epochs):
        order = torch.randperm(n)
        total = 0.0
        net.train()
        for i in range(0, n, 128):
            b = order[i:i + 128]
            loss = loss_of(b)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            total += loss.item() * len(b)
        log(f"{label} epoch {epoch + 1}/{epochs}: loss {total / n:.4f}")
    return net.eval()


@torch.inference_mode()
def gate_scores(net: GateNet, images) -> np.ndarray:
    """P(digit) of N 28×28 images, by the torch network (what its ONNX export computes)."""
    x = torch.from_numpy(np.asarray(images, np.float32)).unsqueeze(1)
    return torch.cat([torch.sigmoid(net.eval()(x[i:i + 1000])) for i in range(0, len(x), 1000)]).double().numpy()


def export_gate_onnx(net: GateNet, path) -> Path:
    """The gate as ONNX (input "images" [N,1,28,28] raw [0,1]; output "digit", P(digit)), written
    atomically: what the live path (gate.py) runs without torch."""
    return _export(net, (torch.rand(2, 1, 28, 28),), ["images"], "digit", path)
