"""Make the README's screenshots offscreen: the window with a hand-drawn digit and its bars, in English,
in Traditional Chinese and in dark mode.

    python scripts/screenshot.py [--out docs]

Writes screenshot-<tab>.png (English, light), screenshot-<tab>-zh_TW.png (繁體中文) and
screenshot-<tab>-dark.png (dark) for every tab: draw, number (number mode), train (after a short run),
model, evaluate (after an evaluation), data, mydigits, studies. Chinese text needs a CJK font (Debian: apt-get install fonts-noto-cjk).
"""

from __future__ import annotations

import argparse
import math
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
# "4728" in number mode: the 4 of an L and a stem, a 7, a 2, an 8 in one smooth stroke (a pen's or a mouse's
# path is a curve of many points; an 8 of ten straight segments with sharp corners is refused by the path gate).
EIGHT = [(round(545 + 48 * math.sin(2 * t)), round(182 - 105 * math.cos(t)))
         for t in (i * 2 * math.pi / 40 for i in range(41))]
NUMBER = [[(70, 70), (40, 200), (140, 200)], [(130, 70), (130, 290)],
          [(190, 80), (300, 80), (230, 290)],
          [(340, 120), (375, 75), (435, 85), (440, 140), (340, 285), (455, 285)], EIGHT]


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

    # fill the tabs a new user fills in the first minutes: a short training run (its curves and its row in
    # the Runs list), an evaluation (the confusion matrix and the mistakes), the Data tab's images
    from mnist_gui.core.recipes import TrainConfig
    w.tabs.setCurrentWidget(w.trainTab)                  # its first showing loads torch, then the devices
    wait_until(app, lambda: w.trainTab.devicesListed)
    if w.trainTab.start_training(TrainConfig(preset="tf-tutorial", max_steps=60, batch_size=64, lr=2e-3,
                                             train_size=4000)):
        wait_until(app, lambda: not w.trainTab.is_running() or w.trainTab.keepBox is not None, 600)
        wait_until(app, lambda: not w.trainTab.is_running(), 600)
        if w.trainTab.keepBox is not None:               # a worse model: keep the shipped one live
            w.trainTab.keepBox.done(0)
    w.tabs.setCurrentWidget(w.evaluateTab)
    if w.evaluateTab.start():   # needs MNIST ($MNIST_GUI_DATA or the user folder)
        wait_until(app, lambda: not w.evaluateTab.is_running(), 600)
        if w.evaluateTab.result is not None:
            w.evaluateTab.show_mistakes()
    w.tabs.setCurrentWidget(w.dataTab)
    w.dataTab.load()                                     # MNIST is loaded already: shown at once
    wait_until(app, lambda: w.dataTab.data is not None, 300)
    tabs = [(w.drawTab, "draw"), (w.drawTab, "number"), (w.trainTab, "train"), (w.modelTab, "model"),
            (w.evaluateTab, "evaluate"), (w.dataTab, "data"), (w.myDigitsTab, "mydigits"),
            (w.studyTab, "studies")]
    number = None
    for language, appearance, suffix in (("en", "light", ""), ("zh_TW", "light", "-zh_TW"), ("en", "dark", "-dark")):
        w.set_language(language)
        w.set_appearance(appearance)
        for tab, name in tabs:
            if name in ("draw", "number"):
                w.drawTab.numberMode.setChecked(name == "number")
                canvas.clear()
                draw(NUMBER if name == "number" else FOUR)
                wait_until(app, lambda: w.drawTab.bars.top_digit() is not None or w.drawTab.number)
                number = w.drawTab.number if name == "number" else number
            shot(tab, name + suffix)
    w.drawTab.numberMode.setChecked(False)
    print(f"wrote {', '.join(written)} in {out}; top digit {w.drawTab.bars.top_digit()}, number {number}")
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
