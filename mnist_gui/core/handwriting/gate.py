"""Is a drawing a digit at all? The digit gate on ONNX Runtime (no torch).

The digit classifier was trained on digits only, so it names a digit for anything it is shown: a zig-zag or
a cross reads as an 8, "100% sure". The gate is a small network (judge_net.GateNet) that sees the same
28×28 input and says how likely it is to be a digit. It learned from real digits (MNIST and pen-drawn) and
from shapes that are not digits (shapes.py: scribbles, zig-zags, crosses, spirals, hatching, letters,
symbols, two digits side by side), all rendered through the canvas's path (scripts/train_digit_gate.py).
It does not depend on the classifier: retraining or teaching the classifier leaves it as it is.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mnist_gui import config

Gate = Callable[[np.ndarray], np.ndarray]   # N 28×28 images -> N P(digit)

# Below this P(digit) the app says "not a digit". Chosen by writer folds (benchmarks/pendigits_nested.py):
# the threshold that refuses 0.5% of the real digits of writers each fold's gate never saw, pooled over the
# three outer folds (0.431; the inner folds chose 0.414, 0.456, 0.589 for the outer folds they measure).
NOT_A_DIGIT_BELOW = 0.43
GATE_FILE: Path | None = None   # None: the one that ships (resources/digit_gate.onnx)


def onnx_gate(path, threads: int = 1) -> Gate:
    """The gate exported by judge_net.export_gate_onnx, on ONNX Runtime; ValueError in one line when the
    file is missing or is not one."""
    from mnist_gui.core.live import _session
    path = Path(path)
    try:
        session = _session(path.read_bytes(), threads)
        if [i.name for i in session.get_inputs()] != ["images"] or \
                [o.name for o in session.get_outputs()] != ["digit"]:
            raise ValueError("its input is not images or its output not digit")
    except FileNotFoundError:
        raise ValueError(f"{path} is missing") from None
    except Exception as e:
        raise ValueError(f"{path} is not a digit gate ({type(e).__name__})") from None

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
        print(f"mnist-gui: reading drawings without the digit gate: {e}", file=sys.stderr)
        return None


def looks_like_a_digit(img28: np.ndarray) -> bool:
    """Does the gate take this 28×28 input for a digit (True as well when there is no gate)?"""
    gate = shipped_gate()
    return gate is None or float(gate(np.asarray(img28)[None])[0]) >= NOT_A_DIGIT_BELOW
