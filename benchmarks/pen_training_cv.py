"""How to train on pen-drawn digits, chosen by writer-wise cross-validation (issue 12).

    export MNIST_GUI_DATA=../shared/data/mnist
    python benchmarks/pen_training_cv.py --base base.pt --methods none plain variety

The 30 writers of ../shared/data/pendigits in 3 folds (writer_folds: 1-10, 11-20, 21-30). For each fold
and method, a model that has seen MNIST only (--base; made with --make-base if missing) is fine-tuned on
MNIST plus the pen digits of the other two folds' writers, then reads the held-out fold's digits through
the canvas's path (strokes_to_mnist at the canvas's stroke width + the model), and MNIST test.

Methods (each the same number of training images, so only what they contain differs):
  none     the base model, not fine-tuned
  mnist    fine-tuned on MNIST only (the control: what the extra epoch alone does)
  plain    MNIST + the pen digits rendered once, repeated --variants times
  variety  MNIST + the pen digits rendered once plus --variants-1 varied copies (pendigits.vary_strokes)

Prints a table per method: per fold, mean, worst fold; --json FILE writes every number.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mnist_gui import config  # noqa: E402
from mnist_gui.core.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from mnist_gui.core.data import MnistSplit, load_mnist  # noqa: E402
from mnist_gui.core.handwriting.pendigits import read_unipen, render_pendigits, seen_writers, writer_folds, writers_text  # noqa: E402
from mnist_gui.core.preprocess import strokes_to_mnist  # noqa: E402
from mnist_gui.core.recipes import TrainConfig  # noqa: E402
from mnist_gui.core.train import Trainer, evaluate  # noqa: E402

METHODS = ("none", "mnist", "plain", "variety")


def finetune_config(epochs: float, lr: float, seed: int) -> TrainConfig:
    """The fine-tuning stage that makes the shipped model (mnist-gui train --init ... --pen-variants)."""
    return TrainConfig(optimizer="adamw", lr=lr, schedule="onecycle", batch_size=128, epochs=epochs,
                       weight_decay=1e-4, augment=True, seed=seed)


def finish_config(epochs: float, lr: float, seed: int) -> TrainConfig:
    """The last stage (--finish-epochs): no augmentation, a low rate that decays to zero."""
    return TrainConfig(optimizer="adamw", lr=lr, schedule="cosine", batch_size=128, epochs=epochs,
                       weight_decay=1e-4, augment=False, seed=seed)


def read_digits(model, digits) -> np.ndarray:
    """Right (bool) per digit, through the canvas's path."""
    x = torch.from_numpy(np.stack([strokes_to_mnist(d.strokes) for d in digits]))[:, None]
    x = (x - config.MNIST_MEAN) / config.MNIST_STD
    with torch.inference_mode():
        pred = torch.cat([model.eval()(x[i:i + 500]).argmax(1) for i in range(0, len(x), 500)])
    return pred.numpy() == np.array([d.label for d in digits])


def _small(metrics: dict) -> dict:
    """A run's metrics without the per-image arrays (probabilities of 10,000 images)."""
    return {k: v for k, v in metrics.items() if k not in ("predictions", "confidence", "probabilities")}


def tile(split: MnistSplit, times: int) -> MnistSplit:
    return MnistSplit(split.images.repeat(times, 1, 1), split.labels.repeat(times))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=str(ROOT.parent / "shared/data/pendigits/pendigits-train.gz"))
    ap.add_argument("--base", required=True, help="a model trained on MNIST only")
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    ap.add_argument("--variants", type=int, default=4)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--folds", type=int, nargs="+", default=None, help="only these folds (1-based)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", metavar="FILE")
    ap.add_argument("--tag", default="", help="appended to the saved models' names")
    ap.add_argument("--finish-epochs", type=float, default=0.0,
                    help="then this many plain epochs (no augmentation, cosine) on MNIST + the pen digits as drawn")
    ap.add_argument("--finish-lr", type=float, default=3e-4)
    ap.add_argument("--finish-variants", type=int, default=1, help="pen digits in the last stage: as drawn, "
                    "and K-1 varied copies")
    ap.add_argument("--reuse", metavar="DIR", help="take the first stage from DIR/fold{i}-{method}{--reuse-tag}.pt "
                    "when it is there (saved by an earlier run with the same settings)")
    ap.add_argument("--reuse-tag", default="")
    ap.add_argument("--save-models", metavar="DIR", help="keep each fold's fine-tuned models (for "
                    "number_reading.py / finetune_writer.py --model on that fold's unseen writers)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    base = load_checkpoint(args.base)
    data = load_mnist(download=False)
    digits = read_unipen(args.file)
    folds = writer_folds(digits, 3)
    print(f"base {args.base}: MNIST test {base.metrics.get('test_accuracy', float('nan')):.2%}; "
          f"{len(digits)} pen digits of {len({d.writer for d in digits})} writers; "
          f"variants {args.variants}, {args.epochs} epoch at lr {args.lr}, seed {args.seed}"
          + (f"; then {args.finish_epochs} plain epochs at lr {args.finish_lr}" if args.finish_epochs else ""))
    results = []
    for i, (train_w, test_w) in enumerate(folds, 1):
        if args.folds and i not in args.folds:
            continue
        train_d = [d for d in digits if d.writer in set(train_w)]
        test_d = [d for d in digits if d.writer in set(test_w)]
        rendered: dict = {}

        def pen_images(kind: str, k: int) -> MnistSplit:
            """The fold's training pen digits, rendered once per fold and kind, when a stage needs them."""
            if (kind, k) not in rendered:  # noqa: B023 (used within this fold's iteration only)
                rendered[kind, k] = (tile(render_pendigits(train_d), k) if kind == "plain"  # noqa: B023
                                     else render_pendigits(train_d, variants=k, seed=args.seed))  # noqa: B023
            return rendered[kind, k]  # noqa: B023

        for method in args.methods:
            t0 = time.perf_counter()
            if method == "none":
                model, seconds = base.model, 0.0
            else:
                cfg = finetune_config(args.epochs, args.lr, args.seed)
                if method == "mnist":  # same number of images as the pen methods
                    cfg.epochs = args.epochs * (len(data.train) + len(train_d) * args.variants) / len(data.train)
                seen = writers_text(set(seen_writers(base.train_config)) | set(train_w))  # with the base's own
                if method != "mnist":
                    cfg.pen_writers = seen
                stage1 = Path(args.reuse) / f"fold{i}-{method}{args.reuse_tag}.pt" if args.reuse else None
                if stage1 is not None and stage1.exists():
                    res = None
                    model, seconds = load_checkpoint(stage1).model, 0.0
                else:
                    extra = None if method == "mnist" else pen_images(method, args.variants)
                    res = Trainer(cfg, data, init_state=base.model.state_dict(), extra_train=extra).run()
                    model, seconds = res.model, res.seconds
                if args.finish_epochs:
                    # the shipped model's last stage: plain epochs at a low rate on MNIST + the pen digits
                    cfg = finish_config(args.finish_epochs, args.finish_lr, args.seed)
                    cfg.pen_writers = None if method == "mnist" else seen
                    finish_extra = None if method == "mnist" else pen_images("variety", args.finish_variants)
                    res = Trainer(cfg, data, init_state=model.state_dict(), extra_train=finish_extra).run()
                    model, seconds = res.model, seconds + res.seconds
                if args.save_models:
                    Path(args.save_models).mkdir(parents=True, exist_ok=True)   # the folder it asks for
                    save_checkpoint(Path(args.save_models) / f"fold{i}-{method}{args.tag}.pt", model,
                                    cfg.model_config(), cfg.to_dict(), metrics=_small(res.metrics) if res else {},
                                    name=f"fold {i} {method}: unseen writers {min(test_w)}-{max(test_w)}")
            right = read_digits(model, test_d)
            writer = np.array([d.writer for d in test_d])
            per_writer = {int(w): float(right[writer == w].mean()) for w in test_w}
            mnist = evaluate(model, data.test)["accuracy"]
            results.append({"fold": i, "test_writers": [min(test_w), max(test_w)], "method": method,
                            "pen_accuracy": float(right.mean()), "pen_right": int(right.sum()),
                            "pen_count": len(right), "per_writer": per_writer, "mnist_test": mnist,
                            "train_seconds": seconds, "seconds": time.perf_counter() - t0})
            worst = min(per_writer, key=per_writer.get)
            print(f"fold {i} (writers {min(test_w)}-{max(test_w)}) {method:8s} pen {right.mean():.2%} "
                  f"({right.sum()}/{len(right)}), worst writer {worst}: {per_writer[worst]:.2%}, "
                  f"MNIST {mnist:.2%}, {time.perf_counter() - t0:.0f} s", flush=True)
    print("\nmethod   | " + " | ".join(f"fold {r}" for r in sorted({r['fold'] for r in results}))
          + " | mean | worst fold | MNIST test (min)")
    for method in args.methods:
        rs = [r for r in results if r["method"] == method]
        accs = [r["pen_accuracy"] for r in rs]
        print(f"{method:8s} | " + " | ".join(f"{a:.2%}" for a in accs)
              + f" | {np.mean(accs):.2%} | {min(accs):.2%} | {min(r['mnist_test'] for r in rs):.2%}")
    if args.json:
        Path(args.json).write_text(json.dumps({"args": vars(args), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
