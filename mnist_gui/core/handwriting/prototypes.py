"""The user's own hand: the strokes of My digits as prototypes that the reading of a drawing leans towards.

A writer's next digits look most like the ones they taught. Each taught digit's pen path
(trajectory.features: points along the path, direction, pen up or down) is a prototype; a drawing whose
path is close to a prototype of digit k gets a bonus for k before the verdict:

    log p_k += WEIGHT · exp(-d_k / SCALE)

d_k is the mean squared difference per feature value to the nearest prototype of k. A drawing far from
every prototype is read as before, and a digit never taught gets no bonus (it loses only what the taught
digit near the drawing gains). Drawings read as one digit use them, and so does each digit of number mode. WEIGHT and
SCALE were chosen on writer folds (benchmarks/my_strokes.py; its figures: benchmarks/README.md). The
newest PER_CLASS digits of each class are used, which also bounds the time of a read.

Run time only (NumPy).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence

import numpy as np

from mnist_gui.core.handwriting.elastic import Templates
from mnist_gui.core.handwriting.trajectory import batch_features

WEIGHT = 12.0
SCALE = 0.1
PER_CLASS = 50

# {pen templates: {a taught digit's points (bytes): is it farther than FAR_BEYOND from every pen writer's digit?}}
_FAR: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MAX_FAR = 4 * 10 * PER_CLASS


class Prototypes:
    """Taught digits' path features (N × CHANNELS·POINTS, sorted by digit) and their labels."""

    def __init__(self, feats: np.ndarray, labels: np.ndarray, weight: float = WEIGHT, scale: float = SCALE):
        order = np.argsort(np.asarray(labels, np.int64), kind="stable")   # by digit, for reduceat
        self.feats = np.asarray(feats, np.float32).reshape(len(labels), -1)[order]
        self.labels = np.asarray(labels, np.int64)[order]
        self._sq = (self.feats * self.feats).sum(1)
        self._digits, self._starts = np.unique(self.labels, return_index=True)
        self.weight, self.scale = weight, scale
        self._templates: Templates | None = None
        self._odd: tuple | None = None   # (pen templates, odd_shapes of them)

    @classmethod
    def of(cls, taught: Iterable[tuple[int, Sequence]], per_class: int = PER_CLASS, **kw) -> Prototypes | None:
        """From (label, strokes) pairs, oldest first; the newest per_class of each digit are kept. None when
        no pair has strokes (digits taught from images have none)."""
        kept: dict[int, list] = {}
        for label, strokes in taught:
            if strokes and any(len(s) for s in strokes):
                kept.setdefault(int(label), []).append(strokes)
        pairs = [(k, s) for k, v in sorted(kept.items()) for s in v[-per_class:]]
        if not pairs:
            return None
        with np.errstate(all="ignore"):
            feats = batch_features([s for _, s in pairs])
        ok = np.isfinite(feats).all(axis=(1, 2))   # absurd coordinates in a hand-edited file: left out
        if not ok.any():
            return None
        return cls(feats[ok], np.array([k for k, _ in pairs])[ok], **kw)

    def __len__(self) -> int:
        return len(self.labels)

    def templates(self) -> Templates:
        """The taught digits as templates of the elastic reader (elastic.py): a drawing far from every pen
        writer's digit but near one the user taught is theirs, not a stranger's shape."""
        if self._templates is None:
            self._templates = Templates.of_features(self.feats, self.labels)
        return self._templates

    def odd_shapes(self, pen: Templates | None) -> Templates | None:
        """The taught digits no pen writer drew the like of (none within FAR_BEYOND of the pen templates `pen`), as
        templates; None when there is none. Worked out once per pen templates, and each taught digit's answer kept
        for the next Prototypes (made again whenever My digits change): teaching one more digit matches that one."""
        from mnist_gui.core.handwriting.elastic import FAR_BEYOND
        if self._odd is None or self._odd[0] is not pen:
            taught = self.templates()
            if pen is None:
                far = np.ones(len(taught), bool)
            else:
                known = _FAR.setdefault(pen, {})
                keys = [p.tobytes() for p in taught.pts]
                todo = [i for i, k in enumerate(keys) if k not in known]
                if todo:
                    if len(known) + len(todo) > _MAX_FAR:
                        known.clear()   # bounded: a store of My digits' answers, not of every drawing
                        todo = list(range(len(keys)))
                    said = pen.distances_of_points(taught.pts[todo]).min(1) > FAR_BEYOND
                    known.update((keys[i], bool(f)) for i, f in zip(todo, said))
                far = np.array([known[k] for k in keys], bool)
            self._odd = (pen, Templates(taught.pts[far], taught.labels[far]) if far.any() else None)
        return self._odd[1]

    def bonus(self, feats: np.ndarray) -> np.ndarray:
        """N×10: WEIGHT · exp(-d_k / SCALE) for each taught digit k, 0 for the others."""
        x = np.asarray(feats, np.float32).reshape(-1, self.feats.shape[1])
        d = ((x * x).sum(1)[:, None] - 2 * x @ self.feats.T + self._sq[None]) / self.feats.shape[1]
        nearest = np.maximum(np.minimum.reduceat(d, self._starts, axis=1), 0.0)   # N × taught digits
        out = np.zeros((len(x), 10))
        out[:, self._digits] = self.weight * np.exp(-nearest / self.scale)
        return out

    def adjust(self, probs: np.ndarray, feats: np.ndarray) -> np.ndarray:
        """probs (N×10 or 10) leaned towards the taught digits the paths are close to."""
        p = np.asarray(probs, np.float64)
        z = np.log(np.clip(p, 1e-12, 1.0)).reshape(-1, 10) + self.bonus(feats)
        z -= z.max(1, keepdims=True)
        e = np.exp(z)
        return (e / e.sum(1, keepdims=True)).reshape(p.shape)
