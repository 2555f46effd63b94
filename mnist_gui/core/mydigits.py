"""My digits: samples the user taught (strokes + 28×28 image + label), in the user folder.

One JSON object per line, appended with fsync: a crash can at worst tear the last line, which is
skipped when reading, so digits already stored are never lost. Several windows or processes may
share the file: adding and deleting take an advisory lock (a `.lock` file beside it), and deleting
re-reads the file under that lock, removes exactly one line and rewrites the others byte for byte
(temp file, fsync, rename), damaged lines included: nothing is re-serialised from parsed samples.
A line that cannot be used is skipped (and counted in `skipped`), never dropped from the file.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mnist_gui import config
from mnist_gui.core.preprocess import MAX_COORDINATE
from mnist_gui.core.storage import (
    JsonFileError,
    StateFileError,
    StorageError,
    atomic_write_bytes,
    file_lock,
    is_number,
    loads_json,
    open_append,
    os_reason,
    read_state_file,
    set_aside,
    size_text,
)

if TYPE_CHECKING:
    from mnist_gui.core.data import MnistSplit

MAX_LINE_BYTES = 1024 * 1024  # a sample is about 1 KB plus its strokes; longer lines are damaged
MAX_FILE_BYTES = 256 * 1024 * 1024  # about 100,000 digits with their strokes; a larger file is not read


class MyDigitsError(StorageError):
    """My digits cannot be written (the app folder is read-only, full, or a file). Nothing was half-written."""


def _clean_strokes(v) -> list:
    """Strokes as stored: a list of lists of [x, y] finite numbers within ±MAX_COORDINATE (as a strokes file's).
    Anything else reads as no strokes."""
    if not isinstance(v, list):
        return []
    out = []
    for s in v:
        if not isinstance(s, list):
            return []
        pts = []
        for p in s:
            if not (isinstance(p, list) and len(p) == 2 and is_number(p[0]) and is_number(p[1])
                    and abs(p[0]) <= MAX_COORDINATE and abs(p[1]) <= MAX_COORDINATE):
                return []
            pts.append((p[0], p[1]))
        out.append(pts)
    return out


@dataclass
class Sample:
    label: int
    image: np.ndarray                       # 28×28 float32 in [0, 1]
    strokes: list = field(default_factory=list)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    time: str = field(default_factory=lambda: _dt.datetime.now().isoformat(timespec="seconds"))
    line_no: int = field(default=-1, repr=False, compare=False)  # its line in the file when loaded

    def to_json(self) -> str:
        img = np.round(np.clip(self.image, 0, 1) * 255).astype(np.uint8).tobytes()
        return json.dumps({"id": self.id, "label": self.label, "time": self.time,
                           "image": base64.b64encode(img).decode("ascii"),
                           "strokes": [[[round(float(x), 2), round(float(y), 2)] for x, y in s]
                                       for s in self.strokes]})

    @classmethod
    def from_json(cls, line: str | bytes) -> Sample:
        """Parse one stored line; ValueError (JsonFileError included) when it cannot be used."""
        d = loads_json(line, MAX_LINE_BYTES)
        if not isinstance(d, dict):
            raise ValueError("not a sample")
        label, sid, image = d.get("label"), d.get("id"), d.get("image")
        if not isinstance(label, int) or isinstance(label, bool) or not 0 <= label <= 9:
            raise ValueError("bad label")
        if not isinstance(sid, str) or not sid or not isinstance(image, str):
            raise ValueError("bad id or image")
        try:
            raw = base64.b64decode(image, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("bad image") from None
        if len(raw) != config.IMAGE_PIXELS:
            raise ValueError("bad image")
        img = np.frombuffer(raw, np.uint8).reshape(config.IMAGE_SIZE, config.IMAGE_SIZE).astype(np.float32) / 255.0
        t = d.get("time", "")
        return cls(label=label, image=img, strokes=_clean_strokes(d.get("strokes", [])),
                   id=sid, time=t if isinstance(t, str) else "")


def _line_id(line: bytes) -> str | None:
    """The id of a stored line, or None when the line is damaged."""
    try:
        d = loads_json(line, MAX_LINE_BYTES)
    except JsonFileError:
        return None
    return d.get("id") if isinstance(d, dict) and isinstance(d.get("id"), str) else None


class MyDigits:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else config.app_home() / "my_digits.jsonl"
        self.samples: list[Sample] = []
        self.skipped = 0
        self.problem = ""   # one line when the file could not be used (not a regular file, too large, unreadable)
        self.load()

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def _read_lines(self) -> list[bytes]:
        """The file's lines as bytes (without their newlines); no file reads as no lines. StateFileError for
        a file that is not read (a link, a FIFO, a device, a folder, above MAX_FILE_BYTES)."""
        try:
            data = read_state_file(self.path, MAX_FILE_BYTES)
        except FileNotFoundError:
            return []
        except NotADirectoryError:  # the app folder is a file
            return []
        return data.splitlines()

    def _parse(self, lines: list[bytes]) -> None:
        self.samples, self.skipped = [], 0
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            try:
                s = Sample.from_json(line)
            except ValueError:
                self.skipped += 1  # a torn or damaged line: skip it, keep the rest (and keep it in the file)
                continue
            s.line_no = i
            self.samples.append(s)

    def load(self) -> None:
        """Read the file again. Never raises: a file that cannot be used reads as empty and `problem` says
        why; a regular one (too large) is first set aside as <name>.bad-<time>, so teaching starts afresh."""
        self.problem = ""
        try:
            lines = self._read_lines()
        except StateFileError as e:
            aside = set_aside(self.path)
            self.problem = f"{e}; " + (f"it is kept as {aside.name} and My digits starts empty" if aside
                                       else "My digits is empty until it is fixed")
            lines = []
        except OSError as e:
            self.problem = f"{self.path} cannot be read ({os_reason(e)}); My digits is empty until it is fixed"
            lines = []
        self._parse(lines)

    def _error(self, what: str, e: OSError) -> MyDigitsError:
        return MyDigitsError(f"cannot {what}: {self.path.parent} is not writable ({os_reason(e)})")

    def add(self, label: int, image: np.ndarray, strokes=()) -> Sample:
        """Append one sample. Raises ValueError for a bad label, MyDigitsError when it cannot be stored."""
        if not 0 <= int(label) <= 9:
            raise ValueError(f"label must be a digit 0-9, got {label}")
        s = Sample(label=int(label), image=np.asarray(image, np.float32).reshape(config.IMAGE_SIZE, config.IMAGE_SIZE), strokes=list(strokes))
        line = (s.to_json() + "\n").encode("utf-8")
        if len(line) - 1 > MAX_LINE_BYTES:   # the reader would skip it: refused now, the drawing kept
            raise MyDigitsError(f"cannot store the digit: its strokes take {size_text(len(line))}, more than the "
                                f"{size_text(MAX_LINE_BYTES)} a digit may (draw it again with fewer points)")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with file_lock(self.lock_path), open_append(self.path) as f:
                size = f.seek(0, os.SEEK_END)
                if size + len(line) + 1 > MAX_FILE_BYTES:   # past it, the next start would set the file aside
                    raise MyDigitsError(f"cannot store the digit: {self.path} would pass "
                                        f"{size_text(MAX_FILE_BYTES)}; delete some digits first")
                try:
                    if size > 0:  # start on a fresh line if a crash left a torn one
                        f.seek(size - 1)
                        if f.read(1) != b"\n":
                            line = b"\n" + line
                    f.write(line)
                    f.flush()
                    os.fsync(f.fileno())
                except OSError:
                    f.truncate(size)  # e.g. disk full: leave no half line behind
                    raise
        except MyDigitsError:
            raise
        except StorageError as e:
            raise MyDigitsError(f"cannot store the digit: {e}") from None
        except OSError as e:
            raise self._error("store the digit", e) from None
        self.samples.append(s)
        return s

    def delete(self, sample: Sample | str) -> bool:
        """Delete exactly one stored sample (a Sample, or the id of one) and re-read the file.

        Under the lock the file is read again, so what other windows or processes stored meanwhile
        stays. With a Sample, the line it was loaded from is preferred when it still holds that id.
        Returns False when no line holds that id. Raises MyDigitsError when the file cannot be rewritten.
        """
        sid = sample.id if isinstance(sample, Sample) else str(sample)
        hint = sample.line_no if isinstance(sample, Sample) else -1
        try:
            with file_lock(self.lock_path):
                lines = self._read_lines()
                if 0 <= hint < len(lines) and _line_id(lines[hint]) == sid:
                    victim = hint
                else:
                    victim = next((i for i, ln in enumerate(lines) if _line_id(ln) == sid), None)
                if victim is not None:
                    del lines[victim]
                    data = b"".join(ln + b"\n" for ln in lines)
                    atomic_write_bytes(self.path, data)
        except StorageError as e:
            raise MyDigitsError(f"cannot delete the digit: {e}") from None
        except OSError as e:
            raise self._error("delete the digit", e) from None
        self._parse(lines)
        return victim is not None

    def by_label(self, label: int | None = None) -> list[Sample]:
        return [s for s in self.samples if label is None or s.label == label]

    def counts(self) -> list[int]:
        return [sum(1 for s in self.samples if s.label == d) for d in range(10)]

    def __len__(self) -> int:
        return len(self.samples)

    def as_split(self, repeat: int = 1) -> MnistSplit:
        import torch

        from mnist_gui.core.data import MnistSplit
        if not self.samples:
            return MnistSplit(torch.zeros(0, config.IMAGE_SIZE, config.IMAGE_SIZE, dtype=torch.uint8), torch.zeros(0, dtype=torch.int64))
        imgs = np.stack([np.round(s.image * 255).astype(np.uint8) for s in self.samples])
        labels = np.array([s.label for s in self.samples], np.int64)
        return MnistSplit(torch.from_numpy(np.tile(imgs, (repeat, 1, 1))),
                          torch.from_numpy(np.tile(labels, repeat)))
