"""The one Qt adapter of the core Workspace: its plain callbacks become Qt signals.

Core callbacks run in whichever thread made the change (a training run is recorded in its worker
thread); emitting a signal of this GUI-thread object from there is queued to the GUI thread by Qt, so
every slot connected here runs in the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QSettings, Signal

from mnist_gui import config
from mnist_gui.core.settings import Settings
from mnist_gui.core.workspace import Workspace


def qt_settings() -> Settings:
    """Typed settings over Qt's own ini machinery, in the app folder (under MNIST_GUI_HOME when set)."""
    path = config.app_home() / "settings.ini"
    return Settings(QSettings(str(path), QSettings.Format.IniFormat), name=str(path))


class QtWorkspace(QObject):
    modelChanged = Signal(object)     # the live Checkpoint
    runsChanged = Signal()
    myDigitsChanged = Signal()
    dataLoaded = Signal(object)       # Mnist
    trainingActive = Signal(bool)     # a training or fine-tuning run started / ended

    def __init__(self, workspace: Workspace, parent: QObject | None = None):
        super().__init__(parent)
        self.ws = workspace
        self.training = False
        workspace.model_changed.connect(self.modelChanged.emit)
        workspace.runs_changed.connect(self.runsChanged.emit)
        workspace.my_digits_changed.connect(self.myDigitsChanged.emit)
        workspace.data_loaded.connect(self.dataLoaded.emit)

    def set_training(self, active: bool) -> None:
        self.training = active
        self.trainingActive.emit(active)
