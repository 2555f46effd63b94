"""Train the number reader's whole-digit judge (mnist_gui/core/handwriting/judge.py) on pen-drawn writers.

    python scripts/train_number_judge.py --writers 1-30 --out resources/number_judge.pt   # what ships
    python scripts/train_number_judge.py --writers 11-30 --out folds/judge-fold1.pt        # a fold's judge

Lays out numbers from the writers' digits with core/handwriting/synthetic.py (every digit once per
pass; realistic, tight and joined spacing; seed 1, not the benchmark's seed 0), proposes every
candidate digit the reader would (numbers.candidate_sets) and labels it whole when its points are one
digit's: all of that digit's points and none of another digit's, give or take max(2, 3% of the digit's
points) each way (a cut may fall a point or two off the joining line; the joining line's own points
belong to no digit and count for nothing). Renders each candidate as the reader does and fits the judge.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnist_gui.core.handwriting import numbers as N  # noqa: E402
from mnist_gui.core.handwriting.judge_net import export_judge_onnx, save_judge, train_judge  # noqa: E402
from mnist_gui.core.handwriting.pendigits import parse_writers, read_unipen, writers_text  # noqa: E402
from mnist_gui.core.handwriting.synthetic import SPACINGS, default_pendigits, full_pass, numbers, stick_ones  # noqa: E402
from mnist_gui.core.preprocess import strokes_to_mnist  # noqa: E402
from mnist_gui.core.script_errors import run_script  # noqa: E402
from mnist_gui.core.storage import check_folder_exists  # noqa: E402


def is_whole(strokes_, owner: dict, sizes: np.ndarray) -> bool:
    """Are the candidate's points one digit's (see the module docstring)? owner: {point: digit or -1};
    sizes: each digit's number of points."""
    got = collections.Counter(owner.get(tuple(p), -1) for s in strokes_ for p in s)
    digits = [(n, k) for k, n in got.items() if k >= 0]
    if not digits:
        return False
    n, k = max(digits)
    slack = max(2, 0.03 * sizes[k])
    return bool(sizes[k] - n <= slack and sum(got.values()) - n - got[-1] <= slack)


def examples(by_writer, passes: int = 1, seed: int = 1, sticks: float = 0.0, keep: bool = False):
    """(images, features, whole) of every candidate of the numbers built from the writers; with sticks, that
    share of their one-stroke 1s drawn as plain sticks (synthetic.stick_ones; keep: besides the 1s as drawn)."""
    if sticks:
        rng = np.random.default_rng(seed)
        by_writer = {w: stick_ones(v, sticks, rng, keep) for w, v in by_writer.items()}
    images, feats, whole = [], [], []
    for spacing in SPACINGS:
        for case in numbers(by_writer, passes * full_pass(by_writer), spacing, seed=seed):
            owner = {tuple(p): int(k) for s, o in zip(case.strokes, case.owners) for p, k in zip(s, o)}
            sizes = np.bincount(np.concatenate(case.owners)[np.concatenate(case.owners) >= 0], minlength=4)
            sets, strokes_of = N.candidate_sets(case.strokes)
            for key, f in N.judge_features(sets).items():
                strokes_ = [np.asarray(s) for s in strokes_of[key]]
                images.append(strokes_to_mnist(strokes_))
                feats.append(f)
                whole.append(is_whole(strokes_, owner, sizes))
    return images, np.array(feats), np.array(whole)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=default_pendigits())
    ap.add_argument("--writers", default="1-30")
    ap.add_argument("--out", required=True)
    ap.add_argument("--passes", type=int, default=1, help="numbers per spacing: this many passes over the digits")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sticks", type=float, default=0.0,
                    help="this share of the writers' one-stroke 1s drawn as plain sticks (synthetic.stick_ones)")
    ap.add_argument("--keep-ones", action="store_true", help="with --sticks: the sticks besides the 1s as drawn")
    args = ap.parse_args()
    check_folder_exists(args.out)   # before any work: one line and exit code 2 (run_script)
    torch.set_num_threads(args.threads)
    writers = parse_writers(args.writers)
    by_writer = collections.defaultdict(list)
    for d in read_unipen(args.file):
        if d.writer in writers:
            by_writer[d.writer].append(d)
    images, feats, whole = examples(by_writer, args.passes, sticks=args.sticks, keep=args.keep_ones)
    print(f"writers {writers_text(writers)}: {len(whole)} candidates, {whole.mean():.1%} whole digits")
    net = train_judge(images, feats, whole, epochs=args.epochs)
    save_judge(args.out, net, {"writers": sorted(writers), "candidates": len(whole), "epochs": args.epochs,
                                 "sticks": args.sticks, "keep_ones": args.keep_ones})
    export_judge_onnx(net, Path(args.out).with_suffix(".onnx"))   # what the app runs (judge.py, no torch)
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
