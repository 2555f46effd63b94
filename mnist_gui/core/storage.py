"""User-writable files: the one writer, the one bounded reader, bounded JSON, an advisory file lock.

Run records, My digits, settings, models and study files live in the user folder, where anything can end
up in them (a hand edit, a copy from another machine, a disk error, a link someone planted). Two rules:

- Every file the app writes goes through `atomic_write_bytes` (a temp file in the same folder, fsync,
  rename over a regular file or nothing) or, for the two append-only files, `open_append`. Neither
  follows a link at the destination; a destination that is a link, a FIFO, a device or a folder is
  refused with one line (`UnsafeDestination`).
- Every state file is read through `read_state_file`: checked for type (a regular file, not a link)
  and size before a byte is read; `StateFileError` says why in one line, and `set_aside` moves a bad
  regular file out of the way (`<name>.bad-<time>`) so the app starts on defaults.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import stat
import tempfile
import time
import zlib
from pathlib import Path

MAX_JSON_BYTES = 32 * 1024 * 1024  # a run record with a long training history is a few MB at most


class JsonFileError(ValueError):
    """A JSON file or line that cannot be used: too large, not UTF-8, invalid or nested too deeply."""


class StorageError(OSError):
    """The user folder cannot be written (read-only, full, or a file where a folder should be)."""


class DiskFullError(StorageError):
    """A write that did not fit: the disk (or the quota, or the process's file-size limit) is full."""

    def __init__(self, needed: int, where: Path):
        super().__init__(f"the disk is full: {size_text(needed)} needed at {where}")
        self.needed, self.where = needed, where


class UnsafeDestination(StorageError):
    """A file the app would write is not a regular file (a link, a FIFO, a device, a folder): refused."""


class MissingFolder(StorageError):
    """The folder a file would be written into does not exist (a path the user typed with a typo): refused
    with one line naming it, and nothing is made. The app's own folders are made by whoever writes there."""


class StateFileError(StorageError):
    """A state file that is not read: not a regular file (a link, a FIFO, a device, a folder) or too large."""


def kind_of(mode: int) -> str:
    """What a file is, for a message: 'a symbolic link', 'a FIFO', 'a device', 'a folder', 'a socket'."""
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a file" if stat.S_ISREG(mode) else "not a regular file"


def check_destination(path) -> None:
    """Raise UnsafeDestination unless path is missing or a regular file (a link is never followed)."""
    try:
        st = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeDestination(f"{path} is {kind_of(st.st_mode)}, not a regular file; not written")


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def _open_regular(path, flags: int, error: type[StorageError], what: str, follow: bool = False) -> int:
    """os.open without following a link (unless follow) and without blocking on a FIFO; the fd of a regular
    file, else `error` naming what the path is. FileNotFoundError (and other OSErrors) pass through."""
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        if not flags & os.O_CREAT:
            raise
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):   # never open a device or a FIFO at all
        raise error(f"{path} is {kind_of(st.st_mode)}, not a regular file; {what}")
    try:
        fd = os.open(path, flags | (0 if follow else _NOFOLLOW) | _NONBLOCK | _CLOEXEC | _BINARY, 0o666)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise error(f"{path} is a symbolic link, not a regular file; {what}") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"{path} is {kind_of(st.st_mode)}, not a regular file; {what}")
        if _NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_state_file(path, max_bytes: int, follow_links: bool = False) -> bytes:
    """The bytes of a user-writable state file, checked before reading: a regular file (a link, a FIFO, a
    device, a folder are StateFileError), at most max_bytes (larger: StateFileError; only max_bytes + 1 are
    ever read, whatever the file claims). FileNotFoundError when there is none; other OSErrors pass.
    follow_links: for a file the user names (an architecture file), a link to a regular file is read."""
    fd = _open_regular(path, os.O_RDONLY, StateFileError, "not read", follow=follow_links)
    with os.fdopen(fd, "rb") as f:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise StateFileError(f"{path}: too large ({size:,} bytes; the limit is {max_bytes:,})")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise StateFileError(f"{path}: too large (over {max_bytes:,} bytes, the limit)")
    return data


def open_state_file(path, follow_links: bool = False):
    """A regular file opened for reading in binary, checked before it is opened (the streaming form of
    read_state_file, for a file too large to hold whole: an IDX file): a link (unless follow_links), a FIFO,
    a device or a folder is StateFileError, never opened or waited on. FileNotFoundError when there is none."""
    return os.fdopen(_open_regular(path, os.O_RDONLY, StateFileError, "not read", follow=follow_links), "rb")


GUNZIP_PIECE = 1 << 22   # 4 MB


class Gunzip:
    """A gzip stream read from an open file (open_state_file's) in big pieces: one file read and one zlib call
    per GUNZIP_PIECE, never more out than read(n) asks for (a file that inflates past what its reader expects
    is caught after one piece). GzipFile inflates 8 kB at a time and each piece lets go of the GIL, so beside a
    busy thread (PyTorch importing for the Train tab) every piece waited for it: MNIST's training images took
    3.6 s instead of 0.17 s. zlib.error or EOFError for a damaged stream. Closing it closes the file."""

    def __init__(self, fileobj):
        self.fileobj = fileobj
        self._z = zlib.decompressobj(wbits=31)   # 31: a gzip header and trailer
        self._pending = b""   # read from the file, not yet inflated

    def read(self, n: int) -> bytes:
        parts, have = [], 0
        while have < n:
            if not self._pending:
                self._pending = self.fileobj.read(GUNZIP_PIECE)
                if not self._pending:
                    if not self._z.eof:
                        raise EOFError("compressed file ended before the end-of-stream marker was reached")
                    break
            if self._z.eof:   # a member ended and bytes follow: the next member (or gzip's zero padding)
                if not self._pending.strip(b"\0"):
                    self._pending = b""
                    continue
                self._z = zlib.decompressobj(wbits=31)
            out = self._z.decompress(self._pending, n - have)
            self._pending = self._z.unconsumed_tail or self._z.unused_data
            parts.append(out)
            have += len(out)
        return b"".join(parts)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.fileobj.close()


def set_aside(path) -> Path | None:
    """Move a bad regular state file out of the way as <name>.bad-<time>; its new path, or None when it is
    not a regular file (a link, a FIFO, a device are never moved or touched) or cannot be moved."""
    path = Path(path)
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        aside = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
        n = 1
        while os.path.lexists(aside):
            n += 1
            aside = path.with_name(f"{path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}-{n}")
        os.rename(path, aside)
    except OSError:
        return None
    return aside


def open_append(path):
    """A regular file opened to append to (created if missing), never through a link, never a FIFO or a
    device (UnsafeDestination): the one way the app appends (My digits)."""
    fd = _open_regular(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, UnsafeDestination, "not written")
    return os.fdopen(fd, "a+b")


def no_space(e: OSError) -> bool:
    """The write failed for want of room: ENOSPC, a quota (EDQUOT) or a file-size limit (EFBIG)."""
    return e.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC))


def size_text(n: int) -> str:
    """Bytes for a message: '190 kB', '1.3 MB', '13 MB' (rounded up: what is needed)."""
    if n < 1e6:
        return f"{max(1, math.ceil(n / 1e3))} kB"
    mb = n / 1e6
    return f"{math.ceil(mb * 10) / 10:g} MB" if mb < 10 else f"{math.ceil(mb)} MB"


def loads_json(data: bytes | str, max_bytes: int = MAX_JSON_BYTES):
    """Parse JSON text or UTF-8 bytes; every failure is one JsonFileError with a short reason."""
    if len(data) > max_bytes:
        raise JsonFileError(f"too large ({len(data):,} bytes; the limit is {max_bytes:,})")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as e:
            raise JsonFileError(f"not JSON text: byte {e.start} is not UTF-8 (a binary file?)") from None
    try:
        return json.loads(data)
    except RecursionError:
        raise JsonFileError("not valid JSON here (nested too deeply)") from None
    except json.JSONDecodeError as e:
        raise JsonFileError(f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    except ValueError:   # an integer of more than 4,300 digits
        raise JsonFileError("not valid JSON here (a number too long to read)") from None


def load_json_file(path, max_bytes: int = MAX_JSON_BYTES):
    """Read and parse a user-writable JSON file.

    Raises JsonFileError (a ValueError) naming the file for content that cannot be used, and OSError
    when the file cannot be read at all (missing, a folder, no permission).
    """
    path = Path(path)
    try:
        data = read_state_file(path, max_bytes)
    except StateFileError as e:
        raise JsonFileError(str(e)) from None
    try:
        return loads_json(data, max_bytes)
    except JsonFileError as e:
        raise JsonFileError(f"{path}: {e}") from None


def is_number(v) -> bool:
    """A finite int or float (bool is not a number here)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def check_history(h) -> str | None:
    """A training history is a dict of lists of finite numbers. None when it is, else what is wrong."""
    if not isinstance(h, dict):
        return f"history is {type(h).__name__}, not a table"
    for k, v in h.items():
        if not isinstance(v, list):
            return f"history {k!r} is {type(v).__name__}, not a list"
        bad = [x for x in v if not is_number(x)]
        if bad:
            return f"history {k!r} holds {str(bad[0])[:40]!r}, not a finite number"
    for a, b in (("step", "loss"), ("step", "accuracy"), ("epoch_step", "test_accuracy"),
                 ("epoch_step", "test_loss"), ("epoch", "test_accuracy")):
        if a in h and b in h and len(h[a]) != len(h[b]):
            return f"history {a!r} and {b!r} have different lengths ({len(h[a])} and {len(h[b])})"
    return None


@contextlib.contextmanager
def file_lock(path: Path):
    """Hold an exclusive advisory lock on `path` (a lock file, created if needed) for the with-block.

    fcntl.flock on POSIX, msvcrt.locking on Windows, no lock where neither exists. Processes that
    take the same lock never interleave; the lock is released when the block ends or the process dies.
    """
    path = Path(path)
    f = os.fdopen(_open_regular(path, os.O_RDWR | os.O_CREAT, UnsafeDestination, "not used as a lock"), "r+b")
    try:
        try:
            import fcntl
        except ImportError:
            fcntl = None
        if fcntl is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)
            return
        try:
            import msvcrt
        except ImportError:
            msvcrt = None
        if msvcrt is not None:
            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_LOCK, 1)  # retries for about 10 s, then OSError
            try:
                yield
            finally:
                f.seek(0)
                msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
            return
        yield
    finally:
        f.close()


def os_reason(e: OSError) -> str:
    """'Permission denied', 'Not a directory', ...: the short reason of an OSError."""
    return e.strerror or str(e) or type(e).__name__


def plain_name(name: str) -> bool:
    """A single path component that cannot leave its folder."""
    return bool(name) and name not in (".", "..") and "/" not in name and "\\" not in name \
        and os.sep not in name and "\0" not in name


def atomic_write_bytes(path: Path, data: bytes | bytearray | memoryview, *, make_folder: bool = False) -> None:
    """THE writer of every file the app writes: data to a temp file beside path, fsync, then rename over
    path. The destination must be missing or a regular file: a link (never followed), a FIFO, a device or
    a folder is UnsafeDestination, one line, and nothing is written. Its folder must exist (MissingFolder,
    one line naming it, nothing made: a path the user typed is never taken as an order to make folders);
    make_folder: make it, with its parents (a folder of the app's own, e.g. the app folder's settings or
    cache). A write that does not fit leaves the old file and no temp file, and raises DiskFullError (how
    much was needed, where)."""
    path = Path(path)
    check_destination(path)
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    else:
        check_folder_exists(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a saved model is an ordinary file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        check_destination(path)   # again: something may have been put there meanwhile
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError) and no_space(e):
            raise DiskFullError(len(data), path.parent) from None
        raise
    try:  # make the rename itself durable
        dfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def is_dir(path) -> bool:
    """Path.is_dir() that is False, not PermissionError, when the path cannot be looked at (a folder the
    user cannot open: Python 3.11's pathlib raises for EACCES)."""
    try:
        return Path(path).is_dir()
    except OSError:
        return False


def is_file(path) -> bool:
    """Path.is_file() that is False, not PermissionError, when the path cannot be looked at."""
    try:
        return Path(path).is_file()
    except OSError:
        return False


def folder_problem(path) -> str | None:
    """Why a folder the app keeps its files in cannot be used (it is a file, a link to nothing, it cannot be
    opened), in one line; None when it can (or does not exist yet: it is made when first written)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        return f"{path} cannot be opened ({os_reason(e)})"
    if not stat.S_ISDIR(st.st_mode):
        return f"{path} is {kind_of(st.st_mode)}, not a folder"
    try:
        os.listdir(path)
    except OSError as e:
        return f"{path} cannot be opened ({os_reason(e)})"
    if not os.access(path, os.W_OK | os.X_OK):
        return f"{path} cannot be written (permission denied)"
    return None


def check_folder_exists(path) -> None:
    """MissingFolder, one line naming it, unless the folder path would be written into is a folder: for a
    path the user gives, checked before any work (a training) whose result would be written there."""
    folder = Path(path).parent
    if not is_dir(folder):
        what = "is not a folder" if os.path.lexists(folder) else "does not exist"
        raise MissingFolder(f"the folder {folder} {what}; {Path(path).name} not written")


def write_text(path, text: str, *, make_folder: bool = False) -> None:
    """Text as UTF-8 through the one writer (atomic_write_bytes; make_folder as there)."""
    atomic_write_bytes(path, text.encode("utf-8"), make_folder=make_folder)
