"""QApplication start-up for `mnist-gui`."""

from __future__ import annotations

import sys


def run_app(model_path: str | None = None) -> int:
    import os
    if (sys.platform.startswith("linux") and not os.environ.get("QT_QPA_PLATFORM")
            and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")):
        print("mnist-gui: error: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
              "the subcommands train/evaluate/predict/summary work without one", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from mnist_gui.gui.main_window import MainWindow
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("mnist-gui")
    app.setOrganizationName("mnist-gui")
    win = MainWindow(model_path=model_path)
    win.show()
    return app.exec()
