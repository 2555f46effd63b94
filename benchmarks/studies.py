"""Three parameter studies of the tutorial's network: learning rate, dropout, conv1 filters.

Each value is trained with the `fast` recipe (AdamW, one-cycle) on a budget that fits a 2-core machine,
with seeds 0..repeat-1; the tables are printed and the Studies tab's own charts are saved as PNGs.

    MNIST_GUI_DATA=../shared/data/mnist QT_QPA_PLATFORM=offscreen \\
        python benchmarks/studies.py --steps 100 --batch-size 64 --train-size 10000 --repeat 2 --out docs

The studies live in --home (default: a folder in the temp dir), so an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STUDIES = (
    ("lr", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]),
    ("dropout", [0.0, 0.2, 0.4, 0.6]),
    ("conv1.filters", [8, 16, 32, 64]),
)


def save_chart(ws, name: str, path: Path) -> None:
    """The Studies tab's accuracy and time charts of this study, one above the other, as a PNG."""
    from pyqtgraph.exporters import ImageExporter
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from mnist_gui.gui.jobs import JobRunner
    from mnist_gui.gui.qt_workspace import QtWorkspace
    from mnist_gui.gui.tabs.study_tab import StudyTab
    app = QApplication.instance() or QApplication([])
    tab = StudyTab(QtWorkspace(ws), JobRunner())
    tab.nameEdit.setText(name)
    tab.resize(1100, 800)
    tab.show()
    tab.refresh()
    app.processEvents()
    images = []
    for plot, height in ((tab.accuracyPlot, 380), (tab.timePlot, 220)):
        plot.resize(720, height)
        plot.plotItem.setTitle(f"{plot.plotItem.titleLabel.text} — {name}")
        app.processEvents()
        exporter = ImageExporter(plot.plotItem)
        exporter.parameters()["width"] = 720
        images.append(exporter.export(toBytes=True))
    out = QImage(max(i.width() for i in images), sum(i.height() for i in images), QImage.Format.Format_RGB32)
    out.fill(0xFFFFFF)
    painter = QPainter(out)
    y = 0
    for img in images:
        painter.drawImage(0, y, img)
        y += img.height()
    painter.end()
    out.save(str(path))
    tab.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--train-size", type=int, default=10_000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--home", default=os.path.join(tempfile.gettempdir(), "mnist-gui-studies"))
    ap.add_argument("--out", default="docs", help="folder for the chart PNGs")
    ap.add_argument("--only", help="run only this study (lr, dropout, conv1.filters)")
    args = ap.parse_args()

    import torch

    from mnist_gui.core import study as st
    from mnist_gui.core.events import TrialEnded
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(Path(args.home))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; studies in {args.home}")
    overrides = {"max_steps": args.steps, "train_size": args.train_size, "batch_size": args.batch_size}
    for param, values in STUDIES:
        if args.only and param != args.only:
            continue
        name = f"tutorial-{param}"
        plan = st.StudyPlan(name, param, values, args.repeat, recipe="fast", overrides=overrides)
        t0 = time.perf_counter()
        study = st.run_study(ws, plan, on_event=lambda ev: print(
            f"  trial {ev.number}: {ev.state} {ev.accuracy or ''}", flush=True)
            if isinstance(ev, TrialEnded) else None)
        rows = st.trial_rows(study)
        summary = st.summarize(rows, param)
        print(f"\n### {param} ({len(rows)} runs, {time.perf_counter() - t0:.0f} s this session)\n")
        print("| value | runs | mean | min | max | training s (mean) |\n|---|---|---|---|---|---|")
        for s in summary:
            print(f"| {st.fmt_value(s.value)} | {s.runs} | {s.mean:.2%} | {s.min:.2%} | {s.max:.2%} | "
                  f"{s.seconds:.1f} |" if s.mean is not None else f"| {st.fmt_value(s.value)} | 0 | failed: {s.error} |")
        print("\n" + st.noise_text(summary, param) + "\n", flush=True)
        out = Path(args.out) / f"study-{param.replace('.', '-')}.png"
        save_chart(ws, name, out)
        print(f"chart: {out}")


if __name__ == "__main__":
    main()
