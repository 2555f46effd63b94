"""My digits: samples the user taught (strokes + 28×28 image + label), in the user folder.

One JSON object per line, appended with fsync: a crash can at worst tear the last line, which is
skipped when reading, so digits already stored are never lost. Deleting rewrites the file
atomically (temp file, fsync, rename).
"""

from __future__ import annotations

import base64
import datetime as _dt
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from mnist_gui import config
from mnist_gui.core.checkpoint import atomic_write_bytes
from mnist_gui.core.data import MnistSplit


@dataclass
class Sample:
    label: int
    image: np.ndarray                       # 28×28 float32 in [0, 1]
    strokes: list = field(default_factory=list)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    time: str = field(default_factory=lambda: _dt.datetime.now().isoformat(timespec="seconds"))

    def to_json(self) -> str:
        img = np.round(np.clip(self.image, 0, 1) * 255).astype(np.uint8).tobytes()
        return json.dumps({"id": self.id, "label": self.label, "time": self.time,
                           "image": base64.b64encode(img).decode("ascii"),
                           "strokes": [[[round(float(x), 2), round(float(y), 2)] for x, y in s]
                                       for s in self.strokes]})

    @classmethod
    def from_json(cls, line: str) -> "Sample":
        d = json.loads(line)
        raw = base64.b64decode(d["image"], validate=True)
        if len(raw) != 784 or not isinstance(d["label"], int) or not 0 <= d["label"] <= 9:
            raise ValueError("bad sample")
        img = np.frombuffer(raw, np.uint8).reshape(28, 28).astype(np.float32) / 255.0
        return cls(label=d["label"], image=img, strokes=[[tuple(p) for p in s] for s in d.get("strokes", [])],
                   id=str(d["id"]), time=str(d.get("time", "")))


class MyDigits:
    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else config.app_home() / "my_digits.jsonl"
        self.samples: list[Sample] = []
        self.skipped = 0
        self.load()

    def load(self) -> None:
        self.samples, self.skipped = [], 0
        if not self.path.exists():
            return
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return
        for line in text.splitlines():
            if not line.strip():
                continue
            try:
                self.samples.append(Sample.from_json(line))
            except (ValueError, KeyError, TypeError):
                self.skipped += 1  # a torn or damaged line: skip it, keep the rest

    def add(self, label: int, image: np.ndarray, strokes=()) -> Sample:
        if not 0 <= int(label) <= 9:
            raise ValueError(f"label must be a digit 0-9, got {label}")
        s = Sample(label=int(label), image=np.asarray(image, np.float32).reshape(28, 28), strokes=list(strokes))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = (s.to_json() + "\n").encode("utf-8")
        with open(self.path, "ab") as f:
            if f.tell() > 0:  # start on a fresh line if a crash left a torn one
                with open(self.path, "rb") as r:
                    r.seek(-1, os.SEEK_END)
                    if r.read(1) != b"\n":
                        f.write(b"\n")
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        self.samples.append(s)
        return s

    def delete(self, sample_id: str) -> bool:
        keep = [s for s in self.samples if s.id != sample_id]
        if len(keep) == len(self.samples):
            return False
        data = "".join(s.to_json() + "\n" for s in keep).encode("utf-8")
        atomic_write_bytes(self.path, lambda f: f.write(data))
        self.samples = keep
        return True

    def by_label(self, label: int | None = None) -> list[Sample]:
        return [s for s in self.samples if label is None or s.label == label]

    def counts(self) -> list[int]:
        return [sum(1 for s in self.samples if s.label == d) for d in range(10)]

    def __len__(self) -> int:
        return len(self.samples)

    def as_split(self, repeat: int = 1) -> MnistSplit:
        if not self.samples:
            return MnistSplit(torch.zeros(0, 28, 28, dtype=torch.uint8), torch.zeros(0, dtype=torch.int64))
        imgs = np.stack([np.round(s.image * 255).astype(np.uint8) for s in self.samples])
        labels = np.array([s.label for s in self.samples], np.int64)
        return MnistSplit(torch.from_numpy(np.tile(imgs, (repeat, 1, 1))),
                          torch.from_numpy(np.tile(labels, repeat)))


def finetune_plan(my: MyDigits, preset: str, dropout: float, steps: int = 200,
                  share: float = 0.15, n_mnist: int = 60000):
    """A short fine-tuning run on My digits mixed with MNIST, so MNIST accuracy holds.

    My digits are repeated so they make up about `share` of the training images; augmentation
    gives each repeat a different small affine and stroke thickness. Returns (TrainConfig, extra split).
    """
    from mnist_gui.core.train import TrainConfig
    if not len(my):
        raise ValueError("My digits is empty: teach some digits first")
    repeat = max(1, round(share * n_mnist / (1 - share) / len(my)))
    cfg = TrainConfig(preset=preset, dropout=dropout, optimizer="adamw", lr=3e-4, schedule="onecycle",
                      batch_size=128, max_steps=steps, epochs=1, weight_decay=1e-4, augment=True, seed=0)
    return cfg, my.as_split(repeat)
