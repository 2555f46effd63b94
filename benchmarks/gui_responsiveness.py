"""GUI responsiveness while training runs on both cores (offscreen).

    MNIST_GUI_DATA=../shared/data/mnist python benchmarks/gui_responsiveness.py [--seconds 20]

* Event-loop stalls: a 10 ms QTimer probe; a stall is how late each tick fires. Prints p50/p99/max,
  idle and while training.
* Stroke to prediction: the time from the pen-up mouse event to the bars showing the new
  probabilities (the prediction runs in the pen-up handler), p50/p95, idle and while training.
* How long closing the window takes while training runs.
* With --numbers: number mode instead, idle, writing a four-digit number (five strokes) again and again with
  a pen paced as a person's (--pen: the pen writers' four-digit numbers instead, each in turn): the event loop's stalls while writing, and from each pen-up to the number shown;
  read at pen-up (as the app does), at pen-up with the path net and the elastic reader reading every candidate
  (as before numbers.PATHS_FROM), also while the pen moves (as before) and not at all (what drawing alone
  costs), in turns.
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
from PySide6.QtCore import QElapsedTimer, QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mnist_gui.gui.widgets.canvas import draw_strokes  # noqa: E402

STROKES = [[(200, 40), (90, 200), (250, 200)], [(190, 110), (190, 300)]]  # a 4
# "4728" for number mode: the 4 of an L and a stem, a 7, a 2, an 8 in one stroke
NUMBER = [[(60, 60), (30, 170), (120, 170)], [(110, 60), (110, 240)],
          [(160, 70), (250, 70), (190, 240)],
          [(290, 100), (320, 65), (370, 75), (375, 120), (290, 235), (385, 235)],
          [(470, 100), (430, 70), (410, 110), (470, 150), (500, 200), (450, 240), (420, 200), (470, 150),
           (500, 100), (470, 70)]]


def pen_numbers(count: int = 40) -> list:
    """Four-digit numbers of the pen writers (realistic spacing, seed 3, as number_reading.py builds them), each
    fitted into the wide canvas (220 px tall, centred): curves of a person's hand, not NUMBER's straight lines."""
    import collections

    from mnist_gui.core.handwriting.pendigits import read_unipen
    from mnist_gui.core.handwriting.synthetic import default_pendigits, numbers
    by_writer = collections.defaultdict(list)
    for d in read_unipen(default_pendigits()):
        by_writer[d.writer].append(d)
    out = []
    for case in numbers(by_writer, count, "realistic", seed=3):
        pts = np.concatenate([np.asarray(s, float).reshape(-1, 2) for s in case.strokes])
        lo, hi = pts.min(0), pts.max(0)
        k = min(220 / max(hi[1] - lo[1], 1e-6), 600 / max(hi[0] - lo[0], 1e-6))
        out.append([((np.asarray(s, float).reshape(-1, 2) - (lo + hi) / 2) * k + (336, 168)).tolist()
                    for s in case.strokes])
    return out


def measure_numbers(app, win, seconds: float, drawings: list | None = None) -> dict:
    """Number mode, idle, a pen paced as a person's (a move every 8 ms, the event loop running between them, so
    live reads while the pen moves would happen too): the event loop's stalls while the pen is down, and from each
    pen-up to the reading of that stroke shown; in turns, read at pen-up only (the app), so with every candidate
    read by the path readers (as before numbers.PATHS_FROM), also while the pen moves (as before:
    draw_tab.READ_NUMBERS_WHILE_DRAWING), and not read at all (the canvas's signals
    blocked: what drawing alone costs). drawings: numbers to write in turn (pen_numbers: a move every 3 px along
    their curves), else NUMBER again and again (10 moves a segment)."""
    from PySide6.QtTest import QTest

    from mnist_gui.gui.tabs import draw_tab
    tab = win.drawTab
    tab.numberMode.setChecked(True)
    from mnist_gui.core.handwriting import numbers as numbers_module
    paths_from = numbers_module.PATHS_FROM
    ways = {"at pen-up (the app)": False, "every candidate read by the path readers (before)": "every",
            "while the pen moves too (before)": True, "not read (the floor)": None}
    shown = {k: [] for k in ways}
    stalls = {k: [] for k in ways}
    texts = set()
    clock = QElapsedTimer()
    clock.start()
    last, now_way = [clock.nsecsElapsed()], [""]

    def tick():   # while the pen is down: what holds it back (the pen-up read is timed below)
        now = clock.nsecsElapsed()
        if tab.canvas.is_drawing():
            stalls[now_way[0]].append(max(0.0, (now - last[0]) / 1e6 - 10.0))
        last[0] = now
    probe = QTimer()
    probe.setTimerType(Qt.TimerType.PreciseTimer)
    probe.timeout.connect(tick)

    def run_for(seconds_: float) -> None:   # the event loop runs; between events the GUI thread is idle
        end = time.perf_counter() + seconds_
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.0005)

    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    rng = np.random.default_rng(0)
    end = time.perf_counter() + seconds
    turn = 0
    while time.perf_counter() < end:
        number = NUMBER if drawings is None else drawings[turn % len(drawings)]
        turn += 1
        for way, live in ways.items():
            draw_tab.READ_NUMBERS_WHILE_DRAWING = live is True
            numbers_module.PATHS_FROM = 0.0 if live == "every" else paths_from
            now_way[0] = way
            dx, dy = rng.integers(0, 60 if drawings is None else 30, 2)   # a new place each time: nothing of it cached
            tab.canvas.clear()
            tab.canvas.blockSignals(live is None)
            run_for(0.05)
            probe.start(10)
            last[0] = clock.nsecsElapsed()
            due = time.perf_counter()   # when the pen does the next thing: a handler still busy then delays it
            for stroke in number:
                pts = [QPoint(round(x + dx), round(y + dy)) for x, y in stroke]
                QTest.mousePress(tab.canvas, left, none, pts[0])
                for a, b in zip(pts, pts[1:]):
                    n = 10 if drawings is None else max(1, round(np.hypot(b.x() - a.x(), b.y() - a.y()) / 3))
                    for i in range(1, n + 1):
                        due += 0.008
                        run_for(due - time.perf_counter())
                        QTest.mouseMove(tab.canvas, QPoint(round(a.x() + (b.x() - a.x()) * i / n),
                                                           round(a.y() + (b.y() - a.y()) * i / n)))
                due += 0.008
                run_for(due - time.perf_counter())
                QTest.mouseRelease(tab.canvas, left, none, pts[-1])   # the pen-up handler reads and shows
                shown[way].append((time.perf_counter() - due) * 1e3)   # from when the pen was lifted
                run_for(0.1)
                due = time.perf_counter()
            probe.stop()
            tab.canvas.blockSignals(False)
            texts.add((way, tab.number))
    draw_tab.READ_NUMBERS_WHILE_DRAWING = False
    numbers_module.PATHS_FROM = paths_from
    return {"read": sorted(texts), **{f"{k}: pen-up to number shown p50/p95 ms": (pct(v, 50), pct(v, 95))
                                      for k, v in shown.items()},
            **{f"{k}: stall while the pen is down p50/p99/max ms": (pct(v, 50), pct(v, 99), round(max(v), 2))
               for k, v in stalls.items()}}


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
    ap.add_argument("--numbers", action="store_true", help="number mode: read at pen-up, also while the pen moves, not at all")
    ap.add_argument("--pen", action="store_true", help="with --numbers: the pen writers' four-digit numbers (curves), "
                    "a move every 3 px, not 4728 of straight lines (../shared's pendigits)")
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
        drawings = pen_numbers() if args.pen else None
        measure_numbers(app, win, 2.0)   # warm-up
        print("number mode, idle:", json.dumps(measure_numbers(app, win, args.seconds, drawings)), flush=True)
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
