"""Whole numbers written with real pen-drawn digits: the old x-overlap splitter vs the new reader.

    python benchmarks/number_reading.py [--count N] [--writers 21-30] [--model FILE] [--judge FILE] [--canvas 100]
                                        [--spacings realistic tight joined wide] [--jitter 0.05] [--seed 0]
                                        [--decimals] [--teach 10]

Each number has 4 digits of one writer; writers 21-30 by default (`holdout`), `train` for 1-20 (what the
reader's weights and prior were chosen on), or any list such as 1-10. The model must not have seen the
writers: the shipped model has seen all 30, so pass a fold model (benchmarks/pen_training_cv.py
--save-models); the script warns when the model's checkpoint says it has seen them.

The numbers are laid out by mnist_gui/core/handwriting/synthetic.py (its docstring says how: realistic,
tight and joined spacing; wide only when asked). Strokes go straight to the core functions (no GUI).
Prints, per spacing and method, the share of numbers read exactly, the numbers read with a wrong digit
count, and ms per read (p50 / p95, including rendering and the classifier). With --canvas N, also draws N numbers per spacing with mouse
events on the real canvas in number mode and reads the app's number.

With --decimals, each number has a decimal point, a leading minus sign or both (in turn; synthetic.with_marks
says where and how big they are drawn), its truth the text "-3.14"; prints the share read exactly per kind,
and, as the control, the share of the same digits read without the marks. The old splitter is left out (it
has no marks); joined spacing is not offered.

With --teach N, each writer first teaches N digits of each class (benchmarks/finetune_writer.split_writer, as
my_strokes.py does), the numbers are made of their other digits only, and the best reader is run again with
the prototypes of that writer's taught digits (the other readers are left out) (core/handwriting/prototypes.py at the app's WEIGHT and SCALE,
which were chosen on single digits, never on numbers).
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

from mnist_gui.core.handwriting.synthetic import (  # noqa: E402
    CHECK_SPACINGS,
    MARK_KINDS,
    SPACINGS,
    decimal_numbers,
    default_pendigits,
    full_pass,
    numbers,
)


def old_reader(predictor):
    from mnist_gui.core.handwriting.segment import split_digits
    from mnist_gui.core.preprocess import strokes_to_mnist

    def read(strokes):
        return "".join(str(int(np.argmax(predictor.probabilities(strokes_to_mnist(g)))))
                       for g in split_digits(strokes))
    return read


def new_reader(model, judge=None, path=None, mine=None, templates=None):
    """mine: strokes -> the prototypes of their writer's taught digits (or None); templates: the elastic
    reader's (core/handwriting/elastic.py)."""
    from mnist_gui.core.handwriting.numbers import read_number
    from mnist_gui.core.predictor import torch_classifier
    classify = torch_classifier(model)

    def read(strokes):
        r = read_number(strokes, classify, judge=judge, path=path, mine=mine(strokes) if mine else None,
                        templates=templates)
        read.last = r
        return r.text if r else ""
    return read


def misread_alone(model, cases) -> list[bool]:
    """Per case: does the classifier misread one of its digits on its own (as a single digit on the
    canvas)? No segmentation reads such a number right but by luck."""
    from mnist_gui.core.predictor import torch_classifier
    from mnist_gui.core.preprocess import strokes_to_mnist
    digits = [d for c in cases for d in c.digits]
    probs = torch_classifier(model)([strokes_to_mnist(d.strokes) for d in digits])
    wrong = probs.argmax(1) != np.array([d.label for d in digits])
    return [bool(w) for w in wrong.reshape(len(cases), -1).any(1)]


def measure(read, cases, alone=None):
    """Share read exactly, wrong digit counts, ms per read; with alone (misread_alone), how many of the
    wrong reads have a digit the classifier misreads on its own."""
    right = count_wrong = wrong_alone = 0
    ms, mistakes, oks = [], [], []
    for i, (truth, strokes, *_) in enumerate(cases):
        t0 = time.perf_counter()
        got = read(strokes)
        ms.append((time.perf_counter() - t0) * 1000)
        right += got == truth
        oks.append(got == truth)
        count_wrong += len(got) != len(truth)
        wrong_alone += got != truth and alone is not None and alone[i]
        if got != truth and len(mistakes) < 8:
            mistakes.append(f"{truth}->{got}")
    return {"exact": right / len(cases), "right": right, "wrong_count": count_wrong, "wrong_alone": wrong_alone,
            "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "mistakes": mistakes, "ok": oks}


def close_stats(read, cases):
    """How often the new reader offers a close alternative, and whether it is the truth when wrong."""
    shown = shown_when_wrong = alt_right = wrong = 0
    for truth, strokes, *_ in cases:
        got = read(strokes)
        alt = read.last.close_alternative if read.last else None
        shown += alt is not None
        if got != truth:
            wrong += 1
            shown_when_wrong += alt is not None
            alt_right += alt == truth
    return {"close_shown": shown, "wrong": wrong, "close_shown_when_wrong": shown_when_wrong,
            "close_is_truth": alt_right}


def canvas_run(cases, model_path, judge_path):
    """Draw the cases on the window's canvas in number mode; the window reads with judge_path as its
    whole-digit judge (None: without one), like the core reader it is compared with."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["MNIST_GUI_HOME"] = tempfile.mkdtemp(prefix="mnist-gui-bench-")
    from PySide6.QtWidgets import QApplication

    from mnist_gui.core.reading import ReadingModels
    judge = None   # the window reads numbers without a judge
    if judge_path and Path(judge_path).suffix == ".pt":   # a fold's judge from scripts/train_number_judge.py
        from mnist_gui.core.handwriting.judge_net import load_judge, torch_judge
        judge = torch_judge(load_judge(judge_path))
    elif judge_path:
        judge = Path(judge_path)

    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    from mnist_gui.gui.widgets.canvas import draw_strokes
    app = QApplication.instance() or QApplication([])
    ws = window_workspace()
    ws.reading_models = ReadingModels(judge=judge)
    win = MainWindow(ws, model_path=model_path)
    win.show()
    while win.checkpoint is None:   # torch and the model load in the background
        app.processEvents()
    tab = win.drawTab
    tab.numberMode.setChecked(True)
    right, drawn = 0, []
    for truth, strokes, *_ in cases:
        pts = np.concatenate([np.asarray(s) for s in strokes])
        lo, hi = pts.min(0), pts.max(0)
        scale = min(1.0, (tab.canvas.width() - 20) / (hi[0] - lo[0]), (tab.canvas.height() - 20) / (hi[1] - lo[1]))
        strokes = [[((x - lo[0]) * scale + 10, (y - lo[1]) * scale + 10) for x, y in s] for s in strokes]
        tab.canvas.clear()
        draw_strokes(tab.canvas, strokes, step_px=6.0)   # as benchmarks/pendigits_canvas.py draws
        right += tab.number == truth
        drawn.append((truth, tab.canvas.strokes()))
    win.close()
    app.processEvents()
    return right / len(cases), drawn


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=default_pendigits())
    ap.add_argument("--count", type=int, default=0,
                    help="numbers per spacing; 0 (default): one pass, every digit of the writers used once")
    ap.add_argument("--writers", default="holdout",
                    help="holdout (21-30), train (1-20), or a range A-B (a fold's writers, with that fold's "
                         "model: benchmarks/pen_training_cv.py --save-models)")
    ap.add_argument("--spacings", nargs="+", choices=[*SPACINGS, *CHECK_SPACINGS], default=list(SPACINGS))
    ap.add_argument("--jitter", type=float, default=0.05, help="each digit's size and height vary by ±this")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--canvas", type=int, default=0, help="also draw this many numbers per spacing on the canvas")
    ap.add_argument("--model")
    ap.add_argument("--judge", help="a whole-digit judge (scripts/train_number_judge.py) for the new reader")
    ap.add_argument("--path", help="a pen-path net (core/handwriting/trajectory.py) that never saw the writers: "
                                   "an .onnx export or a state dict (benchmarks/pendigits_nested.py's DIR/path-o3.pt)")
    ap.add_argument("--elastic", metavar="WRITERS",
                    help="also join the elastic reader, its templates the digits of these writers (never the ones "
                         "read: each outer fold's training writers)")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    ap.add_argument("--teach", type=int, default=0, metavar="N",
                    help="each writer teaches N digits per class first; the best reader runs again with them")
    ap.add_argument("--decimals", action="store_true",
                    help="numbers with a decimal point, a minus sign or both (default spacing: realistic)")
    args = ap.parse_args()
    if args.decimals and "joined" in args.spacings:
        ap.error("--decimals: joined spacing is not offered (the marks are drawn apart from the digits)")
    import torch
    torch.set_num_threads(args.threads)
    from mnist_gui import config
    from mnist_gui.core.checkpoint import load_checkpoint
    from mnist_gui.core.handwriting.pendigits import (
        HOLDOUT_WRITERS,
        parse_writers,
        read_unipen,
        seen_writers,
        writers_text,
    )
    from mnist_gui.core.predictor import Predictor
    ck = load_checkpoint(args.model or config.SHIPPED_MODEL)
    if args.writers in ("holdout", "train"):
        chosen = HOLDOUT_WRITERS if args.writers == "holdout" else frozenset(range(1, 21))
    else:
        chosen = parse_writers(args.writers)
    seen = seen_writers(ck.train_config) & chosen
    if seen:
        print(f"warning: the model has seen writers {writers_text(seen)}: not a measurement on unseen writers")
    by_writer = collections.defaultdict(list)
    for d in read_unipen(args.file):
        if d.writer in chosen:
            by_writer[d.writer].append(d)
    protos, writer_of = {}, {}
    if args.teach:
        from finetune_writer import split_writer

        from mnist_gui.core.handwriting.prototypes import Prototypes
        for w in list(by_writer):
            taught, by_writer[w] = split_writer(by_writer[w], w, args.teach)
            protos[w] = Prototypes.of([(d.label, d.strokes) for d in taught])

    def mine(strokes):
        return protos.get(writer_of.get(id(strokes)))
    judge = None
    if args.judge:
        from mnist_gui.core.handwriting.judge_net import load_judge, torch_judge
        judge = torch_judge(load_judge(args.judge))
    old, new = old_reader(Predictor(ck.model)), new_reader(ck.model, judge)
    readers = [("old x-overlap split", old), ("new reader", new_reader(ck.model))][args.decimals:]
    if judge:
        readers.append(("new reader + judge", new))
    if args.path:
        from mnist_gui.core.handwriting import trajectory as T
        from mnist_gui.core.handwriting import trajectory_train as TT
        if args.path.endswith(".onnx"):
            path = T.onnx_trajectory(args.path)
        else:
            net = TT.new_net()
            net.load_state_dict(torch.load(args.path, weights_only=True))

            def path(sets, net=net.eval()):
                return TT.path_probabilities(net, T.batch_features(sets))
        readers.append(("new reader + path", new_reader(ck.model, None, path)))
        if judge:
            readers.append(("new + judge + path", new_reader(ck.model, judge, path)))
    templates = None
    if args.elastic:
        from mnist_gui.core.handwriting.elastic import Templates
        from mnist_gui.core.handwriting.trajectory import batch_features
        tw = parse_writers(args.elastic)
        if tw & chosen:
            raise SystemExit(f"--elastic {args.elastic}: the templates would hold writers that are read")
        held = [d for d in read_unipen(args.file) if d.writer in tw]
        templates = Templates.of_features(batch_features([d.strokes for d in held]), [d.label for d in held])
        readers = [readers[-1], (readers[-1][0].replace("new reader", "new") + " + elastic",
                                 new_reader(ck.model, judge, path if args.path else None, None, templates))]
    if args.teach:
        best = readers[-1][0]
        readers = [readers[-1], (best + " + taught", new_reader(ck.model, judge, path if args.path else None, mine,
                                                                templates))]
    rows = []
    count = args.count or full_pass(by_writer)
    what = "four-digit numbers with a point, a minus or both" if args.decimals else "four-digit numbers"
    print(f"writers {min(by_writer)}-{max(by_writer)}, {count} {what} per spacing")
    print(f"{'spacing':<10} {'method':<22} {'exact':>7} {'wrong count':>12} {'misread alone':>14} "
          f"{'p50 ms':>7} {'p95 ms':>7}")
    for spacing in args.spacings:
        if args.decimals:
            triples = decimal_numbers(by_writer, count, spacing, args.seed, args.jitter)
            cases, plain, kinds = [t[0] for t in triples], [t[1] for t in triples], [t[2] for t in triples]
        else:
            cases = numbers(by_writer, count, spacing, args.seed, args.jitter)
        for c in cases + (plain if args.decimals else []):
            writer_of[id(c.strokes)] = c.digits[0].writer
        alone = misread_alone(ck.model, cases)
        print(f"{spacing:<10} {'(no digit misread alone)':<22} {1 - np.mean(alone):>7.1%}   the most a reader can get")
        for name, read in readers:
            r = measure(read, cases, alone)
            right = r.pop("ok")
            rows.append({"spacing": spacing, "method": name, **r})
            print(f"{spacing:<10} {name:<22} {r['exact']:>7.1%} {r['wrong_count']:>12} {r['wrong_alone']:>14} "
                  f"{r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}   e.g. {' '.join(r['mistakes'][:5])}")
            if args.decimals:
                per = {k: float(np.mean([ok for ok, kk in zip(right, kinds) if kk == k])) for k in MARK_KINDS}
                control = measure(read, plain)["exact"]
                rows[-1].update({"per_kind": per, "digits_without_marks": control})
                print(f"{'':<10} {'':<22} " + ", ".join(f"{k} {v:.1%}" for k, v in per.items())
                      + f"; the same digits without the marks: {control:.1%}")
        c = close_stats(readers[-1][1], cases)
        rows.append({"spacing": spacing, "method": readers[-1][0] + ", close alternatives", **c})
        print(f"{'':<10} close alternative shown {c['close_shown']}x; of {c['wrong']} wrong reads, shown for "
              f"{c['close_shown_when_wrong']}, and it was the truth for {c['close_is_truth']}")
        if args.canvas:
            acc, drawn = canvas_run(cases[:args.canvas], args.model, args.judge)
            same = sum(new(s) == t for t, s in drawn)
            rows.append({"spacing": spacing, "method": "canvas (mouse events)", "exact": acc, "n": args.canvas})
            print(f"{spacing:<10} {'canvas, mouse events':<22} {acc:>7.1%}  ({args.canvas} numbers; core on the "
                  f"canvas's strokes: {same / args.canvas:.1%}; core on the same numbers: "
                  f"{sum(new(s) == t for t, s, *_ in cases[:args.canvas]) / args.canvas:.1%})")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
