"""Training runs recorded in the user folder: hyperparameters, curves, final metrics, checkpoint, time.

runs/<id>/run.json (written atomically) and runs/<id>/model.pt. A damaged record is skipped and
reported, never a crash.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from mnist_gui import config
from mnist_gui.core.checkpoint import atomic_write_bytes


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

    @property
    def model_path(self) -> Path:
        return self.folder / "model.pt"

    @property
    def test_accuracy(self) -> float | None:
        v = self.metrics.get("test_accuracy")
        return float(v) if isinstance(v, (int, float)) else None


class RunStore:
    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else config.runs_dir()

    def new_id(self, preset: str) -> str:
        base = time.strftime(f"%Y%m%d-%H%M%S-{preset}")
        rid, n = base, 1
        while (self.root / rid).exists():
            n += 1
            rid = f"{base}-{n}"
        return rid

    def record(self, status: str, config_: dict, metrics: dict, history: dict, seconds: float,
               save_model=None) -> RunRecord:
        """Write a run; save_model(path) writes its checkpoint (None: no model, e.g. diverged)."""
        rid = self.new_id(config_.get("preset", "model"))
        folder = self.root / rid
        folder.mkdir(parents=True, exist_ok=True)
        if save_model is not None:
            save_model(folder / "model.pt")
        rec = RunRecord(rid, status, config_, {k: v for k, v in metrics.items()
                                                if k not in ("predictions", "confidence", "probabilities")},
                        history, float(seconds), time.strftime("%Y-%m-%d %H:%M:%S"), folder)
        data = json.dumps({"id": rec.id, "status": rec.status, "config": rec.config, "metrics": rec.metrics,
                           "history": rec.history, "seconds": rec.seconds, "date": rec.date}).encode()
        atomic_write_bytes(folder / "run.json", lambda f: f.write(data))
        return rec

    def load(self) -> tuple[list[RunRecord], list[str]]:
        """All readable runs, oldest first, and one message per damaged record skipped."""
        runs, problems = [], []
        if not self.root.is_dir():
            return runs, problems
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            f = folder / "run.json"
            try:
                d = json.loads(f.read_text(encoding="utf-8"))
                runs.append(RunRecord(str(d["id"]), str(d["status"]), dict(d["config"]), dict(d["metrics"]),
                                      dict(d["history"]), float(d["seconds"]), str(d["date"]), folder))
            except (OSError, ValueError, KeyError, TypeError) as e:
                problems.append(f"skipped damaged run record {f}: {type(e).__name__}")
        return runs, problems

    def delete(self, run: RunRecord) -> None:
        shutil.rmtree(run.folder, ignore_errors=True)
