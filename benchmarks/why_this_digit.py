"""Why this digit: the time of one occlusion map (core/explain.py) on the shipped model, and pen-up → bars
in the window (offscreen) with the map off and on, interleaved.

    python benchmarks/why_this_digit.py [--reads 60]

The map is made after pen-up only (never while the pen moves), so its cost is added to the pen-up read.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MNIST_GUI_HOME", tempfile.mkdtemp(prefix="mnist-gui-bench-"))

DIGITS = [[[(60, 20), (60, 240)]], [[(40, 30), (200, 30), (90, 250)]],
          [[(120, 20), (40, 60), (30, 140), (60, 230), (120, 250), (190, 200), (200, 120), (170, 40), (120, 20)]]]


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1e3


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reads", type=int, default=60)
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from mnist_gui.core.explain import occlusion_map
    from mnist_gui.core.preprocess import strokes_to_mnist
    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    ws = window_workspace()
    ws.make_live(ws.initial_checkpoint()[0])
    classify = ws.predictor.classify
    maps = []
    for k in range(args.reads):
        img = strokes_to_mnist([[(x + k % 7, y) for x, y in s] for s in DIGITS[k % 3]])
        t0 = time.perf_counter()
        occlusion_map(classify, img, int(classify([img])[0].argmax()))
        maps.append(time.perf_counter() - t0)
    win = MainWindow(ws)
    win._build_tabs()
    tab = win.drawTab
    times: dict[bool, list[float]] = {False: [], True: []}
    for k in range(args.reads):
        for on in (False, True):
            tab.whyCheck.setChecked(on)
            tab.canvas._strokes = [[(float(x + k % 7), float(y)) for x, y in s] for s in DIGITS[k % 3]]
            t0 = time.perf_counter()
            tab.canvas.strokeFinished.emit()
            times[on].append(time.perf_counter() - t0)
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.1f}; {args.reads} reads each")
    print(f"one occlusion map: p50 {pct(maps, 0.5):.1f} ms, p95 {pct(maps, 0.95):.1f} ms")
    for on in (False, True):
        print(f"pen-up -> bars, map {'on ' if on else 'off'}: p50 {pct(times[on], 0.5):.1f} ms, "
              f"p95 {pct(times[on], 0.95):.1f} ms")
    print(f"ratio of the p50s, on / off: {statistics.median(times[True]) / statistics.median(times[False]):.1f}×")
    win.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
