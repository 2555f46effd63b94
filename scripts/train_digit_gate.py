"""Train the digit gates (mnist_gui/core/handwriting/gate.py) that ship: resources/digit_gate.onnx (on the
image) and resources/path_gate.onnx (on the pen's path).

    MNIST_GUI_DATA=../shared/data/mnist python scripts/train_digit_gate.py

Image gate: positives every pen writer's digits as drawn and 2 varied copies, and 10,000 MNIST training
digits; negatives 1,200 shapes of each family of core/handwriting/shapes.py (pairs of one writer's digits
for the pair family) and 2,400 random polylines (shapes.GENERIC); all through the canvas's path. Path gate:
the same pen digits and shapes as strokes (shapes.path_gate_training_set). The same data, sizes and
training as each fold's gates in benchmarks/pendigits_nested.py (which chose the operating points,
gate.NOT_A_DIGIT_BELOW and NOT_A_DIGIT_WITH_PATH_BELOW, and measured them on held-out writers and
families), here on all 30 writers and all 12 families. --cache: the benchmark's gate_data.npz (the same
images), to skip rendering.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnist_gui.core.handwriting import trajectory_train as T  # noqa: E402
from mnist_gui.core.handwriting.judge_net import export_gate_onnx, train_gate  # noqa: E402
from mnist_gui.core.handwriting.pendigits import read_unipen  # noqa: E402
from mnist_gui.core.handwriting.shapes import (  # noqa: E402
    FAMILIES,
    gate_examples,
    gate_training_set,
    path_gate_training_set,
    render_generic,
    shape_strokes,
)
from mnist_gui.core.handwriting.synthetic import default_pendigits  # noqa: E402
from mnist_gui.core.script_errors import run_script  # noqa: E402
from mnist_gui.core.storage import check_folder_exists  # noqa: E402

PER_FAMILY, PEN_VARIANTS, MNIST_FOR_GATE, EPOCHS = 1200, 3, 10_000, 3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=default_pendigits())
    ap.add_argument("--out", default=str(ROOT / "resources" / "digit_gate.onnx"))
    ap.add_argument("--path-out", default=str(ROOT / "resources" / "path_gate.onnx"))
    ap.add_argument("--cache", metavar="NPZ")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    for out in (args.out, args.path_out):   # before any work: one line and exit code 2 (run_script)
        check_folder_exists(out)
    torch.set_num_threads(args.threads)
    digits = read_unipen(args.file)
    if args.cache and Path(args.cache).exists():
        z = np.load(args.cache)
        ex = {k: z[k] for k in z.files}
        if "generic" not in ex:
            ex["generic"] = render_generic(args.seed)
    else:
        from mnist_gui.core.data import load_mnist
        mnist = load_mnist(download=False).train
        pick = np.random.default_rng(args.seed).permutation(len(mnist))[:MNIST_FOR_GATE]
        ex = gate_examples(digits, mnist.images.numpy()[pick], PER_FAMILY, PEN_VARIANTS, args.seed)
    writers = sorted({d.writer for d in digits})
    x, y = gate_training_set(ex, writers, FAMILIES)
    print(f"image gate: {int(y.sum())} digits, {int(len(y) - y.sum())} shapes that are not")
    net = train_gate(x, y, epochs=EPOCHS, seed=args.seed)
    print(f"wrote {export_gate_onnx(net, args.out)} ({Path(args.out).stat().st_size:,} bytes)")
    shapes = [s for s, _, _ in shape_strokes(PER_FAMILY, args.seed + 1, digits)]   # as gate_examples drew them
    x, y = path_gate_training_set(ex, digits, shapes, writers, FAMILIES, args.seed)
    print(f"path gate: {int(y.sum())} digits, {int(len(y) - y.sum())} shapes that are not")
    net = T.train_trajectory(x, y, epochs=T.EPOCHS, seed=args.seed, gate=True)
    out = T.export_trajectory_onnx(net, args.path_out, gate=True)
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
