"""Pen-drawn digits by writer fold: single-digit accuracy on unseen writers, calibration, and the
"not sure" threshold chosen by cross-validation (choose on two folds' writers, score on the third).

    MNIST_GUI_DATA=../shared/data/mnist python benchmarks/pendigits_cv.py --fold-models DIR [--canvas-check 60]

The 30 writers in 3 folds (writer_folds: 1-10, 11-20, 21-30). Every digit is read by a model that never saw
its writer: with --fold-models DIR, fold i's digits by DIR/fold{i}{--fold-name}.pt (made by
benchmarks/pen_training_cv.py --save-models: MNIST + the other two folds' pen digits). Without it, --model
(default: the shipped one) reads the writers its checkpoint says it has not seen (pen_writers).
Digits go through the core path the canvas uses: strokes_to_mnist + Predictor.
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
from mnist_gui.core.calibration import choose_threshold, ece, refusal_cost, reliability, trade_off  # noqa: E402
from mnist_gui.core.checkpoint import load_checkpoint  # noqa: E402
from mnist_gui.core.handwriting.pendigits import read_unipen, seen_writers, writer_folds  # noqa: E402
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
    from pendigits_canvas import STEP_PX, place

    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    from mnist_gui.gui.widgets.canvas import draw_strokes
    _app = QApplication.instance() or QApplication([])  # noqa: F841
    win = MainWindow(window_workspace(), model_path=model_path)
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
        draw_strokes(canvas, placed, step_px=STEP_PX)
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
    ap.add_argument("--fold-models", metavar="DIR")
    ap.add_argument("--fold-name", default="-variety", help="fold{i}NAME.pt in --fold-models")
    ap.add_argument("--canvas-check", type=int, default=0, metavar="N")
    ap.add_argument("--no-mnist", action="store_true", help="skip the MNIST test trade-off")
    args = ap.parse_args()
    torch.set_num_threads(1)
    digits = read_unipen(args.file)
    folds = writer_folds(digits, 3)
    if args.fold_models:
        readers = [(load_checkpoint(Path(args.fold_models) / f"fold{i}{args.fold_name}.pt"), test_w)
                   for i, (_, test_w) in enumerate(folds, 1)]
    else:
        ck = load_checkpoint(args.model)
        seen = seen_writers(ck.train_config)
        readers = [(ck, sorted({d.writer for d in digits} - seen))]
    unseen = {w: ck for ck, ws in readers for w in ws}
    digits = [d for d in digits if d.writer in unseen]
    if not digits:
        print("every writer was seen by the model: nothing to measure (use --fold-models)")
        return 2
    predictors = {id(ck): Predictor(ck.model) for ck, _ in readers}
    probs = np.stack([predictors[id(unseen[d.writer])].probabilities(strokes_to_mnist(d.strokes))
                      for d in digits])
    labels = np.array([d.label for d in digits])
    writer = np.array([d.writer for d in digits])
    top, right = probs.max(1), probs.argmax(1) == labels
    print(f"{len(digits)} digits of {len(set(writer))} writers, each read by a model that never saw its writer")
    for w in sorted(set(writer)):
        m = writer == w
        print(f"  writer {w:2d}: {right[m].mean():.2%} of {m.sum()}")
    per_w = {w: right[writer == w].mean() for w in set(writer)}
    worst = min(per_w, key=per_w.get)
    print(f"all: {right.mean():.2%} ({right.sum()}/{len(right)}), worst writer {worst}: {per_w[worst]:.2%}")
    print(f"\nECE {ece(probs, labels):.4f}; reliability (bin: confidence, accuracy, count)")
    for b in reliability(probs, labels):
        if b.count:
            print(f"  [{b.lo:.1f},{b.hi:.1f}] {b.confidence:.3f} {b.accuracy:.3f} {b.count}")
    print("threshold trade-off: refused, mistakes caught, errors among claimed, cost")
    for th in CANDIDATES:
        t = trade_off(top, right, th)
        print(f"  {th:.2f}  {t.refused:6.2%}  {t.caught}/{t.mistakes}  {t.accepted_errors:6.2%}  "
              f"{refusal_cost(t, WRONG_COST):g}")
    test_folds = [(tr, te) for tr, te in folds if set(te) & set(writer)]
    if len(test_folds) >= 2:
        chosen = cross_validate(test_folds, writer, top, right, "writer folds")
        th_all = choose_threshold(top, right, CANDIDATES, WRONG_COST)
        print(f"\nchosen per fold: {chosen}; on all: {th_all}; in the app now: {NOT_SURE_BELOW}")

    if not args.no_mnist:
        from mnist_gui.core.data import load_mnist
        from mnist_gui.core.train import evaluate
        ck = load_checkpoint(args.model)
        data = load_mnist(download=False)
        ev = evaluate(ck.model, data.test)
        p, y = ev["probabilities"].numpy(), data.test.labels.numpy()
        mt, mr = p.max(1), p.argmax(1) == y
        print(f"\nMNIST test ({args.model}): accuracy {mr.mean():.2%}, ECE {ece(p, y):.4f}; trade-off: "
              "refused, caught, errors among claimed, cost")
        for th in CANDIDATES:
            t = trade_off(mt, mr, th)
            print(f"  {th:.2f}  {t.refused:6.2%}  {t.caught}/{t.mistakes}  {t.accepted_errors:6.2%}  "
                  f"{refusal_cost(t, WRONG_COST):g}")
    if args.canvas_check:
        canvas_check(digits, args.canvas_check, args.model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
