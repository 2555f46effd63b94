"""Where MNIST is: the panel every tab that loads MNIST shows when it cannot be found, and File → MNIST
data…, which shows the same panel in a dialog.

One widget, so the Train, Evaluate, Data and Studies tabs and the menu set MNIST up the same way: choose
a folder (checked: the four IDX files, raw or .gz) or download the files into the app folder's data/
(with the bytes shown, cancellable); either becomes the Workspace's data folder, which every tab then
loads from and the command line reads too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from mnist_gui.core.workspace import Workspace
from mnist_gui.gui import i18n
from mnist_gui.gui.i18n import Retranslating, Said, SaidLabel
from mnist_gui.gui.jobs import JobRunner, Task, describe_error
from mnist_gui.gui.widgets.progress_bar import ProgressBar


def mnist_missing(ws: Workspace) -> bool:
    """No folder the Workspace would load MNIST from holds the four files (nothing is loaded yet)."""
    from mnist_gui.core.data import find_mnist_folder
    return ws.loaded_mnist is None and find_mnist_folder(ws.data_dir, ws.download_dir) is None


def mnist_unusable(ws: Workspace, error: Exception | None) -> bool:
    """Did the work fail for want of a usable MNIST: its folder's files missing or damaged (any DataError, "wrong
    magic number"), or none found? Then the tab's panel says it, with the way to choose another folder or download
    (a damaged folder's error stood in the status line, with no Browse, and stayed after another was chosen)."""
    from mnist_gui.core.errors import DataError
    return error is not None and (isinstance(error, DataError) or mnist_missing(ws))


@dataclass(frozen=True)
class FolderLacks:
    """A folder chosen for MNIST that lacks some of its files; text() says so in the window's language."""
    folder: str
    missing: tuple[str, ...]

    def text(self) -> str:
        return QCoreApplication.translate(
            "DataFolderPanel", "{0} lacks {1}. Choose the folder that holds the four MNIST IDX files "
            "(raw or .gz).").format(self.folder, i18n.join(self.missing))


def choose_mnist_folder(parent: QWidget, ws: Workspace,
                        folder: str | None = None) -> tuple[str | None, FolderLacks | None]:
    """Ask for (or take) a folder; when it holds MNIST it becomes the data folder. Returns (folder, None)
    when chosen, (None, why) when it lacks files, (None, None) when the dialog was cancelled."""
    if not folder:
        folder = QFileDialog.getExistingDirectory(parent, QCoreApplication.translate(
            "DataFolderPanel", "Folder holding the four MNIST IDX files"),
                                                  ws.data_dir or str(Path.home()))
    if not folder:
        return None, None
    from mnist_gui.core.data import missing_files
    missing = missing_files(Path(folder))
    if missing:
        return None, FolderLacks(folder, tuple(missing))
    ws.set_data_dir(folder)
    return folder, None


class DataFolderPanel(Retranslating, QFrame):
    """A message saying where MNIST was looked for, a button to choose the folder and one to download
    the files (a progress bar and Cancel while it downloads). What the message and the bar say is kept as
    a Said, and said again in the new language when the language is switched."""
    chosen = Signal(str)   # a folder that holds MNIST is now the data folder (chosen or downloaded)

    def __init__(self, ws: Workspace, jobs: JobRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.jobs = ws, jobs
        self._download: Task | None = None
        self._failed: Exception | None = None   # the last download's failure, until MNIST is found or chosen
        self._barSaid: Said | None = None    # what the download bar says
        self.setObjectName("dataPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.message = SaidLabel(wordWrap=True, objectName="dataMessage")
        self.chooseButton = QPushButton(objectName="chooseDataButton")
        self.downloadButton = QPushButton(objectName="downloadDataButton")
        self.downloadBar = ProgressBar(objectName="downloadBar")
        self.cancelButton = QPushButton(objectName="cancelDownloadButton")
        # side by side, or one above the other where they would not fit (their texts were cut to "e for the
        # folder with the MNIST" in a narrow Train tab: a newcomer's tryout at 800×560)
        self.buttons = buttons = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        buttons.addWidget(self.chooseButton)
        buttons.addWidget(self.downloadButton)
        buttons.addStretch(1)
        progress = QHBoxLayout()
        progress.addWidget(self.downloadBar, 1)
        progress.addWidget(self.cancelButton)
        lay = QVBoxLayout(self)
        lay.addWidget(self.message)
        lay.addLayout(buttons)
        lay.addLayout(progress)
        self.chooseButton.clicked.connect(lambda: self.choose())
        self.downloadButton.clicked.connect(lambda: self.download())
        self.cancelButton.clicked.connect(self.cancel_download)
        self.downloadBar.hide()
        self.cancelButton.hide()
        self.hide()
        self.retranslate()

    def retranslate(self) -> None:
        self.chooseButton.setText(self.tr("&Browse for the folder with the MNIST files…"))
        self.downloadButton.setText(self.tr("Do&wnload MNIST (about 11 MB)"))
        self.downloadButton.setToolTip(self.tr("Into {0}").format(self.ws.download_dir))
        self.cancelButton.setText(self.tr("Cancel download"))
        self._fit_buttons()   # the texts' widths change with the language
        if self._barSaid is not None:
            self.downloadBar.setFormat(self._barSaid())

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self._fit_buttons()

    def _narrow(self, hint: QSize, button_width) -> QSize:
        """hint no wider than the buttons one above the other: the panel takes the width its place has and puts
        them side by side only where they fit (the Studies tab's form column widened by 200 px when it showed)."""
        m, lm = self.contentsMargins(), self.layout().contentsMargins()
        narrow = max(button_width(self.chooseButton), button_width(self.downloadButton)) + m.left() + m.right() \
            + lm.left() + lm.right()
        return QSize(min(hint.width(), narrow), hint.height())

    def sizeHint(self) -> QSize:
        return self._narrow(super().sizeHint(), lambda b: b.sizeHint().width())

    def minimumSizeHint(self) -> QSize:
        return self._narrow(super().minimumSizeHint(), lambda b: b.minimumSizeHint().width())

    def _fit_buttons(self) -> None:
        m = self.contentsMargins()
        need = (self.chooseButton.sizeHint().width() + self.downloadButton.sizeHint().width()
                + self.buttons.spacing() + m.left() + m.right() + 2 * self.layout().contentsMargins().left())
        self.buttons.setDirection(QBoxLayout.Direction.LeftToRight if self.width() >= need
                                  else QBoxLayout.Direction.TopToBottom)

    def _say_on_bar(self, said: Said) -> None:
        self._barSaid = said
        self.downloadBar.setFormat(said())

    def show_missing(self, why: Exception | Said) -> None:
        """Show why MNIST is missing: the error that says so (described in the window's language:
        jobs.describe_error) or a Said (FolderLacks.text); said again after a language switch. A plain "not found"
        after a failed download says the download's reason still (pressing Train put it out of sight)."""
        from mnist_gui.core.errors import DownloadError, MnistNotFound
        if isinstance(why, MnistNotFound) and not isinstance(why, DownloadError) and self._failed is not None:
            why = self._failed
        self.message.say((lambda e=why: describe_error(e)) if isinstance(why, Exception) else why)
        self.show()

    def show_status(self) -> None:
        """Say where MNIST is read from, or that it is nowhere (the dialog of File → MNIST data…)."""
        from mnist_gui.core.data import find_mnist_folder, not_found
        folder = find_mnist_folder(self.ws.data_dir, self.ws.download_dir)
        if folder is not None:
            self.message.say(lambda: self.tr("MNIST is read from {0}.").format(folder))
        else:
            self.show_missing(not_found(self.ws.data_dir, user_folder=self.ws.download_dir))
        self.show()

    def choose(self, folder: str | None = None) -> bool:
        chosen, why = choose_mnist_folder(self, self.ws, folder)
        if why is not None:
            self.show_missing(why.text)
        if chosen is None:
            return False
        self._done(chosen)
        return True

    def _done(self, folder: str) -> None:
        self._failed = None
        self.hide()
        self.chosen.emit(folder)

    # -- the download -------------------------------------------------------------------------------
    def downloading(self) -> bool:
        return self._download is not None

    def download(self) -> bool:
        """Download MNIST into the app folder's data/ in the background; False when one is under way."""
        if self._download is not None:
            return False
        from mnist_gui.core.data import download_mnist
        dest = self.ws.download_dir
        self._download = task = Task(lambda report, should_stop: download_mnist(
            dest, should_stop=should_stop, received=report))
        self._set_downloading(True)
        self.downloadBar.setRange(0, 0)
        self._say_on_bar(lambda: self.tr("connecting…"))
        self.jobs.start(task, self, progressed=self._on_received, returned=self._on_downloaded,
                        failedWith=self._on_download_failed, cancelled=self._on_download_cancelled)
        return True

    def cancel_download(self) -> None:
        if self._download is not None:
            self._download.stop()

    def _set_downloading(self, on: bool) -> None:
        self.downloadBar.setVisible(on)
        self.cancelButton.setVisible(on)
        self.downloadButton.setEnabled(not on)
        self.chooseButton.setEnabled(not on)

    def _on_received(self, p) -> None:
        if p.total:
            self.downloadBar.setRange(0, p.total)
            self.downloadBar.setValue(p.done)
        else:
            self.downloadBar.setRange(0, 0)
        self._say_on_bar(lambda: self.tr("{0} ({1} of {2}): {3} of {4} MB").format(
            p.name, p.index, p.count, f"{p.done / 1e6:.1f}", f"{p.total / 1e6:.1f}" if p.total else "?"))

    def _on_downloaded(self, folder) -> None:
        self._download = None
        self._set_downloading(False)
        self.ws.set_data_dir(str(folder))
        self._done(str(folder))

    def _on_download_failed(self, error: Exception) -> None:
        self._download = None
        self._set_downloading(False)
        self.show_missing(error)
        self._failed = error

    def _on_download_cancelled(self) -> None:
        self._download = None
        self._set_downloading(False)
        self.message.say(lambda: self.tr("Download cancelled. The files downloaded whole are kept; Download "
                                  "goes on from there."))


class DataFolderDialog(QDialog):
    """File → MNIST data…: the panel, always shown, saying where MNIST is read from."""

    def __init__(self, ws: Workspace, jobs: JobRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("dataFolderDialog")
        self.setWindowTitle(self.tr("MNIST data"))
        # why MNIST is asked for, when something the user did needs it (set_purpose); hidden otherwise
        self.purposeLabel = SaidLabel(objectName="dataPurpose", wordWrap=True)
        self.purposeLabel.hide()
        self.panel = DataFolderPanel(ws, jobs, self)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.purposeLabel)
        lay.addWidget(self.panel)
        lay.addWidget(close)
        for w in (self.panel.downloadBar, self.panel.cancelButton):   # room for them kept: no jump
            policy = w.sizePolicy()
            policy.setRetainSizeWhenHidden(True)
            w.setSizePolicy(policy)
        self.panel.chosen.connect(lambda _folder: self.show_status())
        self.setMinimumWidth(600)
        self.show_status()

    def set_purpose(self, said: Said | None) -> None:
        """Say first why MNIST is needed now ("Fine-tuning on your digits needs MNIST too…", said again on a
        language switch); None: File → MNIST data…, which needs no reason. (Fine-tune opened this dialog with
        "MNIST was not found", and a newcomer did not see what it had to do with their digits.)"""
        self.purposeLabel.say(said or str)
        self.purposeLabel.setVisible(said is not None)
        self.adjustSize()

    def show_status(self) -> None:
        self.panel.show_status()
        self.adjustSize()   # the message's height changes with its text

    def reject(self) -> None:   # closing the dialog stops its download
        self.panel.cancel_download()
        super().reject()
