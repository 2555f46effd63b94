"""A full disk loses nothing and breaks nothing for good; a study's input is checked before work starts.

A full disk is a file-size limit (RLIMIT_FSIZE) in a subprocess: with SIGXFSZ ignored, a write past it gets
EFBIG, which the app treats as ENOSPC. It needs no privileges, so CI (or a laptop) runs it as it is.
"""

import errno
import json
import os
import subprocess
import sys

import pytest

from mnist_gui.core import study as st
from mnist_gui.core.study import storage as study_storage
from tests.conftest import ROOT, mnist_dir, mnist_skip_reason

needs_mnist = pytest.mark.skipif(mnist_dir() is None, reason=mnist_skip_reason())
needs_posix = pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE and FIFOs are POSIX")
TINY = ["--preset", "fast-bn", "--train-size", "200", "--max-steps", "2"]

# python -c: run the CLI with a file-size limit (argv[1] bytes; 0: none), as on a disk that is full
_LIMITED = """
import resource, signal, sys
limit = int(sys.argv[1])
if limit:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from mnist_gui.cli import main
raise SystemExit(main(sys.argv[2:]))
"""


def cli(*args, fsize: int = 0, timeout: float = 300):
    return subprocess.run([sys.executable, "-c", _LIMITED, str(fsize), *args], capture_output=True, text=True,
                          cwd=str(ROOT), timeout=timeout, stdin=subprocess.DEVNULL,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


def one_line(r) -> str:
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    lines = [line for line in r.stderr.splitlines() if line.startswith("mnist-gui")]
    assert len(lines) == 1, r.stderr
    return lines[0]


def _journal(home, name="lr"):
    return home / "studies" / f"{name}.journal"


def _trials(home, name="lr"):
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalStorage
    storage = JournalStorage(JournalFileBackend(str(_journal(home, name))))
    return optuna.load_study(study_name=name, storage=storage).get_trials()


# -- the save path ---------------------------------------------------------------------------------------

@pytest.mark.slow
@needs_mnist
@needs_posix
def test_train_on_a_full_disk_is_one_line_and_leaves_no_debris(_isolated_home):
    r = cli("train", *TINY, "--no-progress", fsize=50_000)
    line = one_line(r)
    assert "the disk is full:" in line and "kB needed at" in line and str(_isolated_home / "runs") in line, line
    assert "the trained model was not saved" in line
    assert list((_isolated_home / "runs").iterdir()) == []   # no .partial folder, no half record


def test_a_record_that_does_not_fit_leaves_no_staging_folder_and_names_the_runs_folder(tmp_path):
    from mnist_gui.core.runs import RunStore
    from mnist_gui.core.storage import DiskFullError
    store = RunStore(tmp_path / "runs")

    def full(path):
        raise DiskFullError(190_000, path.parent)
    with pytest.raises(DiskFullError, match=r"the disk is full: 190 kB needed at .*runs$"):
        store.record("finished", {"preset": "fast"}, {}, {}, 1.0, full)
    assert list(store.root.iterdir()) == []


def test_a_write_that_does_not_fit_keeps_the_old_file_and_says_how_much_was_needed(tmp_path, monkeypatch):
    from mnist_gui.core import storage
    target = tmp_path / "f.json"
    target.write_bytes(b"old")
    real_fsync = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(storage.os, "fsync", full)
    with pytest.raises(storage.DiskFullError, match=r"the disk is full: 3 kB needed at "):
        storage.atomic_write_bytes(target, b"x" * 2500)
    monkeypatch.setattr(storage.os, "fsync", real_fsync)
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["f.json"]


@needs_mnist
def test_a_run_that_could_not_be_saved_keeps_its_model_and_is_recorded_on_retry(_isolated_home, small_mnist,
                                                                                 monkeypatch):
    from mnist_gui.core import storage
    from mnist_gui.core.recipes import TrainConfig
    from mnist_gui.core.train import Trainer
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    result = Trainer(TrainConfig(preset="fast-bn", max_steps=2, train_size=200, eval_every_epoch=False),
                     small_mnist, lambda ev: None).run()
    real = os.fsync

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(storage.os, "fsync", full)
    done = ws.finish_run(result)
    assert done.record is None and done.unsaved and done.checkpoint.model is not None
    assert done.problem.startswith("could not record the run: the disk is full:"), done.problem
    assert list(ws.runs.root.iterdir()) == []
    monkeypatch.setattr(storage.os, "fsync", real)   # space freed
    again = done.retry()
    assert again.record is not None and not again.unsaved and again.checkpoint.path.is_file()
    assert [r.id for r in ws.runs.load()[0]] == [again.record.id]


# -- a study on a full disk --------------------------------------------------------------------------------

@pytest.mark.slow
@needs_mnist
@needs_posix
def test_a_study_whose_runs_do_not_fit_stops_and_its_trials_run_again_when_there_is_room(_isolated_home):
    r = cli("study", "--param", "lr", "--values", "1e-3,2e-3", *TINY, fsize=100_000)   # the models do not fit
    line = one_line(r)
    assert "the disk is full:" in line and "run it again to resume" in line, line
    assert [t.state.name for t in _trials(_isolated_home)] == ["FAIL", "WAITING"]   # not "complete"
    assert list((_isolated_home / "runs").iterdir()) == []
    r = cli("study", "--param", "lr", "--values", "1e-3,2e-3", *TINY, "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    out = json.loads(r.stdout)
    assert [v["runs"] for v in out["values"]] == [1, 1]
    assert len(list((_isolated_home / "runs").iterdir())) == 2


@pytest.mark.slow
@needs_mnist
@needs_posix
def test_a_journal_write_that_does_not_fit_leaves_no_torn_line_and_the_study_resumes(_isolated_home):
    r = cli("study", "--param", "lr", "--values", "1e-3", *TINY)
    assert r.returncode == 0, r.stderr[-2000:]
    size = _journal(_isolated_home).stat().st_size
    r = cli("study", "--param", "lr", "--values", "1e-3,2e-3", *TINY, fsize=size + 300)
    line = one_line(r)
    assert f"cannot write the study file {_journal(_isolated_home)}: the disk is full" in line, line
    assert _journal(_isolated_home).read_bytes().endswith(b"\n")
    r = cli("study", "--param", "lr", "--values", "1e-3,2e-3", *TINY, "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    assert [v["runs"] for v in json.loads(r.stdout)["values"]] == [1, 1]


# -- a damaged journal -------------------------------------------------------------------------------------

def _made(ws, values=(1e-3,)):
    plan = st.StudyPlan("lr", "lr", list(values), 1, overrides={"max_steps": 2})
    st.open_study(ws, plan)
    return plan


def test_a_torn_last_line_is_set_aside_and_the_study_opens_from_its_last_whole_record(_isolated_home):
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    _made(ws)
    path = _journal(_isolated_home)
    whole = path.read_bytes()
    path.write_bytes(whole + b'{"op_code":5,"worker_id":"x","study_id":0,"us')   # a write cut short
    study = st.open_study(ws, st.StudyPlan("lr", "lr", [1e-3, 2e-3], 1, overrides={"max_steps": 2}))
    assert len(study.get_trials()) == 2
    torn = list(path.parent.glob("lr.journal.torn-*"))
    assert len(torn) == 1 and torn[0].read_bytes() == b'{"op_code":5,"worker_id":"x","study_id":0,"us'
    assert path.read_bytes().startswith(whole) and path.read_bytes().endswith(b"\n")
    assert len(st.load_study(ws, "lr").get_trials()) == 2   # and it opens again


@pytest.mark.parametrize("garbage", [b"\x00\xff\xfe garbage", b"[" * 100_000])   # not UTF-8; too deep for json
@pytest.mark.parametrize("damage", ["middle", "end"])
def test_garbage_in_a_journal_names_the_file_and_line_and_nothing_is_appended(_isolated_home, damage, garbage):
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    _made(ws)
    path = _journal(_isolated_home)
    lines = path.read_bytes().splitlines(keepends=True)
    bad = 2 if damage == "middle" else len(lines) + 1
    lines.insert(bad - 1, garbage + b"\n")
    path.write_bytes(b"".join(lines))
    before = path.read_bytes()
    with pytest.raises(st.StudyError, match=rf"the study file {path} is damaged at line {bad} "):
        st.open_study(ws, st.StudyPlan("lr", "lr", [1e-3, 2e-3], 1, overrides={"max_steps": 2}))
    assert path.read_bytes() == before


@pytest.mark.parametrize("text", [b"precious notes, one line", b'{"results": [1, 2, 3]}'])
def test_a_file_of_one_line_that_is_no_study_record_is_refused_not_cut(_isolated_home, tmp_path, text):
    """--storage naming a file of the user's with no newline in it (a note, a minified JSON file): its one
    line is no torn study record. Before, it was "repaired": moved to <name>.torn-<time>, the file cut to
    nothing and the study written into it."""
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    path = tmp_path / "notes.txt"
    path.write_bytes(text)
    with pytest.raises(st.StudyError, match=rf"the study file {path} is damaged at line 1 "):
        study_storage.check_storage(ws, "lr", str(path))
    assert path.read_bytes() == text and list(tmp_path.glob("notes.txt.torn-*")) == []


def test_an_empty_journal_starts_the_study(_isolated_home):
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    path = _journal(_isolated_home)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"")
    assert len(st.open_study(ws, st.StudyPlan("lr", "lr", [1e-3], 1)).get_trials()) == 1


# -- what a study's storage may be -------------------------------------------------------------------------

def _storages(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "zero.journal").symlink_to("/dev/zero")
    with open(tmp_path / "sparse.journal", "wb") as f:
        f.truncate(1 << 30)
    return [
        ("/dev/zero", "is a device or pipe, not a file"),
        (str(tmp_path / "zero.journal"), "is a symbolic link, not a file"),
        (str(tmp_path / "folder"), "is a folder, not a file"),
        (str(tmp_path / "sparse.journal"), "a study journal is at most 64 MB"),
        (str(tmp_path / "missing" / "dir" / "x.journal"), f"the folder {tmp_path / 'missing' / 'dir'} does not exist"),
        ("foo://bar", "unknown storage foo://"),
        ("http://example.com/x", "unknown storage http://"),
        ("://", "'://' is not a storage URL"),
        (f"sqlite:///{tmp_path}/missing/dir/x.db", f"the folder {tmp_path}/missing/dir does not exist"),
        ("sqlite://", "sqlite:// without a file keeps nothing"),
        (f"sqlite:///{tmp_path}/folder", "is not a file"),
    ]


@needs_posix
def test_a_storage_that_cannot_hold_a_study_is_refused_before_anything_is_read_or_made(_isolated_home, tmp_path):
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    for storage, words in _storages(tmp_path):
        with pytest.raises(st.StudyError) as e:
            st.open_study(ws, st.StudyPlan("lr", "lr", [1e-3], 1, storage=storage))
        assert words in str(e.value) and "\n" not in str(e.value), (storage, str(e.value))
    assert not (tmp_path / "missing").exists()   # no folder made outside the app folder


def test_a_database_without_its_driver_says_what_to_install(_isolated_home, monkeypatch):
    from sqlalchemy.engine import make_url

    def missing():
        raise ImportError("No module named 'psycopg'")
    monkeypatch.setattr(make_url("postgresql://").get_dialect(), "import_dbapi", staticmethod(missing))
    with pytest.raises(st.StudyError, match=r"no database driver for postgresql:// here; install "
                                            r"'mnist-gui\[postgres\]'"):
        study_storage.check_storage(None, "x", "postgresql://user:secret@localhost/db")


@needs_posix
def test_a_fifo_as_the_journal_is_refused_not_waited_on(_isolated_home, tmp_path):
    fifo = tmp_path / "study.journal"
    os.mkfifo(fifo)
    line = one_line(cli("study", "--param", "lr", "--values", "1e-3", "--storage", str(fifo), *TINY, timeout=120))
    assert f"the study file {fifo} is a device or pipe, not a file" in line


# -- limits -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, words", [
    (lambda ws: st.parse_values(st.parameter("lr"), range_="1e-4:1e-2", count=100_000),
     "the count must be between 1 and 10,000, got 100,000"),
    (lambda ws: st.StudyPlan("lr", "lr", st.parse_values(st.parameter("lr"), range_="1e-4:1e-2", count=1000),
                             100).check(ws),
     "a study runs at most 10,000 trials; 1,000 values × 100 seeds are 100,000"),
    (lambda ws: st.StudyPlan("s", search={"lr": (1e-4, 1e-2, True)}, trials=10**8).check(ws),
     "a search runs 1 to 10,000 trials"),
    (lambda ws: st.parse_values(st.parameter("lr"), range_="1e-4:inf", count=3, log=True),
     "a range needs finite ends"),
])
def test_absurd_grids_and_searches_are_refused_in_one_line(make, words, _isolated_home):
    from mnist_gui.core.workspace import Workspace
    with pytest.raises(st.StudyError) as e:
        make(Workspace(_isolated_home))
    assert words in str(e.value)


def test_workers_are_limited_by_the_cores_and_the_memory_here(monkeypatch):
    from mnist_gui.core.study import running
    monkeypatch.setattr(running, "_cores", lambda: 2)
    monkeypatch.setattr(running, "_available_memory", lambda: 2 * 2**30)
    running.check_workers(1)
    with pytest.raises(st.StudyError, match="--workers 64 is more than this machine's 2 cores"):
        running.check_workers(64)
    with pytest.raises(st.StudyError, match=r"--workers 2 needs about 3.0 GB of memory; 2.0 GB is available"):
        running.check_workers(2)
    with pytest.raises(st.StudyError, match="--workers must be at least 1"):
        running.check_workers(0)


@pytest.mark.slow
def test_cli_study_input_errors_are_one_line(_isolated_home):
    for args, words in ((["--search", ""], "a search takes 1 to 3 parameters, got 0"),
                        (["--param", "lr", "--values", "1e-3", "--workers", "64"], "--workers 64 is more than"),
                        (["--param", "lr", "--values", "1e-3", "--storage", "foo://bar"], "unknown storage foo://")):
        assert words in one_line(cli("study", *args, "--max-steps", "2")), args
    assert not (_isolated_home / "runs").exists()


@pytest.mark.slow
@needs_mnist
@pytest.mark.parametrize("param, values", [("lr", "1e-3"), ("train_size", "none,all")])
def test_a_one_point_grid_runs(_isolated_home, small_mnist, param, values):
    """Optuna 4's GridSampler failed a one-point grid (KeyError 'grid_id'); the grid is a queue instead."""
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    ws.use_mnist(small_mnist)
    plan = st.StudyPlan("one", param, st.parse_values(st.parameter(param), values), 1,
                        overrides={"preset": "fast-bn", "max_steps": 2})
    study = st.run_study(ws, plan)
    assert [t.state.name for t in study.get_trials()] == ["COMPLETE"]


def test_a_read_only_journal_is_refused_before_the_study_starts(_isolated_home, monkeypatch):
    """(A read-only mount; root ignores file modes, so the check is os.access, patched here.)"""
    from mnist_gui.core.workspace import Workspace
    ws = Workspace(_isolated_home)
    _made(ws)
    monkeypatch.setattr(study_storage.os, "access", lambda p, mode: not mode & os.W_OK)
    with pytest.raises(st.StudyError, match=rf"the study file {_journal(_isolated_home)} is read-only"):
        st.open_study(ws, st.StudyPlan("lr", "lr", [1e-3, 2e-3], 1, overrides={"max_steps": 2}))
