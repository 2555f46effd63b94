"""DeviceChooser: where training and evaluation run (auto, cpu, cuda:N, mps), a setting of this machine and
not part of a run's recipe. Its first showing loads torch in a worker and names the hardware ("NVIDIA H100
80GB HBM3", "Apple M2 (MPS)", "CPU, 8 threads"); the live path needs no torch, so a session that only
draws never loads it."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from mnist_gui.core.give_way import giving_way
from mnist_gui.core.workspace import Workspace
from mnist_gui.gui import i18n
from mnist_gui.gui.core_strings import core_text
from mnist_gui.gui.jobs import JobRunner, Task


def _available_devices(_report, _stop):
    with giving_way():   # seconds of imports, paused while the user draws (core/give_way.py)
        from mnist_gui.core.device import available_devices  # imports torch: in a worker thread
        return available_devices()


def _warm_up(_report, _stop) -> None:
    with giving_way():
        from mnist_gui.core.train import warm_up  # a first Train click then starts without that wait
        warm_up()


class DeviceChooser(QWidget):
    log = Signal(str)   # a line for the Train tab's log

    def __init__(self, ws: Workspace, jobs: JobRunner, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.jobs = jobs
        self.listed = False   # the machine's devices, named once torch has loaded (the first showing)
        self.warm = False     # and then train.warm_up() done: a first run starts without its wait
        self._asked = False
        self._names: list[str] = []   # the hardware's names as the core gives them, once listed
        self.combo = QComboBox(objectName="deviceCombo")
        self.combo.addItem("", "auto")
        saved = ws.device
        if saved != "auto":
            self.combo.addItem(saved, saved)
            self.combo.setCurrentIndex(1)
        self.label = QLabel()
        self.label.setBuddy(self.combo)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.combo, 1)
        self.combo.currentIndexChanged.connect(lambda _i: self.ws.set_device(self.combo.currentData()))

    def retranslate(self) -> None:
        self.label.setText(self.tr("Dev&ice"))
        self.combo.setAccessibleName(self.tr("Device"))
        self.combo.setToolTip(self.tr("Where training and evaluation run; live prediction stays on the CPU"))
        self.combo.setItemText(0, self.tr("Automatic (CUDA, then Apple MPS, then the CPU)"))
        for i, name in enumerate(self._names, 1):   # "CPU, 8 threads" in the window's words
            self.combo.setItemText(i, core_text(name))

    def showEvent(self, e) -> None:  # noqa: N802 - Qt's name
        super().showEvent(e)
        if not self._asked:
            self._asked = True
            self.log.emit(self.tr("loading PyTorch…"))
            self.jobs.start(Task(_available_devices), self, returned=self._on_loaded,
                            failed=lambda msg: self.log.emit(self.tr("PyTorch could not load: {0}").format(msg)))

    def _on_loaded(self, devices) -> None:
        """The "loading PyTorch…" line resolves: loaded, and where it can run. Then what a first run would
        pay before its first step is paid now, in the background."""
        self.list_devices(devices)
        self.jobs.start(Task(_warm_up), self, returned=lambda _r: setattr(self, "warm", True))
        # a device's name may hold a comma ("CPU, 8 threads"): the names are parted by semicolons
        self.log.emit(self.tr("PyTorch loaded; devices: {0}").format(
            i18n.join_clauses(core_text(d.shown) for d in devices)))

    def list_devices(self, devices) -> None:
        if self.listed:
            return
        self.listed = True
        want = self.ws.device
        self.combo.blockSignals(True)
        while self.combo.count() > 1:
            self.combo.removeItem(1)
        self._names = [d.shown for d in devices]
        for d in devices:
            self.combo.addItem(core_text(d.shown), d.id)
        index = self.combo.findData("cuda:0" if want == "cuda" else want)
        if index < 0:
            if want != "auto":
                self.log.emit(self.tr("the device {0} is not here; using automatic").format(want))
                self.ws.set_device("auto")   # what the chooser shows is what runs (and evaluates)
            index = 0
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)
