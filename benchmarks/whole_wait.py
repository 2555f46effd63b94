"""The whole wait of `mnist-gui train`: from launch to exit, by phase, beside the steps alone.

    MNIST_GUI_DATA=/path/to/mnist python benchmarks/whole_wait.py [--recipe fast] [--max-steps N]

1. `python -m mnist_gui train` as a subprocess, timed from launch to exit; the phases are marked by the
   lines it prints as they arrive: start (launch -> "loading MNIST"), data (-> "training on"), steps +
   evaluation (-> the epoch line; the steps alone are the "s of training" it reports), save + export (->
   "saved model to"), exit (-> the process ended).
2. In this process, the same phases one by one: MNIST loaded twice (the second from the decoded cache),
   a model saved without and with its ONNX, the ONNX written from the spec against torch's traced export.
3. The Train tab's core path in this process (what its worker runs, without the window): click (the
   workspace asked for MNIST) -> data -> steps + evaluation -> save + export (finish_run) -> make live.
A fresh MNIST_GUI_HOME (a temporary folder) keeps the runs out of the user's folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def cli_run(recipe: str, max_steps: int | None, home: str) -> None:
    cmd = [sys.executable, "-m", "mnist_gui", "train", "--recipe", recipe, "--no-progress",
           "--out", str(Path(home) / "cli.pt")] + (["--max-steps", str(max_steps)] if max_steps else [])
    env = {**os.environ, "MNIST_GUI_HOME": home, "PYTHONPATH": str(ROOT)}
    marks: dict[str, float] = {}
    train_s = None
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)

    def watch(stream):
        nonlocal train_s
        for line in stream:
            now = time.perf_counter() - t0
            if line.startswith("loading MNIST"):
                marks.setdefault("start", now)
            elif line.startswith("training on"):
                marks.setdefault("data", now)
            elif "s of training" in line and "test accuracy" in line and not line.startswith("finished"):
                marks["steps + evaluation"] = now
                train_s = float(line.rsplit(",", 1)[1].split("s of training")[0])
            elif line.startswith("saved model to"):
                marks.setdefault("save + export", now)
    threads = [threading.Thread(target=watch, args=(s,)) for s in (p.stdout, p.stderr)]
    for t in threads:
        t.start()
    rc = p.wait()
    total = time.perf_counter() - t0
    for t in threads:
        t.join()
    marks["exit"] = total
    print(f"mnist-gui train --recipe {recipe}{f' --max-steps {max_steps}' if max_steps else ''}: exit code {rc}, "
          f"{total:.2f} s launch to exit for {train_s} s of training (steps alone)"
          + (f": {total / train_s:.2f}x" if train_s else ""))
    last = 0.0
    for name in ("start", "data", "steps + evaluation", "save + export", "exit"):
        if name in marks:
            print(f"  {name:<20} {marks[name] - last:6.2f} s")
            last = marks[name]


def in_process(home: str) -> None:
    os.environ["MNIST_GUI_HOME"] = home
    sys.path.insert(0, str(ROOT))
    from mnist_gui import config
    from mnist_gui.core import data as data_mod  # noqa: I001
    from mnist_gui.core.checkpoint import load_checkpoint, save_checkpoint
    from mnist_gui.core.onnx_export import export_onnx, export_onnx_traced

    for i in (1, 2):
        t = time.perf_counter()
        data_mod.load_mnist(download=False)
        print(f"MNIST load {i}: {time.perf_counter() - t:.3f} s")
    ck = load_checkpoint(config.SHIPPED_MODEL)
    meta = (ck.model, ck.model_config, ck.train_config, ck.metrics, ck.history)
    save_checkpoint(Path(home) / "warm.pt", *meta, onnx=True)   # the imports a first save pays, not timed
    for onnx in (False, True):
        t = time.perf_counter()
        save_checkpoint(Path(home) / f"m{int(onnx)}.pt", *meta, onnx=onnx)
        print(f"save the shipped model{' with its ONNX' if onnx else ', no ONNX'}: {time.perf_counter() - t:.3f} s")
    for name, fn in (("ONNX written from the spec", export_onnx), ("ONNX traced by torch.onnx", export_onnx_traced)):
        t = time.perf_counter()
        fn(ck.model, ck.model_config, {"name": ck.name})
        print(f"{name}: {time.perf_counter() - t:.3f} s")


def train_tab_path(home: str, recipe: str, max_steps: int | None) -> None:
    """What the Train tab's worker runs after a click, in the core (no window): MNIST from the workspace,
    the run planned, the steps, the run saved and exported (finish_run), the model made live."""
    from mnist_gui.core.train import Trainer
    from mnist_gui.core.workspace import Workspace
    t0 = time.perf_counter()
    ws = Workspace(home=Path(home) / "tab")
    marks = {"start": time.perf_counter()}
    data = ws.mnist()
    plan = ws.plan_run(recipe, max_steps=max_steps)
    marks["data"] = time.perf_counter()
    result = Trainer(plan.config, data, extra_train=plan.extra_train, init_state=plan.init_state,
                     device=ws.device).run()
    marks["steps + evaluation"] = time.perf_counter()
    done = ws.finish_run(result, kind="train", device=str(ws.device))
    marks["save + export"] = time.perf_counter()
    ws.make_live(done.checkpoint)
    marks["make live"] = time.perf_counter()
    steps = result.metrics["train_seconds"]
    total = marks["make live"] - t0
    print(f"Train tab's core path ({recipe}{f', {max_steps} steps' if max_steps else ''}): {total:.2f} s "
          f"click to live for {steps:.2f} s of steps: {total / steps:.2f}x")
    last = t0
    for name, t in marks.items():
        print(f"  {name:<20} {t - last:6.2f} s")
        last = t


def window_path(home: str, recipe: str, wait_data: bool) -> None:
    """The Train tab as a person meets it: the window (offscreen), a click on Train with the recipe chosen, to
    the new model live (QtWorkspace.modelChanged), or to the question whether it should go live (a model
    worse than the live one is asked about: the question is answered at once, its wait not counted)."""
    os.environ["MNIST_GUI_HOME"] = str(Path(home) / "window")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from mnist_gui.gui.jobs import Task
    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    app = QApplication.instance() or QApplication([])
    win = MainWindow(window_workspace())
    win.show()
    loop = QEventLoop()
    while not (win.checkpoint is not None and win.tabsBuilt):
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    tab = win.trainTab
    win.tabs.setCurrentWidget(tab)
    tab.recipeCombo.setCurrentIndex(tab.recipeCombo.findData(recipe))
    shown = time.perf_counter()
    if wait_data:   # MNIST loaded before the click (the window loads it on the first run): the run alone is timed
        win.jobs.start(Task(lambda _report, _stop: win.ws.mnist()), win)
    while not tab.trainButton.isEnabled() or not tab.devicesListed or (
            wait_data and (win.ws.loaded_mnist is None or not tab.deviceChooser.warm)):
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)   # torch and the devices are listed first
    print(f"the Train tab shown -> the devices listed{', PyTorch warmed up and MNIST loaded' if wait_data else ''}: "
          f"{time.perf_counter() - shown:.2f} s (a person reading the form meanwhile)")
    ended: dict[str, float] = {}
    asked = [0.0]

    def on_live(_ck):
        ended.setdefault("live", time.perf_counter())
        loop.quit()

    def poll():
        box = tab.keepBox
        if box is not None and "asked" not in ended and tab.questions._boxRun is not None:
            ended["asked"] = time.perf_counter()
            t = time.perf_counter()
            box.button(QMessageBox.StandardButton.Yes).click()
            asked[0] = time.perf_counter() - t
        if not tab.is_running() and "asked" not in ended and "live" not in ended and tab.keepBox is None \
                and "started" in ended:
            QTimer.singleShot(2000, loop.quit)   # ended without going live (a failure): stop waiting
    win.qtws.modelChanged.connect(on_live)   # in the GUI thread: the moment the window shows the new model
    timer = QTimer(interval=20)
    timer.timeout.connect(poll)
    timer.start()
    lines: list[tuple[float, str]] = []
    seen = [tab.log.blockCount()]

    def on_log():   # each new line of the run's log, with when it came
        doc = tab.log.document()
        for i in range(seen[0], doc.blockCount()):
            lines.append((time.perf_counter(), doc.findBlockByNumber(i).text()))
        seen[0] = doc.blockCount()
    tab.log.textChanged.connect(on_log)
    t0 = time.perf_counter()
    tab.trainButton.click()
    ended["started"] = t0
    loop.exec()
    timer.stop()
    runs = win.ws.runs.load()[0]
    steps = float(runs[0].metrics.get("train_seconds", "nan")) if runs else float("nan")
    end = ended.get("asked", ended.get("live", float("nan")))
    total = end - t0
    print(f"Train tab in the window ({recipe}): click -> {'question' if 'asked' in ended else 'live'} "
          f"{total:.2f} s for {steps:.2f} s of steps: {total / steps:.2f}x; then live "
          f"{ended.get('live', float('nan')) - end:.2f} s after the answer")
    for t, text in lines:   # the run's log, as it came: where the time went
        print(f"  {t - t0:7.2f} s  {text[:100]}")
    win.close()
    app.processEvents()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--recipe", default="fast")
    ap.add_argument("--max-steps", type=int, help="cut the run short (a smoke test)")
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--skip-tab", action="store_true")
    ap.add_argument("--window", action="store_true", help="only the Train tab in the window (offscreen)")
    ap.add_argument("--wait-data", action="store_true", help="with --window: click once MNIST is loaded (in a "
                    "worker, as a run would) and PyTorch warmed up (the tab does that in the background when first "
                    "shown), not as soon as the devices are listed")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPUs; python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as home:
        if args.window:
            window_path(home, args.recipe, args.wait_data)
            return 0
        if not args.skip_cli:
            cli_run(args.recipe, args.max_steps, home)
        in_process(home)
        if not args.skip_tab:
            train_tab_path(home, args.recipe, args.max_steps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
