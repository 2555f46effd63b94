"""Averaging a fine-tuned model's weights with its starting model's (WiSE-FT, Wortsman et al., 2022):
does a point between them keep the pen-digit gains and get MNIST back?

    export MNIST_GUI_DATA=../shared/data/mnist
    python benchmarks/weight_average.py --base base.pt --tuned 'folds/fold{i}-variety_k8e2f2v8.pt'

For each writer fold (writer_folds: 1-10, 11-20, 21-30), theta = (1 - a) * base + a * tuned for each a
in --alphas, scored on the fold's unseen writers' pen digits (the canvas's path) and on MNIST test.
--tuned is a pattern with {i} for the fold (benchmarks/pen_training_cv.py --save-models).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from pen_training_cv import read_digits  # noqa: E402

from mnist_gui.core.checkpoint import load_checkpoint  # noqa: E402
from mnist_gui.core.data import load_mnist  # noqa: E402
from mnist_gui.core.handwriting.pendigits import read_unipen, writer_folds  # noqa: E402
from mnist_gui.core.models import average_weights  # noqa: E402
from mnist_gui.core.train import evaluate  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=str(ROOT.parent / "shared/data/pendigits/pendigits-train.gz"))
    ap.add_argument("--base", required=True)
    ap.add_argument("--tuned", required=True, help="pattern with {i}: the fold's fine-tuned model")
    ap.add_argument("--alphas", type=float, nargs="+", default=[0.0, 0.3, 0.5, 0.7, 0.85, 1.0])
    ap.add_argument("--folds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    base = load_checkpoint(args.base).model
    data = load_mnist(download=False)
    digits = read_unipen(args.file)
    table = {}
    for i, (_, test_w) in enumerate(writer_folds(digits, 3), 1):
        if i not in args.folds:
            continue
        tuned = load_checkpoint(args.tuned.format(i=i)).model
        test_d = [d for d in digits if d.writer in set(test_w)]
        for a in args.alphas:
            model = average_weights(base, tuned, a)
            pen, mnist = read_digits(model, test_d).mean(), evaluate(model, data.test)["accuracy"]
            table[i, a] = pen, mnist
            print(f"fold {i} (writers {min(test_w)}-{max(test_w)}) a={a:.2f}: pen {pen:.2%}, MNIST {mnist:.2%}",
                  flush=True)
    print("\n  a   | pen per fold | pen mean | worst fold | MNIST mean (worst)")
    for a in args.alphas:
        pens = [table[i, a][0] for i in args.folds]
        mn = [table[i, a][1] for i in args.folds]
        print(f" {a:.2f} | " + " ".join(f"{p:.2%}" for p in pens)
              + f" | {np.mean(pens):.2%} | {min(pens):.2%} | {np.mean(mn):.2%} ({min(mn):.2%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
