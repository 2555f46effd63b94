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

from mnist_gui.core.live import checked_session

FEATURES = 4   # numbers.judge_features


class SplitJudge:
    """A whole-digit judge in two parts. `image_part`: the convolutions and the first layer's weights on the image
    (nearly all the work), which the number reader keeps with each candidate: its image never changes. `of_parts`:
    the rest in NumPy (the features' weights, ReLU, the last layer, the sigmoid: a few hundred multiplications a
    candidate), run again whenever a stroke moves the line and with it the candidates' features. judge(images,
    feats) is both. image_part: N images -> N × H, the first layer's sum before its features' share (its bias
    included); features_weight: H × FEATURES; last_weight, last_bias: the last layer's (one unit)."""

    def __init__(self, image_part, features_weight: np.ndarray, last_weight: np.ndarray, last_bias: np.ndarray):
        self._image_part = image_part
        self._wf = np.asarray(features_weight, np.float32)
        self._w2 = np.asarray(last_weight, np.float32).reshape(-1)
        self._b2 = float(np.asarray(last_bias).reshape(-1)[0])

    def image_part(self, images: list[np.ndarray]) -> np.ndarray:
        if not len(images):
            return np.zeros((0, len(self._w2)), np.float32)
        return np.asarray(self._image_part(np.stack(images).astype(np.float32)[:, None]), np.float32)

    def of_parts(self, parts: np.ndarray, feats) -> np.ndarray:
        """N P(whole digit) from the candidates' image parts and their N × FEATURES features."""
        f = np.asarray(feats, np.float32).reshape(-1, FEATURES)
        hidden = np.maximum(np.asarray(parts, np.float32) + f @ self._wf.T, 0)
        with np.errstate(over="ignore"):   # exp of a very sure "not whole": P = 0
            return 1 / (1 + np.exp(-(hidden @ self._w2 + self._b2).astype(np.float64)))

    def __call__(self, images: list[np.ndarray], feats) -> np.ndarray:
        return self.of_parts(self.image_part(images), feats)


def onnx_judge(path, threads: int = 1) -> SplitJudge:
    """The judge exported by judge_net.export_judge_onnx, on ONNX Runtime (no torch); ValueError in one line
    when the file is missing or is not one."""
    from mnist_gui.core.onnx_wire import graph_nodes, initializers, with_outputs

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path} is missing")
    parts: dict = {}

    def split(data: bytes) -> bytes:
        """The network as export_judge_onnx writes it, Concat(image, features) -> Gemm -> Relu -> Gemm -> Sigmoid,
        with the first Gemm's sum as an output too; its weights on the features and its last layer kept."""
        nodes = graph_nodes(data)
        joined = next(o[0] for op, i, o in nodes if op == "Concat" and i[-1:] == ["features"])
        (_, w1, *_), first = next((i, o[0]) for op, i, o in nodes if op == "Gemm" and i[:1] == [joined])
        relu = next(o[0] for op, i, o in nodes if op == "Relu" and i == [first])
        _, w2, b2 = next(i for op, i, o in nodes if op == "Gemm" and i[:1] == [relu] and len(i) == 3)
        w = initializers(data, [w1, w2, b2])
        parts.update(output=first, wf=np.ascontiguousarray(w[w1][:, -FEATURES:]), w2=w[w2], b2=w[b2])
        if parts["w2"].shape != (1, parts["wf"].shape[0]) or parts["b2"].size != 1:
            raise ValueError("its last layer is not one unit")
        return with_outputs(data, [first])

    session = checked_session(path, ["images", "features"], ["whole"], "a whole-digit judge", threads, edit=split)

    def image_part(x: np.ndarray) -> np.ndarray:   # the features zeroed: their share is added in of_parts
        return session.run([parts["output"]], {"images": x, "features": np.zeros((len(x), FEATURES), np.float32)})[0]
    return SplitJudge(image_part, parts["wf"], parts["w2"], parts["b2"])
