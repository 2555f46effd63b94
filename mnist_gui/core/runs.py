"""Training runs recorded in the user folder: hyperparameters, curves, final metrics, checkpoint, time.

runs/<id>/run.json (written atomically) and runs/<id>/model.pt. Every field of a record is checked
when it is read; a damaged record is skipped with one message naming the file and what is wrong,
never a crash.

A record's fields: `status` is how the training ended ("finished", "stopped", "diverged") and never
changes afterwards; `kind` is what made it ("train", "finetune", "study"); `device` is where it ran
(not part of the recipe); `precision` is what its forward pass computed in ("bf16" or "fp32": the
recipe's precision field may say "auto", the machine decided); `study` names the study a study's run was a
trial of; `kept` says whether its model is kept: discarding a run's model (`RunStore.discard_model`) deletes
model.pt and sets `kept` to false, the record and its curves stay.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from mnist_gui import config
from mnist_gui.core.storage import (
    DiskFullError,
    JsonFileError,
    atomic_write_bytes,
    check_history,
    is_dir,
    is_file,
    is_number,
    load_json_file,
    os_reason,
    plain_name,
)

KINDS = ("train", "finetune", "study")

# The type each known training setting must have in a record; other keys are kept as they are.
_NUMBER, _INT, _TEXT, _BOOL = "a number", "a whole number", "text", "true or false"
CONFIG_TYPES = {
    "lr": _NUMBER, "dropout": _NUMBER, "momentum": _NUMBER, "epochs": _NUMBER, "weight_decay": _NUMBER,
    "label_smoothing": _NUMBER, "batch_size": _INT, "seed": _INT, "max_steps": _INT, "train_size": _INT,
    "threads": _INT, "preset": _TEXT, "optimizer": _TEXT, "schedule": _TEXT, "augment": _BOOL,
    "eval_every_epoch": _BOOL, "precision": _TEXT,
}
_OPTIONAL = {"max_steps", "train_size", "threads"}  # may be null


class RunStoreError(OSError):
    """A run cannot be written, changed or deleted."""


def _fits(v, kind: str) -> bool:
    if kind == _NUMBER:
        return is_number(v)
    if kind == _INT:
        return isinstance(v, int) and not isinstance(v, bool)
    if kind == _TEXT:
        return isinstance(v, str)
    return isinstance(v, bool)


def check_record(d) -> str | None:
    """What is wrong with a run.json's content (None when every field is usable)."""
    if not isinstance(d, dict):
        return f"the record is {type(d).__name__}, not a table"
    for key, want in (("status", str), ("date", str), ("config", dict), ("metrics", dict), ("history", dict)):
        if not isinstance(d.get(key), want):
            return f"{key!r} is missing or not {'text' if want is str else 'a table'}"
    if not is_number(d.get("seconds")) or d["seconds"] < 0:
        return f"'seconds' is {str(d.get('seconds'))[:40]!r}, not a duration"
    for key in ("kind", "device", "precision", "study"):
        if key in d and not isinstance(d[key], str):
            return f"{key!r} is not text"
    if "kept" in d and not isinstance(d["kept"], bool):
        return "'kept' is not true or false"
    for k, v in d["config"].items():
        want = CONFIG_TYPES.get(k)
        if want and not (_fits(v, want) or (v is None and k in _OPTIONAL)):
            return f"config {k!r} is {str(v)[:40]!r}, not {want}"
    m = d["metrics"]
    acc = m.get("test_accuracy")
    if acc is not None and not (is_number(acc) and 0 <= acc <= 1):
        return f"metrics 'test_accuracy' is {str(acc)[:40]!r}, not a number in [0, 1]"
    for k in ("test_loss", "train_seconds", "steps"):
        if k in m and m[k] is not None and not is_number(m[k]):
            return f"metrics {k!r} is {str(m[k])[:40]!r}, not a number"
    pc = m.get("per_class")
    if pc is not None and not (isinstance(pc, list) and all(is_number(x) for x in pc)):
        return "metrics 'per_class' is not a list of numbers"
    return check_history(d["history"])


@dataclass
class RunRecord:
    id: str
    status: str
    config: dict
    metrics: dict
    history: dict
    seconds: float
    date: str
    folder: Path = field(default=None, repr=False)
    kind: str = "train"
    device: str = ""
    precision: str = ""                 # "bf16" or "fp32"; "" in records from before precision was recorded
    kept: bool = True
    study: str = ""

    @property
    def model_path(self) -> Path:
        return self.folder / "model.pt"

    @property
    def has_model(self) -> bool:
        return self.kept and is_file(self.model_path)

    @property
    def test_accuracy(self) -> float | None:
        v = self.metrics.get("test_accuracy")
        return float(v) if isinstance(v, (int, float)) else None

    def to_dict(self) -> dict:
        return {"id": self.id, "status": self.status, "kind": self.kind, "device": self.device,
                "precision": self.precision, "study": self.study, "kept": self.kept, "config": self.config,
                "metrics": self.metrics, "history": self.history, "seconds": self.seconds, "date": self.date}


STALE_PARTIAL_S = 3600


def _age_s(p: Path) -> float:
    try:
        return time.time() - p.stat().st_mtime
    except OSError:
        return 0.0


class RunStore:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else config.runs_dir()
        # what load() read, by folder: (run.json's inode, size, mtime) and the record or the problem. A record
        # whose file is unchanged is not read again: the Runs list follows a folder of thousands of runs.
        self._cache: dict[str, tuple[tuple, RunRecord | str]] = {}
        self._cache_lock = threading.Lock()

    def new_id(self, preset: str) -> str:
        preset = preset if plain_name(str(preset)) else "model"
        base = time.strftime(f"%Y%m%d-%H%M%S-{preset}")
        rid, n = base, 1
        while (self.root / rid).exists() or (self.root / f".{rid}.partial").exists():
            n += 1
            rid = f"{base}-{n}"
        return rid

    def _write(self, rec: RunRecord) -> None:
        data = json.dumps(rec.to_dict()).encode()
        atomic_write_bytes(rec.folder / "run.json", data)

    def record(self, status: str, config_: dict, metrics: dict, history: dict, seconds: float,
               save_model=None, *, kind: str = "train", device: str = "", precision: str = "",
               study: str = "") -> RunRecord:
        """Write a run; save_model(path) writes its checkpoint (None: no model, e.g. diverged).

        kind: "train", "finetune" or "study"; device: where it ran (e.g. "cpu", "cuda"); precision: what
        it computed in ("bf16", "fp32"); study: the study whose trial it was. A stopped run is recorded with
        status "stopped". Raises OSError when the record cannot be written.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown run kind {kind!r}; choose from {', '.join(KINDS)}")
        # Written into a hidden staging folder and renamed when complete: a run interrupted mid-save
        # (the app killed, the disk full) leaves no half record in the Runs list. Creating the staging
        # folder claims the id, also against other processes recording at the same second.
        self.root.mkdir(parents=True, exist_ok=True)
        while True:
            rid = self.new_id(str(config_.get("preset", "model")))
            staging = self.root / f".{rid}.partial"
            try:
                staging.mkdir()
                break
            except FileExistsError:
                continue
        rec = RunRecord(rid, status, config_, {k: v for k, v in metrics.items()
                                                if k not in ("predictions", "confidence", "probabilities")},
                        history, float(seconds), time.strftime("%Y-%m-%d %H:%M:%S"), staging,
                        kind=kind, device=str(device), precision=precision, kept=save_model is not None, study=study)
        try:
            if save_model is not None:
                save_model(staging / "model.pt")
            self._write(rec)
            os.replace(staging, self.root / rid)
        except BaseException as e:   # a full disk, an interruption: no half record is left behind
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(e, DiskFullError):   # named by the folder the user knows, not the staging one
                raise DiskFullError(e.needed, self.root) from None
            raise
        rec.folder = self.root / rid
        return rec

    def _read(self, folder: Path) -> RunRecord:
        """One record; JsonFileError (a ValueError) or OSError with the reason when it cannot be used."""
        f = folder / "run.json"
        d = load_json_file(f)
        problem = check_record(d)
        if problem:
            raise JsonFileError(f"{f}: {problem}")
        kind = d.get("kind", "train")
        return RunRecord(folder.name, d["status"], d["config"], d["metrics"], d["history"], float(d["seconds"]),
                         d["date"], folder, kind=kind, device=d.get("device", ""),
                         precision=d.get("precision", ""), kept=d.get("kept", True), study=d.get("study", ""))

    def load(self) -> tuple[list[RunRecord], list[str]]:
        """All usable runs, oldest first, and one message per damaged record skipped."""
        runs, problems = [], []
        try:
            entries = list(self.root.iterdir())
        except OSError:
            return runs, problems
        folders = sorted(p for p in entries if is_dir(p) and not p.name.startswith("."))
        for p in entries:   # a record interrupted mid-write (hours ago: not another process's current one)
            if p.name.endswith(".partial") and is_dir(p) and _age_s(p) > STALE_PARTIAL_S:
                shutil.rmtree(p, ignore_errors=True)
        cache: dict[str, tuple[tuple, RunRecord | str]] = {}
        with self._cache_lock:
            before = dict(self._cache)
        for folder in folders:
            try:
                st = os.lstat(folder / "run.json")
                key = (st.st_ino, st.st_size, st.st_mtime_ns)
            except OSError:
                key = None
            hit = before.get(folder.name)
            if key is not None and hit is not None and hit[0] == key:
                got = hit[1]
            else:
                try:
                    got = self._read(folder)
                except JsonFileError as e:
                    got = f"skipped damaged run record {e}"
                except OSError as e:
                    got = f"skipped run record {folder / 'run.json'}: cannot read it ({os_reason(e)})"
            if key is not None:
                cache[folder.name] = (key, got)
            if isinstance(got, str):
                problems.append(got)
            else:
                runs.append(got)
        with self._cache_lock:
            self._cache = cache
        return runs, problems

    def _folder(self, run: RunRecord | str) -> Path:
        """The run's folder: a path directly inside the store's root (RunStoreError for anything else)."""
        if isinstance(run, RunRecord) and run.folder is not None:
            folder = Path(run.folder)
            if folder.parent.resolve() != self.root.resolve():
                raise RunStoreError(f"{folder} is not a run folder of {self.root}; not touched")
            rid = folder.name
        else:
            rid = run.id if isinstance(run, RunRecord) else str(run)
        if not plain_name(rid):
            raise RunStoreError(f"{rid!r} is not a run id")
        return self.root / rid

    def get(self, run_id: str) -> RunRecord:
        """Read one run again from disk. RunStoreError or JsonFileError when it is missing or damaged."""
        return self._read(self._folder(run_id))

    def mark(self, run: RunRecord | str, *, status: str | None = None, kept: bool | None = None,
             metrics: dict | None = None) -> RunRecord:
        """Change a run's status, kept flag and/or metrics (merged into its own): re-read run.json, change the
        fields, write it atomically."""
        folder = self._folder(run)
        try:
            rec = self._read(folder)
        except JsonFileError as e:   # damaged meanwhile: named, never a traceback (and nothing is deleted)
            raise RunStoreError(f"cannot update {e}") from None
        except OSError as e:
            raise RunStoreError(f"cannot update {folder / 'run.json'}: {os_reason(e)}") from None
        if status is not None:
            rec.status = str(status)
        if kept is not None:
            rec.kept = bool(kept)
        if metrics:
            rec.metrics = {**rec.metrics, **metrics}
        try:
            self._write(rec)
        except OSError as e:
            raise RunStoreError(f"cannot update {folder / 'run.json'}: {os_reason(e)}") from None
        return rec

    def discard_model(self, run: RunRecord | str) -> RunRecord:
        """Keep the record and its curves, drop its model: kept becomes false, then model.pt (and the
        model.onnx beside it) is deleted."""
        rec = self.mark(run, kept=False)
        try:
            rec.model_path.unlink(missing_ok=True)
            rec.model_path.with_suffix(".onnx").unlink(missing_ok=True)
        except OSError as e:
            raise RunStoreError(f"cannot delete {rec.model_path}: {os_reason(e)}") from None
        return rec

    def delete(self, run: RunRecord | str) -> None:
        """Delete a run's folder; only a real folder directly inside this store's root is ever deleted."""
        folder = self._folder(run)
        if folder.is_symlink():
            raise RunStoreError(f"{folder} is a link, not a run folder; not touched")
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
