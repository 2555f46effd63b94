"""Is a candidate group of strokes a whole digit? The number reader's second opinion.

The digit classifier was trained on whole digits only, so it names a digit for anything it is shown:
the left stroke of a 4 written in two strokes reads as a confident 6 or 1, and the 4 becomes two digits.
The judge is a small network that says how likely a candidate the reader proposes is one whole digit
rather than a piece of one, or a digit with a piece of its neighbour. It sees the candidate's 28×28 image
(the one the classifier sees) and what the image has lost by being scaled to fit: its height against the
line's, its width against its height, how many strokes it has and whether it is a cut piece of a stroke.

It learns from the reader's own candidates: numbers laid out from pen-drawn digits (as
core/handwriting/synthetic.py builds them), each candidate labelled whole when its strokes are exactly one
digit's (scripts/train_number_judge.py). It does not depend on the classifier, so teaching and
retraining the classifier leave it as it is.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from mnist_gui import config
from mnist_gui.core.handwriting.numbers import Judge

FEATURES = 4   # numbers.judge_features


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


JUDGE_FILE: Path | None = None   # None: the one that ships (resources/number_judge.pt)


@functools.cache
def shipped_judge() -> Judge | None:
    """The judge that ships (or JUDGE_FILE), loaded once; None, said once on stderr, when it cannot be
    found or read (numbers are then read without it, as before it existed)."""
    try:
        path = JUDGE_FILE or config.resource_path("number_judge.pt")
        return torch_judge(load_judge(path))
    except Exception as e:  # a broken install must not stop number reading
        print(f"mnist-gui: reading numbers without the whole-digit judge: {e}", file=sys.stderr)
        return None
