"""Whole numbers written with real pen-drawn digits: the old x-overlap splitter vs the new reader.

    python benchmarks/number_reading.py [--count N] [--writers 21-30] [--model FILE] [--judge FILE] [--canvas 100]
                                        [--spacings realistic tight joined wide] [--jitter 0.05] [--seed 0]

Each number has 4 digits of one writer; writers 21-30 by default (`holdout`), `train` for 1-20 (what the
reader's weights and prior were chosen on), or any list such as 1-10. The model must not have seen the
writers: the shipped model has seen all 30, so pass a fold model (benchmarks/pen_training_cv.py
--save-models); the script warns when the model's checkpoint says it has seen them.

A number is laid out as a person would write it: one scale for the writer (their median digit
height -> 150 px), each digit ±5% in size and ±5% of the height up or down, then one of two spacings:
  realistic: gap / digit height drawn from a log-normal, median 0.15, log-sd 0.5 (about 0.07-0.33);
             the pen data has one digit per box, so this spacing is an assumption, not a fit;
  tight:     gap / digit height uniform in [-0.12, 0.02]: touching neighbours and slight overlaps;
  joined:    realistic spacing, and wherever a digit ends near (within half the height) where the next
             begins, the pen is not lifted: its last stroke runs on into the next digit's first; numbers
             are drawn (up to 100 times) until at least one pair is joined. The pen data has no cursive, so this is made,
             not drawn.
Strokes go straight to the core functions (no GUI). Prints, per spacing and method, the share of
numbers read exactly, the numbers read with a wrong digit count, and ms per read (p50 / p95,
including rendering and the classifier). With --canvas N, also draws N numbers per spacing with mouse
events on the real canvas in number mode and reads the app's number.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from typing import NamedTuple
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

SPACINGS = {
    "realistic": lambda rng: float(np.exp(rng.normal(np.log(0.15), 0.5))),
    "tight": lambda rng: float(rng.uniform(-0.12, 0.02)),
    "joined": lambda rng: float(np.exp(rng.normal(np.log(0.15), 0.5))),  # realistic, then join()
}
# Only when asked (--spacings): wider gaps than any of the above, to check a reader on a layout that
# nothing was chosen or trained on.
CHECK_SPACINGS = {"wide": lambda rng: float(np.exp(rng.normal(np.log(0.3), 0.6)))}


def default_pendigits() -> str:
    for shared in (ROOT.parent / "shared", ROOT.parents[1] / "shared"):
        if shared.is_dir():
            return str(shared / "data/pendigits/pendigits-train.gz")
    return "pendigits-train.gz"


def layout(digits, writer_height, gap, rng, height=150.0, top=80.0, x=20.0, jitter=0.05):
    """Strokes of the digits side by side, y down; gap(rng) -> gap / height; each digit's size and
    vertical place vary by ±jitter (of its size, of the height)."""
    out = []
    s0 = height / writer_height
    for i, d in enumerate(digits):
        pts = np.concatenate([np.asarray(st, float) for st in d.strokes])
        lo, hi = pts.min(0), pts.max(0)
        s = s0 * rng.uniform(1 - jitter, 1 + jitter)
        dy = top + rng.uniform(-jitter, jitter) * height - (hi[1] - lo[1]) * s / 2
        if i:
            x += gap(rng) * height
        out += [[((p[0] - lo[0]) * s + x, (p[1] - lo[1]) * s + dy) for p in st] for st in d.strokes]
        x += (hi[0] - lo[0]) * s
    return out


class Case(NamedTuple):
    truth: str
    strokes: list
    digits: list     # the pen digits it is made of
    owners: list     # per stroke, per point: the index of the digit it belongs to (-1: a joining line)


def numbers(by_writer, count, spacing, seed=0, jitter=0.05):
    """count Cases, writers in turn. Each writer's digits are dealt like cards: shuffled,
    four per number, and shuffled again when fewer than four are left, so every digit is used as often
    as any other (count = a writer's digits / 4 per writer uses each once). Drawn at random instead, a
    writer's few unusual digits may come up several times in one sample and none in the next, which
    moved a fold's score by points between samples."""
    rng = np.random.default_rng(seed)
    writers = sorted(by_writer)
    med = {w: np.median([np.ptp(np.concatenate(d.strokes)[:, 1]) for d in by_writer[w]]) for w in writers}
    decks = {w: [] for w in writers}

    def deal(w):
        if len(decks[w]) < 4:
            decks[w] = [by_writer[w][i] for i in rng.permutation(len(by_writer[w]))]
        return [decks[w].pop() for _ in range(4)]

    out = []
    for n in range(count):
        w = writers[n % len(writers)]
        for _ in range(100):
            digits = deal(w)
            strokes = layout(digits, med[w], {**SPACINGS, **CHECK_SPACINGS}[spacing], rng, jitter=jitter)
            owner = {p: int(k) for i, k in enumerate(np.repeat(np.arange(len(digits)), [len(d.strokes) for d in digits]))
                     for p in strokes[i]}
            if spacing != "joined":
                break
            strokes, joins = join(strokes, [len(d.strokes) for d in digits], rng)
            if joins:
                break
            decks[w][:0] = digits   # not joined: these digits wait for a later number
        owners = [np.array([owner.get(tuple(p), -1) for p in s]) for s in strokes]
        out.append(Case("".join(str(d.label) for d in digits), strokes, digits, owners))
    return out


def full_pass(by_writer) -> int:
    """The count of numbers that uses every writer's digits once (about)."""
    return len(by_writer) * int(np.mean([len(v) for v in by_writer.values()]) // 4)


def join(strokes, counts, rng, height=150.0, reach=0.5, bulge=0.2):
    """Cursive: where one digit ends within reach × height of where the next begins, its last stroke
    runs on into the next digit's first (the pen not lifted: a line between them, bowed by up to
    bulge × its length to either side, with points as far apart as the pen's own).
    (strokes, how many joins)."""
    out, k, joins = [], 0, 0
    for i, n in enumerate(counts):
        group = [list(s) for s in strokes[k:k + n]]
        k += n
        if i and np.hypot(*np.subtract(group[0][0], out[-1][-1])) <= reach * height:
            a, b = np.asarray(out[-1][-1]), np.asarray(group[0][0])
            prev = np.asarray(out[-1])
            step = float(np.median(np.hypot(*np.diff(prev, axis=0).T))) if len(prev) > 1 else 5.0
            t = np.linspace(0, 1, max(2, int(np.hypot(*(b - a)) / max(step, 1.0)) + 1))[1:-1]
            normal = np.array([a[1] - b[1], b[0] - a[0]]) * rng.uniform(-bulge, bulge)
            bridge = [tuple(a + (b - a) * u + normal * 4 * u * (1 - u)) for u in t]
            out[-1] = out[-1] + bridge + group.pop(0)
            joins += 1
        out += group
    return out, joins


def old_reader(predictor):
    from mnist_gui.core.preprocess import strokes_to_mnist
    from mnist_gui.core.handwriting.segment import split_digits

    def read(strokes):
        return "".join(str(int(np.argmax(predictor.probabilities(strokes_to_mnist(g)))))
                       for g in split_digits(strokes))
    return read


def new_reader(model, judge=None):
    from mnist_gui.core.handwriting.numbers import read_number, torch_classifier
    classify = torch_classifier(model)

    def read(strokes):
        r = read_number(strokes, classify, judge=judge)
        read.last = r
        return r.text if r else ""
    return read


def misread_alone(model, cases) -> list[bool]:
    """Per case: does the classifier misread one of its digits on its own (as a single digit on the
    canvas)? No segmentation reads such a number right but by luck."""
    from mnist_gui.core.handwriting.numbers import torch_classifier
    from mnist_gui.core.preprocess import strokes_to_mnist
    digits = [d for c in cases for d in c.digits]
    probs = torch_classifier(model)([strokes_to_mnist(d.strokes) for d in digits])
    wrong = probs.argmax(1) != np.array([d.label for d in digits])
    return [bool(w) for w in wrong.reshape(len(cases), -1).any(1)]


def measure(read, cases, alone=None):
    """Share read exactly, wrong digit counts, ms per read; with alone (misread_alone), how many of the
    wrong reads have a digit the classifier misreads on its own."""
    right = count_wrong = wrong_alone = 0
    ms, mistakes = [], []
    for i, (truth, strokes, *_) in enumerate(cases):
        t0 = time.perf_counter()
        got = read(strokes)
        ms.append((time.perf_counter() - t0) * 1000)
        right += got == truth
        count_wrong += len(got) != len(truth)
        wrong_alone += got != truth and alone is not None and alone[i]
        if got != truth and len(mistakes) < 8:
            mistakes.append(f"{truth}->{got}")
    return {"exact": right / len(cases), "right": right, "wrong_count": count_wrong, "wrong_alone": wrong_alone,
            "p50_ms": float(np.percentile(ms, 50)), "p95_ms": float(np.percentile(ms, 95)),
            "mistakes": mistakes}


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

    from mnist_gui.core.handwriting import judge
    if judge_path:
        judge.JUDGE_FILE = Path(judge_path)
        judge.shipped_judge.cache_clear()
    else:
        judge.shipped_judge = lambda: None   # the window reads numbers without a judge

    from mnist_gui.gui.main_window import MainWindow

    from mnist_gui.gui.qt_workspace import window_workspace
    from pendigits_canvas import draw
    app = QApplication.instance() or QApplication([])
    win = MainWindow(window_workspace(), model_path=model_path)
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
        draw(tab.canvas, strokes)
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
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    from mnist_gui import config
    from mnist_gui.core.checkpoint import load_checkpoint
    from mnist_gui.core.handwriting.pendigits import HOLDOUT_WRITERS, parse_writers, read_unipen, seen_writers, writers_text
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
    judge = None
    if args.judge:
        from mnist_gui.core.handwriting.judge import load_judge, torch_judge
        judge = torch_judge(load_judge(args.judge))
    old, new = old_reader(Predictor(ck.model)), new_reader(ck.model, judge)
    readers = [("old x-overlap split", old), ("new reader", new_reader(ck.model))]
    if judge:
        readers.append(("new reader + judge", new))
    rows = []
    count = args.count or full_pass(by_writer)
    print(f"writers {min(by_writer)}-{max(by_writer)}, {count} four-digit numbers per spacing")
    print(f"{'spacing':<10} {'method':<22} {'exact':>7} {'wrong count':>12} {'misread alone':>14} "
          f"{'p50 ms':>7} {'p95 ms':>7}")
    for spacing in args.spacings:
        cases = numbers(by_writer, count, spacing, args.seed, args.jitter)
        alone = misread_alone(ck.model, cases)
        print(f"{spacing:<10} {'(no digit misread alone)':<22} {1 - np.mean(alone):>7.1%}   the most a reader can get")
        for name, read in readers:
            r = measure(read, cases, alone)
            rows.append({"spacing": spacing, "method": name, **r})
            print(f"{spacing:<10} {name:<22} {r['exact']:>7.1%} {r['wrong_count']:>12} {r['wrong_alone']:>14} "
                  f"{r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}   e.g. {' '.join(r['mistakes'][:5])}")
        c = close_stats(new, cases)
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
