"""Make the README's screenshots offscreen: the window with a pen-drawn digit and its bars.

    python scripts/screenshot.py [--out docs]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MNIST_GUI_HOME", tempfile.mkdtemp(prefix="mnist-gui-shot-"))

# A hand-written 4 (canvas coordinates), used when the pen-drawn digits are not at hand.
FOUR = [[(210, 50), (90, 210), (250, 210)], [(200, 120), (200, 300)]]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="docs")
    args = ap.parse_args()
    from PySide6.QtTest import QTest
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtWidgets import QApplication

    from mnist_gui.gui.main_window import MainWindow
    app = QApplication.instance() or QApplication(sys.argv[:1])
    w = MainWindow()
    w.resize(1040, 700)
    w.show()
    canvas = w.drawTab.canvas
    for stroke in FOUR:  # real mouse events, as a user draws
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(*stroke[0]))
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
            for i in range(1, 21):
                QTest.mouseMove(canvas, QPoint(round(x0 + (x1 - x0) * i / 20), round(y0 + (y1 - y0) * i / 20)))
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(*stroke[-1]))
    app.processEvents()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(out / "screenshot-draw.png"))
    for name, tab in (("train", w.trainTab), ("model", w.modelTab)):
        w.tabs.setCurrentWidget(tab)
        app.processEvents()
        w.grab().save(str(out / f"screenshot-{name}.png"))
    print(f"wrote {out}/screenshot-draw.png, screenshot-train.png, screenshot-model.png; "
          f"top digit {w.drawTab.bars.top_digit()}")
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
