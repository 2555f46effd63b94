"""What the digit gate and the pen-path recognizer add to a stroke's way to the bars (issue 20): strokes ->
28×28 -> the shipped model on ONNX Runtime -> the verdict (core/reading.Reader.read_strokes); without either, with the image gate
(resources/digit_gate.onnx), with it and the path net (resources/trajectory.onnx), and with both gates and
the path net (resources/path_gate.onnx too); with the elastic reader as well (resources/templates.npz,
core/handwriting/elastic.py: as the app reads strokes now); and that with 500 taught digits (50 of each, the
most the reader uses) to lean towards (core/handwriting/prototypes.py). The strokes are random curves, most
of them far from every digit, so the elastic reader also turns them round: its dearest case (--pen: pen
digits of the 30 writers instead, what the app mostly reads; --numbers: four-digit numbers of the pen writers
read in number mode stroke by stroke, as the canvas sends each stroke, every number from an empty cache; and,
as the reference, the app with the path net and the elastic reader reading every candidate, as before
numbers.PATHS_FROM).
--busy: while another process keeps both cores busy, as a training run does. NumPy's BLAS runs on one thread
as in the program (cli.main) unless OPENBLAS_NUM_THREADS says otherwise.

    python benchmarks/gate_latency.py [--rounds 5] [--reads 200] [--pen | --numbers] [--busy]

Interleaved rounds in one process, reads paced like the canvas sends them (one every 20 ms); p50 and p95
of each, and the ratios to the read without either. The first read with the gate or the path net also loads
it (once per process): printed apart.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # as the program sets it (cli.main); set it to compare

import numpy as np  # noqa: E402

from mnist_gui import config  # noqa: E402
from mnist_gui.core.handwriting import numbers as numbers_module  # noqa: E402
from mnist_gui.core.handwriting.prototypes import PER_CLASS, Prototypes  # noqa: E402
from mnist_gui.core.live import LivePredictor  # noqa: E402
from mnist_gui.core.reading import Reader, ReadingModels  # noqa: E402

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
    ap.add_argument("--pen", action="store_true",
                    help="read pen-drawn digits (../shared/data/pendigits, every writer) instead of random curves")
    ap.add_argument("--numbers", action="store_true",
                    help="read four-digit numbers of the pen writers in number mode, stroke by stroke (--reads: strokes)")
    ap.add_argument("--busy", action="store_true",
                    help="while another process keeps both cores busy (torch products on 2 threads, as a training run)")
    args = ap.parse_args()
    if args.busy:
        busy = subprocess.Popen([sys.executable, "-c", "import torch\ntorch.set_num_threads(2)\n"
                                 "a = torch.randn(512, 512)\nwhile True:\n    a @ a"])
        try:
            return measure(args)
        finally:
            busy.kill()
    return measure(args)


def measure(args) -> int:
    live = LivePredictor.from_path(config.resource_path("shipped_model.onnx"))
    cases = [(False, s) for s in strokes(args.reads)]   # (a new drawing: the number cache emptied, strokes)
    if args.pen or args.numbers:
        import collections

        from mnist_gui.core.handwriting.pendigits import read_unipen
        from mnist_gui.core.handwriting.synthetic import default_pendigits, numbers
        digits = read_unipen(default_pendigits())
        cases = [(False, d.strokes) for d in digits[::max(1, len(digits) // args.reads)][:args.reads]]
        if args.numbers:
            by_writer = collections.defaultdict(list)
            for d in digits:
                by_writer[d.writer].append(d)
            cases = []
            for case in numbers(by_writer, args.reads, "realistic"):
                cases += [(k == 0, case.strokes[:k + 1]) for k in range(len(case.strokes))]
            cases = cases[:args.reads]
    gate_file = config.resource_path("digit_gate.onnx")
    paths_from = numbers_module.PATHS_FROM
    shipped = ReadingModels()
    for name in ("gate", "path_net", "path_gate", "templates"):
        t = time.perf_counter()
        getattr(shipped, name)
        print(f"loading the {name.replace('_', ' ')} (once per process): {(time.perf_counter() - t) * 1e3:.1f} ms")
    readers = {"neither": Reader(live, ReadingModels(gate=None, path_gate=None, path_net=None, templates=None)),
               "gate": Reader(live, ReadingModels(gate=shipped.gate, path_gate=None, path_net=None, templates=None)),
               "gate + path": Reader(live, ReadingModels(gate=shipped.gate, path_gate=None, path_net=shipped.path_net,
                                                         templates=None)),
               "both gates + path": Reader(live, ReadingModels(gate=shipped.gate, path_gate=shipped.path_gate,
                                                               path_net=shipped.path_net, templates=None)),
               "+ elastic (app)": Reader(live, shipped)}
    taught = Prototypes.of([(i % 10, st) for i, st in enumerate(strokes(10 * PER_CLASS, seed=1))])
    readers["+ 500 taught"] = Reader(live, shipped, lambda: taught)
    readers["every candidate"] = Reader(live, shipped)   # number mode as before PATHS_FROM (the reference)

    def read(case, mode: str):
        new_drawing, s = case
        if not args.numbers:
            return readers[mode].read_strokes(s)
        if new_drawing:
            readers[mode]._number_cache.clear()
        numbers_module.PATHS_FROM = 0.0 if mode == "every candidate" else paths_from
        return readers[mode].read(s, number=True)

    modes = ("neither", "gate", "gate + path", "both gates + path", "+ elastic (app)", "+ 500 taught") + \
        (("every candidate",) if args.numbers else ())
    times = {m: [] for m in modes}
    for r in range(args.rounds):
        for mode in (modes if r % 2 == 0 else modes[::-1]):
            for s in cases:
                time.sleep(PACE_S)
                t = time.perf_counter()
                read(s, mode)
                times[mode].append(time.perf_counter() - t)
    print(f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}{', both cores busy' if args.busy else ''}; "
          f"{args.rounds} rounds of {args.reads} reads of {'number-mode strokes' if args.numbers else 'pen digits' if args.pen else 'random curves'}; "
          f"gate {gate_file.name}, path net trajectory.onnx")
    base = np.array(times["neither"])
    for mode in modes:
        ts = np.array(times[mode])
        print(f"  {mode:17s} p50 {np.median(ts) * 1e3:.2f} ms, p95 {np.percentile(ts, 95) * 1e3:.2f} ms"
              f"  ({np.median(ts) / np.median(base):.2f}× / {np.percentile(ts, 95) / np.percentile(base, 95):.2f}×"
              " of neither, p50 / p95)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
