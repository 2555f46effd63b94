"""GoLiveQuestions: what becomes of a finished run's model, asked of the user where the core says to ask.

The core decides (`Workspace.live_decision`): live at once, a question ("ask_worse", "ask_unmeasured",
"ask_stopped"), or not at all; a model that could not be saved (a full disk) is offered again first (Retry /
Save as… / Discard).
This object asks those questions in message boxes over its parent widget and applies the answers
(`make_live`, `discard_run_model`, `retry`, `save_model`). A stopped run is asked about at once, while its
model is still being measured (`measuring`): an answer given then applies when the run is recorded.

It knows nothing of the Train tab's widgets: it says what to log (`log`), what to show in the window's
message box (`message`) and when a run's fate is settled (`decided`).
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from mnist_gui.core.messages import Message
from mnist_gui.core.states import LiveAction, RunStatus
from mnist_gui.core.workspace import FinishedRun, Workspace
from mnist_gui.gui.core_strings import core_text
from mnist_gui.gui.jobs import JobRunner, Task


class GoLiveQuestions(QObject):
    log = Signal(str)                  # a line for the run's log
    message = Signal(str, str, bool)   # title, text, is a warning: for the window's message box
    decided = Signal(object)           # FinishedRun, once what becomes of its model is settled
    unsavedChanged = Signal(bool)      # a trained model is only in memory (True: holds_unsaved), or no longer

    def __init__(self, ws: Workspace, jobs: JobRunner, parent: QWidget):
        super().__init__(parent)
        self.ws = ws
        self.jobs = jobs
        self.parent_widget = parent
        self.closing = False                          # the window is closing: nothing is asked
        self.keepBox: QMessageBox | None = None       # make the new model live? (a stopped or worse run)
        self.unsavedBox: QMessageBox | None = None    # a trained model that could not be saved: Retry, Save as…
        # A stopped run is asked about at once, while its model is measured: the box's run (None until the
        # run is recorded) and an answer given before that.
        self._boxRun: tuple[FinishedRun, bool] | None = None
        self._earlyAnswer: int | None = None
        self._unsaved = False   # a trained model only in memory: offered, or being saved again, until saved or discarded
        # One question at a time: while one is open, or the window asks whether to quit (`hold`), the next wait their
        # turn: ("keep", text, run or None, discard_on_no) and ("unsaved", run), in the order they came
        self._holding = False
        self._waiting: list[tuple] = []

    # -- a stopped run, while its model is measured -------------------------------------------------
    def measuring(self, done: int, total: int) -> None:
        """The stopped run's model is measured on the test images (done of total): ask at once, or say how
        far it has got in the question already open."""
        if self.closing:
            return
        live = self.ws.live_accuracy
        # How far the measuring has got is a count of images, never a percentage: beside the live model's
        # accuracy a percentage reads as the stopped model's own.
        text = self.tr("The run was stopped; its test accuracy is being measured: {0} of {1} test images so far. "
                       "The live model reads {2}.\n"
                       "Make this partly trained model the live model?").format(
            f"{done:,}", f"{total:,}", self._percent(live))
        if self.keepBox is not None and self._boxRun is None:
            self.keepBox.setText(text)
        elif self._earlyAnswer is None:
            self._ask(text, None, discard_on_no=True)   # (waits its turn while another question is open)

    def run_ended(self, status: RunStatus | str) -> None:
        """The run ended so: a question asked early about a run that did not end stopped is withdrawn."""
        if status != RunStatus.STOPPED or self.closing:
            self.forget_early_question()

    def forget_early_question(self) -> None:
        self._earlyAnswer = None
        self._waiting = [w for w in self._waiting if not (w[0] == "keep" and w[2] is None)]
        if self.keepBox is not None and self._boxRun is None:
            box, self.keepBox = self.keepBox, None
            box.finished.disconnect()
            box.close()
            self._next()

    # -- a recorded run -------------------------------------------------------------------------------
    @property
    def holds_unsaved(self) -> bool:
        """Is a trained model only in memory: offered (Retry, Save as…), or being saved again or elsewhere?"""
        return self._unsaved

    def _set_unsaved(self, on: bool) -> None:
        if on != self._unsaved:
            self._unsaved = on
            self.unsavedChanged.emit(on)

    def decide(self, done: FinishedRun, again: bool = False) -> None:
        """What becomes of a finished run's model: offered again when it could not be saved, else live at
        once, after a question, or not at all. again: after the user's own Retry (see _offer_unsaved)."""
        if not done.unsaved:   # saved (again, or elsewhere): nothing is only in memory any more
            self._set_unsaved(False)
        if done.problem:
            self.log.emit(done.problem)
        if self.closing:
            return
        if done.unsaved:   # offered first; saved, it is decided (and asked) again: an early question or answer is void
            self.forget_early_question()
            self._offer_unsaved(done, again)
            return
        decision = self.ws.live_decision(done)
        new, live = decision.new_accuracy, decision.live_accuracy
        if done.status is RunStatus.DIVERGED:
            self.message.emit(self.tr("Training diverged"),
                              core_text(done.message) + "\n\n" + self.tr("The previous model stays live."), True)
        elif decision.action is LiveAction.LIVE:
            self._make_live(done)
        elif decision.action is LiveAction.ASK_WORSE:
            self._ask(self.tr("The finished run reads {0} of the test images; the live model reads {1}.\n"
                              "Make the new, less accurate model live?").format(f"{new:.2%}", f"{live:.2%}"),
                      done, discard_on_no=False)
        elif decision.action is LiveAction.ASK_UNMEASURED:
            self._ask(self.tr("The finished run: {0}; the live model: {1}. Without both accuracies there is nothing "
                              "to compare.\nMake the new model live?").format(self._test_accuracy(new),
                                                                                self._percent(live)),
                      done, discard_on_no=False)
        elif decision.action is LiveAction.ASK_STOPPED:
            acc_text, live_text = self._test_accuracy(new), self._percent(live)
            msg = done.message
            if isinstance(msg, Message) and msg.code == "run-stopped":   # where it stopped, said once
                text = self.tr("The run was stopped at step {0} of {1} ({2}); the live model reads {3}.\n"
                               "Make this partly trained model the live model?").format(
                    f"{msg.fields.get('step', 0):,}", f"{msg.fields.get('total', 0):,}", acc_text, live_text)
            else:
                text = self.tr("The run was stopped ({0}); the live model reads {1}.\n"
                               "Make this partly trained model the live model?").format(acc_text, live_text)
            if self._earlyAnswer is not None:   # answered while it was measured
                code, self._earlyAnswer = self._earlyAnswer, None
                self._on_answer(code, done, discard_on_no=True)
            elif self.keepBox is not None and self._boxRun is None:   # still open: now with the accuracy
                self.keepBox.setText(text)
                self._boxRun = (done, True)
            else:
                self._ask(text, done, discard_on_no=True)
        else:
            self.forget_early_question()
            self.decided.emit(done)

    def _percent(self, accuracy: float | None) -> str:
        return f"{accuracy:.2%}" if accuracy is not None else self.tr("not evaluated")

    def _test_accuracy(self, accuracy: float | None) -> str:
        return self.tr("test accuracy {0}").format(f"{accuracy:.2%}") if accuracy is not None else self.tr("not evaluated")

    # -- the model that could not be saved ------------------------------------------------------------
    def _offer_unsaved(self, done: FinishedRun, again: bool = False) -> None:
        """The run trained but could not be saved (a full disk): its model stays in memory, and the user
        tries again once there is room, saves it elsewhere, or discards it. again: offered again after the user's own
        Retry or Save as… failed (or was cancelled): the question they are answering goes on, even while the window
        asks whether to quit (that question says the model would be lost)."""
        self._set_unsaved(True)
        if (self._holding and not again) or self.keepBox is not None or self.unsavedBox is not None:
            self._waiting.append(("unsaved", done))
            return
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Could not save the trained model"),
                          self.tr("{0}\n\nThe trained model is kept in memory: free some space and try again, "
                                  "or save it elsewhere.").format(done.problem),
                          QMessageBox.StandardButton.Retry | QMessageBox.StandardButton.Discard, self.parent_widget)
        save_as = box.addButton(self.tr("Save as…"), QMessageBox.ButtonRole.ActionRole)
        save_as.setObjectName("saveElsewhereButton")
        box.setDefaultButton(QMessageBox.StandardButton.Retry)
        box.setObjectName("unsavedBox")
        box.finished.connect(lambda _code: self._on_unsaved_answer(box.clickedButton(), done))
        box.finished.connect(self._next)
        self.unsavedBox = box
        box.open()

    def _on_unsaved_answer(self, button, done: FinishedRun) -> None:
        box, self.unsavedBox = self.unsavedBox, None
        if button is box.button(QMessageBox.StandardButton.Retry):
            self.log.emit(self.tr("saving the trained model again…"))
            self.jobs.start(Task(lambda _report, _stop: done.retry()), self, returned=lambda d: self.decide(d, again=True),
                            failed=lambda msg: self._offer_unsaved(replace(done, problem=msg), again=True))
        elif button is box.button(QMessageBox.StandardButton.Discard) or button is None:
            self.log.emit(self.tr("the trained model was discarded; the live model stays"))
            self._set_unsaved(False)
            self.decided.emit(done)
        else:
            self.save_unsaved_as(done)

    def save_unsaved_as(self, done: FinishedRun, path: str | None = None) -> bool:
        """Save a run's model that could not be saved in the run's folder to a file of the user's choice
        (in the background); then decide as for a saved run. False when the dialog was cancelled."""
        ck = done.checkpoint
        if not path:
            path, _ = QFileDialog.getSaveFileName(self.parent_widget, self.tr("Save model as"),
                                                  str(self.ws.models_dir / f"{ck.name}.pt"),
                                                  self.tr("mnist-gui models (*.pt);;All files (*)"))
        if not path:
            self._offer_unsaved(done, again=True)
            return False

        def saved(p) -> None:
            self.ws.saved(ck, p)
            self.decide(replace(done, retry=None, problem=self.tr("saved the model to {0}").format(p)))
        self.jobs.start(Task(lambda _report, _stop: self.ws.save_model(ck, path)), self, returned=saved,
                        failed=lambda msg: self._offer_unsaved(replace(done, problem=msg), again=True))
        return True

    # -- one question at a time; the window's quit question first ------------------------------------
    def hold(self) -> None:
        """The window asks whether to quit: a question that comes meanwhile (the run ended) waits for its answer, not
        a second box over the first."""
        self._holding = True

    def release(self) -> None:
        """The quit question was answered: what waited is asked now, one at a time, unless the window is closing (then
        nothing is asked, as for any closing window: a finished run's model stays in the Runs list)."""
        self._holding = False
        self._next()

    def _asking(self) -> bool:
        return self._holding or self.keepBox is not None or self.unsavedBox is not None

    def _next(self) -> None:
        """The next question waiting, now that none is open."""
        if self.closing or self._asking() or not self._waiting:
            return
        kind, *what = self._waiting.pop(0)
        if kind == "unsaved":
            self._offer_unsaved(*what)
        else:
            self._ask(*what)

    # -- keep / make live -----------------------------------------------------------------------------
    def _ask(self, text: str, done: FinishedRun | None, discard_on_no: bool) -> None:
        """The question; done None: the run is not recorded yet (a stopped run being measured). While another question
        is open it waits its turn; an early one waiting is brought up to date (its count, or the recorded run's)."""
        if self._asking():
            early = next((i for i, w in enumerate(self._waiting) if w[0] == "keep" and w[2] is None), None)
            if early is not None and discard_on_no:
                self._waiting[early] = ("keep", text, done, discard_on_no)
            else:
                self._waiting.append(("keep", text, done, discard_on_no))
            return
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Make the new model live?"), text,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self.parent_widget)
        box.setDefaultButton(QMessageBox.StandardButton.No)   # Enter keeps the live model: the safe answer
        # The buttons say what each answer does: No drops a stopped run's model (its record and curves stay)
        # and keeps a finished one's in the Runs list, where it can be made live later.
        box.button(QMessageBox.StandardButton.Yes).setText(self.tr("&Make it live"))
        box.button(QMessageBox.StandardButton.No).setText(
            self.tr("&Discard it") if discard_on_no else self.tr("&Keep it in the Runs list"))
        if discard_on_no:   # a stopped run's: Enter, Escape or the box closed keeps it (only the Discard button deletes it)
            keep = box.addButton(QMessageBox.StandardButton.Cancel)
            keep.setText(self.tr("&Keep it in the Runs list"))
            keep.setIcon(QIcon())   # not Cancel's cross: it keeps the model
            box.setDefaultButton(keep)
        box.setInformativeText(
            self.tr("Discarding deletes this model; the run's curves stay in the Runs list.") if discard_on_no
            else self.tr("Kept, it can be made live later from the Runs list; the live model stays as it is."))
        box.setObjectName("keepBox")
        self._boxRun = (done, discard_on_no) if done is not None else None
        box.finished.connect(self._on_box_finished)
        box.finished.connect(self._next)
        self.keepBox = box
        box.open()

    def _on_box_finished(self, code: int) -> None:
        self.keepBox = None
        if self.closing:   # the window closed over the question: nothing answered, nothing deleted
            self._boxRun = None
            return
        if self._boxRun is None:   # answered before the run was recorded: applied when it is
            self._earlyAnswer = code
            self.log.emit(self.tr("answered; it applies when the stopped model has been measured"))
            return
        (done, discard_on_no), self._boxRun = self._boxRun, None
        self._on_answer(code, done, discard_on_no)

    def _on_answer(self, code: int, done: FinishedRun, discard_on_no: bool) -> None:
        if code == QMessageBox.StandardButton.Yes:
            self._make_live(done)
            return
        if discard_on_no and code == QMessageBox.StandardButton.No and done.record is not None:
            self.ws.discard_run_model(done.record)
            self.log.emit(self.tr("discarded the stopped run's model; its record stays in the Runs list"))
        else:
            self.log.emit(self.tr("the live model stays; the new one is kept in the Runs list"))
        self.decided.emit(done)

    def _make_live(self, done: FinishedRun) -> None:
        ck = done.checkpoint
        self.ws.make_live(ck, remember=ck.path is not None)
        acc = ck.test_accuracy
        self.log.emit(self.tr("the new model is live; saved to {0}").format(ck.path))
        if done.kind == "finetune":
            text = (self.tr("The fine-tuned model is live: test accuracy {0}").format(f"{acc:.2%}")
                    if acc is not None else self.tr("The fine-tuned model is live"))
        else:
            text = (self.tr("The new model is live: test accuracy {0}").format(f"{acc:.2%}")
                    if acc is not None else self.tr("The new model is live"))
        self.message.emit("", text, False)
        self.decided.emit(done)
