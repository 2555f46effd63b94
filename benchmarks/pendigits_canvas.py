"""Real pen-drawn digits replayed through the canvas with mouse events (offscreen).

    python benchmarks/pendigits_canvas.py [--file ../shared/data/pendigits/pendigits-train.gz]
                                          [--model FILE] [--limit N] [--picture confusions.png]

Uses writers 21-30 (the third writer fold). Pass a model that has not seen them (--model: the fold-3
model of benchmarks/pen_training_cv.py); the shipped model has, and the script says so. Each digit is drawn at a
random size (25-95% of the canvas) and position with the app's default pen, stroke by stroke with
press/move/release events, then read from the prediction bars. Prints accuracy per digit, the
worst confusions, the share of digits the app says it is not sure about, and saves a picture of
the worst mistakes.
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

import numpy as np  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mnist_gui.gui.widgets.canvas import draw_strokes  # noqa: E402

STEP_PX = 6.0   # mouse moves at most this far apart


def place(strokes, side, rng):
    pts = np.concatenate([np.asarray(s, float) for s in strokes])
    lo, hi = pts.min(0), pts.max(0)
    size = side * rng.uniform(0.25, 0.95)
    s = size / max((hi - lo).max(), 1e-6)
    ext = (hi - lo) * s
    off = np.array([rng.uniform(4, max(5, side - ext[0] - 4)), rng.uniform(4, max(5, side - ext[1] - 4))])
    return [[tuple((np.asarray(p) - lo) * s + off) for p in st] for st in strokes]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=str(ROOT.parent / "shared/data/pendigits/pendigits-train.gz"))
    ap.add_argument("--model")
    ap.add_argument("--limit", type=int, default=0, help="at most this many digits (0: all)")
    ap.add_argument("--picture", default="benchmarks/pendigits_confusions.png")
    args = ap.parse_args()
    from mnist_gui.core.handwriting.pendigits import HOLDOUT_WRITERS, read_unipen
    from mnist_gui.core.predictor import NOT_SURE_BELOW
    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace

    digits = [d for d in read_unipen(args.file) if d.writer in HOLDOUT_WRITERS]
    rng = np.random.default_rng(0)
    if args.limit:
        digits = [digits[i] for i in rng.permutation(len(digits))[: args.limit]]
    _app = QApplication.instance() or QApplication([])  # noqa: F841  (kept alive)
    win = MainWindow(window_workspace(), model_path=args.model)
    win.show()
    while win.checkpoint is None:   # torch and the model load in the background
        _app.processEvents()
    from mnist_gui.core.handwriting.pendigits import seen_writers
    if seen_writers(win.checkpoint.train_config) & HOLDOUT_WRITERS:
        print("warning: the model has seen writers 21-30: not a measurement on unseen writers")
    canvas, bars = win.drawTab.canvas, win.drawTab.bars
    per = collections.defaultdict(lambda: [0, 0])
    conf = collections.Counter()
    unsure = wrong_but_unsure = 0
    mistakes = []
    tops = []  # (top probability, right?) for the threshold trade-off
    for d in digits:
        canvas.clear()
        draw_strokes(canvas, place(d.strokes, canvas.width(), rng), step_px=STEP_PX)
        p = np.asarray(bars.probabilities())
        top = int(p.argmax())
        per[d.label][1] += 1
        sure = p[top] >= NOT_SURE_BELOW
        tops.append((float(p[top]), top == d.label))
        unsure += not sure
        if top == d.label:
            per[d.label][0] += 1
        else:
            conf[(d.label, top)] += 1
            wrong_but_unsure += not sure
            mistakes.append((float(p[top]), d.label, top, win.drawTab.input28.copy()))
    total = sum(v[1] for v in per.values())
    right = sum(v[0] for v in per.values())
    result = {"model": str(win.checkpoint.path), "writers": sorted(HOLDOUT_WRITERS), "digits": total,
              "accuracy": round(right / total, 4),
              "per_digit": {k: round(per[k][0] / per[k][1], 4) for k in sorted(per)},
              "worst_confusions": [f"{a}->{b}: {n}" for (a, b), n in conf.most_common(8)],
              "not_sure_share": round(unsure / total, 4),
              "mistakes_flagged_not_sure": f"{wrong_but_unsure}/{total - right}"}
    print(json.dumps(result, indent=1))
    t = np.array(tops)
    print("not-sure threshold trade-off: threshold, share refused, errors among accepted, mistakes caught")
    n_wrong = max(1, int((t[:, 1] == 0).sum()))
    for th in (0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        acc = t[:, 0] >= th
        err = float((t[acc, 1] == 0).mean()) if acc.any() else 0.0
        caught = int(((~acc) & (t[:, 1] == 0)).sum())
        print(f"  {th:.2f}  refused {1 - acc.mean():6.2%}  errors {err:6.2%}  caught {caught}/{n_wrong}")
    if args.picture and mistakes:
        from PIL import Image, ImageDraw
        mistakes.sort(key=lambda m: -m[0])
        tiles = []
        for conf_p, label, top, img in mistakes[:40]:
            t = Image.fromarray((img * 255).astype(np.uint8)).resize((84, 84), Image.NEAREST).convert("RGB")
            ImageDraw.Draw(t).text((2, 1), f"{label}->{top} {conf_p:.0%}", fill=(255, 80, 80))
            tiles.append(t)
        cols = 10
        sheet = Image.new("RGB", (cols * 86, ((len(tiles) + cols - 1) // cols) * 86), (40, 40, 40))
        for i, t in enumerate(tiles):
            sheet.paste(t, ((i % cols) * 86, (i // cols) * 86))
        sheet.save(args.picture)
        print(f"worst mistakes (true->read, confidence): {args.picture}")
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
