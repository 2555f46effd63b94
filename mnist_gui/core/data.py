"""MNIST as in-memory uint8 tensors: IDX reader (raw or .gz) decoded once into a .npy cache, folder search,
torchvision download.

torch is imported where tensors are made, not with the module: the window checks a folder (find_mnist_folder,
missing_files) without loading it."""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import re
import stat
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mnist_gui import config
from mnist_gui.core.errors import (  # noqa: F401 (defined without torch, used here)
    Cancelled,
    DataError,
    MnistFileMissing,
    MnistNotFound,
)
from mnist_gui.core.messages import Message, say
from mnist_gui.core.storage import (
    Gunzip,
    StateFileError,
    check_destination,
    is_dir,
    is_file,
    open_state_file,
    os_reason,
)

if TYPE_CHECKING:
    import torch

_CHUNK = 1 << 22  # read in 4 MB pieces: a stop is seen within one (~20 ms), and few waits for the GIL


@dataclass
class MnistSplit:
    images: torch.Tensor  # uint8, N×28×28
    labels: torch.Tensor  # int64, N

    def __len__(self) -> int:
        return int(self.labels.shape[0])


@dataclass
class Mnist:
    train: MnistSplit
    test: MnistSplit
    folder: Path


_IDX_DTYPES = {0x08: np.uint8}
# Loaded MNIST-style data takes about this many bytes per pixel: the uint8 images and their float32 copy for
# training; a header asking for more than the machine lets a run use (core/limits.py) is refused before reading.
_BYTES_PER_PIXEL_LOADED = 5


@contextlib.contextmanager
def read_errors(path: Path):
    """A file that cannot be read, as one DataError naming it: missing, refused by the bounded reader (a FIFO,
    a device, a folder), or unreadable (a damaged gzip). The one rule for the data files read here (MNIST's
    IDX files, the pen digits)."""
    try:
        yield
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except StateFileError as e:
        raise DataError(str(e)) from None
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: cannot read ({e})") from None


def _open(path: Path):
    """The bounded reader: a FIFO, a device or a folder in place of an IDX file (or a link to one) is
    StateFileError before it is opened (opening a FIFO would wait for ever, /dev/zero never ends)."""
    f = open_state_file(path, follow_links=True)
    return Gunzip(f) if path.suffix == ".gz" else f


def _max_gz_bytes(dims: tuple[int, ...]) -> int:
    """The most a gzip of an IDX file with these dimensions can take on disk: its data stored uncompressed
    (deflate's stored blocks add 5 bytes per 64 kB) plus the gzip header and trailer, with room to spare."""
    raw = 4 + 4 * len(dims) + int(np.prod(dims, dtype=np.int64))
    return raw + raw // 1000 + (1 << 20)


def _read_header(path: Path, f) -> tuple[int, ...]:
    """The dimensions in an IDX header (f at its start), checked before any data is read: the magic number,
    28×28 images, and a size that fits in memory."""
    from mnist_gui.core import limits
    head = f.read(4)
    if len(head) < 4:
        raise DataError(f"{path}: truncated ({len(head)} bytes, no IDX header)")
    zero, dtype_code, ndim = head[0] << 8 | head[1], head[2], head[3]
    if zero != 0 or dtype_code not in _IDX_DTYPES or ndim not in (1, 3):
        raise DataError(f"{path}: wrong magic number 0x{head.hex()} (not an MNIST IDX file)")
    raw = f.read(4 * ndim)
    if len(raw) < 4 * ndim:
        raise DataError(f"{path}: truncated (header cut short)")
    dims = struct.unpack(">" + "I" * ndim, raw)
    if ndim == 3 and dims[1:] != (config.IMAGE_SIZE, config.IMAGE_SIZE):
        raise DataError(f"{path}: images are {dims[1]}×{dims[2]}, expected 28×28")
    need = int(np.prod(dims, dtype=np.int64)) * _BYTES_PER_PIXEL_LOADED
    if need > limits.usable_bytes():
        raise DataError(f"{path}: its header promises {dims[0]:,} {'images' if ndim == 3 else 'labels'}, "
                        f"{limits.size_text(need)} once loaded, and {limits.limit_text()}")
    return dims


def idx_dims(path: str | os.PathLike) -> tuple[int, ...]:
    """The dimensions an IDX file's header gives (N for labels, N×28×28 for images); DataError if bad."""
    path = Path(path)
    with read_errors(path), _open(path) as f:
        return _read_header(path, f)


def _check_size(path: Path, dims: tuple[int, ...], size: int) -> None:
    """The file's size on disk against its header, before its data is read or hashed: a raw file holds
    exactly the header and the data it promises; a gzip no more than that data stored uncompressed."""
    header, expected = 4 + 4 * len(dims), int(np.prod(dims, dtype=np.int64))
    if path.suffix == ".gz":
        if size > _max_gz_bytes(dims):
            raise DataError(f"{path}: {size:,} bytes, more than a gzip of the {expected:,} bytes of data "
                            f"its header promises can be")
        return
    got = size - header
    if got < expected:
        raise DataError(f"{path}: truncated: header promises {expected:,} bytes of data, file has {got:,}")
    if got > expected:
        raise DataError(f"{path}: {got - expected:,} unexpected bytes after the data")


def _read_body(f, n: int, should_stop: Callable[[], bool] | None) -> bytes:
    """At most n bytes (fewer when the file ends first), a piece at a time so that a stop is seen."""
    parts, got = [], 0
    while got < n:
        if should_stop is not None and should_stop():
            raise Cancelled()
        b = f.read(min(_CHUNK, n - got))
        if not b:
            break
        parts.append(b)
        got += len(b)
    return b"".join(parts)


def read_idx(path: str | os.PathLike, should_stop: Callable[[], bool] | None = None) -> np.ndarray:
    """Read one IDX file (raw or gzip): the header first, then exactly the data it promises, never more (a
    gzip that inflates past it is refused as soon as one byte more comes). Raises DataError naming the file
    and what is wrong, Cancelled when should_stop() turns true while reading."""
    path = Path(path)
    with read_errors(path), _open(path) as f:
        dims = _read_header(path, f)
        expected = int(np.prod(dims, dtype=np.int64))
        _check_size(path, dims, os.fstat(getattr(f, "fileobj", f).fileno()).st_size)
        data = _read_body(f, expected, should_stop)
        if len(data) < expected:
            raise DataError(f"{path}: truncated: header promises {expected:,} bytes of data, "
                            f"file has {len(data):,}")
        if f.read(1):
            raise DataError(f"{path}: unexpected bytes after the {expected:,} bytes of data its header promises")
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


# ------------------------------------------------------------------ decoded once: the .npy cache

# A decoded IDX file is kept as "<source name>.<sha256 of the source, 16 hex>.<crc32 of the data>.npy": beside
# the source when its folder is writable, else in the app's cache folder (config.cache_dir). The source's
# digest in the name means a changed source never matches its old cache (which is then removed); the crc32 and
# the array's header (uint8, N or N×28×28) are checked on every read, so a damaged cache is decoded again.
_CACHE_NAME = re.compile(r"^(?P<source>.+)\.(?P<sha>[0-9a-f]{16})\.(?P<crc>[0-9a-f]{8})\.npy$")


def _sha256_16(path: Path) -> str:
    """The source's digest, read through the bounded reader after its header and size are checked (a FIFO,
    /dev/zero or a sparse 20 GB file is DataError at once, never hashed for ever)."""
    try:
        with open_state_file(path, follow_links=True) as f:
            dims = _read_header(path, Gunzip(f) if path.suffix == ".gz" else f)
            _check_size(path, dims, os.fstat(f.fileno()).st_size)
            f.seek(0)
            h = hashlib.sha256()
            while b := f.read(_CHUNK):
                h.update(b)
    except FileNotFoundError:
        raise
    except StateFileError as e:
        raise DataError(str(e)) from None
    except (OSError, EOFError, zlib.error) as e:
        raise DataError(f"{path}: cannot read ({e})") from None
    return h.hexdigest()[:16]


def _writable(folder: Path) -> bool:
    """Whether a folder takes new files: its mode grants writing (root may write anywhere, but a folder
    made read-only is meant to stay as it is) and this user may."""
    try:
        return bool(folder.stat().st_mode & 0o222) and os.access(folder, os.W_OK)
    except OSError:
        return False


def _cache_folders(path: Path) -> list[Path]:
    """Beside the source when its folder is writable, else the app's cache folder."""
    return [path.parent] if _writable(path.parent) else [config.cache_dir() / "mnist"]


def _cached(folder: Path, source: Path, sha: str) -> np.ndarray | None:
    """The decoded array from a cache in folder that matches the source's digest and is whole, else None."""
    try:
        names = list(folder.glob(glob.escape(source.name) + ".*.npy"))
    except OSError:
        return None
    for p in names:
        m = _CACHE_NAME.match(p.name)
        if not m or m["source"] != source.name or m["sha"] != sha:
            continue
        try:   # a cache is ours, a regular file: a link, a FIFO (np.load would wait on it for ever) or a
            if not stat.S_ISREG(os.lstat(p).st_mode):   # device by its name is skipped and left as it is
                continue
        except OSError:
            continue
        try:
            arr = np.load(p, mmap_mode="r", allow_pickle=False)
            ok = (arr.dtype == np.uint8 and (arr.ndim == 1 or arr.shape[1:] == (config.IMAGE_SIZE,) * 2)
                  and arr.ndim in (1, 3) and arr.flags.c_contiguous
                  and f"{zlib.crc32(arr.reshape(-1).data) & 0xFFFFFFFF:08x}" == m["crc"])
            if ok:
                return np.array(arr)
            del arr   # let go of the mapping before removing the file
        except (OSError, ValueError, EOFError):
            pass
        with contextlib.suppress(OSError):   # damaged: decoded again below
            p.unlink()
    return None


def _keep(source: Path, sha: str, arr: np.ndarray) -> None:
    """Write the cache in the first folder that takes it (stale caches of this source there removed); a
    folder that cannot (read-only, full) is skipped silently: the cache only saves time."""
    import io

    from mnist_gui.core.storage import atomic_write_bytes
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    name = f"{source.name}.{sha}.{zlib.crc32(arr.reshape(-1).data) & 0xFFFFFFFF:08x}.npy"
    for folder in _cache_folders(source):
        try:
            atomic_write_bytes(folder / name, buf.getbuffer(), make_folder=True)   # the app's cache folder
        except OSError:
            continue
        for old in folder.glob(glob.escape(source.name) + ".*.npy"):
            m = _CACHE_NAME.match(old.name)
            if old.name != name and m and m["source"] == source.name:
                with contextlib.suppress(OSError):
                    if stat.S_ISREG(os.lstat(old).st_mode):   # ours: a link or a FIFO placed there is left be
                        old.unlink()
        return


def read_idx_cached(path: str | os.PathLike, should_stop: Callable[[], bool] | None = None) -> np.ndarray:
    """read_idx, decoded once: later reads of the same source come from its .npy cache (see _CACHE_NAME)."""
    path = Path(path)
    try:
        sha = _sha256_16(path)
    except FileNotFoundError:
        return read_idx(path, should_stop)   # read_idx names the problem
    for folder in _cache_folders(path):
        arr = _cached(folder, path, sha)
        if arr is not None:
            return arr
    arr = read_idx(path, should_stop)
    _keep(path, sha, arr)
    return arr


def _find_file(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        for sub in (folder, folder / "MNIST" / "raw"):
            p = sub / name
            if is_file(p):
                return p
    return None


def missing_files(folder: Path) -> list[str]:
    return [stem for stem in config.MNIST_FILES.values() if _find_file(folder, stem) is None]


def _load_split(folder: Path, images_stem: str, labels_stem: str, should_stop=None) -> MnistSplit:
    ip, lp = _find_file(folder, images_stem), _find_file(folder, labels_stem)
    if ip is None or lp is None:
        raise MnistFileMissing(folder, images_stem if ip is None else labels_stem)
    idims, ldims = idx_dims(ip), idx_dims(lp)   # both headers checked before either body is read
    if len(idims) != 3:
        raise DataError(f"{ip}: holds labels, expected images")
    if len(ldims) != 1:
        raise DataError(f"{lp}: holds images, expected labels")
    if idims[0] != ldims[0]:
        raise DataError(f"{ip} has {idims[0]:,} images but {lp} has {ldims[0]:,} labels")
    images, labels = read_idx_cached(ip, should_stop), read_idx_cached(lp, should_stop)
    if labels.size and labels.max() > 9:
        raise DataError(f"{lp}: label {int(labels.max())} is not a digit")
    import torch
    return MnistSplit(torch.from_numpy(np.require(images, requirements=["C", "W"])),
                      torch.from_numpy(labels.astype(np.int64)))


def find_mnist_folder(data_dir=None, user_folder: Path | None = None) -> Path | None:
    """First folder holding all four files. An explicit data_dir is the only place looked at:
    a wrong --data-dir is an error, never a silent fall-back to another folder."""
    cands = config.data_dir_candidates(data_dir, user_folder)
    for _, folder in cands[:1] if data_dir else cands:
        if is_dir(folder) and not missing_files(folder):
            return folder
    return None


def looked_in(data_dir=None, user_folder: Path | None = None) -> list[Message]:
    """Where MNIST was looked for, and what each folder lacks: the fields of MnistNotFound."""
    cands = config.data_dir_candidates(data_dir, user_folder)
    return [say("mnist-looked", source=src, folder=str(folder), missing=missing_files(folder))
            for src, folder in (cands[:1] if data_dir else cands)]


def not_found(data_dir=None, user_folder: Path | None = None) -> MnistNotFound:
    """The error saying that no folder looked in holds MNIST (str(): the English line)."""
    return MnistNotFound(looked_in(data_dir, user_folder))


@dataclass(frozen=True)
class DownloadProgress:
    """Bytes of one file received so far (total: its size, 0 when the server does not say)."""
    name: str
    index: int      # 1-based, of count files
    count: int
    done: int
    total: int


# The sizes of the MNIST files torchvision's mirrors serve: a mirror that sends more is cut off there (a 2 GB
# body is refused after the file's size, not once written). A file not listed may be at most MAX_FETCH_BYTES.
KNOWN_SIZES = {"train-images-idx3-ubyte.gz": 9_912_422, "train-labels-idx1-ubyte.gz": 28_881,
               "t10k-images-idx3-ubyte.gz": 1_648_877, "t10k-labels-idx1-ubyte.gz": 4_542}
MAX_FETCH_BYTES = 64 * 1024 * 1024
# A mirror must send at least SLOW_BYTES in every SLOW_WINDOW_S seconds (a byte every 5 s never ends), and a
# single read waits at most READ_TIMEOUT_S.
SLOW_WINDOW_S = 30.0
SLOW_BYTES = 32 * 1024
READ_TIMEOUT_S = 30
# and the whole file must come within FETCH_GRACE_S plus its size at FETCH_MIN_RATE bytes a second
FETCH_GRACE_S = 120.0
FETCH_MIN_RATE = 20_000


class FetchRefused(OSError):
    """A mirror's answer that is not taken: larger than the file, or too slow. One line."""


def _new_file(part: Path):
    """part, made afresh for writing (one left by a killed download is removed first), never through a link."""
    if os.path.lexists(part):
        part.unlink()
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    return os.fdopen(os.open(part, flags, 0o666), "wb")


def _fetch(url: str, part: Path, on_bytes: Callable[[int, int], None], should_stop,
           limit: int = MAX_FETCH_BYTES) -> None:
    """url into part, in pieces; on_bytes(done, total) after each; Cancelled on a stop (part removed).
    FetchRefused (part removed) for a body larger than limit (said by its Content-Length before reading, or
    cut off one byte after it), for a mirror slower than SLOW_BYTES per SLOW_WINDOW_S, and for one that has not
    sent the file by its deadline (FETCH_GRACE_S plus its size at FETCH_MIN_RATE)."""
    import urllib.request
    request = urllib.request.Request(url, headers={"User-Agent": "mnist-gui"})
    try:
        with urllib.request.urlopen(request, timeout=READ_TIMEOUT_S) as response, _new_file(part) as out:
            total, done = int(response.headers.get("Content-Length") or 0), 0
            if total > limit:
                raise FetchRefused(f"it sends {total:,} bytes for a file of {limit:,}")
            on_bytes(0, total)
            started = time.monotonic()
            window_start, window_done = started, 0
            deadline = started + FETCH_GRACE_S + limit / FETCH_MIN_RATE
            while True:
                if should_stop is not None and should_stop():
                    raise Cancelled()
                piece = response.read1(min(1 << 16, limit + 1 - done))
                if not piece:
                    break
                out.write(piece)
                done += len(piece)
                if done > limit:
                    raise FetchRefused(f"it sends more than the {limit:,} bytes of the file")
                on_bytes(done, total)
                now = time.monotonic()
                if now - window_start >= SLOW_WINDOW_S:
                    if done - window_done < SLOW_BYTES:
                        raise FetchRefused(f"too slow ({done - window_done:,} bytes in {now - window_start:.0f} s)")
                    window_start, window_done = now, done
                if now > deadline:
                    raise FetchRefused(f"not done in {now - started:.0f} s ({done:,} of {limit:,} bytes)")
            out.flush()
            os.fsync(out.fileno())   # on the disk before it is renamed into place (as the one writer does)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _failure(mirror: str, why: OSError | str) -> str:
    """What one mirror answered, for a person: "ossci-datasets.s3.amazonaws.com: Name or service not known"
    (a socket error's own words, without its "[Errno -2]"), "…: Not Found" (an HTTP error), a refusal's line."""
    import urllib.parse
    why = getattr(why, "reason", None) or why
    return f"{urllib.parse.urlsplit(mirror).netloc or mirror}: {os_reason(why) if isinstance(why, OSError) else why}"


def download_mnist(dest: Path, progress: Callable[[Message], None] | None = None,
                   should_stop: Callable[[], bool] | None = None,
                   received: Callable[[DownloadProgress], None] | None = None) -> Path:
    """Download the four MNIST files into dest from torchvision's mirrors, each checked against
    torchvision's md5 (a file already there and whole is kept). progress(message) is told of each file (a
    Message: mnist-downloading, mnist-downloading-file), received(DownloadProgress) of the bytes as they come;
    Cancelled when should_stop() turns true (the file being fetched is removed, whole ones stay).
    DownloadError when no mirror serves a file."""
    import urllib.error

    from torchvision.datasets import MNIST
    from torchvision.datasets.utils import check_integrity

    from mnist_gui.core.errors import DownloadError

    dest.mkdir(parents=True, exist_ok=True)
    if progress:
        progress(say("mnist-downloading", folder=dest))
    count = len(MNIST.resources)
    for index, (name, md5) in enumerate(MNIST.resources, 1):
        path = dest / name
        if check_integrity(path, md5):
            continue
        if progress:
            progress(say("mnist-downloading-file", file=name, index=index, count=count))
        errors: list[str] = []
        answered = False   # some mirror was reached (an HTTP error or a damaged file): not offline
        def tell(done: int, total: int, name=name, index=index) -> None:
            if received is not None:
                received(DownloadProgress(name, index, count, done, total))
        for mirror in MNIST.mirrors:
            part = path.with_name(path.name + ".part")
            try:
                _fetch(f"{mirror}{name}", part, tell, should_stop, KNOWN_SIZES.get(name, MAX_FETCH_BYTES))
            except (urllib.error.URLError, OSError) as e:   # HTTPError is a URLError
                answered = answered or isinstance(e, (urllib.error.HTTPError, FetchRefused))
                errors.append(_failure(mirror, e))
                continue
            if not check_integrity(part, md5):
                part.unlink(missing_ok=True)
                answered = True
                errors.append(_failure(mirror, f"{name} arrived damaged (checksum differs)"))
                continue
            check_destination(path)   # never over a link or a device
            part.replace(path)
            break
        else:
            why = "; ".join(errors)[:300]
            raise DownloadError(looked_in(user_folder=dest), reason=why, offline=not answered) from None
    return dest


def load_mnist(data_dir=None, download: bool = True,
               progress: Callable[[Message], None] | None = None,
               should_stop: Callable[[], bool] | None = None, download_dir: Path | None = None) -> Mnist:
    """Load all of MNIST into memory. First match wins: data_dir, $MNIST_GUI_DATA, the user folder
    (download_dir: where MNIST is downloaded when none holds it; default: the app folder's data/).

    progress(message) is told what happens (a Message: mnist-loading, and download_mnist's). should_stop is
    polled while reading; when it turns true, Cancelled is raised."""
    if data_dir is not None and not isinstance(data_dir, (str, os.PathLike)):
        raise DataError(f"the MNIST folder setting is not a folder path: {data_dir!r}")
    download_dir = Path(download_dir) if download_dir else config.user_data_dir()
    folder = find_mnist_folder(data_dir, download_dir)
    if folder is None:
        if data_dir:  # an explicit folder that lacks the files is a mistake, not a reason to download
            raise not_found(data_dir, user_folder=download_dir)
        if not download:
            raise not_found(data_dir, user_folder=download_dir)
        folder = download_mnist(download_dir, progress, should_stop)
        if missing_files(folder):
            raise not_found(data_dir, user_folder=download_dir)
    f = config.MNIST_FILES
    if progress:
        progress(say("mnist-loading", folder=folder))
    return Mnist(train=_load_split(folder, f["train_images"], f["train_labels"], should_stop),
                 test=_load_split(folder, f["test_images"], f["test_labels"], should_stop),
                 folder=folder)


def normalize(images_u8: torch.Tensor) -> torch.Tensor:
    """uint8 N×28×28 -> float N×1×28×28 with MNIST normalisation."""
    import torch
    x = images_u8.to(torch.float32).div_(255.0)
    return x.sub_(config.MNIST_MEAN).div_(config.MNIST_STD).unsqueeze(1)
