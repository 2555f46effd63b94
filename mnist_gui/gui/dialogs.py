"""Help → Keyboard shortcuts (a table) and Help → About (versions, the network, the models' accuracy); the question
asked before anything is deleted for good."""

from __future__ import annotations

import functools
import html
import platform
import sys
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, Qt, qVersion
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

import mnist_gui
from mnist_gui import config

TUTORIAL_URL = "https://www.tensorflow.org/tutorials/layers"
TUTORIAL_ARCHIVE_URL = ("https://web.archive.org/web/2018/https://www.tensorflow.org/tutorials/layers")


def ask_before_deleting(parent, text: str, delete: Callable[[], None]) -> QMessageBox:
    """Delete or Cancel (the default) before something is deleted for good (a run and its model, taught digits: a
    newcomer's click removed them at once): a window-modal question that does not block; delete() runs on Delete.
    Returns the box (objectName "deleteBox")."""
    box = QMessageBox(QMessageBox.Icon.Question, QCoreApplication.translate("Dialogs", "Delete?"), text,
                      QMessageBox.StandardButton.Cancel, parent, objectName="deleteBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)   # none is left behind, hidden, per question
    box.setInformativeText(QCoreApplication.translate("Dialogs", "This cannot be undone."))
    yes = box.addButton(QCoreApplication.translate("Dialogs", "&Delete"), QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.finished.connect(lambda _code: box.clickedButton() is yes and delete())
    box.open()
    return box


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[tuple[str, str]], parent=None):
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.table = QTableWidget(len(rows), 2, objectName="shortcutsTable")
        self.table.setHorizontalHeaderLabels([self.tr("Keys"), self.tr("Does")])
        self.table.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        for r, (keys, what) in enumerate(rows):
            self.table.setItem(r, 0, QTableWidgetItem(keys))
            self.table.setItem(r, 1, QTableWidgetItem(what))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(520, 420)


@functools.cache
def shipped_accuracy() -> float | None:
    """The shipped model's test accuracy, from its checkpoint's metrics (read once; without torch from its
    .onnx)."""
    from mnist_gui.core.checkpoint import CheckpointError, load_checkpoint, open_live
    try:
        return (open_live(config.SHIPPED_MODEL) or load_checkpoint(config.SHIPPED_MODEL)).test_accuracy
    except (CheckpointError, OSError):
        return None


def library_versions() -> dict[str, str]:
    """Qt, PySide6, PyTorch, ONNX Runtime, Python (the installed versions: nothing is imported for this)."""
    from importlib.metadata import PackageNotFoundError, version

    import PySide6

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"
    torch = sys.modules.get("torch")   # loaded: its own version string (with its build, e.g. +cpu)
    return {"Qt": qVersion(), "PySide6": PySide6.__version__,
            "PyTorch": torch.__version__ if torch is not None else installed("torch"),
            "ONNX Runtime": installed("onnxruntime"), "Python": platform.python_version()}


class AboutDialog(QDialog):
    def __init__(self, live=None, parent=None):
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle(self.tr("About mnist-gui"))
        pct = (lambda a: f"{a:.2%}" if a is not None else self.tr("not evaluated"))
        shipped = shipped_accuracy()
        if live is None:
            live_text = self.tr("still loading")
        else:
            live_text = self.tr("{0} ({1}), test accuracy {2}").format(html.escape(live.name),
                                                                        live.model_config.preset,
                                                                        pct(live.test_accuracy))
        self.versions = library_versions()
        versions = ", ".join(f"{k} {v}" for k, v in self.versions.items())
        text = (f"<h2>mnist-gui {mnist_gui.__version__}</h2>"
                + "<p>" + self.tr("Draw a digit and watch a convolutional network read it live; retrain it, "
                                  "look inside it, teach it your handwriting.") + "</p>"
                + "<p>" + self.tr("The network is the one of TensorFlow's tutorial <a href=\"{0}\">A Guide to TF "
                                  "Layers: Building a Convolutional Neural Network</a>: convolution 5×5/32, max "
                                  "pooling 2×2, convolution 5×5/64, max pooling 2×2, dense 1024, dropout 0.4, "
                                  "dense 10.").format(TUTORIAL_URL)
                + " " + self.tr("<a href=\"{0}\">Archived copy</a>.").format(TUTORIAL_ARCHIVE_URL) + "</p>"
                + "<p>" + self.tr("Shipped model: test accuracy {0} on the 10,000 MNIST test images.").format(
                    pct(shipped))
                + "<br>" + self.tr("Live model: {0}").format(live_text) + "</p>"
                + "<p>" + self.tr("Versions: {0}").format(versions) + "</p>")
        self.label = QLabel(text, objectName="aboutText", wordWrap=True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setOpenExternalLinks(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.label.setAccessibleName(self.tr("About mnist-gui"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.label)
        lay.addWidget(buttons)
        self.setMinimumWidth(520)
