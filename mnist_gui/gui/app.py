"""QApplication start-up for `mnist-gui`."""

from __future__ import annotations

import sys


def run_app(model_path: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from mnist_gui.gui.main_window import MainWindow
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("mnist-gui")
    app.setOrganizationName("mnist-gui")
    win = MainWindow(model_path=model_path)
    win.show()
    return app.exec()
