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
