"""Choose the weights of the number reader's score on numbers built from writers 1-20 only.

    python scripts/tune_number_weights.py [--count 300]

Builds four-digit numbers (realistic and tight spacing, as benchmarks/number_reading.py does) from
the training writers' pen digits, classifies every candidate once, then tries a grid of weights for
the dynamic programming and prints the best few by exact reads over both spacings. The held-out
writers 21-30 are never used here.
"""

from __future__ import annotations

import argparse
import collections
import itertools
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from number_reading import default_pendigits, numbers  # noqa: E402

from mnist_gui import config  # noqa: E402
from mnist_gui.core import numbers as N  # noqa: E402
from mnist_gui.core.checkpoint import load_checkpoint  # noqa: E402
from mnist_gui.core.pendigits import HOLDOUT_WRITERS, read_unipen  # noqa: E402
from mnist_gui.core.preprocess import strokes_to_mnist  # noqa: E402

GRID = {
    "W_ASPECT": [0.25, 0.5],
    "DIGIT_BONUS": [2.0, 3.0, 4.0],
    "GAP_SD": [0.06, 0.12],
    "W_HOLE": [0.5, 1.0, 2.0],
    "W_CENTRE": [0.5, 1.0, 2.0],
}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=default_pendigits())
    ap.add_argument("--count", type=int, default=300)
    args = ap.parse_args()
    torch.set_num_threads(1)
    classify = N.torch_classifier(load_checkpoint(config.SHIPPED_MODEL).model)
    by_writer = collections.defaultdict(list)
    for d in read_unipen(args.file):
        if d.writer not in HOLDOUT_WRITERS:
            by_writer[d.writer].append(d)
    cases = []
    for spacing in ("realistic", "tight"):
        for truth, strokes in numbers(by_writer, args.count, spacing, seed=1):
            c = N._candidates(strokes)
            cases.append((spacing, truth, c, classify([strokes_to_mnist(it[2]) for it in c.items])))
    results = []
    for values in itertools.product(*GRID.values()):
        for k, v in zip(GRID, values):
            setattr(N, k, v)
        right = collections.Counter()
        for spacing, truth, c, probs in cases:
            best = N._decode(c, probs)
            right[spacing] += bool(best) and "".join(str(k) for _, k in best[0][1]) == truth
        results.append((right["realistic"] + right["tight"], right["realistic"], right["tight"], values))
    results.sort(key=lambda r: -r[0])
    print(f"{len(cases) // 2} numbers per spacing; best weights ({', '.join(GRID)}):")
    for total, real, tight, values in results[:10]:
        print(f"  realistic {real / args.count:.1%}  tight {tight / args.count:.1%}  {values}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
