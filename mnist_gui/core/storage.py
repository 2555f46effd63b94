"""User-writable files, read defensively: bounded JSON parsing, an advisory file lock, one error type.

Run records and My digits live in the user folder, where anything can end up in them (a hand edit,
a copy from another machine, a disk error). Everything here turns what can go wrong into one
exception with one line in our own words.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import tempfile
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
            raise JsonFileError(f"not UTF-8 text (byte {e.start})") from None
    try:
        return json.loads(data)
    except RecursionError:
        raise JsonFileError("nested too deeply") from None
    except json.JSONDecodeError as e:
        raise JsonFileError(f"not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None


def load_json_file(path, max_bytes: int = MAX_JSON_BYTES):
    """Read and parse a user-writable JSON file.

    Raises JsonFileError (a ValueError) naming the file for content that cannot be used, and OSError
    when the file cannot be read at all (missing, a folder, no permission).
    """
    path = Path(path)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        if size > max_bytes:
            raise JsonFileError(f"{path}: too large ({size:,} bytes; the limit is {max_bytes:,})")
        data = f.read(max_bytes + 1)
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
    f = open(path, "a+b")
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


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write data to a temp file beside path, fsync, then rename over path. A write that does not fit
    leaves the old file and no temp file, and raises DiskFullError (how much was needed, where)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a saved model is an ordinary file
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
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
