"""Where studies are kept, and opening one again.

Studies are stored in an Optuna JournalStorage file, <app folder>/studies/<name>.journal (or any Optuna
storage URL), so a study resumes where it stopped. On a database storage (an RDB URL: postgresql://…,
sqlite:///…) every worker records a heartbeat while its trial runs; a trial whose worker went silent
(its machine or process died) is failed by the next worker that looks, and put back in the queue
(Optuna's RetryHeartbeatStaleTrialCallback), so another worker runs it. Each grid point (value, seed) is put in Optuna's queue
once (`enqueue_trial`); a worker takes a queued trial atomically, so with several workers — processes
here, or machines sharing the storage — every point runs exactly once. (GridSampler alone re-runs the
last points when workers overlap, and never re-runs a point whose process was killed.) A trial stopped
by the user or killed with its process is put back in the queue when the study is opened again.
"""

from __future__ import annotations

import functools
import json
import os
import socket
import stat
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from mnist_gui.core.storage import (
    DiskFullError,
    StateFileError,
    atomic_write_bytes,
    loads_json,
    no_space,
    read_state_file,
    size_text,
)
from mnist_gui.core.study.params import SEED, StudyError
from mnist_gui.core.study.plan import StudyPlan

if TYPE_CHECKING:
    import optuna

    from mnist_gui.core.workspace import Workspace

HOST = socket.gethostname()
# On a database storage a running trial's worker says it is alive every HEARTBEAT_S seconds
# ($MNIST_GUI_STUDY_HEARTBEAT); a trial silent for GRACE_HEARTBEATS of them is failed and run again, at
# most MAX_RETRIES times.
HEARTBEAT_S = 10
GRACE_HEARTBEATS = 3
MAX_RETRIES = 3


def studies_dir(ws: Workspace) -> Path:
    return ws.studies_dir


def is_database(storage: str | None) -> bool:
    """An RDB URL (postgresql://…, sqlite:///…), not a journal file."""
    return bool(storage) and "://" in storage


def heartbeat_s() -> int:
    """Seconds between a running trial's heartbeats on a database storage."""
    text = os.environ.get("MNIST_GUI_STUDY_HEARTBEAT", "").strip()
    if not text:
        return HEARTBEAT_S
    if not text.isdigit() or int(text) < 1:
        raise StudyError(f"MNIST_GUI_STUDY_HEARTBEAT is the seconds between heartbeats (1 or more), got {text!r}")
    return int(text)


# A database server that stops answering (restarted, its network down) is waited for, trying again with a
# growing pause, for at most this long ($MNIST_GUI_STUDY_DB_WAIT seconds); one log line says it is away, one
# that it is back. Longer, the worker stops with one line.
DB_WAIT_S = 120
_RETRIED = (
    "create_new_study", "delete_study", "set_study_user_attr", "set_study_system_attr", "get_study_id_from_name",
    "get_study_name_from_id", "get_study_directions", "get_study_user_attrs", "get_study_system_attrs",
    "get_trial_user_attrs", "get_trial_system_attrs", "get_all_studies", "create_new_trial", "set_trial_param",
    "get_trial_param", "set_trial_state_values", "set_trial_intermediate_value", "set_trial_user_attr",
    "set_trial_system_attr", "get_trial_id_from_study_id_trial_number", "get_trial", "get_all_trials",
    "get_best_trial", "record_heartbeat", "_get_stale_trial_ids", "get_trial_number_from_id",
    "get_n_trials", "check_trial_is_updatable",
    "_get_trials", "_create_new_trial", "_get_best_trial_id", "_set_trial_param",   # what Optuna's cache calls
)


def db_wait_s() -> float:
    text = os.environ.get("MNIST_GUI_STUDY_DB_WAIT", "").strip()
    if not text:
        return DB_WAIT_S
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 <= value < 1e6:
        raise StudyError(f"MNIST_GUI_STUDY_DB_WAIT is the seconds to wait for the study database, got {text!r}")
    return value


def _connection_lost(e: BaseException | None) -> bool:
    """Whether an error is the database being away (a refused or dropped connection), not a bad request."""
    from sqlalchemy import exc
    seen = 0
    while e is not None and seen < 10:
        if isinstance(e, (exc.OperationalError, exc.InterfaceError)) or (
                isinstance(e, exc.DBAPIError) and e.connection_invalidated):
            return True
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


@functools.cache
def _retrying_rdb_class():
    import logging

    from optuna.exceptions import UpdateFinishedTrialError
    from optuna.storages import RDBStorage
    log = logging.getLogger(__name__)

    class RetryingRDBStorage(RDBStorage):
        """RDBStorage whose every call waits for a database that is away (see DB_WAIT_S): Optuna's own
        code fails, and on a failed tell fails again inside its error handling ("cannot access local
        variable 'updated_state'"), when the server is away for a moment."""
        shown = ""
        _away_since: float | None = None
        _lock = threading.Lock()

        def _retry(self, name, *args, **kwargs):
            call = getattr(RDBStorage, name)
            pause, waited_from = 0.5, None
            while True:
                try:
                    out = call(self, *args, **kwargs)
                except UpdateFinishedTrialError:
                    # a state written just before the connection dropped, then written again: it is there
                    if name == "set_trial_state_values" and waited_from is not None:
                        return True
                    raise
                except Exception as e:
                    if not _connection_lost(e):
                        raise
                    now = time.monotonic()
                    waited_from = waited_from or now
                    limit = db_wait_s()
                    with self._lock:
                        if self._away_since is None:
                            type(self)._away_since = now
                            log.warning("the study database %s is not answering (%s); trying again for up "
                                        "to %.0f s", self.shown, _first_line(e), limit)
                    if now - waited_from >= limit:
                        raise StudyError(f"the study database {self.shown} has not answered for {limit:.0f} s: "
                                         f"{_first_line(e)}") from None
                    time.sleep(min(pause, max(0.0, waited_from + limit - now)))
                    pause = min(pause * 2, 5.0)
                    continue
                with self._lock:
                    if self._away_since is not None:
                        log.warning("the study database %s answers again (away %.0f s)", self.shown,
                                    time.monotonic() - self._away_since)
                        type(self)._away_since = None
                return out

    for name in _RETRIED:
        if hasattr(RDBStorage, name):
            setattr(RetryingRDBStorage, name,
                    functools.wraps(getattr(RDBStorage, name))(
                        lambda self, *a, _name=name, **k: self._retry(_name, *a, **k)))
    return RetryingRDBStorage


def _first_line(e: BaseException) -> str:
    inner = getattr(e, "orig", None) or e.__cause__ or e
    text = str(getattr(inner, "orig", None) or inner).strip().splitlines()
    return text[0][:200] if text else type(e).__name__


def _database(url: str):
    """An RDBStorage with heartbeats and retries of the trials whose worker went silent, which waits for a
    server that is away for a moment (DB_WAIT_S)."""
    import warnings

    import optuna
    from optuna.storages import RetryHeartbeatStaleTrialCallback
    RDBStorage = _retrying_rdb_class()
    beat = heartbeat_s()
    try:
        from sqlalchemy.engine import make_url
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - RDBStorage says what is wrong with the URL below
        shown = url.split("@")[-1]
    try:
        with warnings.catch_warnings():   # heartbeats are "experimental" in Optuna's words since 2.9
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            db = RDBStorage(url, engine_kwargs={"pool_pre_ping": True}, heartbeat_interval=beat,
                            grace_period=GRACE_HEARTBEATS * beat,
                            heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRIES))
            db.shown = shown
            return db
    except ImportError as e:   # SQLAlchemy names the driver it could not import
        hint = " (pip install 'mnist-gui[postgres]')" if url.startswith("postgresql") else ""
        raise StudyError(f"cannot open the study storage {shown}: its database driver is not installed: "
                         f"{e}{hint}") from None
    except Exception as e:  # noqa: BLE001 - SQLAlchemy's and the driver's errors: one line for the user
        first = str(getattr(e, "orig", None) or e).strip().splitlines()
        raise StudyError(f"cannot open the study storage {shown}: {first[0] if first else type(e).__name__}") from None


def storage_for(ws: Workspace, name: str, storage: str | None = None):
    """The Optuna storage: a database (an RDB URL, with heartbeats), or a journal file (given, or
    <app folder>/studies/<name>.journal). Checked first (check_storage): StudyError, one line, for a storage
    that cannot hold a study."""
    import optuna
    from optuna.storages.journal import JournalStorage
    check_storage(ws, name, storage)
    if is_database(storage):
        return _database(storage)
    path = Path(storage) if storage else studies_dir(ws) / f"{name}.journal"
    try:
        return JournalStorage(_journal_class()(str(path), lock_obj=_journal_lock(path)))
    except OSError as e:
        raise StudyError(f"cannot open the study file {path}: {e.strerror or e}") from None
    except optuna.exceptions.OptunaError as e:
        raise StudyError(f"cannot open the study file {path}: {e}") from None


MAX_JOURNAL_BYTES = 64_000_000  # several times what a study of params.MAX_TRIALS trials writes
# The SQLAlchemy backends Optuna's RDB storage runs on, and what to install when the driver is missing.
RDB_DRIVERS = {"sqlite": "", "postgresql": "install 'mnist-gui[postgres]'",
               "mysql": "install a MySQL driver for SQLAlchemy (pip install pymysql)"}


# A journal's lock (<journal>.lock) is held for one append or one repair: milliseconds. One older than this, or
# one whose owner (a process of this machine, named in the lock) has ended, was left by a killed or hung
# process and is removed at once (Optuna's own lock waits 30 s from when this process first sees it, however
# old the lock already is).
LOCK_STALE_S = 30


def _journal_lock(path: Path):
    """The lock Optuna's journal backend takes around each append; the same one guards a repair."""
    from optuna.storages.journal import JournalFileOpenLock
    # the open lock works everywhere (symlinks need rights on Windows)
    return JournalFileOpenLock(str(path)) if os.name == "nt" else _study_lock_class()(str(path))


@functools.cache
def _study_lock_class():
    from optuna.storages.journal import JournalFileSymlinkLock

    class StudyLock(JournalFileSymlinkLock):
        """Optuna's symlink lock whose link names its owner (`<journal>#<host>#<pid>`), never waited for blindly:
        a lock whose owner on this machine has ended, or older than LOCK_STALE_S by its own time, is removed
        (said in one log line) and taken."""

        def __init__(self, filepath: str) -> None:
            super().__init__(filepath, grace_period=None)
            self._owner = f"{filepath}#{HOST}#{os.getpid()}"

        def acquire(self) -> bool:
            pause = 0.001
            while True:
                try:
                    os.symlink(self._owner, self._lock_file)
                    return True
                except FileExistsError:
                    if self._remove_if_stale():
                        continue
                    time.sleep(pause)
                    pause = min(pause * 2, 0.1)

        def stale_reason(self) -> str | None:
            """Why the lock there now is stale ("its process 123 has ended", "it is 3,600 s old"), or None."""
            return lock_stale_reason(self._lock_file)

        def _remove_if_stale(self) -> bool:
            try:
                seen = os.readlink(self._lock_file)
            except FileNotFoundError:
                return True          # released meanwhile: try again
            except OSError:
                seen = None          # not a link (another kind of lock file): judged by its age alone
            reason = self.stale_reason()
            if reason is None:
                return False
            aside = f"{self._lock_file}.{os.getpid()}.{time.monotonic_ns()}.stale"
            try:
                os.rename(self._lock_file, aside)
            except FileNotFoundError:
                return True
            try:
                if seen is not None and os.readlink(aside) != seen:   # another process took it meanwhile
                    try:
                        os.link(aside, self._lock_file, follow_symlinks=False)
                    except OSError:
                        pass
                    return False
            except OSError:
                pass
            finally:
                try:
                    os.unlink(aside)
                except OSError:
                    pass
            import logging
            logging.getLogger(__name__).warning("removed the stale study lock %s (%s)", self._lock_file, reason)
            return True

    return StudyLock


def lock_stale_reason(lock_file) -> str | None:
    """Why a study lock file is stale: its owner (a process of this machine, named in the link) has ended, or
    it is older than LOCK_STALE_S by its own time (not by when someone first saw it). None when it is fresh,
    held by a live process, or gone."""
    try:
        st = os.lstat(lock_file)
    except OSError:
        return None
    try:
        _, host, pid = os.readlink(lock_file).rsplit("#", 2)
        if host == HOST and pid.isdigit() and not _pid_alive(int(pid)):
            return f"its process {pid} has ended"
    except (OSError, ValueError):
        pass   # Optuna's own lock, or a file: no owner named
    age = time.time() - st.st_mtime
    if age > LOCK_STALE_S:
        return f"it is {age:,.0f} s old"
    return None


def check_storage(ws: Workspace, name: str, storage: str | None = None) -> None:
    """Before any storage is made: StudyError, one line, for a storage URL that names no database this can
    reach (an unknown scheme, a missing driver or folder), and for a journal that is not a regular file of
    a sane size, or whose folder does not exist outside the app folder. A journal whose last line was torn
    (a full disk, a killed process) has that line set aside in <journal>.torn-<time> so the study resumes
    from its last whole record; a damaged line elsewhere is named (file and line), never appended to."""
    if storage and "://" in storage:
        _check_url(storage)
        return
    path = Path(storage) if storage else studies_dir(ws) / f"{name}.journal"
    _check_folder(ws, path.parent)
    try:
        st = path.lstat()           # never through a link: a study writes to its file
    except FileNotFoundError:
        return
    except OSError as e:
        raise StudyError(f"cannot open the study file {path}: {e.strerror or e}") from None
    if not stat.S_ISREG(st.st_mode):
        what = ("a folder" if stat.S_ISDIR(st.st_mode) else "a symbolic link" if stat.S_ISLNK(st.st_mode)
                else "a device or pipe")
        raise StudyError(f"the study file {path} is {what}, not a file")
    if st.st_size > MAX_JOURNAL_BYTES:
        raise StudyError(f"the study file {path} is {size_text(st.st_size)}; a study journal is at most "
                         f"{size_text(MAX_JOURNAL_BYTES)}")
    if not os.access(path, os.R_OK):
        raise StudyError(f"cannot read the study file {path}: permission denied")
    if not os.access(path, os.W_OK):
        raise StudyError(f"the study file {path} is read-only; a study writes every trial to it")
    _repair_journal(path)


def _check_folder(ws: Workspace, folder: Path) -> None:
    """The journal's folder: made inside the app folder; elsewhere it must exist already."""
    if folder.is_dir():
        return
    home = Path(ws.home).resolve()
    if folder.resolve() == home or home in folder.resolve().parents:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            return
        except OSError as e:
            raise StudyError(f"cannot make the folder {folder}: {e.strerror or e}") from None
    raise StudyError(f"the folder {folder} does not exist (or is not a folder); make it first")


def _check_url(url: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError
    shown = url.split("@")[-1] if "@" in url else url   # never echo a password
    try:
        u = make_url(url)
    except ArgumentError:
        raise StudyError(f"{shown!r} is not a storage URL; give a journal file, sqlite:///file.db, "
                         f"postgresql://… or mysql://…") from None
    backend = u.get_backend_name()
    if backend not in RDB_DRIVERS:
        raise StudyError(f"unknown storage {backend}://; give a journal file, sqlite:///file.db, "
                         f"postgresql://… or mysql://…")
    try:
        u.get_dialect().import_dbapi()
    except (ImportError, NoSuchModuleError):
        raise StudyError(f"no database driver for {u.drivername}:// here; {RDB_DRIVERS[backend]}") from None
    if backend == "sqlite":
        db = u.database or ""
        if db in ("", ":memory:"):
            raise StudyError("sqlite:// without a file keeps nothing; give sqlite:///path/to/file.db")
        folder = Path(db).parent
        if not folder.is_dir():
            raise StudyError(f"the folder {folder} does not exist (or is not a folder); make it first")
        if Path(db).exists() and not Path(db).is_file():
            raise StudyError(f"the study database {db} is not a file")


# Optuna writes each record as json.dumps(log, separators=(",", ":")), op_code first: a torn last line starts so
_RECORD_START = b'{"op_code":'


def _repair_journal(path: Path) -> None:
    """Set a torn last line aside, under the journal's lock; StudyError naming a damaged line (a last line
    that is not the start of a study record is damage, not a torn write: never cut)."""
    from optuna.storages.journal._file import get_lock_file
    with get_lock_file(_journal_lock(path)):
        try:   # the bounded reader: a file that grew past the limit is refused whole, never cut from a part
            data = read_state_file(path, MAX_JOURNAL_BYTES)
        except StateFileError as e:
            raise StudyError(f"the study file {e}") from None
        except OSError as e:
            raise StudyError(f"cannot read the study file {path}: {e.strerror or e}") from None
        whole = data.rfind(b"\n") + 1
        lines = data[:whole].splitlines()
        for number, line in enumerate(lines, start=1):
            try:   # the one JSON reader: not UTF-8, not JSON, nested too deeply (RecursionError escaped json.loads)
                record = loads_json(line, MAX_JOURNAL_BYTES)
            except ValueError:
                record = None
            if not (isinstance(record, dict) and "op_code" in record):
                raise StudyError(f"the study file {path} is damaged at line {number} (not a study record); "
                                 f"restore it, or move it away to start the study again")
        if whole == len(data):
            return
        tail = data[whole:]
        if not (tail.startswith(_RECORD_START) or _RECORD_START.startswith(tail)):
            raise StudyError(f"the study file {path} is damaged at line {len(lines) + 1} (not a study record); "
                             f"restore it, or move it away to start the study again")
        aside = path.with_name(f"{path.name}.torn-{time.strftime('%Y%m%d-%H%M%S')}")
        try:
            atomic_write_bytes(aside, data[whole:])
            os.truncate(path, whole)
        except OSError as e:
            raise StudyError(f"the study file {path} ends in a torn line that cannot be set aside: "
                             f"{e.strerror or e}") from None


@functools.cache
def _journal_class():
    """Optuna's JournalFileBackend whose append, when it fails (a full disk), cuts the file back to its last
    whole line, so that the next write never lands on a torn one."""
    from optuna.storages.journal import JournalFileBackend
    from optuna.storages.journal._file import get_lock_file

    class Journal(JournalFileBackend):
        def append_logs(self, logs):
            try:
                return super().append_logs(logs)
            except OSError as e:
                with get_lock_file(self._lock):
                    with open(self._file_path, "rb") as f:
                        data = f.read()
                    os.truncate(self._file_path, data.rfind(b"\n") + 1)
                reason = (str(DiskFullError(len(json.dumps(logs)), Path(self._file_path).parent))
                          if no_space(e) else e.strerror or str(e))
                raise StudyError(f"cannot write the study file {self._file_path}: {reason}") from None
    return Journal


def quiet_optuna() -> None:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)


def load_study(ws: Workspace, name: str, storage: str | None = None) -> optuna.Study | None:
    """An existing study (for showing it), or None when there is none of this name."""
    if not storage and not os.path.lexists(studies_dir(ws) / f"{name}.journal"):
        return None
    import optuna
    quiet_optuna()
    try:
        return optuna.load_study(study_name=name, storage=storage_for(ws, name, storage))
    except KeyError:
        return None


def study_plan(study: optuna.Study) -> StudyPlan | None:
    d = study.user_attrs.get("plan")
    return StudyPlan.from_dict(d) if isinstance(d, dict) else None


def _pid_alive(pid) -> bool:
    if not isinstance(pid, int):
        return False
    if pid == os.getpid():
        return True
    if os.name == "nt":   # no cheap, safe check there: a trial of another local process counts as gone
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def interrupted(t: optuna.trial.FrozenTrial) -> bool:
    """A failed trial that ended without a verdict of its own: stopped by the user (its "interrupted"
    attribute), or its process was killed. Every failure the running process sees keeps its reason in the
    "error" attribute; open_study fails a killed process's trial with Study.tell, which sets no attribute,
    so a failed trial without an error is one whose process is gone."""
    from optuna.trial import TrialState
    return t.state == TrialState.FAIL and bool(t.user_attrs.get("interrupted") or "error" not in t.user_attrs)


def open_study(ws: Workspace, plan: StudyPlan) -> optuna.Study:
    """Create the study, or open it again (same name, same base settings): trials of this machine whose
    process is gone are failed (and so read as interrupted), and every grid point not yet done, queued or
    running is queued."""
    import optuna
    from optuna.trial import TrialState
    quiet_optuna()
    plan.check(ws)
    storage = storage_for(ws, plan.name, plan.storage)
    # A grid's points are all queued below, each trial with its fixed values: no GridSampler (whose
    # after_trial fails a one-point grid on Optuna 4, KeyError 'grid_id').
    sampler = (optuna.samplers.TPESampler(seed=None) if plan.mode == "search"
               else optuna.samplers.RandomSampler())
    try:
        study = optuna.create_study(study_name=plan.name, storage=storage, sampler=sampler, direction="maximize",
                                    load_if_exists=True)
    except (optuna.exceptions.OptunaError, ValueError, OSError) as e:
        raise StudyError(f"cannot open study {plan.name!r}: {e}") from None
    old = study_plan(study)
    if old is None:
        study.set_user_attr("plan", plan.to_dict())
        study.set_user_attr("describe", plan.describe())
    elif study.user_attrs.get("describe") != plan.describe():
        raise StudyError(f"study {plan.name!r} was made with other settings ({_settings_text(old)}); "
                         f"choose another name, or the same settings to resume it")
    else:   # the same study with perhaps more values or seeds: remember the grid as it is now
        merged = plan.to_dict()
        if plan.mode == "grid":
            merged["values"] = list(dict.fromkeys(old.values + plan.values))
            merged["repeat"] = max(old.repeat, plan.repeat)
        study.set_user_attr("plan", merged)
    gone = [t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            if t.user_attrs.get("host") == HOST and not _pid_alive(t.user_attrs.get("pid"))]
    if gone:
        # Told through a handle with a sampler that keeps no state: tell() runs the sampler's after_trial,
        # and GridSampler's calls study.stop() when its grid looks done, which raises outside optimize().
        teller = optuna.load_study(study_name=plan.name, storage=storage, sampler=optuna.samplers.RandomSampler())
        for t in gone:   # another process opening the study may have failed it first
            teller.tell(t.number, state=TrialState.FAIL, skip_if_finished=True)
    if plan.mode == "grid":
        taken = set()
        for t in study.get_trials(deepcopy=False):
            if interrupted(t):
                continue
            p = t.params if t.state != TrialState.WAITING else t.system_attrs.get("fixed_params", {})
            if plan.param in p and SEED in p:
                taken.add((p[plan.param], p[SEED]))
        for value, seed in plan.grid():
            if (value, seed) not in taken:
                study.enqueue_trial({plan.param: value, SEED: seed}, user_attrs={"grid_point": True})
    return study


def _settings_text(plan: StudyPlan) -> str:
    d = plan.describe()
    what = ", ".join(d["params"])
    budget = ", ".join(f"{k} {v}" for k, v in d["overrides"].items()) or "no overrides"
    return f"{d['mode']} over {what}, recipe {d['recipe']}, {budget}"
