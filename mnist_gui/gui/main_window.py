"""MainWindow: builds the window — tabs, menus, status bar — and wires the tabs to the application.

What the app knows lives in the core Workspace (mnist_gui/core/workspace.py); the tabs talk to it
through the QtWorkspace adapter and never reach into each other. Background work runs in the window's
JobRunner, which closing the window stops.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QStandardPaths, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QWidget,
)

from mnist_gui import config
from mnist_gui.core.states import BusyKind
from mnist_gui.core.storage import folder_problem
from mnist_gui.core.workspace import Workspace
from mnist_gui.gui import i18n, start_folders, theme
from mnist_gui.gui.core_strings import core_text
from mnist_gui.gui.jobs import JobRunner, Task
from mnist_gui.gui.qt_workspace import QtWorkspace
from mnist_gui.gui.tabs.data_tab import DataTab
from mnist_gui.gui.tabs.draw_tab import DrawTab
from mnist_gui.gui.tabs.evaluate_tab import EvaluateTab
from mnist_gui.gui.tabs.model_tab import ModelTab
from mnist_gui.gui.tabs.mydigits_tab import MyDigitsTab
from mnist_gui.gui.tabs.study_tab import StudyTab
from mnist_gui.gui.tabs.training_tab import TrainingTab
from mnist_gui.gui.widgets.data_folder import DataFolderDialog, choose_mnist_folder, mnist_missing
from mnist_gui.gui.widgets.images import rgba_to_qimage

# the tabs after Draw, in order: (attribute, how it is made), made after the first paint (MainWindow._build_step)
_LATER_TABS: tuple[tuple[str, Callable[[MainWindow], QWidget]], ...] = (
    ("_trainTab", lambda w: TrainingTab(w.qtws, w.jobs)), ("_modelTab", lambda w: ModelTab(w.qtws, w.jobs)),
    ("_evaluateTab", lambda w: EvaluateTab(w.qtws, w.jobs)), ("_dataTab", lambda w: DataTab(w.qtws, w.jobs)),
    ("_myDigitsTab", lambda w: MyDigitsTab(w.qtws)), ("_studyTab", lambda w: StudyTab(w.qtws, w.jobs)))
TAB_COUNT = 1 + len(_LATER_TABS)   # Draw, Train, Model, Evaluate, Data, My digits, Studies
BACKGROUND_DECODE_MP = 4   # images above this many megapixels are decoded in a worker (benchmarks/startup.py's large-image line)
CLOSE_WAIT_MS = 1200   # closing waits this long in all for background work to stop (then the app ends)


class MainWindow(QMainWindow):
    modelSaved = Signal(str)     # the path a model was saved to
    saveFailed = Signal(str)     # why saving failed
    imageOpened = Signal(bool)   # an image asked for is in the canvas (True) or could not be (False)

    def __init__(self, workspace: Workspace, model_path: str | None = None, parent=None):
        """The window over this Workspace (gui.qt_workspace.window_workspace() makes the app's own)."""
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.ws = workspace
        self.qtws = QtWorkspace(self.ws, self)
        self.modelChanged = self.qtws.modelChanged
        self.qtws.busyChanged.connect(self._on_work_changed)
        self.jobs = JobRunner(self)
        self.lastMessage: QMessageBox | None = None
        self.lastMessageText = ""
        self.aboutDialog = None
        self.quitBox: QMessageBox | None = None   # "quit while work runs?", while it is open
        self.quitButton: QPushButton | None = None   # its Quit
        self._quitAsked = False
        self.shortcutsDialog = None
        self.dataDialog: DataFolderDialog | None = None
        self._finetuneWaits = False   # a fine-tune asked for without MNIST goes on once the MNIST dialog sets a folder
        # the language and the appearance come first, so every widget is made in them
        i18n.set_language(self.ws.settings.get("view/language"))
        theme.manager().set_appearance(self.ws.settings.get("view/appearance"))

        # The Draw tab is made now, the others once the window has painted (_build_tabs): a person sees the
        # window and can draw sooner (how much sooner: benchmarks/startup.py).
        self.tabs = QTabWidget(objectName="tabs")
        self.drawTab = DrawTab(self.qtws)
        self.tabs.addTab(self.drawTab, "")
        self.tabsBuilt = False
        self._buildStarted = False
        self._tabsMade = 0   # of _LATER_TABS
        # a tab clicked while the others are still being made: all of them now, wired (its signals went nowhere)
        self.tabs.currentChanged.connect(lambda i: i > 0 and self._build_tabs())
        # away from the canvas the pen has rested: runs train on all their threads again, and the workers loading
        # PyTorch for the Train tab go on at once (Workspace.share_cores; core/give_way.py)
        self.tabs.currentChanged.connect(lambda i: i > 0 and self.ws.share_cores(0))
        self._load_ended = False
        self.setCentralWidget(self.tabs)
        # Ctrl+1 … Ctrl+7 show the tabs, as in browsers and editors, beside each title's Alt letter; the tabs
        # after Draw are built first if need be
        self.tabShortcuts = [QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, objectName=f"tabShortcut{i + 1}",
                                       activated=lambda i=i: self.show_tab(i)) for i in range(TAB_COUNT)]
        self.modelLabel = QLabel(objectName="modelLabel")
        self.statusBar().addPermanentWidget(self.modelLabel)
        self._build_menus()
        # Undo stroke (Ctrl+Z) and Clear canvas (Delete, Esc) act on the canvas only while it is on screen: from My
        # digits, Delete wiped a drawing the user could not see (and never reached the list)
        self.tabs.currentChanged.connect(lambda i: [a.setEnabled(i == 0) for a in (self.undoAction, self.clearAction)])
        self.retranslate()

        self.drawTab.canvas.imageDropped.connect(self.open_image)
        # what the canvas shows now: an image still decoding is dropped once anything else is shown or drawn
        self._canvas_generation = 0
        self.drawTab.canvas.changed.connect(self._canvas_moved_on)
        self.drawTab.taught.connect(lambda s: self.statusBar().showMessage(
            self.tr("Stored a {0} in My digits ({1} in all)").format(s.label, len(self.ws.my_digits)), 5000))
        self.drawTab.teachFailed.connect(lambda msg: self.show_message(
            self.tr("Could not store the digit"), msg + "\n\n" + self.tr("The drawing stays on the canvas."),
            QMessageBox.Icon.Warning))
        self.qtws.modelChanged.connect(self._on_model_changed)

        # The window never grows by itself: Qt's default makes a top-level window at least as large as its
        # contents' smallest size, which changes with the tab shown, the language and the desktop's font (the
        # window grew opening the Data tab). The user's size (or 1000×680) stays; below
        # this floor the window cannot be made.
        self.layout().setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setMinimumSize(640, 480)
        if not self.restoreGeometry(self.ws.settings.get("window/geometry")):
            self.resize(1000, 680)
        # the model loads in a worker once the window is up (the event loop's first turn): on ONNX Runtime,
        # no torch; a stroke drawn before is read as soon as it is live (starting it here, before the window
        # is made, was slower: the worker's imports compete with the window's)
        QTimer.singleShot(0, lambda: self._load_model(model_path))
        problems = self.ws.settings.check_all()
        home_problem = folder_problem(self.ws.home)
        if home_problem:   # one message: what cannot be read in it follows from this
            self.show_message(self.tr("The app folder cannot be used"), home_problem + "\n\n" + self.tr(
                "The app runs on its defaults; settings, runs, models and taught digits are not saved."),
                QMessageBox.Icon.Warning)
        elif problems:
            copy = self.ws.settings.keep_copy()
            self.show_message(self.tr("Some settings were ignored"), "\n".join(problems) + (
                "\n\n" + self.tr("The file as it was is kept as {0}.").format(copy) if copy else ""),
                QMessageBox.Icon.Warning)

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.Paint and not getattr(self, "_painted", False):
            self._painted = True
            QTimer.singleShot(0, self, self._open_reading_models)   # once this first paint is done
            self._build_tabs_soon()
        return super().event(e)

    def _open_reading_models(self) -> None:
        """The networks that read beside the model open in a worker while the model loads, so that the first
        drawing read does not wait for them on the GUI thread (started after the first paint: its work would
        compete with the paint's); not for a window closed meanwhile (its jobs were stopped)."""
        if self.isVisible():
            self.jobs.start(Task(lambda _report, stop: self.ws.reading_models.open_all(stop)), self)

    def _build_tabs_soon(self) -> None:
        """Once the window has painted and the model is live (or could not load), make the other tabs, one a
        turn of the event loop (_build_step): what a person sees first (the window, then a drawing read) does
        not wait for them, nor does a stroke drawn meanwhile."""
        if (getattr(self, "_painted", False) and (self.ws.checkpoint is not None or self._load_ended)
                and not self._buildStarted):
            self._buildStarted = True
            QTimer.singleShot(0, self, self._build_step)

    def _build_step(self) -> None:
        """The next tab, then the event loop's turn: the bars of a reading and the events of a stroke get in
        between (all of them at once took 200-300 ms on 2 cores, which held back the first digit's bars). Not
        while the pen is down: a stroke drawn meanwhile is never held up."""
        if self.tabsBuilt or not self.isVisible():   # (closed meanwhile: nothing more is made)
            return
        if self.drawTab.canvas.is_drawing():
            QTimer.singleShot(50, self, self._build_step)
            return
        self._build_next_tab()
        QTimer.singleShot(0, self, self._build_step)

    # The tabs after Draw, each made on first use: after the first paint, or when asked for before it (tests,
    # scripts, a quick click) through these accessors.
    @property
    def trainTab(self) -> TrainingTab:
        self._build_tabs()
        return self._trainTab

    @property
    def modelTab(self) -> ModelTab:
        self._build_tabs()
        return self._modelTab

    @property
    def evaluateTab(self) -> EvaluateTab:
        self._build_tabs()
        return self._evaluateTab

    @property
    def dataTab(self) -> DataTab:
        self._build_tabs()
        return self._dataTab

    @property
    def myDigitsTab(self) -> MyDigitsTab:
        self._build_tabs()
        return self._myDigitsTab

    @property
    def studyTab(self) -> StudyTab:
        self._build_tabs()
        return self._studyTab

    def show_tab(self, index: int) -> None:
        if index:
            self._build_tabs()
        self.tabs.setCurrentIndex(index)

    def _build_tabs(self) -> None:
        """The tabs after Draw not made yet, made now, and wired once (after the first paint, or when first
        asked for)."""
        while not self.tabsBuilt:
            self._build_next_tab()

    def _build_next_tab(self) -> None:
        """Make the next tab after Draw, with its title; after the last, wire them together."""
        attr, make = _LATER_TABS[self._tabsMade]
        tab = make(self)
        setattr(self, attr, tab)
        self._tabsMade += 1
        self.tabs.addTab(tab, self._tab_titles()[self._tabsMade])
        if self._tabsMade == len(_LATER_TABS):
            self.tabsBuilt = True
            self._wire_tabs()

    def _wire_tabs(self) -> None:
        self.drawTab.predicted.connect(self._on_reading)
        self.drawTab.finetuneRequested.connect(self.trainTab.start_finetune)
        self.trainTab.finetunePreparing.connect(self.drawTab.set_finetune_preparing)
        self.trainTab.finetunePreparing.connect(self._on_work_changed)
        self.trainTab.questions.unsavedChanged.connect(self._on_work_changed)
        self.trainTab.mnistNeeded.connect(self._mnist_for_finetune)   # the MNIST set-up of File → MNIST data…
        self.trainTab.runFinished.connect(self._on_run_finished)
        self.evaluateTab.openInCanvas.connect(self._open_test_image)
        self.trainTab.message.connect(self._on_tab_message)
        self.modelTab.trainRequested.connect(self._train_network)
        self.trainTab.modelNetwork = self.modelTab.network   # Architecture "custom" trains the Model tab's network
        self.trainTab.runsPanel.makeLiveRequested.connect(lambda run: self.open_model(str(run.model_path)))
        self._on_reading(self.drawTab.reading)
        self.retranslate()

    def _on_run_finished(self, done) -> None:
        """A fine-tune ended: the Draw tab, where it was asked for, says whether its model went live."""
        if done.kind != "finetune":
            return
        ck = done.checkpoint
        live = ck is not None and self.ws.checkpoint is ck
        self.drawTab.finetune_ended(live, ck.test_accuracy if live else None)

    def _on_reading(self, reading) -> None:
        """The Draw tab's reading (a core Reading, or None): the Model tab's feature maps follow its input."""
        self.modelTab.set_input(None if reading is None else reading.image28)

    # -- the live model ---------------------------------------------------------------------
    @property
    def checkpoint(self):
        return self.ws.checkpoint

    def _load_model(self, model_path: str | None) -> None:
        """The first model loads in the background (on ONNX Runtime: no torch); the canvas takes strokes
        meanwhile."""
        self.jobs.start(Task(lambda _report, _stop: self.ws.initial_checkpoint(model_path)), self,
                        returned=self._on_initial_model, failed=self._on_initial_model_failed)

    def _on_initial_model_failed(self, msg: str) -> None:
        self._load_ended = True
        self._build_tabs_soon()
        self.show_message(self.tr("Could not load a model"), msg, QMessageBox.Icon.Critical)

    def _on_initial_model(self, out) -> None:
        ck, problems = out
        self._load_ended = True
        self.ws.make_live(ck, remember=False)
        self._build_tabs_soon()
        if problems:
            self.show_message(self.tr("Could not open the last model"), core_text(problems),
                              QMessageBox.Icon.Warning)

    def _on_model_changed(self, ck) -> None:
        if ck is None:
            self.modelLabel.setText(self.tr("Loading the model…"))
            self.setWindowTitle("mnist-gui")
            return
        acc = ck.test_accuracy
        acc_text = (self.tr("test accuracy {0}").format(f"{acc:.2%}") if acc is not None
                    else self.tr("not evaluated"))
        self.modelLabel.setText(self.tr("Model: {0} ({1}), {2}").format(ck.name, ck.model_config.preset, acc_text))
        self.setWindowTitle(f"mnist-gui — {ck.name} ({acc_text})")

    def _models_folder(self) -> Path:
        """Where the model dialogs start: the app's models folder, made if missing (a dialog given a folder
        that does not exist starts in the working folder), else the home folder."""
        try:
            self.ws.models_dir.mkdir(parents=True, exist_ok=True)
            return self.ws.models_dir
        except OSError:
            return Path.home()

    def open_model_folder(self) -> Path:
        """Where File → Open model… starts: where the user's models are. The live model's folder when it is a
        file of the user's (not the shipped model), else the runs folder when there is one (every trained
        model is there), else the models folder."""
        ck = self.ws.checkpoint
        path = Path(ck.path) if ck is not None and ck.path else None
        if path is not None and path.is_file() and path.resolve().parent != config.SHIPPED_MODEL.resolve().parent:
            return path.parent
        if self.ws.runs_dir.is_dir():
            return self.ws.runs_dir
        return self._models_folder()

    def export_folder(self) -> Path:
        """Where File → Export model as ONNX… starts: the folder the last export (this or the study's CSV) went
        to, else the user's documents folder (an exported network is for use outside the app)."""
        return start_folders.export_folder(self.ws)

    def image_folder(self) -> Path:
        """Where File → Open image… starts: the folder the last image came from, else the user's pictures."""
        return start_folders.start_folder(self.ws, "open/imageFolder",
                                          QStandardPaths.StandardLocation.PicturesLocation)

    def open_model(self, path: str | None = None) -> bool:
        from mnist_gui.core.checkpoint import CheckpointError
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, self.tr("Open model"), str(self.open_model_folder()),
                                                  self.tr("mnist-gui models (*.pt);;All files (*)"))
        if not path:
            return False
        try:
            ck = self.ws.open_model(path)
        except CheckpointError as e:
            self.show_message(self.tr("Could not open model"),
                              f"{e}\n\n" + self.tr("The current model stays loaded."), QMessageBox.Icon.Warning)
            return False
        self.ws.make_live(ck)
        self.statusBar().showMessage(self.tr("Opened {0}").format(path), 5000)
        return True

    def save_model_as(self, path: str | None = None) -> bool:
        """Save the live model in the background (the .pt and its .onnx, with fsync): modelSaved or saveFailed follows.
        False when there is nothing to save or the dialog was cancelled."""
        ck = self.ws.checkpoint
        if ck is None:
            return False
        if not path:
            default = str(self._models_folder() / f"{ck.name}.pt")
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Save model as"), default,
                                                  self.tr("mnist-gui models (*.pt);;All files (*)"))
        if not path:
            return False
        task = Task(lambda _report, _stop: self.ws.save_model(ck, path))
        self.statusBar().showMessage(self.tr("Saving {0}…").format(path))
        self.jobs.start(task, self, returned=lambda p: self._on_saved(ck, Path(p)), failed=self._on_save_failed)
        return True

    def _on_saved(self, ck, path: Path) -> None:
        self.ws.saved(ck, path)
        from mnist_gui.core.live import onnx_path_for
        onnx = onnx_path_for(path)   # written beside the .pt when the network could be exported
        self.statusBar().showMessage(
            self.tr("Saved model to {0} and its ONNX network beside it ({1})").format(path, onnx.name)
            if onnx.is_file() else self.tr("Saved model to {0}").format(path), 10000)
        self.modelSaved.emit(str(path))

    def _on_save_failed(self, msg: str) -> None:
        self.show_message(self.tr("Could not save model"), msg, QMessageBox.Icon.Warning)
        self.saveFailed.emit(msg)

    def export_onnx(self, path: str | None = None) -> bool:
        """File → Export model as ONNX…: the live network as a standalone .onnx (onnxruntime, a web page, a
        phone), in the background; modelSaved or saveFailed follows."""
        ck = self.ws.checkpoint
        if ck is None:
            return False
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, self.tr("Export model as ONNX"),
                                                  str(self.export_folder() / f"{ck.name}.onnx"),
                                                  self.tr("ONNX models (*.onnx);;All files (*)"))
            if path:
                start_folders.remember_export_folder(self.ws, path)
        if not path:
            return False
        from mnist_gui.core.checkpoint import export_onnx_file
        self.jobs.start(Task(lambda _report, _stop: export_onnx_file(ck, path)), self,
                        returned=self._on_exported, failed=self._on_save_failed)
        return True

    def _on_exported(self, path) -> None:
        self.statusBar().showMessage(self.tr("Exported the model to {0}").format(path), 5000)
        self.modelSaved.emit(str(path))

    def reset_to_shipped(self) -> None:
        self.open_model(str(config.SHIPPED_MODEL))

    def show_data_setup(self) -> DataFolderDialog:
        """File → MNIST data…: where MNIST is read from; choose the folder or download the files. A folder
        set here serves the tabs waiting for MNIST at once (their panels close and they go on)."""
        if self.dataDialog is None:
            self.dataDialog = DataFolderDialog(self.ws, self.jobs, self)
            self.dataDialog.panel.chosen.connect(self._on_data_folder_set)
        self.dataDialog.set_purpose(None)
        self.dataDialog.show_status()
        self.dataDialog.open()
        return self.dataDialog

    def _mnist_for_finetune(self) -> None:
        """A fine-tune asked for without MNIST: the MNIST dialog, and the fine-tune goes on once a folder is
        set there (chosen or downloaded); closing the dialog without one drops it."""
        dialog = self.show_data_setup()
        dialog.set_purpose(lambda: self.tr("Fine-tuning on your digits needs MNIST too: the model learns your "
                                           "digits mixed with MNIST's, so that it keeps reading everyone else's. "
                                           "Once MNIST is here, the fine-tune starts."))
        self._finetuneWaits = True
        dialog.finished.connect(self._drop_waiting_finetune, Qt.ConnectionType.SingleShotConnection)

    def _drop_waiting_finetune(self, _result: int = 0) -> None:
        self._finetuneWaits = False   # closing the dialog also cancels its download

    def _on_data_folder_set(self, folder: str) -> None:
        self.statusBar().showMessage(self.tr("MNIST folder: {0}").format(folder), 5000)
        if not self.tabsBuilt:
            return
        if self._finetuneWaits:
            self._finetuneWaits = False
            if self.dataDialog is not None and self.dataDialog.isVisible():
                self.dataDialog.accept()
            self.trainTab.start_finetune()
        for tab in (self.trainTab, self.evaluateTab, self.dataTab, self.studyTab):
            if tab.dataPanel.isVisibleTo(tab) and not tab.dataPanel.downloading():
                tab.dataPanel.choose(folder)   # checked again, closes, and the tab goes on

    def choose_data_folder(self, folder: str | None = None) -> bool:
        """File → MNIST folder…: the folder every tab loads MNIST from (the same panel's check)."""
        chosen, why = choose_mnist_folder(self, self.ws, folder)
        if why is not None:
            self.show_message(self.tr("Not an MNIST folder"), why.text(), QMessageBox.Icon.Warning)
        elif chosen:
            self._on_data_folder_set(chosen)   # as the dialog's choice: the tabs waiting for MNIST go on
        return chosen is not None

    def open_image(self, path: str | None = None) -> bool:
        if not path:
            path, _ = QFileDialog.getOpenFileName(
                self, self.tr("Open image"), str(self.image_folder()),
                self.tr("Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff)"))
            if path:
                self.ws.settings.set("open/imageFolder", str(Path(path).parent))
        if not path:
            return False
        from mnist_gui.core.preprocess import PreprocessError, open_image, pixel_count

        def decode(_report=None, _stop=None):
            """Decoded once, by the same bounded reader as the command line (size limit, one-line
            errors): the image, or why not."""
            try:
                return open_image(path)
            except PreprocessError as e:
                return str(e)
        self._canvas_moved_on()
        if pixel_count(path) > BACKGROUND_DECODE_MP * 1_000_000:   # a large photo: the window stays live
            self.statusBar().showMessage(self.tr("Opening {0}…").format(path))
            token = self._canvas_generation
            self.jobs.start(Task(decode), self, returned=lambda got: self._show_opened(path, got, token),
                            failed=lambda why: self._show_opened(path, why, token))
            return True
        return self._show_opened(path, decode())

    def _canvas_moved_on(self) -> None:
        self._canvas_generation += 1

    def _show_opened(self, path: str, image, token: int | None = None) -> bool:
        """An opened image in the canvas (or why it could not be opened); imageOpened says which. A
        background decode (token) whose canvas has moved on since (another image, a stroke, a clear,
        the window closing) is dropped: what the user did later wins."""
        if token is not None and token != self._canvas_generation:
            if self.statusBar().currentMessage() == self.tr("Opening {0}…").format(path):
                self.statusBar().clearMessage()
            self.imageOpened.emit(False)
            return False
        if isinstance(image, str):
            self.statusBar().clearMessage()
            self.show_message(self.tr("Could not open image"), image, QMessageBox.Icon.Warning)
            self.imageOpened.emit(False)
            return False
        self._open_in_canvas(rgba_to_qimage(np.asarray(image.convert("RGBA"))))
        if self.drawTab.reading is None:
            self.statusBar().showMessage(self.tr("{0}: no ink found").format(path), 5000)
        else:
            self.statusBar().clearMessage()
        self.imageOpened.emit(True)
        return True

    def _train_network(self, arch: dict) -> None:
        self.trainTab.use_network(arch)
        self.tabs.setCurrentWidget(self.trainTab)

    def _open_in_canvas(self, image: QImage, label: int | None = None) -> None:
        self.tabs.setCurrentWidget(self.drawTab)
        self.drawTab.show_image(image, label)

    def _open_test_image(self, image: QImage, label: int) -> None:
        """A test image from the Evaluate tab: read as the evaluation read it (the 28×28 input as it is)."""
        self.tabs.setCurrentWidget(self.drawTab)
        self.drawTab.show_image(image, label, as_input=True)

    # -- chrome -----------------------------------------------------------------------------
    def _on_tab_message(self, title: str, text: str, warning: bool) -> None:
        if title:
            box = self.show_message(title, text, QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information)
            if warning and mnist_missing(self.ws):   # a failure for want of MNIST leads to where it is set up
                button = box.addButton(self.tr("MNIST &data…"), QMessageBox.ButtonRole.ActionRole)
                button.setObjectName("mnistDataButton")
                button.clicked.connect(self.show_data_setup)
        else:
            self.statusBar().showMessage(text, 10000)

    def show_message(self, title: str, text: str, icon=QMessageBox.Icon.Information) -> QMessageBox:
        """A non-blocking message box (kept in self.lastMessage) and a status-bar line."""
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("messageBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.lastMessage = box
        self.lastMessageText = f"{title}: {text}"
        self.statusBar().showMessage(text.splitlines()[0] if text else title, 10000)
        box.open()
        return box

    def _action(self, menu, slot, shortcut=None, name=None) -> QAction:
        a = QAction(self)
        if shortcut is not None:
            a.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
        a.triggered.connect(lambda checked=False: slot())
        if name:
            a.setObjectName(name)
        menu.addAction(a)
        return a

    def _build_menus(self) -> None:
        """Menus and actions; their texts are set in retranslate()."""
        bar = self.menuBar()
        self.fileMenu = bar.addMenu("")
        m = self.fileMenu
        self.openModelAction = self._action(m, self.open_model, QKeySequence("Ctrl+O"), "openModelAction")
        self.saveModelAction = self._action(m, self.save_model_as, QKeySequence("Ctrl+S"), "saveModelAction")
        self.exportOnnxAction = self._action(m, lambda: self.export_onnx(), name="exportOnnxAction")
        self.resetModelAction = self._action(m, self.reset_to_shipped, name="resetModelAction")
        m.addSeparator()
        self.openImageAction = self._action(m, self.open_image, QKeySequence("Ctrl+I"), "openImageAction")
        self.dataFolderAction = self._action(m, self.show_data_setup, name="dataFolderAction")
        m.addSeparator()
        self.quitAction = self._action(m, self.quit_asking, QKeySequence("Ctrl+Q"), "quitAction")
        self.editMenu = bar.addMenu("")
        self.undoAction = self._action(self.editMenu, self.drawTab.canvas.undo, QKeySequence("Ctrl+Z"), "undoAction")
        self.clearAction = self._action(self.editMenu, self.drawTab.canvas.clear,
                                        [QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Escape)],
                                        "clearAction")

        self.viewMenu = bar.addMenu("")
        self.languageMenu = self.viewMenu.addMenu("")
        self.languageActions: dict[str, QAction] = {}
        group = QActionGroup(self)
        chosen = self.ws.settings.get("view/language")
        for code in ("", *i18n.LANGUAGES):
            a = QAction(i18n.LANGUAGES.get(code, ""), self, checkable=True, objectName=f"language_{code or 'system'}")
            a.setChecked(code == chosen or (code == "" and chosen not in i18n.LANGUAGES))
            a.triggered.connect(lambda _checked=False, c=code: self.set_language(c))
            group.addAction(a)
            self.languageMenu.addAction(a)
            self.languageActions[code] = a
        self.appearanceMenu = self.viewMenu.addMenu("")
        self.appearanceActions: dict[str, QAction] = {}
        group = QActionGroup(self)
        for name in theme.APPEARANCES:
            a = QAction(self, checkable=True, objectName=f"appearance_{name}")
            a.setChecked(name == theme.manager().appearance)
            a.triggered.connect(lambda _checked=False, n=name: self.set_appearance(n))
            group.addAction(a)
            self.appearanceMenu.addAction(a)
            self.appearanceActions[name] = a

        self.helpMenu = bar.addMenu("")
        self.shortcutsAction = self._action(self.helpMenu, self.show_shortcuts, QKeySequence(QKeySequence.StandardKey.HelpContents),
                                            "shortcutsAction")
        self.aboutAction = self._action(self.helpMenu, self.show_about, name="aboutAction")

    def _tab_titles(self) -> tuple[str, ...]:
        return (self.tr("&Draw"), self.tr("&Train"), self.tr("&Model"), self.tr("Eva&luate"), self.tr("D&ata"),
                self.tr("M&y digits"), self.tr("St&udies"))

    def retranslate(self) -> None:
        """Every text the window sets itself, in the current language (Qt Designer's retranslateUi)."""
        for i, title in enumerate(self._tab_titles()[:1 + self._tabsMade]):
            self.tabs.setTabText(i, title)
        self.tabs.tabBar().setAccessibleName(self.tr("Tabs"))
        self.fileMenu.setTitle(self.tr("&File"))
        self.openModelAction.setText(self.tr("&Open model…"))
        self.saveModelAction.setText(self.tr("&Save model as…"))
        self.exportOnnxAction.setText(self.tr("E&xport model as ONNX…"))
        self.resetModelAction.setText(self.tr("&Reset to shipped model"))
        self.openImageAction.setText(self.tr("Open &image…"))
        self.dataFolderAction.setText(self.tr("MNIST &data…"))
        self.quitAction.setText(self.tr("&Quit"))
        self.editMenu.setTitle(self.tr("&Edit"))
        self.undoAction.setText(self.tr("&Undo stroke"))
        self.clearAction.setText(self.tr("&Clear canvas"))
        self.viewMenu.setTitle(self.tr("&View"))
        self.languageMenu.setTitle(self.tr("&Language"))
        self.languageActions[""].setText(self.tr("&System"))
        self.appearanceMenu.setTitle(self.tr("&Appearance"))
        for name, text in (("system", self.tr("&System")), ("light", self.tr("&Light")), ("dark", self.tr("&Dark"))):
            self.appearanceActions[name].setText(text)
        self.helpMenu.setTitle(self.tr("&Help"))
        self.shortcutsAction.setText(self.tr("&Keyboard shortcuts"))
        self.aboutAction.setText(self.tr("&About mnist-gui"))
        self._on_model_changed(self.ws.checkpoint)

    def changeEvent(self, e: QEvent) -> None:
        if e.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(e)

    # -- view and help ------------------------------------------------------------------------
    def set_language(self, code: str) -> None:
        """"" (the system's), "en" or "zh_TW": remembered, and every text switches at once."""
        self.ws.settings.set("view/language", code)
        self.languageActions.get(code, self.languageActions[""]).setChecked(True)
        i18n.set_language(code)

    def set_appearance(self, name: str) -> None:
        """"system", "light" or "dark": remembered, and the palette, canvas and plots follow at once."""
        self.ws.settings.set("view/appearance", name)
        self.appearanceActions[name].setChecked(True)
        theme.manager().set_appearance(name)

    def shortcut_rows(self) -> list[tuple[str, str]]:
        """(keys, what they do) for the Help → Keyboard shortcuts table, in the current language."""
        native = QKeySequence.SequenceFormat.NativeText
        rows = []
        for menu in (self.fileMenu, self.editMenu, self.helpMenu):
            for a in menu.actions():
                if a.shortcuts():
                    rows.append((", ".join(k.toString(native) for k in a.shortcuts()),
                                 a.text().replace("&", "").rstrip("…")))
        alt = QKeySequence("Alt+X").toString(native)[:-1]
        for i in range(self.tabs.count()):
            text = self.tabs.tabText(i)
            k = text.find("&")
            keys = [alt + text[k + 1].upper()] if 0 <= k < len(text) - 1 else []
            if i < len(self.tabShortcuts):
                keys.append(self.tabShortcuts[i].key().toString(native))
            rows.append((", ".join(keys), self.tr("the {0} tab").format(text.replace("&", ""))))
        rows += [(QKeySequence("Ctrl+Tab").toString(native) + ", " + QKeySequence("Ctrl+Shift+Tab").toString(native),
                  self.tr("next, previous tab")),
                 (self.tr("Tab, Shift+Tab"), self.tr("next, previous control")),
                 (self.tr("Alt + underlined letter"), self.tr("the button or field with that letter")),
                 (self.tr("Space"), self.tr("press the focused button"))]
        return rows

    def show_shortcuts(self):
        from mnist_gui.gui.dialogs import ShortcutsDialog
        self.shortcutsDialog = ShortcutsDialog(self.shortcut_rows(), self)
        self.shortcutsDialog.open()
        return self.shortcutsDialog

    def show_about(self):
        from mnist_gui.gui.dialogs import AboutDialog
        self.aboutDialog = AboutDialog(self.ws.checkpoint, self)
        self.aboutDialog.open()
        return self.aboutDialog

    def _finetune_preparing(self) -> bool:
        """A fine-tune asked for waits for PyTorch to load (closed then, it was dropped without a word)."""
        train = getattr(self, "_trainTab", None)
        return train is not None and train.preparing

    def _unsaved_model(self) -> bool:
        """A trained model that could not be saved is only in memory: offered (Retry, Save as…), or being saved."""
        train = getattr(self, "_trainTab", None)
        return train is not None and train.questions.holds_unsaved

    def _work_under_way(self) -> bool:
        """Would a quit stop something or lose something: work that runs, a fine-tune getting ready, a trained model
        only in memory?"""
        return self.ws.busy is not None or self._finetune_preparing() or self._unsaved_model()

    def _quit_words(self) -> tuple[str, str] | None:
        """The quit question and what quitting would do, for the work under way (None: nothing)."""
        busy = self.ws.busy   # read once: a worker may release its claim meanwhile
        if busy is BusyKind.STUDY:
            return (self.tr("A study is running. Quit anyway?"),
                    self.tr("If you quit, the study stops; its finished trials are kept. Cancel lets it go on."))
        if busy is not None:
            return (self.tr("Training is running. Quit anyway?"),
                    self.tr("If you quit, the run stops and is recorded as stopped; its model so far is kept in "
                            "the Runs list. Cancel lets it go on."))
        if self._finetune_preparing():
            return (self.tr("The fine-tune is getting ready. Quit anyway?"),
                    self.tr("If you quit, it does not go on; My digits are kept. Cancel lets it go on."))
        if self._unsaved_model():
            return (self.tr("The trained model could not be saved. Quit anyway?"),
                    self.tr("If you quit, it is lost: it is only in memory. Cancel lets you try again or save it "
                            "elsewhere."))
        return None

    def quit_asking(self) -> None:
        """The user's own quit (Ctrl+Q, the title bar's close): while training or a study runs, or a trained model
        could not be saved, asked first (Cancel is the default). A close from code or a signal (SIGTERM, a logout)
        is not asked."""
        words = self._quit_words()
        if words is None or self._quitAsked:
            self.close()
            return
        if self.quitBox is not None:
            self.quitBox.raise_()
            return
        text, more = words
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Quit mnist-gui?"), text,
                          QMessageBox.StandardButton.Cancel, self, objectName="quitBox")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)   # none is left behind, hidden, per question
        box.setInformativeText(more)
        quit_button = box.addButton(self.tr("&Quit"), QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        train = getattr(self, "_trainTab", None)   # a run that ends meanwhile asks of its model after this question
        if train is not None:
            train.questions.hold()

        def answered(_code: int) -> None:
            self.quitBox = self.quitButton = None
            if box.clickedButton() is quit_button:
                self._quitAsked = True
                self.close()
            if train is not None:
                train.questions.release()
        box.finished.connect(answered)
        self.quitBox, self.quitButton = box, quit_button
        box.open()

    def _on_work_changed(self) -> None:
        """The work changed while "quit anyway?" was open: it says what quitting would now do. When nothing would be
        stopped or lost (the work ended, a fine-tune getting ready did not start), the question stays: the user
        still asked to quit (withdrawn, it left the window open with no word of the Ctrl+Q)."""
        if self.quitBox is None or self.quitButton is None:
            return
        words = self._quit_words()
        if words is None:
            self.quitBox.setText(self.tr("The work has ended. Quit now?"))
            self.quitBox.setInformativeText(self.tr("Quitting now stops nothing: what the work made is kept."))
            self.quitBox.setDefaultButton(self.quitButton)
        else:
            self.quitBox.setText(words[0])
            self.quitBox.setInformativeText(words[1])
            self.quitBox.setDefaultButton(QMessageBox.StandardButton.Cancel)

    def closeEvent(self, e: QCloseEvent) -> None:
        """Stop all background work (training is recorded as stopped), remember the window, close. The title
        bar's close (a spontaneous event) asks first while work runs, as Ctrl+Q does."""
        if e.spontaneous() and self._work_under_way() and not self._quitAsked:
            e.ignore()
            self.quit_asking()
            return
        self.ws.settings.set("window/geometry", self.saveGeometry())   # first: written whatever the jobs do
        self._canvas_moved_on()   # an image still decoding is not shown in a closed window
        self.ws.shutdown()
        train = getattr(self, "_trainTab", None)   # (a window closed before its tabs were made: none, not made now)
        if train is not None:
            train.shutdown()
        self.jobs.stop_all(CLOSE_WAIT_MS)
        super().closeEvent(e)
