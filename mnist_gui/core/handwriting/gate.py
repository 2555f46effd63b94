"""Is a drawing a digit at all? The digit gate on ONNX Runtime (no torch).

The digit classifier was trained on digits only, so it names a digit for anything it is shown: a zig-zag or
a cross reads as an 8, "100% sure". The gate is a small network (judge_net.GateNet) that sees the same
28×28 input and says how likely it is to be a digit. It learned from real digits (MNIST and pen-drawn) and
from shapes that are not digits (shapes.py: scribbles, zig-zags, crosses, spirals, hatching, letters,
symbols, two digits side by side), all rendered through the canvas's path (scripts/train_digit_gate.py).
It does not depend on the classifier: retraining or teaching the classifier leaves it as it is.

Drawn strokes have a second gate, on the pen's path (the trajectory net's body with one output,
handwriting/trajectory.py, resources/path_gate.onnx): what order and direction the pen took. For strokes
the app's score is the geometric mean of the two, sqrt(P_image · P_path); images and dropped files have the
image gate alone. Both learn from random polylines too (shapes.polyline; what that
changed: benchmarks/README.md); the path gate also from digits and shapes with their strokes reversed and
reordered (shapes.reorient), so that a 0 drawn clockwise or a 1 drawn upwards is a digit too.

This module opens the exported gates (ONNX Runtime, no torch); core/reading.ReadingModels owns the ones
the app runs. Their networks and training are in judge_net.py (GateNet) and trajectory_train.py.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mnist_gui import config
from mnist_gui.core.handwriting.trajectory import PathNet
from mnist_gui.core.live import checked_session

Gate = Callable[[np.ndarray], np.ndarray]   # N 28×28 images -> N P(digit)

# Below these the app says "not a digit": the joined score for drawn strokes (the image and path gates),
# the image gate's alone for images and dropped files. Chosen by writer folds (benchmarks/pendigits_nested.py;
# how: benchmarks/README.md).
NOT_A_DIGIT_WITH_PATH_BELOW = 0.42
NOT_A_DIGIT_BELOW = 0.21


def onnx_gate(path, threads: int = 1) -> Gate:
    """The gate exported by judge_net.export_gate_onnx, on ONNX Runtime; ValueError in one line when the
    file is missing or is not one."""
    session = checked_session(path, ["images"], ["digit"], "a digit gate", threads)

    def gate(images) -> np.ndarray:
        x = np.asarray(images, np.float32).reshape(-1, 1, config.IMAGE_SIZE, config.IMAGE_SIZE)
        if not len(x):
            return np.zeros(0)
        return session.run(["digit"], {"images": x})[0].astype(np.float64).reshape(-1)

    return gate


def onnx_path_gate(path, threads: int = 1) -> PathNet:
    """The path gate exported by trajectory_train.export_trajectory_onnx(gate=True), on ONNX Runtime
    (called on stroke sets, or `on_features`); ValueError in one line when the file is missing or is not one."""
    return PathNet(checked_session(path, ["paths"], ["digit"], "a path gate", threads), "digit")


def joined(p_image, p_path):
    """How the two gates' P(digit) make one score: their geometric mean."""
    return np.sqrt(np.asarray(p_image, np.float64) * np.asarray(p_path, np.float64))


def is_digit(p_image: np.ndarray, p_path: np.ndarray | None = None) -> np.ndarray:
    """N bools: does the image gate's score (joined with the path gate's, for strokes) pass its threshold?"""
    if p_path is None:
        return np.asarray(p_image, np.float64) >= NOT_A_DIGIT_BELOW
    return joined(p_image, p_path) >= NOT_A_DIGIT_WITH_PATH_BELOW
