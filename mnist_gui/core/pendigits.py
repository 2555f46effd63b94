"""Pen-drawn digits in UNIPEN text (UCI pendigits, original strokes): read, render to MNIST style."""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mnist_gui.core.data import DataError, MnistSplit
from mnist_gui.core.preprocess import strokes_to_mnist


@dataclass
class PenDigit:
    label: int
    writer: int
    strokes: list[list[tuple[float, float]]]  # screen coordinates: y grows downwards


def read_unipen(path) -> list[PenDigit]:
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="ascii", errors="replace") as f:
            lines = f.read().splitlines()
    except (OSError, EOFError) as e:
        raise DataError(f"{path}: cannot read ({e})") from None
    digits: list[PenDigit] = []
    cur: PenDigit | None = None
    stroke: list | None = None
    for line in lines:
        if line.startswith(".SEGMENT"):
            parts = line.split('"')
            if len(parts) < 2 or not parts[1].isdigit():
                raise DataError(f"{path}: bad .SEGMENT line {line!r}")
            cur = PenDigit(int(parts[1]), -1, [])
            digits.append(cur)
        elif line.startswith(".COMMENT") and cur is not None:
            bits = line.split()
            if len(bits) >= 3 and bits[2].isdigit():
                cur.writer = int(bits[2])
        elif line.startswith(".PEN_DOWN") and cur is not None:
            stroke = []
        elif line.startswith(".PEN_UP"):
            if cur is not None and stroke:
                cur.strokes.append(stroke)
            stroke = None
        elif stroke is not None and line.strip():
            xy = line.split()
            if len(xy) >= 2:
                stroke.append((float(xy[0]), -float(xy[1])))  # y up -> y down
    digits = [d for d in digits if d.strokes]
    if not digits:
        raise DataError(f"{path}: no pen-drawn digits found (not a UNIPEN file?)")
    return digits


def render_pendigits(digits: list[PenDigit]) -> MnistSplit:
    imgs = np.stack([strokes_to_mnist(d.strokes) for d in digits])
    return MnistSplit(torch.from_numpy(np.round(imgs * 255).astype(np.uint8)),
                      torch.tensor([d.label for d in digits], dtype=torch.int64))


# Writers 21-30 of the 30 are kept out of training, to measure the canvas path on unseen writers.
HOLDOUT_WRITERS = frozenset(range(21, 31))


def split_writers(digits: list[PenDigit]) -> tuple[list[PenDigit], list[PenDigit]]:
    """(training writers' digits, held-out writers' digits)."""
    return ([d for d in digits if d.writer not in HOLDOUT_WRITERS],
            [d for d in digits if d.writer in HOLDOUT_WRITERS])


def load_pendigits_as_mnist(path, holdout: bool = True) -> MnistSplit:
    """Pen-drawn digits rendered like the canvas does; without the held-out writers by default."""
    digits = read_unipen(path)
    if holdout:
        digits = split_writers(digits)[0]
    return render_pendigits(digits)


def writer_folds(digits: list[PenDigit], k: int = 3) -> list[tuple[list[int], list[int]]]:
    """Cross-validation by writer: k folds of consecutive writer ids (30 writers, k=3: 1-10, 11-20,
    21-30). Returns (train writers, test writers) per fold; every writer is tested exactly once and
    never trained on in the same fold."""
    writers = sorted({d.writer for d in digits})
    if not 2 <= k <= len(writers):
        raise ValueError(f"cannot make {k} folds of {len(writers)} writers")
    parts = [list(p) for p in np.array_split(np.array(writers), k)]
    return [([int(w) for j, p in enumerate(parts) if j != i for w in p], [int(w) for w in parts[i]])
            for i in range(k)]


PENDIGITS_FILE = "pendigits-train.gz"


def find_pendigits(mnist_folder=None) -> Path | None:
    """The pen-digit file: $MNIST_GUI_PENDIGITS, else pendigits/pendigits-train.gz beside the MNIST
    folder (data/mnist and data/pendigits); None when neither exists."""
    import os
    env = os.environ.get("MNIST_GUI_PENDIGITS")
    cands = [Path(env)] if env else []
    if mnist_folder is not None:
        cands.append(Path(mnist_folder).parent / "pendigits" / PENDIGITS_FILE)
    return next((c for c in cands if c.is_file()), None)


def held_out_as_mnist(path) -> MnistSplit:
    """The held-out writers' (21-30) digits, rendered like the canvas does."""
    return render_pendigits(split_writers(read_unipen(path))[1])
