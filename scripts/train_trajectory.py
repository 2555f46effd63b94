"""Train the pen-path recognizer (mnist_gui/core/handwriting/trajectory.py) that ships: resources/trajectory.onnx.

    python scripts/train_trajectory.py --out resources/trajectory.onnx

Every pen writer's digits (../shared/data/pendigits) as drawn and T.VARIANTS varied copies, the recipe
each outer fold's path net has in benchmarks/pendigits_nested.py (which chose its temperature on inner
writer folds and measured the combination on outer ones), here on all 30 writers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnist_gui.core.handwriting import trajectory_train as T  # noqa: E402
from mnist_gui.core.handwriting.pendigits import read_unipen  # noqa: E402
from mnist_gui.core.handwriting.synthetic import default_pendigits  # noqa: E402
from mnist_gui.core.script_errors import run_script  # noqa: E402
from mnist_gui.core.storage import check_folder_exists  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--file", default=default_pendigits())
    ap.add_argument("--out", default=str(ROOT / "resources" / "trajectory.onnx"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    check_folder_exists(args.out)   # before any work: one line and exit code 2 (run_script)
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    digits = read_unipen(args.file)
    x, y = T.varied_features(digits, T.VARIANTS, args.seed)
    print(f"{len(digits)} pen digits of {len({d.writer for d in digits})} writers, {len(y)} examples")
    net = T.train_trajectory(x, y, epochs=T.EPOCHS, seed=args.seed)
    out = T.export_trajectory_onnx(net, args.out)
    print(f"wrote {out} ({out.stat().st_size:,} bytes) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(run_script(main))
