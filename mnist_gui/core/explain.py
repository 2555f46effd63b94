"""Why this digit: which parts of the ink pushed the classifier towards its answer, and which against.

Occlusion (Zeiler and Fergus, "Visualizing and Understanding Convolutional Networks", 2014): a small
square of the 28×28 input is blanked, the classifier reads the copy, and the change in the probability of
the answer is laid back on the pixels the square covered. Every copy goes to the classifier in one batch
(the live model on ONNX Runtime: NumPy only, no torch). Only squares that hold ink are tried: blanking
paper changes nothing.

The map is positive where blanking the ink lowered the answer's log-odds (that ink made the answer) and
negative where it raised them (that ink spoke against it); zero off the ink.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["INK", "PATCH", "STRIDE", "TINY", "occlusion_map"]

PATCH = 4     # the blanked square's side, in input pixels (a stroke of the 28×28 input is 2–3 pixels wide)
STRIDE = 2    # the step between squares: each pixel is covered by up to four of them
INK = 0.1     # a pixel with more than this (0 paper, 1 full ink) is ink
TINY = 1e-30  # probabilities are floored here before their logarithm

Classify = Callable[[Sequence[np.ndarray]], np.ndarray]   # N 28×28 images -> N×10 probabilities


def occlusion_map(classify: Classify, img28: np.ndarray, digit: int, patch: int = PATCH,
                  stride: int = STRIDE) -> np.ndarray:
    """The 28×28 map of how much each pixel of ink pushed `classify` towards `digit` (positive) or away
    from it (negative): the mean drop in the answer's log-odds over the blanked squares that covered it."""
    img = np.asarray(img28, np.float32)
    h, w = img.shape
    ink = img > INK
    spots = [(y, x) for y in range(0, h - patch + 1, stride) for x in range(0, w - patch + 1, stride)
             if ink[y:y + patch, x:x + patch].any()]
    if not spots:
        return np.zeros_like(img)
    copies = np.repeat(img[None], len(spots) + 1, axis=0)
    for i, (y, x) in enumerate(spots, start=1):
        copies[i, y:y + patch, x:x + patch] = 0.0
    q = np.asarray(classify(list(copies)), np.float64)
    # log-odds of the answer, log P(digit) - log P(any other): a confident reading (P near 1) still shows
    # which ink it rests on, where P itself would not move in float32
    odds = np.log(np.maximum(q[:, digit], TINY)) - np.log(np.maximum(np.delete(q, digit, axis=1).sum(1), TINY))
    total = np.zeros_like(img)
    covered = np.zeros_like(img)
    for (y, x), drop in zip(spots, odds[0] - odds[1:]):
        total[y:y + patch, x:x + patch] += drop
        covered[y:y + patch, x:x + patch] += 1
    return np.where(ink, total / np.maximum(covered, 1), 0.0).astype(np.float32)
