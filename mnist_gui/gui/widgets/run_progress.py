"""RunProgress: the Train tab's progress bar and speed line for the run under way: steps and time left,
paused (no frozen time left), the stopped model being measured, and how the last run ended."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from mnist_gui.core.events import Progressed, Started
from mnist_gui.core.states import RunStatus
from mnist_gui.gui.widgets.progress_bar import ProgressBar


def _fmt_eta(s: float) -> str:
    s = int(max(0, s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


class RunProgress(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.bar = ProgressBar(objectName="progressBar")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("")   # no run yet: an empty bar, not "0%" of nothing
        self.speedLabel = QLabel("", objectName="speedLabel")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.speedLabel)
        self.paused = False
        self._last: Progressed | None = None
        self._ended: RunStatus | str | None = None   # how the last run ended ("failed" too)
        self._speed: tuple[float, float] | None = None   # the last step's images/s and loss, until the next run

    def retranslate(self) -> None:
        self.bar.setAccessibleName(self.tr("Training progress"))
        self.speedLabel.setAccessibleName(self.tr("Training speed"))
        self._show_speed()
        self._show_ended()
        if self.paused:
            self._show_paused()

    def begin(self) -> None:
        """A run starts: busy until its first step."""
        self._last, self._ended, self.paused = None, None, False
        self.bar.setRange(0, 0)
        self.bar.setFormat("%p%")

    def started(self, ev: Started) -> None:
        self.bar.setRange(0, ev.total_steps)
        self.bar.setValue(0)

    def progressed(self, ev: Progressed) -> None:
        self.bar.setValue(ev.step)
        self._last = ev
        if self.paused:   # a step that was on its way when Pause was pressed
            self._show_paused()
        else:
            self.bar.setFormat(self.tr("%p%  step {0}/{1}  ETA {2}").format(
                f"{ev.step:,}", f"{ev.total_steps:,}", _fmt_eta(ev.eta_s)))
        self._speed = (ev.images_per_s, ev.loss)
        self._show_speed()

    def _show_speed(self) -> None:   # again after a language switch
        if self._speed is not None:
            self.speedLabel.setText(self.tr("{0} images/s  loss {1}").format(f"{self._speed[0]:,.0f}",
                                                                             f"{self._speed[1]:.3f}"))

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        ev = self._last
        if paused:
            self._show_paused()
        elif ev is not None:   # no time left is known until the next step: none is shown
            self.bar.setFormat(self.tr("%p%  step {0}/{1}").format(f"{ev.step:,}", f"{ev.total_steps:,}"))

    def _show_paused(self) -> None:
        """Paused: the bar says so instead of a frozen time left."""
        ev = self._last
        self.bar.setFormat(self.tr("%p%  step {0}/{1}  paused").format(f"{ev.step:,}", f"{ev.total_steps:,}")
                           if ev is not None else self.tr("paused"))
        if ev is None and self.bar.maximum() == 0:   # paused before the first step: a bar, not a spinner
            self.bar.setRange(0, 1)

    def measuring(self, done: int, total: int) -> None:
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        self.bar.setFormat(self.tr("measuring the stopped model: {0} of {1} test images").format(
            f"{done:,}", f"{total:,}"))

    def ended(self, status: RunStatus | str) -> None:   # a RunStatus, or "failed"
        self.paused = False
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if status == RunStatus.FINISHED else 0)
        self._ended = status
        self._show_ended()

    def forget_failure(self) -> None:
        """What made the last run fail is gone (MNIST set up since): the empty bar of no run yet, not "failed"."""
        if self._ended == "failed":
            self._ended = None
            self.bar.setRange(0, 1)
            self.bar.setValue(0)
            self.bar.setFormat("")

    def _show_ended(self) -> None:
        if self._ended is not None:
            self.bar.setFormat({RunStatus.FINISHED: self.tr("done"), RunStatus.STOPPED: self.tr("stopped"),
                                RunStatus.DIVERGED: self.tr("diverged")}.get(self._ended, self.tr("failed")))
