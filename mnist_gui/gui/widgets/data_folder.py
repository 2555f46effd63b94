"""Where MNIST is: the panel every tab that loads MNIST shows when it cannot be found.

One widget, so the Train, Evaluate, Data and Studies tabs (and File → MNIST folder…) choose the folder
the same way: the choice is checked (the four IDX files, raw or .gz) and becomes the Workspace's data
folder, which every tab then loads from.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QFileDialog, QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from mnist_gui.core.workspace import Workspace
from mnist_gui.gui.i18n import Retranslating


def mnist_missing(ws: Workspace) -> bool:
    """No folder the Workspace would load MNIST from holds the four files (nothing is loaded yet)."""
    from mnist_gui.core.data import find_mnist_folder
    return ws.loaded_mnist is None and find_mnist_folder(ws.data_dir, ws.download_dir) is None


def choose_mnist_folder(parent: QWidget, ws: Workspace, folder: str | None = None) -> tuple[str | None, str]:
    """Ask for (or take) a folder; when it holds MNIST it becomes the data folder. Returns (folder, "")
    when chosen, (None, why) when it lacks files, (None, "") when the dialog was cancelled."""
    if not folder:
        folder = QFileDialog.getExistingDirectory(parent, QCoreApplication.translate(
            "DataFolderPanel", "Folder holding the four MNIST IDX files"),
                                                  ws.data_dir or str(Path.home()))
    if not folder:
        return None, ""
    from mnist_gui.core.data import missing_files
    missing = missing_files(Path(folder))
    if missing:
        return None, QCoreApplication.translate(
            "DataFolderPanel", "{0} lacks {1}. Choose the folder that holds the four MNIST IDX files "
            "(raw or .gz).").format(folder, ", ".join(missing))
    ws.set_data_dir(folder)
    return folder, ""


class DataFolderPanel(Retranslating, QFrame):
    """A message saying where MNIST was looked for, and a button to choose the folder."""
    chosen = Signal(str)   # a folder that holds MNIST is now the data folder

    def __init__(self, ws: Workspace, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.setObjectName("dataPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.message = QLabel(wordWrap=True, objectName="dataMessage")
        self.chooseButton = QPushButton(objectName="chooseDataButton")
        lay = QVBoxLayout(self)
        lay.addWidget(self.message)
        lay.addWidget(self.chooseButton)
        self.chooseButton.clicked.connect(lambda: self.choose())
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.chooseButton.setText(self.tr("&Choose the folder with the MNIST files…"))

    def show_missing(self, message: str) -> None:
        self.message.setText(message)
        self.show()

    def choose(self, folder: str | None = None) -> bool:
        chosen, why = choose_mnist_folder(self, self.ws, folder)
        if why:
            self.show_missing(why)
        if chosen is None:
            return False
        self.hide()
        self.chosen.emit(chosen)
        return True
