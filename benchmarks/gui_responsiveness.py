"""GUI responsiveness while training runs on both cores (offscreen).

    MNIST_GUI_DATA=../shared/data/mnist python benchmarks/gui_responsiveness.py [--seconds 20]

* Event-loop stalls: a 10 ms QTimer probe; a stall is how late each tick fires. Prints p50/p99/max,
  idle and while training.
* Stroke to prediction: the time from the pen-up mouse event to the bars showing the new
  probabilities (the prediction runs in the pen-up handler), p50/p95, idle and while training.
* How long closing the window takes while training runs.
* With --numbers: number mode instead, idle: from each pen-up to the number shown, writing a
  four-digit number (five strokes) again and again, with and without the whole-digit judge in turns.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")   # as the program sets it (cli.main); set it to compare
os.environ["MNIST_GUI_HOME"] = tempfile.mkdtemp(prefix="mnist-gui-bench-")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mnist_gui.gui.widgets.canvas import draw_strokes  # noqa: E402

STROKES = [[(200, 40), (90, 200), (250, 200)], [(190, 110), (190, 300)]]  # a 4
# "4728" for number mode: the 4 of an L and a stem, a 7, a 2, an 8 in one stroke
NUMBER = [[(60, 60), (30, 170), (120, 170)], [(110, 60), (110, 240)],
          [(160, 70), (250, 70), (190, 240)],
          [(290, 100), (320, 65), (370, 75), (375, 120), (290, 235), (385, 235)],
          [(470, 100), (430, 70), (410, 110), (470, 150), (500, 200), (450, 240), (420, 200), (470, 150),
           (500, 100), (470, 70)]]


def measure_numbers(app, win, seconds: float) -> dict:
    """Pen-up to number shown in number mode, with the judge and without it, number by number in turns."""
    from mnist_gui.core.reading import ReadingModels
    shipped = win.ws.reading_models
    without = ReadingModels(gate=shipped.gate, path_gate=shipped.path_gate, judge=None, path_net=shipped.path_net)
    tab = win.drawTab
    tab.numberMode.setChecked(True)
    ms = {"with the judge": [], "without": []}
    texts = set()
    rng = np.random.default_rng(0)
    end = time.perf_counter() + seconds
    try:
        while time.perf_counter() < end:
            for name in ms:
                dx, dy = rng.integers(0, 60, 2)   # a new place each time, and the reader's cache emptied
                win.ws.reading_models = shipped if name == "with the judge" else without   # a new reader: cache empty
                tab.canvas.clear()
                ms[name] += draw_strokes(tab.canvas, [[(x + dx, y + dy) for x, y in st] for st in NUMBER],
                                         moves_per_segment=10, after_stroke=app.processEvents)
                texts.add((name, tab.number))
    finally:
        win.ws.reading_models = shipped
    return {"read": sorted(texts), **{f"{k} p50/p95 ms": (pct(v, 50), pct(v, 95)) for k, v in ms.items()}}


def pct(a, q):
    return round(float(np.percentile(a, q)), 2) if len(a) else None


def measure(app, win, seconds: float) -> dict:
    stalls, strokes_ms = [], []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick():
        now = clock.nsecsElapsed()
        stalls.append(max(0.0, (now - last[0]) / 1e6 - 10.0))
        last[0] = now
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.timeout.connect(tick)
    probe.start(10)
    canvas = win.drawTab.canvas
    end = time.perf_counter() + seconds
    next_stroke = time.perf_counter() + 0.3
    while time.perf_counter() < end:
        app.processEvents()
        if time.perf_counter() >= next_stroke:
            canvas.clear()
            strokes_ms += draw_strokes(canvas, STROKES, moves_per_segment=10)  # ms from each pen-up to handled
            last[0] = clock.nsecsElapsed()  # our own drawing is not an event-loop stall
            next_stroke = time.perf_counter() + 0.3
        time.sleep(0.001)
    probe.stop()
    assert win.drawTab.bars.top_digit() is not None
    return {"ticks": len(stalls), "stall_p50_ms": pct(stalls, 50), "stall_p99_ms": pct(stalls, 99),
            "stall_max_ms": round(max(stalls), 2), "strokes": len(strokes_ms),
            "stroke_to_prediction_p50_ms": pct(strokes_ms, 50), "stroke_to_prediction_p95_ms": pct(strokes_ms, 95)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--numbers", action="store_true", help="number mode, with and without the judge")
    args = ap.parse_args()
    from mnist_gui.core.recipes import RECIPES
    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    app = QApplication.instance() or QApplication([])
    win = MainWindow(window_workspace())
    win.show()
    while win.checkpoint is None:   # torch and the model load in the background
        app.processEvents()
        time.sleep(0.01)
    if args.numbers:
        measure_numbers(app, win, 2.0)   # warm-up
        print("number mode, idle:", json.dumps(measure_numbers(app, win, args.seconds)), flush=True)
        win.close()
        return 0
    measure(app, win, 2.0)  # warm-up: first paints, first predictions
    idle = measure(app, win, min(8.0, args.seconds))
    print("idle:", json.dumps(idle), flush=True)
    tab = win.trainTab
    tab.apply_config(RECIPES["fast"].config.with_overrides(epochs=5))
    tab.start_training()
    t0 = time.perf_counter()
    while not tab._steps and time.perf_counter() - t0 < 60:  # wait for MNIST to load and steps to flow
        app.processEvents()
        time.sleep(0.01)
    busy = measure(app, win, args.seconds)
    rate = tab.speedLabel.text()
    print("training:", json.dumps(busy), "|", rate, flush=True)
    t = time.perf_counter()
    win.close()  # stops the run: the flag is checked between batches and between evaluation batches
    print(f"closing the window during training: {time.perf_counter() - t:.2f} s until the jobs ended "
          f"(threads still running: {win.jobs.alive()})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
