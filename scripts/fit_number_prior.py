"""Fit the digit-shape prior used by mnist_gui/core/handwriting/numbers.py on pen-drawn digits of writers 1-20.

    python scripts/fit_number_prior.py [--file ../shared/data/pendigits/pendigits-train.gz]

For each class: mean and standard deviation of log(width / height) of the digit's ink box, and of
log(height / the writer's median digit height). Only the training writers (not HOLDOUT_WRITERS) are
used. Prints the constants to paste into numbers.py.

The pen data has one digit per box, so it says nothing about the space between digits; the gap
prior in numbers.py is an assumption, not a fit (see its comment).
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnist_gui.core.handwriting.pendigits import read_unipen, split_writers  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=next((str(p) for p in (ROOT.parent / "shared", ROOT.parents[1] / "shared")
                                            if p.is_dir()), "shared") + "/data/pendigits/pendigits-train.gz")
    args = ap.parse_args()
    train, _ = split_writers(read_unipen(args.file))
    boxes, holes = [], []
    for d in train:
        p = np.concatenate([np.asarray(s, float) for s in d.strokes])
        w, h = np.ptp(p[:, 0]), np.ptp(p[:, 1])
        boxes.append((d.label, d.writer, max(w, 0.02 * h), max(h, 1.0)))
        if len(d.strokes) > 1:  # the widest horizontal hole between a digit's strokes / its height
            iv = sorted((np.min(np.asarray(s)[:, 0]), np.max(np.asarray(s)[:, 0])) for s in d.strokes)
            right, hole = iv[0][1], -np.inf
            for a, b in iv[1:]:
                hole, right = max(hole, a - right), max(right, b)
            holes.append(hole / max(h, 1.0))
    med_h = {wr: np.median([h for _, w2, _, h in boxes if w2 == wr]) for wr in {b[1] for b in boxes}}
    aspect, rel_h = collections.defaultdict(list), collections.defaultdict(list)
    for label, wr, w, h in boxes:
        aspect[label].append(np.log(w / h))
        rel_h[label].append(np.log(h / med_h[wr]))
    print(f"# {len(train)} digits of writers {sorted(med_h)[0]}-{sorted(med_h)[-1]}")
    print("LOG_ASPECT = (  # per digit: mean, sd of log(width / height)")
    for k in range(10):
        print(f"    ({np.mean(aspect[k]):.3f}, {np.std(aspect[k]):.3f}),")
    print(")")
    print("LOG_REL_HEIGHT = (  # per digit: mean, sd of log(height / the writer's median height)")
    for k in range(10):
        print(f"    ({np.mean(rel_h[k]):.3f}, {np.std(rel_h[k]):.3f}),")
    print(")")
    med, p90 = np.percentile(holes, [50, 90])
    print(f"# {len(holes)} digits of several strokes: holes between their strokes (/ height):"
          f" 99.9th percentile {np.percentile(holes, 99.9):.3f}")
    print(f"HOLE_MEDIAN, HOLE_SD = {med:.3f}, {(p90 - med) / 1.2816:.3f}  # upper half as a normal: median, (p90 - median) / 1.28")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
