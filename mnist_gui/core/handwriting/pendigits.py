"""Pen-drawn digits in UNIPEN text (UCI pendigits, original strokes): read, render to MNIST style."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mnist_gui.core.data import DataError, MnistSplit, read_errors
from mnist_gui.core.handwriting.folds import folds
from mnist_gui.core.preprocess import strokes_to_mnist


@dataclass
class PenDigit:
    label: int
    writer: int
    strokes: list[list[tuple[float, float]]]  # screen coordinates: y grows downwards


MAX_UNIPEN_CHARS = 64_000_000   # UCI's training file is 3.6 MB of text; a .gz that inflates further is refused


def read_unipen(path) -> list[PenDigit]:
    """The pen digits in a UNIPEN file (raw or .gz); DataError naming the file (and line) for a bad one."""
    from mnist_gui.core.storage import Gunzip, open_state_file
    path = Path(path)
    with read_errors(path):   # the bounded reader: a FIFO or a device (or a link to one) is refused, never waited on
        raw = open_state_file(path, follow_links=True)
        with Gunzip(raw) if path.suffix == ".gz" else raw as f:
            text = f.read(MAX_UNIPEN_CHARS + 1).decode("ascii", errors="replace")
    if len(text) > MAX_UNIPEN_CHARS:
        raise DataError(f"{path}: more than {MAX_UNIPEN_CHARS:,} characters of text; not a pen digits file")
    try:
        return _parse_unipen(path, text.splitlines())
    except ValueError as e:   # a coordinate that is not a number, a segment number of 5,000 digits
        raise DataError(f"{path}: {str(e)[:120]}") from None


def _parse_unipen(path: Path, lines: list[str]) -> list[PenDigit]:
    digits: list[PenDigit] = []
    cur: PenDigit | None = None
    stroke: list | None = None
    for line in lines:
        if line.startswith(".SEGMENT"):
            parts = line.split('"')
            if len(parts) < 2 or not parts[1].isdigit():
                raise DataError(f"{path}: bad .SEGMENT line {line[:60]!r}")
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
                x, y = float(xy[0]), float(xy[1])
                if not (math.isfinite(x) and math.isfinite(y)):
                    raise ValueError(f"coordinate {line[:60]!r} is not a finite number")
                stroke.append((x, -y))  # y up -> y down
    digits = [d for d in digits if d.strokes]
    if not digits:
        raise DataError(f"{path}: no pen-drawn digits found (not a UNIPEN file?)")
    return digits


def vary_strokes(strokes, rng: np.random.Generator) -> list[np.ndarray]:
    """The same digit as another hand might draw it: a random slant, rotation, aspect and a smooth
    elastic warp of the pen points (before rendering, so the stroke keeps the canvas's own width and
    edge), plus a little jitter of each point. Sizes are relative to the digit's extent."""
    pts = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes]
    if not sum(len(p) for p in pts):
        return pts
    allp = np.vstack(pts)
    lo, hi = allp.min(0), allp.max(0)
    centre, extent = (lo + hi) / 2, max(float((hi - lo).max()), 1e-6)
    rot = np.deg2rad(rng.uniform(-VARY_ROTATION, VARY_ROTATION))
    slant = rng.uniform(-VARY_SLANT, VARY_SLANT)
    aspect = np.exp(rng.uniform(-VARY_ASPECT, VARY_ASPECT))
    c, s_ = np.cos(rot), np.sin(rot)
    m = np.array([[c, -s_], [s_, c]]) @ np.array([[aspect, slant], [0.0, 1.0]])
    # elastic: two random low-frequency sine waves per axis, amplitude a few % of the digit
    freq = rng.uniform(0.5, 2.0, (2, 2, 2)) * np.pi       # axis, wave, (fx, fy)
    phase = rng.uniform(0, 2 * np.pi, (2, 2))
    amp = rng.uniform(0, VARY_ELASTIC, (2, 2))
    out = []
    for p in pts:
        u = (p - centre) / extent                            # about [-0.5, 0.5]
        warp = np.stack([(amp[a] * np.sin(u @ freq[a].T + phase[a])).sum(1) for a in range(2)], 1)
        u = (u + warp) @ m.T + rng.normal(0, VARY_JITTER, u.shape)
        out.append(u * extent + centre)
    return out


# How far vary_strokes goes (chosen by writer-fold cross-validation: benchmarks/pen_training_cv.py).
VARY_ROTATION = 12.0  # degrees
VARY_SLANT = 0.25     # shear, x per y
VARY_ASPECT = 0.15    # log width/height
VARY_ELASTIC = 0.04   # of the digit's extent
VARY_JITTER = 0.004


def render_pendigits(digits: list[PenDigit], variants: int = 1, seed: int = 0) -> MnistSplit:
    """Pen-drawn digits rendered like the canvas does. With variants > 1, each digit also comes back
    variants-1 more times, each time varied by vary_strokes (same seed, same images)."""
    rng = np.random.default_rng(seed)
    imgs, labels = [], []
    for k in range(max(1, variants)):
        for d in digits:
            imgs.append(strokes_to_mnist(d.strokes if k == 0 else vary_strokes(d.strokes, rng)))
            labels.append(d.label)
    return MnistSplit(torch.from_numpy(np.round(np.stack(imgs) * 255).astype(np.uint8)),
                      torch.tensor(labels, dtype=torch.int64))


# The third writer fold (writer_folds: 1-10, 11-20, 21-30), which the first shipped model never saw. The
# shipped model now has seen all 30: benchmarks that read these writers take a model that has not (the
# fold-3 model of benchmarks/pen_training_cv.py).
HOLDOUT_WRITERS = frozenset(range(21, 31))


def split_writers(digits: list[PenDigit]) -> tuple[list[PenDigit], list[PenDigit]]:
    """(training writers' digits, held-out writers' digits)."""
    return ([d for d in digits if d.writer not in HOLDOUT_WRITERS],
            [d for d in digits if d.writer in HOLDOUT_WRITERS])


_WRITERS_PART = re.compile(r"(\d+)(?:-(\d+))?", re.ASCII)


def parse_writers(text: str) -> frozenset[int]:
    """'1-20' or '3' or '1-10,21-30' -> writer ids; ValueError with one line otherwise."""
    out: set[int] = set()
    for part in str(text).split(","):
        m = _WRITERS_PART.fullmatch(part.strip())
        a, b = (int(m[1]), int(m[2] or m[1])) if m else (1, 0)
        if not a <= b <= 10_000:
            raise ValueError(f"writers must look like 1-20 or 1-10,21-30, got {text!r}")
        out.update(range(a, b + 1))
    return frozenset(out)


def pen_digits_of(path, writers=None) -> list[PenDigit]:
    """The file's digits (all writers, or only `writers`); DataError when none is left."""
    digits = read_unipen(path)
    if writers is not None:
        digits = [d for d in digits if d.writer in writers]
        if not digits:
            raise DataError(f"{path}: no pen-drawn digits of writers {writers_text(writers)}")
    return digits


def writer_folds(digits: list[PenDigit], k: int = 3) -> list[tuple[list[int], list[int]]]:
    """Cross-validation by writer: k folds of consecutive writer ids (30 writers, k=3: 1-10, 11-20,
    21-30). Returns (train writers, test writers) per fold; every writer is tested exactly once and
    never trained on in the same fold."""
    return [(list(f.train), list(f.test)) for f in folds(sorted({int(d.writer) for d in digits}), k)]


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


class AllWritersSeen(DataError):
    def __init__(self, writers: str):
        super().__init__(f"the model trained on every pen writer's digits ({writers}): none are left unseen "
                         "to measure it on")
        self.writers = writers


def writers_text(writers) -> str:
    """{1, 2, 3, 7} -> '1-3,7' (parse_writers reads it back); unknown writers (-1) are left out."""
    ws, parts = sorted(w for w in set(writers) if w >= 0), []
    for w in ws:
        if parts and w == parts[-1][1] + 1:
            parts[-1][1] = w
        else:
            parts.append([w, w])
    return ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in parts)


def seen_writers(train_config: dict) -> frozenset[int]:
    """The pen writers a checkpoint's weights have seen (its train_config's pen_writers); none when
    it does not say, or says something unreadable."""
    text = (train_config or {}).get("pen_writers")
    try:
        return parse_writers(text) if isinstance(text, str) and text else frozenset()
    except ValueError:
        return frozenset()


def unseen_as_mnist(path, seen=frozenset()) -> tuple[MnistSplit, frozenset[int]]:
    """The digits of the writers not in `seen`, rendered like the canvas does, and those writers.
    DataError when every writer in the file was seen."""
    digits = read_unipen(path)
    unseen = [d for d in digits if d.writer not in seen]
    if not unseen:
        raise AllWritersSeen(writers_text(seen))
    return render_pendigits(unseen), frozenset(d.writer for d in unseen)
