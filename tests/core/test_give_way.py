"""Imports that give way to the pen (core/give_way.py): a worker that opted in pauses before each new module
while the user draws, and goes on when the drawing stops; other threads never wait."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from mnist_gui.core import give_way


def _until(cond, timeout: float = 10.0) -> bool:
    """Wait until cond() holds (polling a state another thread changes), at most timeout seconds."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            return False
        time.sleep(0.005)
    return True


@pytest.fixture
def long_pauses(monkeypatch):
    """A pause lasts as long as drawing() says (TAIL_S ends it half a second after the last move): these tests
    end it themselves, and a thread that should not have waited would wait for them to."""
    monkeypatch.setattr(give_way, "TAIL_S", 3600.0)


@pytest.fixture
def fresh_module(tmp_path, monkeypatch):
    """The name of a module no one has imported yet."""
    name = f"give_way_probe_{time.monotonic_ns()}"
    (tmp_path / f"{name}.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)
    give_way.drawing(0)


def _import_in_thread(name: str, opt_in: bool) -> threading.Thread:
    def work():
        if opt_in:
            with give_way.giving_way():
                __import__(name)
        else:
            __import__(name)
    t = threading.Thread(target=work, daemon=True)
    t.start()
    return t


def test_an_import_that_gives_way_waits_while_the_user_draws_and_goes_on_when_they_stop(fresh_module, long_pauses):
    give_way.drawing(60)
    t = _import_in_thread(fresh_module, opt_in=True)
    assert _until(lambda: give_way.paused() == 1)
    assert fresh_module not in sys.modules and t.is_alive()
    give_way.drawing(0)   # the pen rested
    t.join(10)
    assert not t.is_alive() and sys.modules[fresh_module].VALUE == 42
    assert give_way.paused() == 0


def test_a_pause_ends_by_itself_once_the_pen_has_rested_and_is_short(fresh_module):
    give_way.drawing(3600)   # however long the caller says, a pause ends TAIL_S after the pen's last move
    t = _import_in_thread(fresh_module, opt_in=True)
    assert _until(lambda: give_way.paused() == 1 or not t.is_alive())
    t.join(10 + give_way.TAIL_S)
    assert not t.is_alive() and fresh_module in sys.modules


def test_threads_that_did_not_opt_in_and_the_main_thread_never_wait(fresh_module, tmp_path, long_pauses):
    give_way.drawing(60)
    t = _import_in_thread(fresh_module, opt_in=False)
    t.join(10)
    assert not t.is_alive() and fresh_module in sys.modules
    (tmp_path / f"{fresh_module}_main.py").write_text("X = 1\n")
    released, done = threading.Event(), threading.Event()

    def watchdog():   # had the main thread waited, this ends its wait and says so
        if not done.wait(5):
            released.set()
            give_way.drawing(0)
    threading.Thread(target=watchdog, daemon=True).start()
    give_way.drawing(60)
    with give_way.giving_way():   # opted in, but the drawing is read in the main thread: it never waits
        assert __import__(f"{fresh_module}_main").X == 1
    done.set()
    sys.modules.pop(f"{fresh_module}_main", None)
    assert not released.is_set()


def test_an_import_error_in_a_paused_thread_still_reaches_it(long_pauses):
    give_way.drawing(60)
    got = []

    def work():
        with give_way.giving_way():
            try:
                __import__("no_such_module_give_way")
            except ImportError as e:
                got.append(e)
    t = threading.Thread(target=work)
    t.start()
    try:
        assert _until(lambda: give_way.paused() == 1)
        assert not got
    finally:
        give_way.drawing(0)
    t.join(10)
    assert len(got) == 1
