"""The app as a process: it always starts, whatever its state files hold, and closing it at the worst
moment ends the process promptly with exit code 0 (tests/gui/app_driver.py drives the real app)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("app_driver.py")
CLOSE_LIMIT_S = 2.0   # the limit from the close to the end of the process


def run_app(scenario: str, home: Path, timeout: float = 120) -> tuple[int, str, float | None]:
    """Exit code, everything printed, and the seconds from the window's close to the process's end."""
    env = dict(os.environ, MNIST_GUI_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    p = subprocess.Popen([sys.executable, str(DRIVER), scenario], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, env=env)
    lines, closed_at = [], None
    deadline = time.monotonic() + timeout
    for line in p.stdout:
        lines.append(line)
        if line.startswith("closing") and closed_at is None:
            closed_at = time.monotonic()
        if time.monotonic() > deadline:
            p.kill()
            break
    code = p.wait(timeout=30)
    ended = time.monotonic()
    return code, "".join(lines), (ended - closed_at) if closed_at is not None else None


def assert_clean_exit(code: int, out: str, took: float | None) -> None:
    assert code == 0, out
    assert "QThread: Destroyed" not in out and "Traceback" not in out, out
    assert took is not None, out
    assert took < CLOSE_LIMIT_S, f"the process ended {took:.2f} s after the close\n{out}"


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["train", "finetune", "evaluate", "load-blocked"])
def test_closing_mid_work_ends_the_process(scenario, _isolated_home):
    assert_clean_exit(*run_app(scenario, _isolated_home))


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["sigterm-loading", "sigterm-training", "sighup-training"])
def test_sigterm_closes_the_window_like_a_close(scenario, _isolated_home):
    """SIGTERM while the model loads (it aborted the process) or while training, or SIGHUP (the terminal it
    was started from closed): the window closes as a user's close does, the process ends promptly with
    128 + the signal and one line, a run is recorded as stopped."""
    import signal
    sig = signal.SIGHUP if scenario.startswith("sighup") else signal.SIGTERM
    code, out, took = run_app(scenario, _isolated_home)
    assert code == 128 + sig, out
    assert f"{sig.name}: closing the window" in out and "Traceback" not in out and "QThread: Destroyed" not in out, out
    assert took is not None and took < CLOSE_LIMIT_S, out
    assert "geometry" in (_isolated_home / "settings.ini").read_text()   # the close's own writes happened
    if scenario.endswith("-training"):
        import json
        runs = [json.loads(p.read_text()) for p in (_isolated_home / "runs").glob("*/run.json")]
        assert [r.get("status") for r in runs] == ["stopped"], runs


BAD_SETTINGS = {
    "geometry": "[window]\ngeometry=nonsense\n",
    "pen width text": "[draw]\npenWidth=abc\n",
    "pen width list": "[draw]\npenWidth=1, 2\n",
    "model path list": "[model]\npath=a.pt, b.pt\n",
    "data dir list": "[data]\ndir=/a, /b\n",
    "binary junk": "\x00\xff[[[\n=\n",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BAD_SETTINGS))
def test_damaged_settings_never_stop_the_app_from_starting(name, _isolated_home):
    _isolated_home.mkdir(parents=True, exist_ok=True)
    settings = _isolated_home / "settings.ini"
    settings.write_text(BAD_SETTINGS[name], encoding="latin-1")
    before = settings.read_bytes()
    code, out, took = run_app("start", _isolated_home)
    assert code == 0 and "Traceback" not in out, out
    bad = settings.with_name("settings.ini.bad")
    if name != "binary junk":     # Qt's reader skips junk lines silently: nothing of ours to report
        assert bad.read_bytes() == before       # the damaged file is kept for the user


@pytest.mark.slow
def test_damaged_state_files_never_stop_the_app_from_starting(_isolated_home):
    home = _isolated_home
    (home / "runs" / "deep").mkdir(parents=True)
    deep = "[" * 100_000 + "]" * 100_000
    (home / "runs" / "deep" / "run.json").write_text(deep)
    (home / "my_digits.jsonl").write_text(deep + "\n")
    bad_model = home / "bad.pt"
    import torch
    torch.save({"format": "mnist-gui-checkpoint", "format_version": "one"}, bad_model)
    (home / "settings.ini").write_text(f"[model]\npath={bad_model}\n")
    code, out, _ = run_app("start", home)
    assert code == 0 and "Traceback" not in out and "RecursionError" not in out, out


@pytest.mark.slow
def test_a_session_that_only_draws_never_loads_torch(tmp_path):
    """The live path is ONNX Runtime: the shipped model goes live, a drawn 1 and a number are read, every
    layer's output is there for the feature maps, and torch is never imported; the Train tab's first showing
    loads it and then warms up what a first run would pay (the Model tab's timing would load it too: it is not
    shown here). The script waits for that warm-up before it closes: unlike the app (which ends with os._exit),
    a script whose interpreter tears down a QThread still importing aborts."""
    code = ("import os, sys, time; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
            "from PySide6.QtWidgets import QApplication; app = QApplication([])\n"
            "from mnist_gui.gui.main_window import MainWindow; from mnist_gui.gui.qt_workspace import window_workspace\n"
            "from mnist_gui.gui.widgets.canvas import draw_strokes\n"
            "from PySide6.QtTest import QTest\n"
            "w = MainWindow(window_workspace()); w.show()\n"
            "for _ in range(3000):\n"
            "    app.processEvents(); QTest.qWait(10)\n"
            "    if w.ws.predictor is not None: break\n"
            "draw_strokes(w.drawTab.canvas, [[(150, 60), (150, 250)]]); app.processEvents()\n"
            "assert w.drawTab.bars.accessibleDescription().startswith('1'), w.drawTab.bars.accessibleDescription()\n"
            "assert 'conv1' in w.ws.predictor.activations(w.drawTab.input28)\n"
            "w.drawTab.numberMode.setChecked(True); w.drawTab.canvas.clear()\n"
            "draw_strokes(w.drawTab.canvas, [[(60, 60), (60, 250)], [(200, 60), (200, 250)]]); app.processEvents()\n"
            "assert w.drawTab.number == '11', w.drawTab.number\n"
            "for _ in range(100): app.processEvents(); QTest.qWait(10)\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n"
            "w.tabs.setCurrentWidget(w.trainTab)\n"
            "for _ in range(6000):\n"   # sleep, not qWait: qWait keeps the GIL and starves the import threads
            "    app.processEvents(); time.sleep(0.01)\n"
            "    if w.trainTab.devicesListed and w.trainTab.deviceChooser.warm: break\n"
            "assert 'torch' in sys.modules and w.trainTab.devicesListed and w.trainTab.deviceChooser.warm\n"
            "w.close()\n")
    env = dict(os.environ, MNIST_GUI_HOME=str(tmp_path / "home"))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_the_window_imports_no_torch_before_it_shows():
    """The window shows while torch loads: nothing the window module imports may import torch."""
    code = ("import os, sys; os.environ['QT_QPA_PLATFORM'] = 'offscreen'\n"
            "from PySide6.QtWidgets import QApplication; app = QApplication([])\n"
            "from mnist_gui.gui.main_window import MainWindow; from mnist_gui.gui.qt_workspace import window_workspace\n"
            "w = MainWindow(window_workspace()); w.show()\n"
            "assert 'torch' not in sys.modules, 'torch imported'\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ))
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11 displays are a Linux matter here")
def test_a_display_that_does_not_answer_is_one_line_and_exit_code_1(tmp_path):
    """Qt's xcb plugin aborts (exit 134) with a misleading hint about libxcb-cursor0 when the display cannot be
    reached; the app says so in one line instead."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env.update(MNIST_GUI_HOME=str(tmp_path / "home"), DISPLAY=":87")   # no X server listens there
    assert not Path("/tmp/.X11-unix/X87").exists()
    p = subprocess.run([sys.executable, "-m", "mnist_gui"], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 1, p.stderr
    assert p.stderr.splitlines() == [p.stderr.strip()] and "cannot reach the display :87" in p.stderr, p.stderr
    assert "xcb-cursor" not in p.stderr and "Traceback" not in p.stderr
