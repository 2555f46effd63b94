"""The core's messages are codes with fields (their English is what the command line prints), its states
are enums that read as their old words, and it reports through logging as one line on stderr."""

import logging

import pytest

from mnist_gui.core.errors import CODED_ERRORS, Busy, Diverged, DownloadError, MnistFileMissing, MnistNotFound
from mnist_gui.core.messages import ENGLISH, Message, say
from mnist_gui.core.states import BusyKind, LiveAction, RunStatus


def test_a_message_is_a_code_and_fields_and_reads_as_english():
    m = say("run-finished", accuracy=0.98765, steps=120, seconds=3.25)
    assert (m.code, dict(m.fields)) == ("run-finished", {"accuracy": 0.98765, "steps": 120, "seconds": 3.25})
    assert str(m) == "finished: test accuracy 98.77% after 120 steps, 3.2 s of training"
    assert "after 1 step, " in str(say("run-finished", accuracy=0.1, steps=1, seconds=0.5))   # not "1 steps"
    assert str(say("cpu-name", model="", threads=1)) == "CPU, 1 thread"
    assert str(say("cpu-name", model="Xeon", threads=8)) == "Xeon, CPU, 8 threads"
    with pytest.raises(KeyError):
        Message("no-such-code")


def test_coded_errors_keep_the_english_line_and_carry_their_fields():
    looked = [say("mnist-looked", source="--data-dir", folder="/x", missing=["t10k-images-idx3-ubyte"]),
              say("mnist-looked", source="user folder", folder="/d", missing=[])]
    e = MnistNotFound(looked)
    assert str(e) == ("MNIST not found. Looked in --data-dir: /x (missing t10k-images-idx3-ubyte); user folder: /d "
                      "(missing nothing). Point the app at a folder holding the four IDX files with --data-dir DIR "
                      "or MNIST_GUI_DATA=DIR")
    d = DownloadError(looked, "timed out", offline=True)
    assert str(d) == str(e) + ". Download failed: timed out" and d.offline and d.code == "mnist-download-failed"
    assert isinstance(d, MnistNotFound) and e.looked == tuple(looked)
    assert str(MnistFileMissing("/x", "train-labels-idx1-ubyte")) == "/x: lacks train-labels-idx1-ubyte"
    assert str(Busy(BusyKind.FINETUNE)) == "a fine-tuning run is running; wait for it or stop it first"
    nan = Diverged(4, float("nan"))
    assert str(nan) == "diverged at step 4: loss is nan; lower the learning rate" and nan.step == 4
    assert len({c.code for c in CODED_ERRORS}) == len(CODED_ERRORS) and not set(ENGLISH) & {c.code for c in CODED_ERRORS}


def test_states_are_enums_that_read_as_their_words():
    assert RunStatus("stopped") is RunStatus.STOPPED and f"{RunStatus.DIVERGED}" == "diverged"
    assert LiveAction.ASK_WORSE == "ask_worse" and BusyKind.STUDY.words == "study"


def test_the_command_line_writes_a_warning_of_the_core_as_one_line(capsys):
    from mnist_gui.core.logs import configure_logging
    logger = logging.getLogger("mnist_gui")
    before = list(logger.handlers), logger.level
    try:
        configure_logging()
        configure_logging()      # once is enough: no second line
        logging.getLogger("mnist_gui.core.handwriting.gate").warning("reading drawings without the digit gate: %s",
                                                                     "bad file")
        assert capsys.readouterr().err == "mnist-gui: reading drawings without the digit gate: bad file\n"
    finally:
        logger.handlers[:], logger.level = before
