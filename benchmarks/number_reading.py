"""Multi-digit numbers written with real pen-drawn digits, read through the canvas in number mode.

    python benchmarks/number_reading.py [--count 200] [--model FILE]

Each number has 4 digits of one held-out writer (21-30), each digit at a slightly different size
and height, with a gap between digits of 5-25% of a digit's height, drawn with mouse events
on the wide canvas. Prints the share of numbers read exactly right.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["MNIST_GUI_HOME"] = tempfile.mkdtemp(prefix="mnist-gui-bench-")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from pendigits_canvas import draw  # noqa: E402


def layout(digits, rng, height=150.0, top=80.0):
    out, x = [], 20.0
    for d in digits:
        pts = np.concatenate([np.asarray(s, float) for s in d.strokes])
        lo, hi = pts.min(0), pts.max(0)
        h = height * rng.uniform(0.85, 1.1)
        s = h / max(hi[1] - lo[1], 1e-6)
        w = (hi[0] - lo[0]) * s
        dy = top + rng.uniform(-10, 10)
        out += [[((p[0] - lo[0]) * s + x, (p[1] - lo[1]) * s + dy) for p in st] for st in d.strokes]
        x += w + height * rng.uniform(0.05, 0.25)
    return out, x


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=str(ROOT.parent / "shared/data/pendigits/pendigits-train.gz"))
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--model")
    args = ap.parse_args()
    from mnist_gui.core.pendigits import HOLDOUT_WRITERS, read_unipen
    from mnist_gui.gui.main_window import MainWindow
    by_writer = collections.defaultdict(list)
    for d in read_unipen(args.file):
        if d.writer in HOLDOUT_WRITERS:
            by_writer[d.writer].append(d)
    _app = QApplication.instance() or QApplication([])  # noqa: F841  (kept alive)
    win = MainWindow(model_path=args.model)
    win.show()
    tab = win.drawTab
    tab.numberMode.setChecked(True)
    rng = np.random.default_rng(0)
    right, wrong_count, examples = 0, 0, []
    writers = sorted(by_writer)
    for n in range(args.count):
        pool = by_writer[writers[n % len(writers)]]
        digits = [pool[i] for i in rng.choice(len(pool), 4, replace=False)]
        truth = "".join(str(d.label) for d in digits)
        strokes, width = layout(digits, rng)
        scale = min(1.0, (tab.canvas.width() - 20) / width)
        strokes = [[(x * scale, y * scale) for x, y in s] for s in strokes]
        tab.canvas.clear()
        draw(tab.canvas, strokes)
        got = tab.number
        right += got == truth
        if got is None or len(got) != 4:
            wrong_count += 1
        if got != truth and len(examples) < 10:
            examples.append(f"{truth}->{got}")
    print(json.dumps({"numbers": args.count, "read_right": round(right / args.count, 4),
                      "wrong_digit_count": wrong_count, "examples_of_mistakes": examples}))
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
