"""The one Qt adapter of the core Workspace: its plain callbacks become Qt signals.

Core callbacks run in whichever thread made the change (a training run is recorded in its worker
thread); emitting a signal of this GUI-thread object from there is queued to the GUI thread by Qt, so
every slot connected here runs in the GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from mnist_gui import config
from mnist_gui.core.settings import IniStore, Settings
from mnist_gui.core.workspace import Workspace


def qt_settings(home: Path | None = None) -> Settings:
    """Typed settings in settings.ini (Qt's IniFormat, read with bounds and written by the one writer, never
    through a link: core/settings.py IniStore), in the app folder `home` (default: the app folder, under
    MNIST_GUI_HOME when set)."""
    path = (Path(home) if home else config.app_home()) / "settings.ini"
    return Settings(IniStore(path), name=str(path))


def window_workspace(home: Path | None = None) -> Workspace:
    """The Workspace the window runs on: settings in Qt's ini machinery, in the app folder; MNIST is
    downloaded only when asked for (the MNIST panel's Download, with its progress)."""
    ws = Workspace(home, settings=qt_settings(home))
    ws.download_missing_mnist = False
    return ws


class QtWorkspace(QObject):
    modelChanged = Signal(object)     # the live Checkpoint
    runsChanged = Signal()
    myDigitsChanged = Signal()
    dataLoaded = Signal(object)       # Mnist
    trainingActive = Signal(bool)     # a training run, a fine-tune or a study started / ended (ws.busy)
    settingsChanged = Signal()        # a setting was set (in any thread); written a moment later

    def __init__(self, workspace: Workspace, parent: QObject | None = None):
        super().__init__(parent)
        self.ws = workspace
        workspace.model_changed.connect(self.modelChanged.emit)
        workspace.runs_changed.connect(self.runsChanged.emit)
        workspace.my_digits_changed.connect(self.myDigitsChanged.emit)
        workspace.data_loaded.connect(self.dataLoaded.emit)
        workspace.busy_changed.connect(lambda kind: self.trainingActive.emit(kind is not None))
        # a changed setting is written a moment later (as QSettings did), many changes in one write
        self._syncTimer = QTimer(self, singleShot=True, interval=1000, timeout=workspace.settings.sync)
        self.settingsChanged.connect(self._syncTimer.start)
        workspace.settings.changed = self.settingsChanged.emit

    @property
    def training(self) -> bool:
        """Training, fine-tuning or a study is running (the Workspace's busy state)."""
        return self.ws.busy is not None
