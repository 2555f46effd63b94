"""Start-up: the window first, torch and the model in the background.

    python benchmarks/startup.py [--runs 5]

Each round, in one process tree on one machine, times from the moment the interpreter is spawned:
  - reference Qt:    `python -c "import PySide6.QtWidgets, pyqtgraph, numpy"` (end of the imports)
  - reference torch: `python -c "import torch"` (end of the import)
  - the app: the main window on screen, taking strokes (a digit is drawn at once), and the first prediction of
    that digit in the bars, once torch and the shipped model have loaded.
Goals (issue 8): window ≤ 1.3 × reference Qt, first prediction ≤ 1.2 × reference torch.
Rounds interleave the three so that a busy machine slows all of them alike; the ratios are per round.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REF_QT = "import os, time; t0 = float(os.environ['START_TIME'])\nimport PySide6.QtWidgets, pyqtgraph, numpy\nprint(time.time() - t0)"
REF_TORCH = "import os, time; t0 = float(os.environ['START_TIME'])\nimport torch\nprint(time.time() - t0)"
APP = r"""
import os, sys, time
t0 = float(os.environ["START_TIME"])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication([])
from mnist_gui.gui.main_window import MainWindow
from mnist_gui.gui.qt_workspace import window_workspace
w = MainWindow(window_workspace())
w.show()
assert "torch" not in sys.modules, "torch was imported before the window showed"
app.processEvents()          # the window paints; the model starts loading in the background
shown = time.time() - t0
canvas = w.drawTab.canvas
canvas._strokes = [[(168.0, 40.0), (168.0, 296.0)]]     # a 1, drawn before the model is there
canvas.strokeFinished.emit()
assert w.drawTab.bars.top_digit() is None                 # "loading the model…"
def poll():
    if w.drawTab.bars.top_digit() is not None:
        print(shown, time.time() - t0, w.drawTab.bars.top_digit())
        app.quit()
    else:
        QTimer.singleShot(1, poll)
poll()
app.exec()
"""


def timed(code: str, env: dict) -> list[str]:
    env = dict(env, START_TIME=repr(time.time()))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    rows = []
    timed(REF_TORCH, env)  # warm the file cache once so the first round is not special
    for _ in range(args.runs):
        env["MNIST_GUI_HOME"] = tempfile.mkdtemp(prefix="mnist-gui-start-")
        qt = float(timed(REF_QT, env)[0])
        torch_s = float(timed(REF_TORCH, env)[0])
        shown, first, digit = timed(APP, env)
        rows.append((qt, torch_s, float(shown), float(first), int(digit)))
    print(f"{'round':>5} {'ref Qt':>8} {'ref torch':>9} {'window':>8} {'ratio':>6} {'1st pred':>9} {'ratio':>6} digit")
    for i, (qt, tt, shown, first, digit) in enumerate(rows, 1):
        print(f"{i:>5} {qt:8.2f} {tt:9.2f} {shown:8.2f} {shown / qt:6.2f} {first:9.2f} {first / tt:6.2f} {digit}")
    med = lambda k: statistics.median(k)  # noqa: E731
    print(f"median ratio: window / reference Qt {med([r[2] / r[0] for r in rows]):.2f} (goal ≤ 1.3), "
          f"first prediction / reference torch {med([r[3] / r[1] for r in rows]):.2f} (goal ≤ 1.2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
