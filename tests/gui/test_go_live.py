"""GoLiveQuestions on its own: what becomes of a finished run's model, without training one."""

from dataclasses import replace

import pytest
from PySide6.QtWidgets import QMessageBox, QWidget

from mnist_gui.core.checkpoint import Checkpoint
from mnist_gui.core.messages import say
from mnist_gui.core.workspace import FinishedRun, Workspace
from mnist_gui.gui.go_live import GoLiveQuestions
from mnist_gui.gui.jobs import JobRunner


@pytest.fixture
def questions(qtbot, tmp_path, shipped):
    ws = Workspace(tmp_path)
    ws.make_live(replace(shipped, metrics={"test_accuracy": 0.99}), remember=False)
    parent = QWidget()
    qtbot.addWidget(parent)
    q = GoLiveQuestions(ws, JobRunner(parent), parent)
    q.lines, q.done, q.discarded = [], [], []
    q.log.connect(q.lines.append)
    q.decided.connect(q.done.append)
    ws.discard_run_model = q.discarded.append
    return q


def _run(shipped, status="finished", acc=0.5, record="run-1", unsaved=False):
    ck = Checkpoint(model=shipped.model, model_config=shipped.model_config, metrics={"test_accuracy": acc},
                    path=None if unsaved else shipped.path)
    retry = (lambda: _run(shipped, status, acc, record)) if unsaved else None
    return FinishedRun(status, f"{status}: something", record, ck, "the disk is full: x" if unsaved else "",
                       retry=retry)


def test_a_better_run_goes_live_without_a_question(questions, shipped):
    done = _run(shipped, acc=0.999)
    questions.decide(done)
    assert questions.keepBox is None and questions.ws.checkpoint is done.checkpoint and questions.done == [done]


def test_a_worse_run_is_asked_about_and_no_keeps_it_in_the_runs_list(questions, shipped):
    old = questions.ws.checkpoint
    done = _run(shipped, acc=0.5)
    questions.decide(done)
    box = questions.keepBox
    assert "50.00%" in box.text() and "99.00%" in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    # the answers say what they do: No keeps it (in the Runs list), it does not discard it
    assert box.button(QMessageBox.StandardButton.No).text().replace("&", "") == "Keep it in the Runs list"
    assert box.button(QMessageBox.StandardButton.Yes).text().replace("&", "") == "Make it live"
    box.button(QMessageBox.StandardButton.No).click()
    assert questions.ws.checkpoint is old and questions.done == [done] and not questions.discarded


def test_a_live_model_never_measured_is_asked_about_before_a_new_run_replaces_it(questions, shipped):
    """An imported model or a stopped run's, made live unmeasured: the finished run asks, and Enter keeps it."""
    questions.ws.make_live(replace(shipped, metrics={}), remember=False)
    old = questions.ws.checkpoint
    done = _run(shipped, acc=0.995)
    questions.decide(done)
    box = questions.keepBox
    assert "99.50%" in box.text() and "not evaluated" in box.text() and "nothing to compare" in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.No)
    box.button(QMessageBox.StandardButton.No).click()
    assert questions.ws.checkpoint is old and questions.done == [done] and not questions.discarded
    questions.decide(again := _run(shipped, acc=0.995, record="run-2"))
    questions.keepBox.button(QMessageBox.StandardButton.Yes).click()
    assert questions.ws.checkpoint is again.checkpoint


def test_a_stopped_run_is_asked_about_while_measured_and_the_early_answer_applies_once_recorded(questions, shipped):
    old = questions.ws.checkpoint
    questions.measuring(0, 10_000)
    box = questions.keepBox
    assert "0 of 10,000 test images" in box.text()
    questions.measuring(7_400, 10_000)
    # how far the measuring has got is a count, never a percentage beside the live model's accuracy
    assert questions.keepBox is box and "7,400 of 10,000 test images" in box.text()
    assert "%" not in box.text().replace("99.00%", "")
    # No discards a stopped run's model, and its button and text say so
    assert box.button(QMessageBox.StandardButton.No).text().replace("&", "") == "Discard it"
    assert "curves stay in the Runs list" in box.informativeText()
    box.button(QMessageBox.StandardButton.No).click()   # answered before the run is recorded
    assert questions.keepBox is None and "answered" in questions.lines[-1] and not questions.done
    done = _run(shipped, status="stopped", acc=0.7)
    questions.decide(done)
    assert questions.ws.checkpoint is old and questions.discarded == ["run-1"] and questions.done == [done]


def test_a_stopped_run_still_open_gets_its_accuracy_and_yes_makes_it_live(questions, shipped):
    questions.measuring(0, 100)
    box = questions.keepBox
    done = replace(_run(shipped, status="stopped", acc=0.7), message=say("run-stopped", step=300, total=1200))
    questions.decide(done)
    assert questions.keepBox is box and "test accuracy 70.00%" in box.text()
    # where it stopped, said once: not "stopped: stopped at step…"
    assert "stopped at step 300 of 1,200" in box.text() and box.text().count("stopped") == 1
    box.button(QMessageBox.StandardButton.Yes).click()
    assert questions.ws.checkpoint is done.checkpoint and questions.done == [done]


def test_a_stopped_runs_model_is_deleted_only_by_its_discard_button(questions, shipped, qtbot):
    """Found by newcomers: Escape, then Enter (the default button was Discard it), on "Make this partly trained model
    live?", or the app closed (a logout's SIGTERM) while it was open, deleted the model: only Discard it does now;
    Enter and Escape keep it in the Runs list."""
    from PySide6.QtCore import Qt
    done = _run(shipped, status="stopped", acc=0.7)
    questions.decide(done)
    box = questions.keepBox
    keep = box.button(QMessageBox.StandardButton.Cancel)
    assert keep is not None and keep.text().replace("&", "") == "Keep it in the Runs list"
    assert box.defaultButton() is keep
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert questions.keepBox is None and not questions.discarded and questions.done == [done]
    assert "kept in the Runs list" in questions.lines[-1]
    questions.decide(enter := _run(shipped, status="stopped", acc=0.7, record="run-3"))
    qtbot.keyClick(questions.keepBox, Qt.Key.Key_Return)
    assert questions.keepBox is None and not questions.discarded and questions.done == [done, enter]
    questions.decide(_run(shipped, status="stopped", acc=0.7, record="run-2"))   # the next; the window closes over it
    box = questions.keepBox
    questions.closing = True
    box.close()
    assert questions.keepBox is None and not questions.discarded


def test_an_early_question_is_withdrawn_when_the_run_did_not_end_stopped(questions):
    questions.measuring(0, 100)
    questions.run_ended("failed")
    assert questions.keepBox is None and not questions.done


def test_a_model_that_could_not_be_saved_is_offered_again_and_can_be_discarded(questions, shipped):
    old = questions.ws.checkpoint
    done = _run(shipped, acc=0.999, unsaved=True)
    questions.decide(done)
    box = questions.unsavedBox
    assert questions.keepBox is None and "the disk is full" in box.text() and "kept in memory" in box.text()
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Retry)
    box.button(QMessageBox.StandardButton.Discard).click()
    assert questions.unsavedBox is None and questions.ws.checkpoint is old and questions.done == [done]
    assert "discarded" in questions.lines[-1]


def test_nothing_is_asked_of_a_closing_window(questions, shipped):
    questions.closing = True
    questions.measuring(0, 100)
    questions.decide(_run(shipped, acc=0.5))
    assert questions.keepBox is None and questions.unsavedBox is None and not questions.done


def test_questions_wait_while_the_window_asks_whether_to_quit(questions, shipped):
    """Two boxes were open at once: "Quit now?" and, over it, "Make the new model live?" for the run that ended
    meanwhile. The question about the model waits for the quit question's answer."""
    questions.hold()
    questions.measuring(0, 100)                       # a stopped run being measured: its early question waits
    done = _run(shipped, status="stopped", acc=0.5)
    questions.decide(done)                            # recorded: the full question replaces the early one
    unsaved = _run(shipped, acc=0.999, unsaved=True)
    questions.decide(unsaved)
    assert questions.keepBox is None and questions.unsavedBox is None
    assert questions.holds_unsaved                    # the quit question can say that quitting loses it
    questions.release()                               # Cancel: asked now, one at a time, in the order they came
    assert questions.keepBox is not None and "partly trained" in questions.keepBox.text()
    assert questions.unsavedBox is None and not questions.done
    questions.keepBox.button(QMessageBox.StandardButton.Cancel).click()   # kept in the Runs list
    assert questions.done == [done] and questions.unsavedBox is not None and questions.keepBox is None


def test_two_runs_ending_while_a_question_is_open_are_each_asked_in_turn(questions, shipped):
    """A review: only the latest question waited, so of two runs that ended while the quit question was open the
    first was never asked of, nor settled. Each waits its turn, and one box is open at a time."""
    questions.hold()
    first, second = _run(shipped, acc=0.5, record="run-A"), _run(shipped, acc=0.6, record="run-B")
    questions.decide(first)
    questions.decide(second)
    questions.release()
    assert "50.00%" in questions.keepBox.text()
    questions.keepBox.button(QMessageBox.StandardButton.No).click()
    assert "60.00%" in questions.keepBox.text() and questions.done == [first]
    questions.keepBox.button(QMessageBox.StandardButton.No).click()
    assert questions.keepBox is None and questions.done == [first, second]


def test_an_early_question_held_is_dropped_when_the_run_did_not_end_stopped(questions):
    questions.hold()
    questions.measuring(0, 100)
    questions.run_ended("failed")
    questions.release()
    assert questions.keepBox is None and not questions.done


def test_a_question_held_is_not_asked_of_a_window_that_quits(questions, shipped):
    questions.hold()
    questions.decide(_run(shipped, acc=0.5))
    questions.closing = True                          # Quit: the window closes; the model stays in the Runs list
    questions.release()
    assert questions.keepBox is None and not questions.discarded


def test_the_progress_bar_counts_the_measured_test_images(qtbot):
    from mnist_gui.gui.widgets.run_progress import RunProgress
    progress = RunProgress()
    qtbot.addWidget(progress)
    progress.measuring(7_400, 10_000)
    assert "7,400 of 10,000 test images" in progress.bar.text() and "%" not in progress.bar.text()


def test_a_finetune_that_goes_live_says_so(questions, shipped):
    said = []
    questions.message.connect(lambda title, text, warning: said.append(text))
    done = replace(_run(shipped, acc=0.999), kind="finetune")
    questions.decide(done)
    assert questions.ws.checkpoint is done.checkpoint and said == ["The fine-tuned model is live: test accuracy 99.90%"]


def test_an_early_answer_does_not_outlive_a_run_that_could_not_be_saved(questions, shipped):
    """A review: "Discard it" answered while a stopped run was measured, the run then recorded unsaved and discarded from
    the unsaved offer: the early answer stayed, and the next stopped run was discarded without a question."""
    questions.measuring(0, 100)
    questions.keepBox.button(QMessageBox.StandardButton.No).click()          # early: Discard it
    first = _run(shipped, status="stopped", record="run-A", unsaved=True)
    questions.decide(first)
    questions.unsavedBox.button(QMessageBox.StandardButton.Discard).click()
    questions.measuring(0, 100)                                              # the next stopped run: asked again
    assert questions.keepBox is not None
    questions.decide(_run(shipped, status="stopped", record="run-B"))
    assert questions.keepBox is not None and questions.discarded == []


def test_an_early_answer_applied_leaves_another_runs_open_question_open(questions, shipped):
    """A review: applying an early answer cleared the open box of another run, so the next question opened a second
    box over it and its answer settled the wrong run."""
    questions.measuring(0, 100)
    questions.keepBox.button(QMessageBox.StandardButton.Cancel).click()      # early: keep it
    worse = _run(shipped, acc=0.5, record="run-W")
    questions.decide(worse)                                                  # asked now
    box = questions.keepBox
    stopped = _run(shipped, status="stopped", acc=0.6, record="run-B")
    questions.decide(stopped)                                                # the early answer applies: no box
    assert questions.keepBox is box and questions.done == [stopped]
    later = _run(shipped, acc=0.4, record="run-X")
    questions.decide(later)                                                  # waits its turn behind W's
    assert questions.keepBox is box
    box.button(QMessageBox.StandardButton.No).click()
    assert questions.done == [stopped, worse] and "40.00%" in questions.keepBox.text()
