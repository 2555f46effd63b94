"""What the digit gate adds to a stroke's way to the bars (issue 20): strokes -> 28×28 -> the shipped
model on ONNX Runtime -> doubt(), with the gate (resources/digit_gate.onnx) and without it.

    python benchmarks/gate_latency.py [--rounds 5] [--reads 200]

Interleaved rounds in one process, reads paced like the canvas sends them (one every 20 ms); p50 and p95
of each, and the ratio with/without. The first read with the gate also loads it (once per process):
printed apart.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from mnist_gui import config  # noqa: E402
from mnist_gui.core.handwriting import gate as G  # noqa: E402
from mnist_gui.core.live import LivePredictor  # noqa: E402
from mnist_gui.core.predictor import digit_like, doubt  # noqa: E402

PACE_S = 0.02


def strokes(n: int, seed: int = 0) -> list:
    rng, out = np.random.default_rng(seed), []
    for _ in range(n):
        s = []
        for _ in range(rng.integers(1, 4)):
            t = np.linspace(0, 1, int(rng.integers(8, 40)))[:, None]
            a, b, c = rng.uniform(0, 300, (3, 2))
            s.append(((1 - t) ** 2 * a + 2 * t * (1 - t) * b + t ** 2 * c).tolist())
        out.append(s)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--reads", type=int, default=200)
    args = ap.parse_args()
    live = LivePredictor.from_path(config.resource_path("shipped_model.onnx"))
    cases = strokes(args.reads)
    gate_file = config.resource_path("digit_gate.onnx")
    t = time.perf_counter()
    G.shipped_gate()
    print(f"loading the gate (once per process): {(time.perf_counter() - t) * 1e3:.1f} ms")

    def read(s, gated: bool):
        img, probs = live.predict_strokes(s)
        if gated or img is None:
            return doubt(probs, img)
        return "not digit-like" if not digit_like(img) else doubt(probs)   # doubt() as it was before the gate

    times = {True: [], False: []}
    for r in range(args.rounds):
        for gated in ((True, False) if r % 2 == 0 else (False, True)):
            for s in cases:
                time.sleep(PACE_S)
                t = time.perf_counter()
                read(s, gated)
                times[gated].append(time.perf_counter() - t)
    print(f"{args.rounds} rounds of {args.reads} reads; gate {gate_file.name}")
    for gated in (False, True):
        ts = np.array(times[gated]) * 1e3
        print(f"  {'with the gate' if gated else 'without':32s} p50 {np.median(ts):.2f} ms, "
              f"p95 {np.percentile(ts, 95):.2f} ms")
    a, b = np.array(times[True]), np.array(times[False])
    print(f"  with / without: p50 {np.median(a) / np.median(b):.2f}×, p95 {np.percentile(a, 95) / np.percentile(b, 95):.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
