"""Pen-drawn digits by writer fold: the shipped model's single-digit accuracy on unseen writers, and
the "not sure" threshold chosen by cross-validation (choose on two folds' writers, score on the third).

    MNIST_GUI_DATA=../shared/data/mnist python benchmarks/pendigits_cv.py [--canvas-check 60]

Digits go through the core path the canvas uses: strokes_to_mnist + Predictor. The shipped model
trained on MNIST + writers 1-20, so only writers 21-30 give a fair transfer number; the threshold
is chosen on folds of writers 21-30 (writer_folds, k=3: 21-24, 25-27, 28-30). For comparison the
30-writer folds (1-10, 11-20, 21-30) are scored too, where two folds are training writers.
--canvas-check N replays N digits with mouse events on the real canvas (offscreen) and compares its
28×28 input with strokes_to_mnist of the same strokes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mnist_gui import config  # noqa: E402
from mnist_gui.core.calibration import (choose_threshold, ece, refusal_cost, reliability,  # noqa: E402
                                        trade_off)
from mnist_gui.core.checkpoint import load_checkpoint  # noqa: E402
from mnist_gui.core.pendigits import HOLDOUT_WRITERS, read_unipen, writer_folds  # noqa: E402
from mnist_gui.core.predictor import NOT_SURE_BELOW, Predictor  # noqa: E402
from mnist_gui.core.preprocess import strokes_to_mnist  # noqa: E402

CANDIDATES = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97, 0.98, 0.99)
WRONG_COST = 3.0  # a wrong digit claimed costs as much as three needless "not sure"s


def cross_validate(folds, writer, top, right, label: str) -> list[float]:
    print(f"\n{label}: threshold chosen on two folds (cost = refused right + {WRONG_COST:g} × mistakes "
          "claimed), scored on the third")
    print("  test writers | chosen | refused | mistakes caught | errors among claimed | cost | "
          "at 0.9: refused, caught, cost")
    chosen, refused, errs, costs, costs9 = [], [], [], [], []
    for train_w, test_w in folds:
        tr, te = np.isin(writer, train_w), np.isin(writer, test_w)
        th = choose_threshold(top[tr], right[tr], CANDIDATES, WRONG_COST)
        t, t9 = trade_off(top[te], right[te], th), trade_off(top[te], right[te], 0.9)
        chosen.append(th)
        refused.append(t.refused)
        errs.append(t.accepted_errors)
        costs.append(refusal_cost(t, WRONG_COST))
        costs9.append(refusal_cost(t9, WRONG_COST))
        print(f"  {min(test_w)}-{max(test_w)} | {th:.2f} | {t.refused:.2%} | {t.caught}/{t.mistakes} | "
              f"{t.accepted_errors:.2%} | {costs[-1]:g} | {t9.refused:.2%}, {t9.caught}/{t9.mistakes}, {costs9[-1]:g}")
    print(f"  mean refused {np.mean(refused):.2%} (worst fold {max(refused):.2%}), errors among claimed "
          f"{np.mean(errs):.2%} (worst fold {max(errs):.2%}); cost on the test folds: chosen {sum(costs):g}, "
          f"fixed 0.9 {sum(costs9):g}")
    return chosen


def canvas_check(digits, n: int, model_path: str) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["MNIST_GUI_HOME"] = tempfile.mkdtemp(prefix="mnist-gui-bench-")
    from PySide6.QtWidgets import QApplication
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from pendigits_canvas import draw, place

    from mnist_gui.gui.main_window import MainWindow
    _app = QApplication.instance() or QApplication([])  # noqa: F841
    win = MainWindow(model_path=model_path)
    win.show()
    while win.ws.predictor is None:  # the model loads after the window shows
        QApplication.processEvents()
    canvas = win.drawTab.canvas
    rng = np.random.default_rng(1)
    pick = rng.permutation(len(digits))[:n]
    diffs, same_replayed, same_original = [], 0, 0
    for i in pick:
        d = digits[i]
        canvas.clear()
        placed = place(d.strokes, canvas.width(), rng)
        draw(canvas, placed)
        shown = win.drawTab.input28
        core_replayed = strokes_to_mnist(canvas.strokes())
        core_original = strokes_to_mnist(d.strokes)
        same_replayed += bool(np.array_equal(shown, core_replayed))
        diffs.append(float(np.abs(shown - core_original).mean()))
        p = win.ws.predictor
        same_original += int(p.probabilities(shown).argmax()) == int(p.probabilities(core_original).argmax())
    win.close()
    print(f"\ncanvas check on {len(pick)} digits (mouse events at a random size and place): canvas input "
          f"== strokes_to_mnist(canvas strokes) for {same_replayed}/{len(pick)}; vs the original pen strokes "
          f"mean |difference| {np.mean(diffs):.4f} per pixel (max {np.max(diffs):.4f}), same digit read "
          f"{same_original}/{len(pick)}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=str(ROOT.parent / "shared/data/pendigits/pendigits-train.gz"))
    ap.add_argument("--model", default=str(config.SHIPPED_MODEL))
    ap.add_argument("--canvas-check", type=int, default=0, metavar="N")
    ap.add_argument("--no-mnist", action="store_true", help="skip the MNIST test trade-off")
    args = ap.parse_args()
    torch.set_num_threads(1)
    ck = load_checkpoint(args.model)
    pred = Predictor(ck.model)
    digits = read_unipen(args.file)
    probs = np.stack([pred.probabilities(strokes_to_mnist(d.strokes)) for d in digits])
    labels = np.array([d.label for d in digits])
    writer = np.array([d.writer for d in digits])
    top, right = probs.max(1), probs.argmax(1) == labels

    held = np.isin(writer, sorted(HOLDOUT_WRITERS))
    print(f"model {args.model}; {len(digits)} digits of {len(set(writer))} writers")
    print("\nsingle-digit accuracy through strokes_to_mnist + Predictor, per writer")
    print("  (writers 1-20 were in the shipped model's training data: not a transfer number)")
    for w in sorted(set(writer)):
        m = writer == w
        print(f"  writer {w:2d}: {right[m].mean():.2%} of {m.sum()}" + ("  held out" if w in HOLDOUT_WRITERS else ""))
    per_w = [right[writer == w].mean() for w in sorted(HOLDOUT_WRITERS)]
    print(f"writers 1-20 (trained on): {right[~held].mean():.2%}; writers 21-30 (held out): "
          f"{right[held].mean():.2%} ({right[held].sum()}/{held.sum()}), worst writer {min(per_w):.2%}")

    for name, m in (("writers 21-30", held),):
        print(f"\n{name}: ECE {ece(probs[m], labels[m]):.4f}; reliability (bin: confidence, accuracy, count)")
        for b in reliability(probs[m], labels[m]):
            if b.count:
                print(f"  [{b.lo:.1f},{b.hi:.1f}] {b.confidence:.3f} {b.accuracy:.3f} {b.count}")
        print("  threshold trade-off: refused, mistakes caught, errors among claimed, cost")
        for th in CANDIDATES:
            t = trade_off(top[m], right[m], th)
            print(f"  {th:.2f}  {t.refused:6.2%}  {t.caught}/{t.mistakes}  {t.accepted_errors:6.2%}  "
                  f"{refusal_cost(t, WRONG_COST):g}")

    held_digits = [d for d in digits if d.writer in HOLDOUT_WRITERS]
    chosen = cross_validate(writer_folds(held_digits, 3), writer[held], top[held], right[held],
                            "folds of held-out writers 21-30")
    cross_validate(writer_folds(digits, 3), writer, top, right,
                   "folds of all 30 writers (1-20 were trained on: optimistic)")
    th_all = choose_threshold(top[held], right[held], CANDIDATES, WRONG_COST)
    print(f"\nchosen per fold (held-out folds): {chosen}; on all of 21-30: {th_all}; in the app now: {NOT_SURE_BELOW}")

    if not args.no_mnist:
        from mnist_gui.core.data import load_mnist
        from mnist_gui.core.train import evaluate
        data = load_mnist(download=False)
        ev = evaluate(ck.model, data.test)
        p, y = ev["probabilities"].numpy(), data.test.labels.numpy()
        mt, mr = p.max(1), p.argmax(1) == y
        print(f"\nMNIST test: accuracy {mr.mean():.2%}, ECE {ece(p, y):.4f}; trade-off: refused, caught, "
              "errors among claimed, cost")
        for th in CANDIDATES:
            t = trade_off(mt, mr, th)
            print(f"  {th:.2f}  {t.refused:6.2%}  {t.caught}/{t.mistakes}  {t.accepted_errors:6.2%}  "
                  f"{refusal_cost(t, WRONG_COST):g}")
    if args.canvas_check:
        canvas_check(held_digits, args.canvas_check, args.model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
