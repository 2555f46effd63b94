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
image gate alone. Both learn from random polylines too (shapes.polyline), which cut the held-out shape
families claimed on inner writer folds from 11% to 1.2% (benchmarks/README.md); the path gate also from
digits and shapes with their strokes reversed and reordered (shapes.reorient), so that a 0 drawn
clockwise or a 1 drawn upwards is a digit too.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mnist_gui import config

log = logging.getLogger(__name__)

Gate = Callable[[np.ndarray], np.ndarray]   # N 28×28 images -> N P(digit)
PathGate = Callable[[list], np.ndarray]     # N stroke sets -> N P(digit)

# Below these the app says "not a digit". Chosen by writer folds (benchmarks/pendigits_nested.py): each
# outer fold's threshold is the one that refuses 0.5% of the real digits of its inner folds' held-out
# writers; for the gates that ship (all 30 writers) it is the 0.5% point of the outer folds' held-out
# digits, pooled: 0.423 for drawn strokes (the image and path gates joined; the inner folds chose 0.457,
# 0.381, 0.488) and 0.207 for the image gate alone (images, dropped files; inner 0.212, 0.191, 0.267).
NOT_A_DIGIT_WITH_PATH_BELOW = 0.42
NOT_A_DIGIT_BELOW = 0.21
GATE_FILE: Path | None = None   # None: the one that ships (resources/digit_gate.onnx)
PATH_GATE_FILE: Path | None = None   # None: resources/path_gate.onnx


def onnx_gate(path, threads: int = 1) -> Gate:
    """The gate exported by judge_net.export_gate_onnx, on ONNX Runtime; ValueError in one line when the
    file is missing or is not one."""
    from mnist_gui.core.live import checked_session
    session = checked_session(path, ["images"], ["digit"], "a digit gate", threads)

    def gate(images) -> np.ndarray:
        x = np.asarray(images, np.float32).reshape(-1, 1, config.IMAGE_SIZE, config.IMAGE_SIZE)
        if not len(x):
            return np.zeros(0)
        return session.run(["digit"], {"images": x})[0].astype(np.float64).reshape(-1)

    return gate


@functools.cache
def shipped_gate() -> Gate | None:
    """The gate that ships (or GATE_FILE), loaded once; None, said once on stderr, when it cannot be found
    or read (the app then claims digits as it did before there was one)."""
    try:
        return onnx_gate(GATE_FILE or config.resource_path("digit_gate.onnx"))
    except Exception as e:  # a broken install must not stop the drawing
        log.warning("reading drawings without the digit gate: %s", e)
        return None


def onnx_path_gate(path, threads: int = 1) -> PathGate:
    """The path gate exported by trajectory.export_trajectory_onnx(gate=True), on ONNX Runtime;
    ValueError in one line when the file is missing or is not one."""
    from mnist_gui.core.handwriting.trajectory import batch_features
    from mnist_gui.core.live import checked_session
    session = checked_session(path, ["paths"], ["digit"], "a path gate", threads)

    def gate(stroke_sets) -> np.ndarray:
        if not len(stroke_sets):
            return np.zeros(0)
        return session.run(["digit"], {"paths": batch_features(stroke_sets)})[0].astype(np.float64).reshape(-1)

    return gate


@functools.cache
def shipped_path_gate() -> PathGate | None:
    """The path gate that ships (or PATH_GATE_FILE), loaded once; None, said once on stderr, when it cannot
    be found or read (strokes then pass the image gate alone)."""
    try:
        return onnx_path_gate(PATH_GATE_FILE or config.resource_path("path_gate.onnx"))
    except Exception as e:  # a broken install must not stop the drawing
        log.warning("judging drawings without the path gate: %s", e)
        return None


def joined(p_image, p_path):
    """How the two gates' P(digit) make one score: their geometric mean."""
    return np.sqrt(np.asarray(p_image, np.float64) * np.asarray(p_path, np.float64))


def looks_like_a_digit(img28: np.ndarray, strokes=None) -> bool:
    """Does the gate take this 28×28 input for a digit (True as well when there is no gate)? With the
    strokes it was drawn from, the image gate and the path gate together decide."""
    gate = shipped_gate()
    if gate is None:
        return True
    p = float(gate(np.asarray(img28)[None])[0])
    path_gate = shipped_path_gate() if strokes else None
    if path_gate is None:
        return p >= NOT_A_DIGIT_BELOW
    return float(joined(p, path_gate([strokes])[0])) >= NOT_A_DIGIT_WITH_PATH_BELOW
