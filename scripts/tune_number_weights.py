"""Choose the weights of the number reader's score on numbers built from writers 1-20 only.

    python scripts/tune_number_weights.py [--count 300]
    python scripts/tune_number_weights.py --fold-models DIR [--fold-name NAME]   # cross-validated

With --fold-models (benchmarks/pen_training_cv.py --save-models), each fold's writers' numbers are read by
that fold's model (one that never saw them), and for each fold the weights are chosen on the other two
folds' numbers and scored on its own: the mean and worst fold say what tuning the weights buys on
writers it was not tuned on.

Builds four-digit numbers (realistic, tight and joined: core/handwriting/synthetic.py) from
the pen digits of writers 1-20, classifies every candidate once, then tries a grid of weights for
the dynamic programming and prints the best few by exact reads over all spacings (writers 21-30 are
not used in this mode; the v1 shipped model that chose today's weights had seen 1-20).
"""

from __future__ import annotations

import argparse
import collections
import itertools
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnist_gui import config  # noqa: E402
from mnist_gui.core.checkpoint import load_checkpoint  # noqa: E402
from mnist_gui.core.handwriting import numbers as N  # noqa: E402
from mnist_gui.core.handwriting.pendigits import HOLDOUT_WRITERS, read_unipen  # noqa: E402
from mnist_gui.core.handwriting.synthetic import SPACINGS, default_pendigits, numbers  # noqa: E402
from mnist_gui.core.predictor import torch_classifier  # noqa: E402
from mnist_gui.core.preprocess import strokes_to_mnist  # noqa: E402

GRIDS = {
    "score": {   # the shape and spacing terms
        "W_ASPECT": [0.25, 0.5],
        "DIGIT_BONUS": [2.0, 3.0, 4.0],
        "GAP_SD": [0.06, 0.12],
        "W_HOLE": [0.5, 1.0, 2.0],
        "W_CENTRE": [0.5, 1.0, 2.0],
    },
    "cut": {     # how readily a stroke is cut in two, a stray stroke dropped, and digits counted
        "CUT_COST": [1.0, 2.0, 3.0, 4.0, 6.0],
        "DROP_COST": [0.5, 1.0, 2.0],
        "DIGIT_BONUS": [3.0, 4.0, 5.0],
    },
    "judge": {   # how much the whole-digit judge counts (--judges), and the bonus per digit read
        "W_WHOLE": [0.5, 1.0, 1.5, 2.0, 3.0],
        "DIGIT_BONUS": [3.0, 4.0, 5.0, 6.0],
    },
    "cutwidth": {  # which strokes are candidates for cutting (changes the candidates, not only the score)
        "CUT_MIN_WIDTH": [0.6, 0.7, 0.8, 1.0],
        "CLOSED_GAP": [0.3, 0.45, 0.6],
        "CUT_COST": [1.0, 2.0, 3.0],
    },
}
# These decide which candidates there are: with them in the grid, candidates are made again at each point.
CANDIDATE_SETTINGS = {"CUT_MIN_WIDTH", "CLOSED_GAP", "MAX_CUT_STROKES", "CUTS_PER_STROKE", "MAX_WIDTH",
                      "MAX_INNER_GAP", "MAX_STROKES", "MAX_INPUTS"}


def read_cases(model, by_writer, count: int, judge=None) -> list:
    """(spacing, truth, strokes, candidate sets, {candidate key: probabilities}, classify,
    {candidate key: P(whole digit)} or None) per number."""
    classify = torch_classifier(model)
    cases = []
    for spacing in SPACINGS:
        for truth, strokes, *_ in numbers(by_writer, count, spacing, seed=1):
            sets, strokes_of = N.candidate_sets(strokes)
            images = {k: strokes_to_mnist(s) for k, s in strokes_of.items()}
            probs = dict(zip(images, classify(list(images.values()))))
            whole = None
            if judge is not None:
                feats = N.judge_features(sets)
                whole = dict(zip(feats, judge([images[k] for k in feats], list(feats.values()))))
            cases.append((spacing, truth, strokes, sets, probs, classify, whole))
    return cases


def _sets(case, remake: bool):
    """The case's candidate sets (made again when the settings that decide them change); candidates not
    classified before are classified and added to the case's probabilities."""
    _, _, strokes, sets, probs, classify, _ = case
    if not remake:
        return sets
    sets, strokes_of = N.candidate_sets(strokes)
    new = [k for k in strokes_of if k not in probs]
    if new:
        probs.update(zip(new, classify([strokes_to_mnist(strokes_of[k]) for k in new])))
    return sets


def score_grid(cases, grid: dict) -> list[tuple[int, dict, tuple]]:
    """(exact reads, {spacing: exact reads}, weights) for every point of the grid, best first."""
    saved = {k: getattr(N, k) for k in grid}
    remake = bool(CANDIDATE_SETTINGS & set(grid))
    if remake and any(c[6] is not None for c in cases):
        raise SystemExit("a grid that changes the candidates cannot be tried with --judges")
    if "W_WHOLE" in grid and all(c[6] is None for c in cases):
        raise SystemExit("W_WHOLE weighs the judge: give --judges")
    results = []
    try:
        for values in itertools.product(*grid.values()):
            for k, v in zip(grid, values):
                setattr(N, k, v)
            right = collections.Counter()
            for case in cases:
                spacing, truth, probs = case[0], case[1], case[4]
                best = N.ranked(_sets(case, remake), probs, case[6])
                right[spacing] += bool(best) and N.reading_text(*best[0][1:]) == truth
            results.append((sum(right.values()), {k: right[k] for k in SPACINGS}, values))
    finally:
        for k, v in saved.items():
            setattr(N, k, v)
    results.sort(key=lambda r: -r[0])
    return results


def best_keeping(results: list, now: tuple, keep: list[str]) -> tuple:
    """The best weights of score_grid's results among those that read each spacing in keep at least
    as well as the weights now."""
    base = next(r for r in results if r[2] == now)[1]
    return next(r[2] for r in results if all(r[1][k] >= base[k] for k in keep))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=default_pendigits())
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--fold-models", metavar="DIR")
    ap.add_argument("--fold-name", default="-variety")
    ap.add_argument("--judges", metavar="DIR", help="read with the fold's whole-digit judge, DIR/judge-fold{i}.pt "
                    "(scripts/train_number_judge.py on the other folds' writers)")
    ap.add_argument("--grid", choices=sorted(GRIDS), default="score")
    ap.add_argument("--keep", nargs="*", default=[], choices=list(SPACINGS),
                    help="choose only among weights that read these spacings at least as well as the "
                         "weights now (on the folds they are chosen on)")
    args = ap.parse_args()
    grid = GRIDS[args.grid]
    torch.set_num_threads(1)
    digits = read_unipen(args.file)
    if args.fold_models:
        from mnist_gui.core.handwriting.pendigits import writer_folds
        now = tuple(getattr(N, k) for k in grid)
        per_fold = []
        for i, (_, test_w) in enumerate(writer_folds(digits, 3), 1):
            by_writer = collections.defaultdict(list)
            for d in digits:
                if d.writer in test_w:
                    by_writer[d.writer].append(d)
            model = load_checkpoint(Path(args.fold_models) / f"fold{i}{args.fold_name}.pt").model
            judge = None
            if args.judges:
                from mnist_gui.core.handwriting.judge_net import load_judge, torch_judge
                judge = torch_judge(load_judge(Path(args.judges) / f"judge-fold{i}.pt"))
            per_fold.append(read_cases(model, by_writer, args.count, judge))
        print(f"{args.count} numbers per spacing per fold; weights ({', '.join(grid)}); now {now}")
        def shares(by_spacing: dict) -> str:
            return ", ".join(f"{k} {v / args.count:.1%}" for k, v in by_spacing.items())

        for i, cases in enumerate(per_fold):
            others = [c for j, f in enumerate(per_fold) if j != i for c in f]
            chosen = best_keeping(score_grid(others, grid), now, args.keep)
            mine = {r[2]: r for r in score_grid(cases, grid)}
            now_r = mine.get(now) or score_grid(cases, {k: [v] for k, v in zip(grid, now)})[0]
            print(f"  fold {i + 1}: chosen on the others {chosen}: {shares(mine[chosen][1])}; "
                  f"with the weights now: {shares(now_r[1])}")
        best = score_grid([c for f in per_fold for c in f], grid)[:5]
        n = len(SPACINGS) * 3 * args.count
        print("best on all three folds: " + "; ".join(f"{r[2]} {r[0] / n:.1%}" for r in best))
        return 0
    by_writer = collections.defaultdict(list)
    for d in digits:
        if d.writer not in HOLDOUT_WRITERS:
            by_writer[d.writer].append(d)
    cases = read_cases(load_checkpoint(config.SHIPPED_MODEL).model, by_writer, args.count)
    results = score_grid(cases, grid)
    print(f"{args.count} numbers per spacing; best weights ({', '.join(grid)}):")
    for _, by_spacing, values in results[:10]:
        print("  " + ", ".join(f"{k} {v / args.count:.1%}" for k, v in by_spacing.items()) + f"  {values}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
