"""The whole-digit judge's network (torch): train, save, load, export to ONNX for the live path.

See judge.py for what the judge is and how the number reader uses it."""


from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn

from mnist_gui import config
from mnist_gui.core.handwriting.judge import FEATURES
from mnist_gui.core.handwriting.numbers import Judge


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
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    for epoch in range(epochs):
        order = torch.randperm(len(y))
        total = 0.0
        net.train()
        for i in range(0, len(y), 128):
            b = order[i:i + 128]
            loss = loss_fn(net(x[b], f[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        log(f"judge epoch {epoch + 1}/{epochs}: loss {total / len(y):.4f}")
    return net.eval()


def save_judge(path, net: JudgeNet, info: dict) -> None:
    """The weights and a note of what they were trained on (plain types: loads with weights_only)."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save({"judge": net.state_dict(), "info": info}, tmp)
    tmp.replace(path)


def load_judge(path) -> JudgeNet:
    """The judge saved at path; ValueError in one line when the file is missing or is not one."""
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
        net = JudgeNet()
        net.load_state_dict(payload["judge"])
    except FileNotFoundError:
        raise ValueError(f"{path} is missing") from None
    except Exception as e:
        raise ValueError(f"{path} is not a whole-digit judge ({type(e).__name__})") from None
    return net.eval()


def torch_judge(net: JudgeNet) -> Judge:
    @torch.inference_mode()
    def judge(images: list[np.ndarray], feats) -> np.ndarray:
        if not images:
            return np.zeros(0)
        return torch.sigmoid(net.eval()(*_tensors(images, feats))).double().numpy()

    return judge


def export_judge_onnx(net: JudgeNet, path) -> Path:
    """The judge as ONNX (inputs "images" [N,1,28,28] raw [0,1] and "features" [N,4]; output "whole",
    P(whole digit)), written atomically: what the live path (judge.py) runs without torch."""
    from mnist_gui.core.storage import atomic_write_bytes

    class Whole(nn.Module):
        def __init__(self, judge):
            super().__init__()
            self.judge = judge

        def forward(self, images, feats):
            return torch.sigmoid(self.judge(images, feats))

    import io
    buf = io.BytesIO()
    batch = torch.export.Dim("batch", min=1, max=1 << 16)
    from mnist_gui.core.onnx_export import _quiet
    with torch.no_grad(), _quiet():
        program = torch.onnx.export(Whole(net.eval()), (torch.rand(2, 1, 28, 28), torch.rand(2, FEATURES)),
                                    input_names=["images", "features"], output_names=["whole"],
                                    dynamic_shapes={"images": {0: batch}, "feats": {0: batch}},
                                    opset_version=20, dynamo=True, external_data=False, verbose=False,
                                    report=False)
    program.model_proto.producer_name = "mnist-gui"
    buf.write(program.model_proto.SerializeToString())
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path
