"""QApplication start-up for `mnist-gui`."""

from __future__ import annotations

import sys


def set_app_icon(app) -> None:
    """The window, its dialogs and the taskbar show the icon; Wayland matches the window to its .desktop."""
    from PySide6.QtGui import QIcon

    from mnist_gui import config
    icon = QIcon(str(config.icon_path()))
    for png in config.icon_pngs().values():
        icon.addFile(str(png))
    app.setWindowIcon(icon)
    app.setDesktopFileName(config.APP_ID)


def close_on_signals(app) -> dict:
    """SIGTERM and SIGINT close the window as the user's close does (work stopped and recorded, settings
    written). Python runs a signal handler only between bytecodes, and Qt's event loop may sit in C for
    ever, so the signal also writes to a socket that Qt watches: the loop wakes, the handler runs. The
    handler only asks for the close (the event loop does it, not the middle of whatever code the signal
    interrupted). Before the window exists, and on a second signal (a close that does not end), the process
    ends at once with 128 + the signal. Returns what was received ({"signal": number} once one was); put
    the window in it as "window" once it exists."""
    import os
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier, QTimer
    got: dict = {}
    read_end, write_end = socket.socketpair()
    for end in (read_end, write_end):
        end.setblocking(False)
    signal.set_wakeup_fd(write_end.fileno(), warn_on_full_buffer=False)
    notifier = QSocketNotifier(read_end.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:
        try:
            read_end.recv(512)
        except OSError:
            pass
    notifier.activated.connect(drain)

    def on_signal(sig, _frame) -> None:
        name = signal.Signals(sig).name
        win = got.get("window")
        if "signal" in got or win is None:
            print(f"mnist-gui: {name}: ending now", file=sys.stderr, flush=True)
            os._exit(128 + sig)
        got["signal"] = sig
        print(f"mnist-gui: {name}: closing the window", file=sys.stderr, flush=True)
        QTimer.singleShot(0, win.close)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    got["keep"] = (read_end, write_end, notifier)   # alive as long as the app
    return got


def x_display_reachable(display: str, attempts: int = 3, wait_s: float = 0.5) -> bool:
    """Whether an X server answers at display (":0", "host:1.0"), tried a few times wait_s apart (a server
    still starting). With libX11: XOpenDisplay (the connection Qt makes, authority included); without it, a
    connect to the server's socket."""
    import ctypes
    import ctypes.util
    import socket
    import time
    name = ctypes.util.find_library("X11")
    for attempt in range(attempts):
        if attempt:
            time.sleep(wait_s)
        if name:
            try:
                x11 = ctypes.CDLL(name)
                x11.XOpenDisplay.restype = ctypes.c_void_p
                x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
                x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
                handle = x11.XOpenDisplay(display.encode())
            except (OSError, AttributeError):
                name = None
            else:
                if handle:
                    x11.XCloseDisplay(handle)
                    return True
                continue
        host, _, number = display.rpartition(":")
        number = number.split(".")[0]
        if not number.isdigit():
            return False
        try:
            if host in ("", "unix"):
                with socket.socket(socket.AF_UNIX) as s:
                    s.settimeout(2)
                    s.connect(f"/tmp/.X11-unix/X{number}")
            else:
                socket.create_connection((host, 6000 + int(number)), timeout=2).close()
            return True
        except OSError:
            continue
    return False


def run_app(model_path: str | None = None) -> int:
    import os
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        print("mnist-gui: error: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
              "the subcommands train/evaluate/predict/summary work without one", file=sys.stderr)
        return 2
    if (sys.platform.startswith("linux") and os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
            and os.environ.get("QT_QPA_PLATFORM", "xcb") == "xcb"):
        # Qt's xcb plugin aborts the process (after a misleading hint about libxcb-cursor0) when the display
        # does not answer; say so in one line instead.
        if not x_display_reachable(os.environ["DISPLAY"]):
            print(f"mnist-gui: error: cannot reach the display {os.environ['DISPLAY']} (DISPLAY): is the X server "
                  "running, and may this user open windows on it? The subcommands work without one",
                  file=sys.stderr)
            return 1
        import ctypes.util
        # Qt's xcb plugin aborts the process when one of these is missing; say which, in one line.
        needed = {"xcb-cursor": "libxcb-cursor0", "xcb-icccm": "libxcb-icccm4", "xcb-keysyms": "libxcb-keysyms1",
                  "xkbcommon-x11": "libxkbcommon-x11-0"}
        missing = [pkg for lib, pkg in needed.items() if ctypes.util.find_library(lib) is None]
        if missing:
            print(f"mnist-gui: error: Qt needs system libraries to open a window on X11; install them "
                  f"(Debian/Ubuntu: sudo apt install {' '.join(missing)})", file=sys.stderr)
            return 2
    from PySide6.QtWidgets import QApplication

    from mnist_gui.gui.main_window import MainWindow
    from mnist_gui.gui.qt_workspace import window_workspace
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("mnist-gui")
    app.setOrganizationName("mnist-gui")
    set_app_icon(app)
    signals = close_on_signals(app)
    win = MainWindow(window_workspace(), model_path=model_path)   # shows at once; the model loads in the background
    signals["window"] = win
    win.show()
    code = app.exec()
    if "signal" in signals:
        code = 128 + signals["signal"]   # as a shell reports a process ended by that signal
    # Everything the app keeps is on disk by now (settings synced on close, runs and models written
    # atomically), and the window's jobs were stopped (a read stuck on a slow disk may still be running).
    # End the process here: the interpreter's own teardown of torch and Qt objects takes seconds on a busy
    # machine and, with a thread still alive, Qt would abort ("QThread: Destroyed while thread is still
    # running") instead of exiting with the code the user expects.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
