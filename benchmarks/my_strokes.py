"""Teaching the reading of the pen's path: a writer's taught digits as prototypes (core/handwriting/prototypes.py),
measured on writers nothing was chosen on (issue 31).

    export MNIST_GUI_DATA=../shared/data/mnist
    python benchmarks/pendigits_nested.py --models DIR --train-models    # the fold models, then its measurement
    python benchmarks/my_strokes.py --models DIR                          # (which leaves DIR/path-o{fold}.pt)

Per outer fold of pendigits_nested.py: its digit model (DIR/outer{o}.pt) and pen-path net (DIR/path-o{o}.pt,
at the temperature its inner folds chose), neither of which saw the fold's 10 writers. Each writer teaches
10 digits of each class (finetune_writer.split_writer) and the app reads their other ~150 as it reads
strokes (image and path net joined), without and with the prototypes of the taught ones. Every writer is
read by the models of their own outer fold; for each fold, WEIGHT and SCALE are chosen (the best mean
accuracy over a grid, the smaller weight on a tie) on the other 20 writers' readings, then the fold's own
writers are scored once with them. Not wholly apart: the other folds' models that read those 20 writers
were trained on this fold's writers (choosing on the fold's inner folds instead would read them with a model
that saw them). Only two numbers are chosen so. Prints per writer and per fold: before, after, writers lowered,
misread with no doubt (a wrong digit at ≥ NOT_SURE_BELOW).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mnist_gui.core.checkpoint import load_checkpoint  # noqa: E402
from mnist_gui.core.handwriting import elastic as E  # noqa: E402
from mnist_gui.core.handwriting import trajectory as T  # noqa: E402
from mnist_gui.core.handwriting import trajectory_train as TT  # noqa: E402
from mnist_gui.core.handwriting.folds import nested_folds  # noqa: E402
from mnist_gui.core.handwriting.pendigits import read_unipen  # noqa: E402
from mnist_gui.core.handwriting.prototypes import Prototypes  # noqa: E402
from mnist_gui.core.predictor import Predictor  # noqa: E402
from mnist_gui.core.preprocess import strokes_to_mnist  # noqa: E402
from mnist_gui.core.reading import NOT_SURE_BELOW  # noqa: E402

WEIGHTS = (0.0, 1.0, 2.0, 4.0, 8.0, 12.0, 16.0, 24.0)
SCALES = (0.02, 0.05, 0.1, 0.2)


def writer_sets(digits, writers, per_class, model, pnet, temperature, templates=None, taught_templates=False):
    """Per writer: (the prototypes of the taught digits, the other digits' joined probabilities, their path
    features, their labels); with templates, the elastic reader joins too (elastic.join, as the app), and with
    taught_templates its templates are the pen writers' and the writer's taught digits together."""
    from finetune_writer import split_writer
    out = {}
    classifier = Predictor(model)
    for w in writers:
        taught, rest = split_writer(digits, w, per_class)
        feats = T.batch_features([d.strokes for d in rest])
        p_img = classifier.classify(np.stack([strokes_to_mnist(d.strokes) for d in rest]))
        p = T.combine(p_img, TT.path_probabilities(pnet, feats), temperature=temperature)
        if templates is not None:
            mine = templates
            if taught_templates:
                tf = T.batch_features([d.strokes for d in taught])
                mine = E.Templates(np.concatenate([templates.pts, E.points(tf)]),
                                   np.concatenate([templates.labels, [d.label for d in taught]]))
            p = E.join(p, mine.distances(feats))
        out[w] = (Prototypes.of([(d.label, d.strokes) for d in taught]), p, feats, np.array([d.label for d in rest]))
    return out


def read(sets, weight, scale):
    """{writer: (accuracy before, after, misread with no doubt after)} with these parameters."""
    res = {}
    for w, (proto, p, feats, y) in sets.items():
        proto.weight, proto.scale = weight, scale
        q = proto.adjust(p, feats) if weight else p
        res[w] = (float(np.mean(p.argmax(1) == y)), float(np.mean(q.argmax(1) == y)),
                  float(np.mean((q.argmax(1) != y) & (q.max(1) >= NOT_SURE_BELOW))), len(y))
    return res


def main() -> int:
    from pendigits_nested import path_net, path_temperature
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=str(ROOT.parent / "shared/data/pendigits/pendigits-train.gz"))
    ap.add_argument("--models", required=True, metavar="DIR")
    ap.add_argument("--per-class", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--elastic", action="store_true",
                    help="join the elastic reader as the app does (templates of the fold's 20 training writers; "
                         "its weight and temperature as shipped, chosen on the pooled inner folds)")
    ap.add_argument("--taught-templates", action="store_true",
                    help="with --elastic: each writer's taught digits join the elastic reader's templates")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    digits = read_unipen(args.file)
    outer = nested_folds(sorted({d.writer for d in digits}), 3, 3)
    unseen = {}   # every writer read by the models of its outer fold, which never saw them
    for o, f in enumerate(outer, 1):
        model = load_checkpoint(Path(args.models) / f"outer{o}.pt").load_model().eval()
        pnet = path_net(args, digits, f.train, f"o{o}", args.seed + 100 * o + 9)
        templates = None
        if args.elastic:
            train = [d for d in digits if d.writer in set(f.train)]
            templates = E.Templates.of_features(T.batch_features([d.strokes for d in train]), [d.label for d in train])
        unseen.update(writer_sets(digits, f.test, args.per_class, model, pnet, path_temperature(args, digits, o, f),
                                  templates, args.taught_templates))
    rows, chosen = {}, []
    for o, f in enumerate(outer, 1):
        others = {w: v for w, v in unseen.items() if w not in set(f.test)}
        grid = {(w, s): read(others, w, s) for w, s in itertools.product(WEIGHTS, SCALES)}
        mean = {k: np.mean([a for _, a, _, _ in v.values()]) for k, v in grid.items()}
        best = max(mean, key=lambda k: (round(mean[k], 6), -k[0]))
        chosen.append(best)
        got = read({w: unseen[w] for w in f.test}, *best)
        rows.update(got)
        b = [v[0] for v in got.values()]
        a = [v[1] for v in got.values()]
        print(f"outer {o}: chose weight {best[0]}, scale {best[1]} on the other 20 writers (mean {mean[best]:.2%}, "
              f"without {mean[(0.0, SCALES[0])]:.2%}); its writers: before {np.mean(b):.2%} (worst {min(b):.2%}), "
              f"after {np.mean(a):.2%} (worst {min(a):.2%}), lowered {sum(x < y for y, x in zip(b, a))}", flush=True)
        for w, (bw, aw, nd, n) in got.items():
            print(f"  writer {w:2d}: {bw:.2%} -> {aw:.2%} of {n}; misread with no doubt {nd:.2%}", flush=True)
    n = np.array([v[3] for v in rows.values()])
    b, a, nd = (np.array([v[i] for v in rows.values()]) for i in range(3))
    print(f"all 30 writers, each by its outer fold: before {np.sum(b * n) / n.sum():.2%} (worst {b.min():.2%}), "
          f"after {np.sum(a * n) / n.sum():.2%} (worst {a.min():.2%}); writers lowered {int(np.sum(a < b))}, "
          f"raised {int(np.sum(a > b))}; misread with no doubt after {np.sum(nd * n) / n.sum():.2%}; "
          f"chosen {chosen}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
