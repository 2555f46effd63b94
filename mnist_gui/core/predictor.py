"""Model + preprocessing -> probabilities (and activations for the GUI).

torch is imported when a prediction is made, not with this module: the window shows (and `doubt`
is usable) before torch has loaded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mnist_gui.core.preprocess import Stroke, image_to_mnist, strokes_to_mnist, to_tensor

if TYPE_CHECKING:
    from torch import nn

# "Not sure": below this top probability the app shows the top two instead of claiming a digit.
# Chosen by writer folds (benchmarks/pendigits_cv.py --fold-models): each fold's pen digits read by a model
# that never saw its writers, the threshold chosen on two folds and scored on the third: 0.80, 0.80 and
# 0.75 were chosen, and on the held-out folds they cost 111 against 120 for the earlier 0.9.
NOT_SURE_BELOW = 0.8
# A 28×28 input with more mean ink than this is not digit-like (a scribble, a filled blob): the
# most ink-heavy MNIST training digit has 0.40, its 99.9th percentile 0.29, pen-drawn digits ≤ 0.25.
MAX_MEAN_INK = 0.30
# ... nor with less (a single point: 0.008): the least MNIST training digit has 0.025, pen digits 0.065.
MIN_MEAN_INK = 0.02
# ... nor an ink box more than this many times as wide as it is high (a dash or a tap of the pen,
# stretched to 20 px: 5): MNIST training digits at most 2.5, pen-drawn digits 1.67.
MAX_ASPECT = 2.5


def _aspect(img28: np.ndarray, ink: float = 0.25) -> float:
    ys, xs = np.nonzero(img28 > ink)
    return 0.0 if len(xs) == 0 else (np.ptp(xs) + 1) / (np.ptp(ys) + 1)


def digit_like(img28: np.ndarray) -> bool:
    """Could this 28×28 input be a digit at all: not too little or too much ink, not a bar?"""
    return MIN_MEAN_INK <= float(np.mean(img28)) <= MAX_MEAN_INK and _aspect(img28) <= MAX_ASPECT


def doubt(probs: np.ndarray, img28: np.ndarray | None = None, digit: int | None = None,
          strokes=None) -> str | None:
    """Why the app should not claim a digit (None when it can): digit, or else the most probable one.
    With the 28×28 input: "not digit-like" (its ink), "not a digit" (the digit gate, handwriting/gate.py,
    which also reads the pen's path when the strokes are given)."""
    if img28 is not None and not digit_like(img28):
        return "not digit-like"
    if img28 is not None:
        from mnist_gui.core.handwriting.gate import looks_like_a_digit
        if not looks_like_a_digit(img28, strokes):
            return "not a digit"
    if float(probs[digit] if digit is not None else np.max(probs)) < NOT_SURE_BELOW:
        return "not sure"
    return None


class Reader:
    """What every reader of the live model does with its probabilities() and classify() (a batch): read
    strokes, an image, a whole number (candidates cached while the model stays). Used from one thread."""

    def _forget_numbers(self) -> None:
        self._number_cache: dict = {}   # candidate strokes -> (image, probabilities) of this model

    def probabilities(self, img28: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def classify(self, images: Sequence[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def predict_strokes(self, strokes: Sequence[Stroke]) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The strokes' 28×28 input and its probabilities: the image's, joined with the pen-path
        recognizer's reading of the same strokes (handwriting/trajectory.py)."""
        from mnist_gui.core.handwriting.trajectory import with_path
        img = strokes_to_mnist(strokes)
        return img, (None if img is None else with_path(self.probabilities(img), strokes))

    def predict_image(self, image) -> tuple[np.ndarray | None, np.ndarray | None]:
        img = image_to_mnist(image)
        return img, (None if img is None else self.probabilities(img))

    def read_number(self, strokes: Sequence[Stroke]):
        """The strokes read as a number (handwriting.numbers.read_number: a NumberReading, or None when
        there is no ink), with the whole-digit judge and the pen-path recognizer; candidates are cached while this model is live."""
        from mnist_gui.core.handwriting.judge import shipped_judge
        from mnist_gui.core.handwriting.numbers import read_number
        from mnist_gui.core.handwriting.trajectory import shipped_trajectory
        return read_number(strokes, self.classify, self._number_cache, shipped_judge(), shipped_trajectory())


class Predictor(Reader):
    """The live model on torch (a network that could not be exported to ONNX, and the tests' reference;
    the app reads with core/live.LivePredictor)."""

    def __init__(self, model: nn.Module):
        self.set_model(model)

    def set_model(self, model: nn.Module) -> None:
        self.model = model.eval()
        self._forget_numbers()

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
