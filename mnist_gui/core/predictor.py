"""The live model on torch: the classifier a core/reading.Reader reads with when a network has no ONNX
export (and the tests' reference), and `torch_classifier`, a batched classify() for any torch model.

torch is imported when a prediction is made, not with this module. The thresholds of what the app says
of a reading are core/reading.py's and preprocess.py's (NOT_SURE_BELOW and digit_like are named here too, for old callers)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from mnist_gui import config
from mnist_gui.core.preprocess import digit_like  # noqa: F401  (old callers' names)
from mnist_gui.core.reading import NOT_SURE_BELOW  # noqa: F401

if TYPE_CHECKING:
    from torch import nn

def to_tensor(img28: np.ndarray):
    """28×28 [0,1] -> 1×1×28×28 normalised tensor."""
    import torch
    x = torch.from_numpy(np.ascontiguousarray(img28, dtype=np.float32)).view(1, 1, config.IMAGE_SIZE, config.IMAGE_SIZE)
    return (x - config.MNIST_MEAN) / config.MNIST_STD


class Predictor:
    """The live model on torch (a network that could not be exported to ONNX, and the tests' reference;
    the app reads with core/live.LivePredictor)."""

    def __init__(self, model: nn.Module):
        self.set_model(model)

    def set_model(self, model: nn.Module) -> None:
        self.model = model.eval()

    def classify(self, images: Sequence[np.ndarray]) -> np.ndarray:
        """28×28 [0,1] images -> [N, 10] probabilities, in one forward pass."""
        import torch

        from mnist_gui.core.preprocess import normalize_batch
        if not len(images):
            return np.zeros((0, 10))
        with torch.inference_mode():
            x = torch.from_numpy(normalize_batch(images))
            return self.model(x).softmax(1).double().numpy()

    def probabilities(self, img28: np.ndarray) -> np.ndarray:
        """28×28 [0,1] image -> ten probabilities (float64 numpy array)."""
        import torch
        with torch.inference_mode():
            logits = self.model(to_tensor(img28))
            return logits.softmax(1)[0].double().numpy()

    def activations(self, img28: np.ndarray) -> dict[str, np.ndarray]:
        """Every leaf layer's output for one image, by layer name (batch dimension removed)."""
        import torch
        with torch.inference_mode():
            return self._activations(img28)

    def _activations(self, img28: np.ndarray) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        hooks = []
        for name, mod in self.model.named_modules():
            if name and not list(mod.children()):
                hooks.append(mod.register_forward_hook(
                    lambda m, i, o, name=name: out.__setitem__(name, o[0].detach().numpy().copy())))
        try:
            logits = self.model(to_tensor(img28))
        finally:
            for h in hooks:
                h.remove()
        out["softmax"] = logits.softmax(1)[0].numpy()
        return out


def torch_classifier(model) -> Callable[[list[np.ndarray]], np.ndarray]:
    """A batched classify() for a PyTorch model: one forward pass for all images."""
    import torch

    @torch.inference_mode()
    def classify(images: list[np.ndarray]) -> np.ndarray:
        if not images:
            return np.zeros((0, 10))
        x = torch.from_numpy(np.stack(images).astype(np.float32)).unsqueeze(1)
        x = (x - config.MNIST_MEAN) / config.MNIST_STD
        return model.eval()(x).softmax(1).double().numpy()

    return classify
