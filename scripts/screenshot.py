"""Make the README's screenshots offscreen: the window with a hand-drawn digit and its bars, in English,
in Traditional Chinese and in dark mode.

    python scripts/screenshot.py [--out docs]

Writes screenshot-draw.png, screenshot-number.png, screenshot-train.png, screenshot-model.png (English, light),
screenshot-draw-zh_TW.png, screenshot-train-zh_TW.png (繁體中文) and screenshot-draw-dark.png,
screenshot-evaluate-dark.png (dark). Chinese text needs a CJK font (Debian: apt-get install fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MNIST_GUI_HOME", tempfile.mkdtemp(prefix="mnist-gui-shot-"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))   # this checkout's mnist_gui

# A hand-written 4 (canvas coordinates).
FOUR = [[(210, 50), (90, 210), (250, 210)], [(200, 120), (200, 300)]]
# "4728" in number mode: the 4 of an L and a stem, a 7, a 2, an 8 in one stroke.
NUMBER = [[(70, 70), (40, 200), (140, 200)], [(130, 70), (130, 290)],
          [(190, 80), (300, 80), (230, 290)],
          [(340, 120), (375, 75), (435, 85), (440, 140), (340, 285), (455, 285)],
          [(560, 115), (515, 80), (490, 125), (560, 175), (595, 235), (535, 290), (500, 240), (560, 175),
           (595, 115), (560, 80)]]


def wait_until(app, condition, timeout_s: float = 120) -> None:
    end = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > end:
            raise SystemExit("screenshot: timed out waiting for the window")
        app.processEvents()
        time.sleep(0.01)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="docs")
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    from mnist_gui.gui.widgets.canvas import draw_strokes
    app = QApplication.instance() or QApplication(sys.argv[:1])
    w = MainWindow(window_workspace())
    w.resize(1100, 720)
    w.show()
    wait_until(app, lambda: w.checkpoint is not None)   # the model loads in the background
    canvas = w.drawTab.canvas

    def draw(strokes) -> None:
        draw_strokes(canvas, strokes, moves_per_segment=20)   # real mouse events, as a user draws

    draw(FOUR)
    wait_until(app, lambda: w.drawTab.bars.top_digit() is not None)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def shot(tab, name: str) -> None:
        w.tabs.setCurrentWidget(tab)
        for _ in range(5):
            app.processEvents()
        w.grab().save(str(out / f"screenshot-{name}.png"))
        written.append(f"screenshot-{name}.png")

    shot(w.drawTab, "draw")
    w.drawTab.numberMode.setChecked(True)
    canvas.clear()
    draw(NUMBER)
    shot(w.drawTab, "number")
    number = w.drawTab.number
    w.drawTab.numberMode.setChecked(False)
    canvas.clear()
    draw(FOUR)
    w.tabs.setCurrentWidget(w.trainTab)                  # its first showing loads torch, then the devices
    wait_until(app, lambda: w.trainTab.devicesListed)
    shot(w.trainTab, "train")
    shot(w.modelTab, "model")
    w.set_language("zh_TW")
    shot(w.drawTab, "draw-zh_TW")
    shot(w.trainTab, "train-zh_TW")
    w.set_language("en")
    w.set_appearance("dark")
    shot(w.drawTab, "draw-dark")
    w.tabs.setCurrentWidget(w.evaluateTab)
    if w.evaluateTab.start():   # needs MNIST ($MNIST_GUI_DATA or the user folder)
        wait_until(app, lambda: not w.evaluateTab.is_running(), 600)
        if w.evaluateTab.result is not None:
            w.evaluateTab.show_mistakes()
    shot(w.evaluateTab, "evaluate-dark")
    w.set_appearance("system")
    w.set_language("")
    print(f"wrote {', '.join(written)} in {out}; top digit {w.drawTab.bars.top_digit()}, number {number}")
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
