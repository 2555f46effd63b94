"""The number reader's decoding weights chosen on inner writer folds, reported once on the outer folds (issue 31).

    export MNIST_GUI_DATA=../shared/data/mnist      # DIR: pendigits_nested.py --models DIR --train-models
    python benchmarks/number_weights_nested.py --models DIR --judges JDIR [--grid judge] [--spacings realistic tight]

JDIR holds each outer fold's judge, judge-fold{o}.pt (scripts/train_number_judge.py on the fold's 20 training
writers), and each inner fold's, judge-o{o}i{i}.pt (on that inner fold's training writers).

The app reads a number with an image model, a path net, the elastic reader's templates and the whole-digit
judge, then scores the readings (handwriting/numbers.py's weights: DIGIT_BONUS, W_WHOLE, ...), which were
chosen on older folds with the image model alone. Here, per outer fold o of the nested writer folds
(folds.nested_folds, as pendigits_nested.py):

- inner: the writers of each of o's inner folds, read by what never saw them (inner{o}{i}.pt, the path net
  o{o}i{i}, templates and judge of that inner fold's training writers); every grid point scores the same
  candidates (read once; only the decoding runs again);
- the weights: the most numbers read exactly over o's own inner folds (what fold o reports: none of its
  writers were chosen on) and over every inner fold of the three (pooled: what ships); ties keep the
  weights now;
- outer: o's writers read once by the outer fold's models (outer{o}.pt, path net o{o}, templates and judge
  of its 20 training writers), with the weights now and with those chosen on o's inner fold.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from mnist_gui.core.handwriting import numbers as N  # noqa: E402
from mnist_gui.core.handwriting.synthetic import default_pendigits, full_pass, numbers  # noqa: E402

GRIDS = {
    "judge": {"W_WHOLE": [0.5, 1.0, 1.5, 2.0], "DIGIT_BONUS": [3.0, 4.0, 5.0], "CUT_COST": [1.0, 2.0, 3.0]},
    # how low the judge's P(whole digit) may count: a whole digit of a style its writers never drew (a 0 with a
    # slash through it) can get ~0 and lose to its pieces read as two digits
    "floor": {"WHOLE_FLOOR": [1e-6, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1], "W_WHOLE": [0.5, 1.0, 1.5]},
    "shape": {"W_ASPECT": [0.125, 0.25, 0.5], "W_HEIGHT": [0.25, 0.5, 1.0], "W_CENTRE": [1.0, 2.0, 3.0]},
    # how much the path net and the elastic reader count in each candidate's probabilities (the app uses the
    # single-digit weights, trajectory.WEIGHT and elastic.WEIGHT, chosen on single digits)
    "readers": {"PATH_WEIGHT": [0.5, 0.75, 1.0, 1.5], "ELASTIC_WEIGHT": [0.0, 0.15, 0.3, 0.5, 0.75]},
}
READER_WEIGHTS = ("PATH_WEIGHT", "ELASTIC_WEIGHT")


def parts(args, digits, model: Path, path_name: str, path_seed: int, train: set, judge: Path):
    """(classify, judge, path, templates) of a fold: what the app reads a number with."""
    from pendigits_nested import path_net

    from mnist_gui.core.checkpoint import load_checkpoint
    from mnist_gui.core.handwriting import trajectory as T
    from mnist_gui.core.handwriting import trajectory_train as TT
    from mnist_gui.core.handwriting.elastic import Templates
    from mnist_gui.core.handwriting.judge_net import load_judge, torch_judge
    from mnist_gui.core.predictor import torch_classifier
    net = path_net(args, digits, sorted(train), path_name, path_seed)

    def path(sets, net=net.eval()):
        return TT.path_probabilities(net, T.batch_features(sets))
    held = [d for d in digits if d.writer in train]
    templates = Templates.of_features(T.batch_features([d.strokes for d in held]), [d.label for d in held])
    return torch_classifier(load_checkpoint(model).model), torch_judge(load_judge(judge)), path, templates


class Recorder:
    """Each candidate's path-net and elastic readings, recorded as the number reader asks for them (the path net,
    then the elastic reader, for the same candidates in the same order), so that other weights can join them again
    with the image's (kept in the cache). It stands in for the path net (read_path) and the templates (distances)."""

    def __init__(self, path, templates):
        self._path, self._templates = path, templates
        self.path: dict = {}
        self.elastic: dict = {}

    def read_path(self, sets):
        out = self._path(sets)
        self._keys = [N.candidate_key(s) for s in sets]
        self.path.update(zip(self._keys, out))
        return out

    def distances(self, feats):
        d = self._templates.distances(feats)
        self.elastic.update(zip(self._keys, d))
        return d

    def joined(self, image, key, path_weight: float, elastic_weight: float):
        from mnist_gui.core.handwriting.elastic import join
        from mnist_gui.core.handwriting.trajectory import combine
        return join(combine(image, self.path[key], path_weight), self.elastic[key], elastic_weight)


def read_all(cases, fold_parts) -> list:
    """Each case read once, every candidate by every reader (PATHS_FROM 0): (spacing, truth, strokes, cache holding
    every candidate's probabilities and the judge's image parts), and the Recorder."""
    classify, judge, path, templates = fold_parts
    rec = Recorder(path, templates)
    out = []
    saved, N.PATHS_FROM = N.PATHS_FROM, 0.0
    try:
        for spacing, case in cases:
            cache: dict = {}
            N.read_number(case.strokes, classify, cache, judge, rec.read_path, None, rec)
            out.append((spacing, case.truth, case.strokes, cache))
    finally:
        N.PATHS_FROM = saved
    return out, rec


def readings(read, fold_parts, grid: dict, values: tuple) -> list[tuple[str, str, str]]:
    """(spacing, truth, text read) of each case with the grid's names set to values (the candidates from the
    cache: nothing is classified or read by the path readers again; they read what the app's PATHS_FROM has them
    read)."""
    _, judge, path, templates = fold_parts
    read, rec = read

    def never(*_args):
        raise AssertionError("a candidate was not in the cache")
    weights = dict(zip(grid, values))
    reader_weights = {k: weights.pop(k) for k in READER_WEIGHTS if k in weights}
    saved = {k: getattr(N, k) for k in weights}
    out = []
    try:
        for k, v in weights.items():
            setattr(N, k, v)
        for spacing, truth, strokes, cache in read:
            if reader_weights:   # each candidate's probabilities joined again with these weights
                from mnist_gui.core.handwriting import elastic, trajectory
                pw = reader_weights.get("PATH_WEIGHT", trajectory.WEIGHT)
                ew = reader_weights.get("ELASTIC_WEIGHT", elastic.WEIGHT)
                cache = {k: dataclasses.replace(v, joined=rec.joined(v.probs, k, pw, ew)) if k in rec.path else v
                         for k, v in cache.items()}
            r = N.read_number(strokes, never, cache, judge, never, None, templates)
            out.append((spacing, truth, r.text if r is not None else ""))
    finally:
        for k, v in saved.items():
            setattr(N, k, v)
    return out


def score(read, fold_parts, grid: dict, values: tuple) -> collections.Counter:
    """{spacing: numbers read exactly} with the grid's names set to values."""
    return collections.Counter(spacing for spacing, truth, text in readings(read, fold_parts, grid, values)
                               if text == truth)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=default_pendigits())
    ap.add_argument("--models", required=True, metavar="DIR")
    ap.add_argument("--judges", required=True, metavar="JDIR")
    ap.add_argument("--grid", choices=sorted(GRIDS), default="judge")
    ap.add_argument("--spacings", nargs="+", default=["realistic", "tight"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--inner", type=int, default=3, help="inner folds of each outer fold to choose on (judges: "
                    "judge-o{o}i{i}.pt)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from mnist_gui.core.handwriting.folds import nested_folds
    from mnist_gui.core.handwriting.pendigits import read_unipen, writers_text
    digits = read_unipen(args.file)
    outer = nested_folds(sorted({d.writer for d in digits}), 3, 3)
    grid = GRIDS[args.grid]
    from mnist_gui.core.handwriting import elastic, trajectory
    today = {"PATH_WEIGHT": trajectory.WEIGHT, "ELASTIC_WEIGHT": elastic.WEIGHT}
    now = tuple(today[k] if k in today else getattr(N, k) for k in grid)
    points = list(itertools.product(*grid.values()))
    models, judges = Path(args.models), Path(args.judges)

    def cases_of(writers) -> list:
        by_writer = collections.defaultdict(list)
        for d in digits:
            if d.writer in writers:
                by_writer[d.writer].append(d)
        return [(s, c) for s in args.spacings for c in numbers(by_writer, full_pass(by_writer), s, args.seed)]

    inner = []   # per outer fold, per inner fold: ({grid point: {spacing: right}}, numbers per spacing)
    for o, f in enumerate(outer, 1):
        inner.append([])
        for i, fi in enumerate(f.inner[:args.inner]):
            t0 = time.perf_counter()
            p = parts(args, digits, models / f"inner{o}{i}.pt", f"o{o}i{i}", args.seed + 100 * o + i, set(fi.train),
                      judges / f"judge-o{o}i{i}.pt")
            read = read_all(cases_of(set(fi.test)), p)
            if set(grid) & set(READER_WEIGHTS):   # joined again at today's weights, every number reads the same
                assert readings(read, p, grid, now) == readings(read, p, {}, ()), "the parts do not join as the app's"
            inner[-1].append(({v: score(read, p, grid, v) for v in points}, len(read[0]) // len(args.spacings)))
            print(f"inner fold {i} of outer {o} (writers {writers_text(fi.test)}): {inner[-1][-1][1]} numbers per "
                  f"spacing, {time.perf_counter() - t0:.0f} s", flush=True)

    def best(folds: list) -> tuple:
        total = {v: sum(sum(s[v].values()) for s, _ in folds) for v in points}
        top = max(total.values())
        return now if total[now] == top else next(v for v in points if total[v] == top)

    def shares(right, n) -> str:
        return ", ".join(f"{s} {right[s] / n:.2%}" for s in args.spacings)
    names = ", ".join(grid)
    print(f"weights ({names}); now {now}")
    every = [x for per_outer in inner for x in per_outer]
    for v in sorted(points, key=lambda v: -sum(sum(s[v].values()) for s, _ in every))[:8]:
        print(f"  inner, pooled: {v}: " + "; ".join(shares(s[v], n) for s, n in every))
    pooled = best(every)
    print(f"chosen on the pooled inner folds (ships): {pooled}; now {now}")
    outer_rows = collections.defaultdict(collections.Counter)
    counts = 0
    for o, f in enumerate(outer, 1):
        chosen = best(inner[o - 1])
        p = parts(args, digits, models / f"outer{o}.pt", f"o{o}", args.seed + 100 * o + 9, set(f.train),
                  judges / f"judge-fold{o}.pt")
        read = read_all(cases_of(set(f.test)), p)
        n = len(read[0]) // len(args.spacings)
        counts += n
        got = {v: score(read, p, grid, v) for v in {now, chosen, pooled}}
        for key, v in (("now", now), ("own inner", chosen), ("pooled inner", pooled)):
            outer_rows[key].update(got[v])
        print(f"outer fold {o} (writers {writers_text(f.test)}), {n} numbers per spacing: now {shares(got[now], n)}; "
              f"chosen on its inner fold {chosen}: {shares(got[chosen], n)}; pooled {shares(got[pooled], n)}",
              flush=True)
    for key, right in outer_rows.items():
        print(f"outer folds, weights {key}: {shares(right, counts)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
