"""The app always starts, whatever its state files hold, and writes nothing through a link (issue 32).

The process tests run the real app (tests/gui/app_driver.py) with a time limit of their own: a settings file
that is a FIFO used to keep the window from ever appearing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

DRIVER = Path(__file__).with_name("app_driver.py")


def start_and_close(home: Path, timeout: float = 120) -> tuple[int, str]:
    env = dict(os.environ, MNIST_GUI_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    try:
        p = subprocess.run([sys.executable, str(DRIVER), "start"], capture_output=True, text=True, env=env,
                           timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"the app did not start and close within {timeout:.0f} s: {e.stdout}{e.stderr}")
    return p.returncode, p.stdout + p.stderr


def _clean(code: int, out: str) -> None:
    assert code == 0 and "Traceback" not in out and "Error" not in out, out


@pytest.mark.slow
def test_a_settings_fifo_never_stops_the_window(_isolated_home):
    _isolated_home.mkdir(parents=True)
    os.mkfifo(_isolated_home / "settings.ini")
    _clean(*start_and_close(_isolated_home))
    assert (_isolated_home / "settings.ini").is_fifo()     # left as it was


@pytest.mark.slow
def test_settings_are_never_written_through_a_link(_isolated_home, tmp_path):
    _isolated_home.mkdir(parents=True)
    target = tmp_path / "someone-elses.ini"
    target.write_text("[draw]\npenWidth=30\n")
    (_isolated_home / "settings.ini").symlink_to(target)
    _clean(*start_and_close(_isolated_home))                # the close writes the window's geometry
    assert target.read_text() == "[draw]\npenWidth=30\n" and (_isolated_home / "settings.ini").is_symlink()


@pytest.mark.slow
def test_an_app_folder_that_is_a_file_still_starts(_isolated_home):
    _isolated_home.parent.mkdir(parents=True, exist_ok=True)
    _isolated_home.write_text("a file, not a folder")
    _clean(*start_and_close(_isolated_home))
    assert _isolated_home.read_text() == "a file, not a folder"


def test_an_unusable_app_folder_is_one_message_and_a_whole_window(qtbot, _isolated_home):
    from tests.gui.conftest import open_window
    _isolated_home.parent.mkdir(parents=True, exist_ok=True)
    _isolated_home.write_text("a file, not a folder")
    w = open_window(qtbot)
    assert w.lastMessageText.count("cannot be used") == 1 and str(_isolated_home) in w.lastMessageText
    assert w.tabs.count() == 7
    for i in range(7):
        w.show_tab(i)
    w.close()    # no AttributeError, nothing written
    assert _isolated_home.read_text() == "a file, not a folder"


def test_a_huge_my_digits_file_is_set_aside_and_named(qtbot, _isolated_home):
    from tests.gui.conftest import open_window
    _isolated_home.mkdir(parents=True)
    big = _isolated_home / "my_digits.jsonl"
    with open(big, "wb") as f:
        f.truncate(7 * 10**9)   # sparse 7 GB: read whole, it was a MemoryError
    w = open_window(qtbot)
    w.show_tab(5)
    tab = w.myDigitsTab
    qtbot.waitUntil(lambda: "too large" in tab.countsLabel.text())
    assert str(big) in tab.countsLabel.text() and len(w.ws.my_digits) == 0
    w.ws.teach(4, np.zeros((28, 28), np.float32))    # teaching goes on, in a fresh file
    assert len(list(_isolated_home.glob("my_digits.jsonl.bad-*"))) == 1
    w.close()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root opens any folder")
def test_an_app_folder_that_cannot_be_opened_still_starts(qtbot, _isolated_home):
    from tests.gui.conftest import open_window
    _isolated_home.mkdir(parents=True)
    _isolated_home.chmod(0)
    try:
        w = open_window(qtbot)
        assert "cannot be used" in w.lastMessageText and w.tabs.count() == 7
        for i in range(7):
            w.show_tab(i)
        w.close()
    finally:
        _isolated_home.chmod(0o755)
