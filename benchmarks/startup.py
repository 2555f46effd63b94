"""Time from a fresh interpreter to the main window shown with the shipped model loaded (offscreen).

    python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

CODE = r"""
import os, time
t0 = float(os.environ["START_TIME"])
from PySide6.QtWidgets import QApplication
from mnist_gui.gui.main_window import MainWindow
app = QApplication([])
w = MainWindow()
w.show()
app.processEvents()
assert w.checkpoint.path.name == "shipped_model.pt"
print(time.time() - t0)
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    times = []
    for _ in range(args.runs):
        env["MNIST_GUI_HOME"] = tempfile.mkdtemp(prefix="mnist-gui-start-")
        env["START_TIME"] = repr(time.time())
        out = subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True, text=True, check=True)
        times.append(float(out.stdout.strip().splitlines()[-1]))
    print(f"process start to window shown with the shipped model: median {statistics.median(times):.2f} s, "
          f"min {min(times):.2f} s, max {max(times):.2f} s over {args.runs} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
