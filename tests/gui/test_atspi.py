"""Accessibility checked by a real client: the window on the AT-SPI bus, walked with pyatspi (atspi_client.py),
in English and in 繁體中文. Skipped, saying why, only where the bus or the client cannot run here."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
HERE = Path(__file__).resolve().parent
SYSTEM_PYTHON = "/usr/bin/python3"
NEEDS = {"xvfb-run": shutil.which("xvfb-run"), "dbus-run-session": shutil.which("dbus-run-session"),
         "at-spi-bus-launcher": "/usr/libexec/at-spi-bus-launcher"}


def walk(home: Path) -> dict:
    missing = [name for name, path in NEEDS.items() if not path or not os.path.exists(path)]
    if missing:
        pytest.skip(f"no AT-SPI bus here: {', '.join(missing)} missing (Debian: xvfb, dbus, at-spi2-core)")
    if subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True).returncode:
        pytest.skip(f"{SYSTEM_PYTHON} has no pyatspi (Debian: python3-pyatspi)")
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "DBUS_SESSION_BUS_ADDRESS")}
    out = subprocess.run([NEEDS["xvfb-run"], "-a", "-s", "-screen 0 1280x900x24", NEEDS["dbus-run-session"], "--",
                          SYSTEM_PYTHON, str(HERE / "atspi_client.py"), sys.executable, str(home)],
                         capture_output=True, text=True, timeout=300, env=env)
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"the client said nothing (exit {out.returncode}): {out.stderr[-2000:]}"
    result = json.loads(lines[-1])
    assert "error" not in result, result["error"]
    return result


def test_every_control_has_a_name_and_role_for_a_screen_reader_in_english(tmp_path):
    r = walk(tmp_path)
    assert r["tabs"] == ["Draw", "Train", "Model", "Evaluate", "Data", "My digits", "Studies"]
    assert r["unnamed"] == []
    roles = {role for controls in r["controls"].values() for role, _ in controls}
    assert {"push button", "check box", "combo box", "spin button", "slider", "page tab"} <= roles
    draw = dict((name, role) for role, name in r["controls"]["Draw"])
    assert draw.get("Clear") == "push button" and draw.get("Pen width") == "slider"
    assert all(len(c) > 5 for c in r["controls"].values())      # each tab's own controls were reached


def test_every_control_has_a_name_and_role_for_a_screen_reader_in_chinese(tmp_path):
    (tmp_path / "settings.ini").write_text("[view]\nlanguage=zh_TW\n", encoding="utf-8")
    r = walk(tmp_path)
    assert len(r["tabs"]) == 7 and r["tabs"][0].startswith("繪圖")     # "繪圖(D)": its mnemonic, as Qt says it
    assert r["unnamed"] == []
    names = [name for controls in r["controls"].values() for _, name in controls]
    assert sum(any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names) > 0.8 * len(names)
