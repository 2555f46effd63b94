"""Teach-by-correction: fine-tune on 10 digits per class from one writer, then read that writer's
other digits. Also checks that MNIST accuracy holds and how long fine-tuning takes.

    MNIST_GUI_DATA=../shared/data/mnist python benchmarks/finetune_writer.py --writers 21 24 27
    # a trial recipe (numbers override RECIPES["finetune"] / plan_finetune's share):
    ... finetune_writer.py --writers 22 23 --lr 1e-4 --steps 100 --share 0.3 --mnist-test 2000

The digits go through the same path as taught digits: rendered from strokes to 28×28 by the
canvas preprocessing, stored in a My digits file (Workspace.teach), fine-tuned with the app's own
plan (Workspace.plan_finetune) and Trainer from --model (default: the shipped model). Use a model that
has not seen the writers (the shipped one has seen all 30: pass the fold-3 model of
benchmarks/pen_training_cv.py for writers 21-30); the script warns otherwise.
"""

from __future__ import annotations

import argparse
import collections
import json
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
from mnist_gui.core.data import Mnist, MnistSplit, load_mnist  # noqa: E402
from mnist_gui.core.handwriting import trajectory as T  # noqa: E402
from mnist_gui.core.handwriting import trajectory_train as TT  # noqa: E402
from mnist_gui.core.handwriting.pendigits import read_unipen, seen_writers  # noqa: E402
from mnist_gui.core.handwriting.prototypes import Prototypes  # noqa: E402
from mnist_gui.core.predictor import Predictor  # noqa: E402
from mnist_gui.core.preprocess import strokes_to_mnist  # noqa: E402
from mnist_gui.core.train import Trainer  # noqa: E402
from mnist_gui.core.workspace import Workspace  # noqa: E402


def accuracy(model, imgs, labels, path_probs=None, temperature: float = T.TEMPERATURE, mine=None,
             feats=None) -> float:
    """The share read right; with path_probs (N×10, the pen-path net's reading of the same digits), as the
    live path reads drawn strokes: both joined (trajectory.combine), and with `mine` (Prototypes of the taught
    digits) leaned towards them by the digits' path features `feats`."""
    probs = Predictor(model).classify(imgs)
    if path_probs is not None:
        probs = T.combine(probs, path_probs, temperature=temperature)
    if mine is not None:
        probs = mine.adjust(probs, feats)
    return float(np.mean(probs.argmax(1) == np.asarray(labels)))


def path_reader(path):
    """--path: a .onnx of export_trajectory_onnx or a state dict of the benchmark's path nets (.pt)."""
    if str(path).endswith(".onnx"):
        return T.onnx_trajectory(path)
    net = TT.new_net()
    net.load_state_dict(torch.load(path, weights_only=True))
    return lambda sets: TT.path_probabilities(net, T.batch_features(sets))


def split_writer(digits, w: int, per_class: int):
    """(taught, rest) for one writer: per_class digits of each class taught, the rest to read."""
    mine = [d for d in digits if d.writer == w]
    rng = np.random.default_rng(w)
    by = collections.defaultdict(list)
    for i in rng.permutation(len(mine)):
        by[mine[i].label].append(mine[i])
    return ([d for k in range(10) for d in by[k][:per_class]],
            [d for k in range(10) for d in by[k][per_class:]])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=str(ROOT.parent / "shared/data/pendigits/pendigits-train.gz"))
    ap.add_argument("--writers", type=int, nargs="+", default=[21, 24, 27])
    ap.add_argument("--per-class", type=int, default=10)
    ap.add_argument("--mnist-test", type=int, default=0, help="score MNIST on the first N test images (0: all)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--steps", type=int)
    ap.add_argument("--share", type=float, help="My digits' share of the training images (plan_finetune)")
    ap.add_argument("--augment", type=int, choices=(0, 1))
    ap.add_argument("--schedule")
    ap.add_argument("--seed", type=int)
    ap.add_argument("--average-start", type=float, metavar="S", help="override the recipe's weight averaging: "
                    "the share of the way back to the model before (0: none; the recipe: 0.5)")
    ap.add_argument("--model", help="start from this model instead of the shipped one (one that has not seen "
                    "the writers: a fold model of benchmarks/pen_training_cv.py --save-models)")
    ap.add_argument("--path", metavar="FILE", help="also read the digits as the live path reads strokes: joined "
                    "with this pen-path net (one that never saw the writers: pendigits_nested.py's path-o{fold}.pt)")
    ap.add_argument("--temperature", type=float, default=T.TEMPERATURE,
                    help="the path net's temperature (pendigits_nested.py's inner folds chose 0.5, 0.75, 0.5 "
                    "for outer folds 1-3; pass the one of the fold the path net comes from)")
    ap.add_argument("--prototypes", nargs=2, type=float, metavar=("WEIGHT", "SCALE"),
                    help="with --path: also read leaning towards the taught digits' pen paths (core/handwriting/"
                    "prototypes.py) at this weight and scale (benchmarks/my_strokes.py's choice for the fold)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    data = load_mnist(download=False)
    if args.mnist_test:
        data = Mnist(data.train, MnistSplit(data.test.images[:args.mnist_test], data.test.labels[:args.mnist_test]),
                     data.folder)
    shipped = load_checkpoint(args.model or config.SHIPPED_MODEL)
    seen = seen_writers(shipped.train_config) & set(args.writers)
    if seen:
        print(f"warning: the model has seen writers {sorted(seen)}' digits: not a measurement for them")
    digits = read_unipen(args.file)
    rows = []
    for w in args.writers:
        taught, rest = split_writer(digits, w, args.per_class)
        rest_imgs = [strokes_to_mnist(d.strokes) for d in rest]
        rest_labels = [d.label for d in rest]
        ws = Workspace(Path(tempfile.mkdtemp()))
        ws.make_live(shipped, remember=False)
        for d in taught:
            ws.teach(d.label, strokes_to_mnist(d.strokes), d.strokes)
        before = accuracy(shipped.model, rest_imgs, rest_labels)
        pp = path_reader(args.path)([d.strokes for d in rest]) if args.path else None
        rest_feats = T.batch_features([d.strokes for d in rest])
        mine = (Prototypes.of([(d.label, d.strokes) for d in taught], weight=args.prototypes[0],
                              scale=args.prototypes[1]) if args.prototypes else None)
        plan = ws.plan_finetune(**({"share": args.share} if args.share is not None else {}))
        cfg, extra, init = plan.config, plan.extra_train, plan.init_state
        cfg = cfg.with_overrides(lr=args.lr, max_steps=args.steps, schedule=args.schedule, seed=args.seed,
                                 average_start=args.average_start,
                                 augment=None if args.augment is None else bool(args.augment))
        t0 = time.perf_counter()
        r = Trainer(cfg, data, init_state=init, extra_train=extra).run()
        secs = time.perf_counter() - t0
        model, mnist_after = r.model, r.metrics["test_accuracy"]
        after = accuracy(model, rest_imgs, rest_labels)
        row = {"writer": w, "taught": len(taught), "other_digits": len(rest),
               "before": round(before, 4), "after": round(after, 4),
               **({"before_with_path": round(accuracy(shipped.model, rest_imgs, rest_labels, pp, args.temperature), 4),
                   "after_with_path": round(accuracy(model, rest_imgs, rest_labels, pp, args.temperature), 4)}
                  if args.path else {}),
               **({"before_with_path_and_prototypes": round(accuracy(shipped.model, rest_imgs, rest_labels, pp,
                                                                     args.temperature, mine, rest_feats), 4),
                   "after_with_path_and_prototypes": round(accuracy(model, rest_imgs, rest_labels, pp,
                                                                    args.temperature, mine, rest_feats), 4)}
                  if args.path and args.prototypes else {}),
               "mnist_test_after": round(mnist_after, 4),
               "train_seconds": round(r.metrics["train_seconds"], 1), "seconds_with_eval": round(secs, 1)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    d = [r["after"] - r["before"] for r in rows]
    print(json.dumps({"recipe": {"lr": cfg.lr, "steps": cfg.max_steps, "schedule": cfg.schedule,
                                 "augment": cfg.augment, "share": args.share, "seed": cfg.seed,
                                 "average_start": cfg.average_start},
                      "mean_before": round(float(np.mean([r["before"] for r in rows])), 4),
                      "mean_after": round(float(np.mean([r["after"] for r in rows])), 4),
                      "mean_change": round(float(np.mean(d)), 4), "worst_change": round(float(min(d)), 4),
                      "worst_writer_after": round(min(r["after"] for r in rows), 4),
                      "mnist_after_min": round(min(r["mnist_test_after"] for r in rows), 4)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
