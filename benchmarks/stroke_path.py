"""The way of a stroke to the bars, in the window (offscreen): which package modules it passes through, how
many calls go from one module into another (and from the gui into the core), how many ONNX Runtime runs and
pen-path feature computations one read makes, and the time from pen-up (`strokeFinished`) to the bars shown.

    python benchmarks/stroke_path.py [--reads 120]

One digit and number mode (two digits; the number reader's candidates cached, as when a drawing is read
again). Modules after the bars (theme, the preview image, the Model tab's input) are counted apart.
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

STROKES = [[(60, 20), (60, 240)], [(120, 20), (200, 20), (140, 240)]]   # a 1 and a 7
AFTER_BARS = {"mnist_gui.gui.theme", "mnist_gui.gui.widgets.images", "mnist_gui.gui.main_window",
              "mnist_gui.gui.tabs.model_tab"}


def trace(tab) -> dict:
    calls, mods, runs = [], [], {"onnx runs": 0, "path features": 0}

    def prof(frame, event, arg):
        if event != "call":
            return
        m = frame.f_globals.get("__name__", "")
        if m.startswith("onnxruntime") and frame.f_code.co_name == "run":
            runs["onnx runs"] += 1
        if m.endswith("trajectory") and frame.f_code.co_name == "features":
            runs["path features"] += 1
        if not m.startswith("mnist_gui"):
            return
        if m not in mods:
            mods.append(m)
        caller = frame.f_back.f_globals.get("__name__", "") if frame.f_back else ""
        if caller.startswith("mnist_gui") and caller != m:
            calls.append((caller, m))

    sys.setprofile(prof)
    try:
        tab.canvas.strokeFinished.emit()
    finally:
        sys.setprofile(None)
    return {"modules": [m for m in mods if m not in AFTER_BARS], "after the bars": [m for m in mods if m in AFTER_BARS],
            "calls between modules": len(calls), "gui -> core": sum(".gui." in a and ".core." in b for a, b in calls),
            **runs}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reads", type=int, default=120)
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])
    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    ws = window_workspace()
    ws.make_live(ws.initial_checkpoint()[0])
    win = MainWindow(ws)
    win._build_tabs()
    tab = win.drawTab
    for number in (False, True):
        tab.numberMode.setChecked(number)
        tab.canvas._strokes = [[(float(x), float(y)) for x, y in s] for s in STROKES]
        tab.update_prediction()
        t = trace(tab)
        ts = []
        for k in range(args.reads):
            tab.canvas._strokes = [[(float(x + k % 5), float(y)) for x, y in s] for s in STROKES]
            t0 = time.perf_counter()
            tab.canvas.strokeFinished.emit()
            ts.append(time.perf_counter() - t0)
        ts.sort()
        short = [m.replace("mnist_gui.", "") for m in t["modules"]]
        print(f"{'number mode' if number else 'one digit'}: {len(short)} modules to the bars "
              f"(+{len(t['after the bars'])} after them), {t['calls between modules']} calls between modules, "
              f"{t['gui -> core']} from the gui into the core, {t['onnx runs']} ONNX Runtime runs, "
              f"{t['path features']} path feature computations")
        print(f"    {' '.join(short)}")
        print(f"    pen-up -> bars: p50 {statistics.median(ts) * 1e3:.2f} ms, p95 {ts[int(0.95 * len(ts))] * 1e3:.2f} ms"
              f" ({args.reads} reads)")
    win.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    os._exit(code)   # as the app ends (gui/app.py): no teardown of a thread the window may still have running
