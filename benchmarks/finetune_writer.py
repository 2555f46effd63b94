"""Teach-by-correction: fine-tune on 10 digits per class from one writer, then read that writer's
other digits. Also checks that MNIST accuracy holds and how long fine-tuning takes.

    MNIST_GUI_DATA=../shared/data/mnist python benchmarks/finetune_writer.py [--writers 21 24 27]

The digits go through the same path as taught digits: rendered from strokes to 28×28 by the
canvas preprocessing, stored in a My digits file, fine-tuned with the app's own plan
(Workspace.finetune_plan) from the shipped model.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mnist_gui import config  # noqa: E402
from mnist_gui.core.checkpoint import load_checkpoint  # noqa: E402
from mnist_gui.core.data import load_mnist  # noqa: E402
from mnist_gui.core.workspace import Workspace  # noqa: E402
from mnist_gui.core.pendigits import read_unipen  # noqa: E402
from mnist_gui.core.predictor import Predictor  # noqa: E402
from mnist_gui.core.preprocess import strokes_to_mnist  # noqa: E402
from mnist_gui.core.train import Trainer  # noqa: E402


def accuracy(model, imgs, labels) -> float:
    p = Predictor(model)
    return float(np.mean([int(p.probabilities(x).argmax()) == y for x, y in zip(imgs, labels)]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=str(ROOT.parent / "shared/data/pendigits/pendigits-train.gz"))
    ap.add_argument("--writers", type=int, nargs="+", default=[21, 24, 27])
    ap.add_argument("--per-class", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    data = load_mnist(download=False)
    shipped = load_checkpoint(config.SHIPPED_MODEL)
    digits = read_unipen(args.file)
    for w in args.writers:
        mine = [d for d in digits if d.writer == w]
        rng = np.random.default_rng(w)
        by = collections.defaultdict(list)
        for d in rng.permutation(len(mine)):
            by[mine[d].label].append(mine[d])
        taught = [d for k in range(10) for d in by[k][:args.per_class]]
        rest = [d for k in range(10) for d in by[k][args.per_class:]]
        rest_imgs = [strokes_to_mnist(d.strokes) for d in rest]
        rest_labels = [d.label for d in rest]
        ws = Workspace(Path(tempfile.mkdtemp()))
        ws.make_live(shipped, remember=False)
        for d in taught:
            ws.teach(d.label, strokes_to_mnist(d.strokes), d.strokes)
        before = accuracy(shipped.model, rest_imgs, rest_labels)
        cfg, extra, _ = ws.finetune_plan()
        t0 = time.perf_counter()
        r = Trainer(cfg, data, init_state=shipped.model.state_dict(), extra_train=extra).run()
        secs = time.perf_counter() - t0
        after = accuracy(r.model, rest_imgs, rest_labels)
        print(json.dumps({"writer": w, "taught": len(taught), "other_digits": len(rest),
                          "before": round(before, 4), "after": round(after, 4),
                          "mnist_test_after": round(r.metrics["test_accuracy"], 4),
                          "train_seconds": round(r.metrics["train_seconds"], 1),
                          "seconds_with_eval": round(secs, 1)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
