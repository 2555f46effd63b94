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

This module opens the exported judge (ONNX Runtime, no torch); core/reading.ReadingModels owns the one the
number reader uses. Its network and training are in judge_net.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mnist_gui.core.handwriting.numbers import Judge
from mnist_gui.core.live import checked_session

FEATURES = 4   # numbers.judge_features


def onnx_judge(path, threads: int = 1) -> Judge:
    """The judge exported by judge_net.export_judge_onnx, on ONNX Runtime (no torch); ValueError in one line
    when the file is missing or is not one."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path} is missing")
    session = checked_session(path, ["images", "features"], ["whole"], "a whole-digit judge", threads)

    def judge(images: list[np.ndarray], feats) -> np.ndarray:
        if not len(images):
            return np.zeros(0)
        x = np.stack(images).astype(np.float32)[:, None]
        f = np.asarray(feats, np.float32).reshape(-1, FEATURES)
        return session.run(["whole"], {"images": x, "features": f})[0].astype(np.float64).reshape(-1)

    return judge
