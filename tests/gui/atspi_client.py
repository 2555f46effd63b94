"""A real accessibility client (AT-SPI, read with pyatspi) walks the window: every tab, every control.

Run by tests/gui/test_atspi.py as `/usr/bin/python3 tests/gui/atspi_client.py PYTHON HOME` inside
`xvfb-run dbus-run-session`: it starts the AT-SPI bus, starts the app (`PYTHON -m mnist_gui` with
MNIST_GUI_HOME=HOME, accessibility on), selects each tab through the page tab list as a screen reader
would, collects every control that is showing with its role and name, and prints one JSON object:
{"tabs": [names], "controls": {tab: [[role, name], ...]}, "unnamed": [[tab, role], ...]}. It needs only
the system's Python with pyatspi (Debian: python3-pyatspi), not the project's environment.
"""

import json
import os
import subprocess
import sys
import time

import pyatspi

# roles a person operates: each must have a name a screen reader can say
CONTROLS = {"push button", "toggle button", "check box", "radio button", "combo box", "spin button", "slider",
            "page tab", "text", "entry", "password text", "table", "list", "tree table", "tree", "menu item",
            "scroll bar", "canvas"}
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def find_app(timeout=60.0):
    end = time.time() + timeout
    while time.time() < end:
        desk = pyatspi.Registry.getDesktop(0)
        for i in range(desk.childCount):
            a = desk.getChildAtIndex(i)
            if a is not None and (a.name or "") == "mnist-gui":
                # the window's own tabs: the list with the most pages (the Train tab has a Log/Runs list too)
                lists = find_all(a, "page tab list", [])
                tabs = max(lists, key=pages, default=None)
                if tabs is not None and pages(tabs) >= 7:   # the late tabs are built
                    return a, tabs
        time.sleep(0.3)
    return None, None


def find_all(node, role, out):
    try:
        if node.getRoleName() == role:
            out.append(node)
        for i in range(node.childCount):
            c = node.getChildAtIndex(i)
            if c is not None:
                find_all(c, role, out)
    except Exception:
        pass
    return out


def pages(tab_list) -> int:
    return sum(tab_list.getChildAtIndex(i).getRoleName() == "page tab" for i in range(tab_list.childCount))


def showing(node, out):
    try:
        state = node.getState()
        if not state.contains(pyatspi.STATE_SHOWING):
            return out
        out.append((node.getRoleName(), node.name or ""))
        for i in range(node.childCount):
            c = node.getChildAtIndex(i)
            if c is not None:
                showing(c, out)
    except Exception:
        pass
    return out


def main() -> int:
    python, home = sys.argv[1], sys.argv[2]
    env = dict(os.environ, MNIST_GUI_HOME=home, QT_ACCESSIBILITY="1", QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1",
               PYTHONPATH=ROOT)
    bus = subprocess.Popen(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"])
    time.sleep(0.5)
    app_proc = subprocess.Popen([python, "-m", "mnist_gui"], env=env, cwd=ROOT)
    result = {"tabs": [], "controls": {}, "unnamed": []}
    try:
        app, tabs = find_app()
        if app is None:
            print(json.dumps({"error": "the window never appeared on the accessibility bus"}))
            return 1
        frame = app.getChildAtIndex(0)
        sel = tabs.querySelection()
        for i in range(tabs.childCount):
            tab = tabs.getChildAtIndex(i)
            if tab.getRoleName() != "page tab":
                continue
            sel.selectChild(i)
            time.sleep(0.8)
            name = tab.name or ""
            result["tabs"].append(name)
            found = [(r, n) for r, n in showing(frame, []) if r in CONTROLS]
            result["controls"][name] = found
            result["unnamed"] += [[name, r] for r, n in found if not n.strip()]
    finally:
        app_proc.terminate()
        try:
            app_proc.wait(20)
        except subprocess.TimeoutExpired:
            app_proc.kill()
        bus.terminate()
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
