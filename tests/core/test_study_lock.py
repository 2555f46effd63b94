"""A stale study lock (<name>.journal.lock, left by a killed study) is recognised by its owner or its own age
and removed at once; a live one is never broken (issue 32, item 6)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import pytest

from mnist_gui.core.study import storage as st
from mnist_gui.core.workspace import Workspace

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the symlink lock is POSIX's")


def _study(ws, name="lr"):
    import optuna
    st.quiet_optuna()
    optuna.create_study(study_name=name, storage=st.storage_for(ws, name))
    return ws.studies_dir / f"{name}.journal"


def _opened_within(ws, name, seconds=15) -> bool:
    """load_study in a thread; whether it came back (a guard against waiting for ever, not a timing)."""
    got = {}
    t = threading.Thread(target=lambda: got.setdefault("study", st.load_study(ws, name)), daemon=True)
    t.start()
    t.join(seconds)
    return got.get("study") is not None


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_lock_whose_process_ended_is_removed_at_once(_isolated_home, caplog):
    ws = Workspace(_isolated_home)
    journal = _study(ws)
    lock = journal.with_name(journal.name + ".lock")
    os.symlink(f"{journal}#{st.HOST}#{_dead_pid()}", lock)    # fresh, but its owner is gone
    assert _opened_within(ws, "lr")
    assert not os.path.lexists(lock)
    assert any("stale study lock" in r.getMessage() and "has ended" in r.getMessage() for r in caplog.records)


def test_an_old_lock_is_judged_by_its_own_age(_isolated_home):
    ws = Workspace(_isolated_home)
    journal = _study(ws)
    lock = journal.with_name(journal.name + ".lock")
    os.symlink(str(journal), lock)                            # Optuna's own kind: no owner named
    old = time.time() - 3600
    os.utime(lock, (old, old), follow_symlinks=False)
    assert st.lock_stale_reason(lock) == "it is 3,600 s old"
    assert _opened_within(ws, "lr")                           # not 30 s from now: it was old already
    assert not os.path.lexists(lock)


def test_a_live_fresh_lock_is_waited_for_and_never_broken(_isolated_home):
    ws = Workspace(_isolated_home)
    journal = _study(ws)
    held = st._journal_lock(journal)
    held.acquire()
    lock = journal.with_name(journal.name + ".lock")
    assert st.lock_stale_reason(lock) is None
    assert not _opened_within(ws, "lr", seconds=1)            # waits for the holder ...
    assert os.readlink(lock) == f"{journal}#{st.HOST}#{os.getpid()}"   # ... whose lock stays
    held.release()


def test_a_database_away_is_waited_for_a_bounded_time(tmp_path, monkeypatch, caplog):
    """The retrying storage on a database that drops its connection: waits and goes on, saying so once; past
    MNIST_GUI_STUDY_DB_WAIT it is one StudyError. (A real server stopped mid-study: test_study_postgres.py.)"""
    from optuna.storages import RDBStorage
    from sqlalchemy.exc import OperationalError
    storage = st._database(f"sqlite:///{tmp_path}/study.db")
    real = RDBStorage.get_all_studies
    failures = {"left": 2}

    def flaky(self):
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
        return real(self)
    monkeypatch.setattr(RDBStorage, "get_all_studies", flaky)
    monkeypatch.setenv("MNIST_GUI_STUDY_DB_WAIT", "30")
    assert storage.get_all_studies() == []
    lines = [r.getMessage() for r in caplog.records]
    assert sum("is not answering" in m for m in lines) == 1 and sum("answers again" in m for m in lines) == 1
    failures["left"] = 10**9
    monkeypatch.setenv("MNIST_GUI_STUDY_DB_WAIT", "1")
    with pytest.raises(st.StudyError, match="has not answered for 1 s: server closed the connection"):
        storage.get_all_studies()
    monkeypatch.setattr(RDBStorage, "get_all_studies", lambda self: 1 / 0)   # not a lost connection: at once
    with pytest.raises(ZeroDivisionError):
        storage.get_all_studies()
