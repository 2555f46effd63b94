"""The Runs list of a folder of many runs (offscreen): how long the GUI thread is held, and how long a refresh
takes after one more run.

    python benchmarks/runs_list.py [--runs 5000]

Writes N run records (each with a 50-step history, as a short run has) into a fresh app folder, then:
* the time refresh() itself takes in the GUI thread (the records are read in a worker), and the longest
  event-loop stall (a 10 ms QTimer probe) until the list is shown;
* the same for a refresh after one run more (only the changed record is read again);
* for comparison, reading all the records in one go in this thread (what refresh did before).
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
os.environ["MNIST_GUI_HOME"] = tempfile.mkdtemp(prefix="mnist-gui-bench-")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402


def write_records(root: Path, n: int) -> None:
    rec = {"status": "finished", "kind": "train", "device": "cpu", "precision": "fp32", "study": "", "kept": False,
           "config": {"preset": "fast-bn", "lr": 0.01, "batch_size": 64}, "metrics": {"test_accuracy": 0.9},
           "history": {"step": list(range(50)), "loss": [1.0] * 50, "accuracy": [0.5] * 50},
           "seconds": 3.0, "date": "2026-12-01 10:00:00"}
    for i in range(n):
        folder = root / f"20261201-100000-fast-bn-{i:05d}"
        folder.mkdir(parents=True)
        (folder / "run.json").write_text(json.dumps(dict(rec, id=folder.name)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5000)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    from mnist_gui.core.runs import RunStore
    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    w = MainWindow(window_workspace())
    write_records(w.ws.runs_dir, args.runs)
    w.show()
    panel = w.trainTab.runsPanel
    stalls: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def probe() -> None:
        now = clock.elapsed()
        stalls.append(now - last[0] - 10)
        last[0] = now
    timer = QTimer(interval=10, timeout=probe)
    timer.start()

    def measured(action) -> tuple[float, float, float]:
        done = []
        panel.loaded.connect(lambda: done.append(time.perf_counter()))
        stalls.clear()
        t0 = time.perf_counter()
        action()
        held = time.perf_counter() - t0
        while not done:
            app.processEvents()
        panel.loaded.disconnect()
        return held * 1e3, max(stalls, default=0.0), (done[0] - t0) * 1e3

    held, stall, total = measured(panel.refresh)
    print(f"{args.runs} runs, first refresh: refresh() held the GUI thread {held:.1f} ms; longest stall "
          f"{stall:.0f} ms; shown after {total:.0f} ms")
    w.ws.runs.record("finished", {"preset": "fast-bn", "lr": 0.003}, {"test_accuracy": 0.5}, {}, 1.0)
    held, stall, total = measured(panel.refresh)
    print(f"one run more: refresh() held the GUI thread {held:.1f} ms; longest stall {stall:.0f} ms; "
          f"shown after {total:.0f} ms")
    t0 = time.perf_counter()
    RunStore(w.ws.runs_dir).load()
    print(f"reading every record in one go (a fresh store, as each refresh did before): "
          f"{(time.perf_counter() - t0) * 1e3:.0f} ms")
    timer.stop()
    w.close()


if __name__ == "__main__":
    main()
