"""Average two checkpoints of the same network (WiSE-FT: a fine-tuned model and the model it started
from), score the result on MNIST test and save it as a checkpoint.

    python scripts/average_models.py START.pt TUNED.pt --weight 0.5 --out resources/shipped_model.pt \
        --name tf-tutorial-shipped

The result keeps TUNED's network, recipe and pen_writers (the union with START's), its history, and
records the average in its recipe (averaged_with, average_weight). The weight for the shipped model was
chosen by writer folds (benchmarks/weight_average.py; benchmarks/README.md, shipped model).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnist_gui.core.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from mnist_gui.core.data import load_mnist  # noqa: E402
from mnist_gui.core.handwriting.pendigits import seen_writers, writers_text  # noqa: E402
from mnist_gui.core.models import average_weights  # noqa: E402
from mnist_gui.core.script_errors import run_script  # noqa: E402
from mnist_gui.core.storage import check_folder_exists  # noqa: E402
from mnist_gui.core.train import evaluate  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("start")
    ap.add_argument("tuned")
    ap.add_argument("--weight", type=float, default=0.5, help="the tuned model's share, in [0, 1]")
    ap.add_argument("--out", required=True)
    ap.add_argument("--name")
    args = ap.parse_args()
    check_folder_exists(args.out)   # before any work: one line and exit code 2 (run_script)
    torch.set_num_threads(2)
    a, b = load_checkpoint(args.start), load_checkpoint(args.tuned)
    model = average_weights(a.model, b.model, args.weight)
    ev = evaluate(model, load_mnist(download=False).test)
    metrics = {"test_accuracy": ev["accuracy"], "test_loss": ev["loss"], "per_class": ev["per_class"],
               "confusion": ev["confusion"]}
    train_config = dict(b.train_config, averaged_with=Path(args.start).name, average_weight=args.weight)
    seen = seen_writers(a.train_config) | seen_writers(b.train_config)
    train_config["pen_writers"] = writers_text(seen) if seen else None
    save_checkpoint(args.out, model, b.model_config, train_config, metrics, b.history, name=args.name)
    print(f"{args.out}: MNIST test {ev['accuracy']:.2%} ({(1 - args.weight):g} × {args.start} + "
          f"{args.weight:g} × {args.tuned}); pen writers seen: {train_config['pen_writers']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
