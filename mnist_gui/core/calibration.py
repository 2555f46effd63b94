"""Is the model's confidence honest? Reliability bins, expected calibration error, and the
"not sure" trade-off (how many right answers a threshold refuses vs how many mistakes it catches).

Plain numpy: no torch, no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Bin:
    lo: float
    hi: float
    confidence: float   # mean top probability of the predictions in the bin (nan when empty)
    accuracy: float     # share of them that were right (nan when empty)
    count: int


def _top(probs, labels) -> tuple[np.ndarray, np.ndarray]:
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels).astype(np.int64)
    if probs.ndim != 2 or len(probs) != len(labels):
        raise ValueError("probs must be N×classes and labels N long")
    return probs.max(1), probs.argmax(1) == labels


def reliability(probs, labels, bins: int = 10) -> list[Bin]:
    """Predictions grouped by top probability into `bins` equal-width bins over [0, 1] (the last
    includes 1.0): each bin's mean confidence, accuracy and count. Counts sum to len(labels)."""
    conf, right = _top(probs, labels)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    out = []
    for b in range(bins):
        m = which == b
        n = int(m.sum())
        out.append(Bin(float(edges[b]), float(edges[b + 1]),
                       float(conf[m].mean()) if n else float("nan"),
                       float(right[m].mean()) if n else float("nan"), n))
    return out


def ece(probs, labels, bins: int = 10) -> float:
    """Expected calibration error: the count-weighted mean |accuracy - confidence| over the bins."""
    bs = reliability(probs, labels, bins)
    n = sum(b.count for b in bs)
    return float(sum(b.count * abs(b.accuracy - b.confidence) for b in bs if b.count) / max(n, 1))


@dataclass
class TradeOff:
    threshold: float
    refused: float          # share of all digits the app declines ("not sure")
    refused_right: int      # right answers declined
    caught: int             # mistakes declined
    mistakes: int           # mistakes in all
    accepted_errors: float  # share of wrong answers among those claimed


def trade_off(top_probs, right, threshold: float) -> TradeOff:
    top = np.asarray(top_probs, dtype=np.float64)
    right = np.asarray(right, dtype=bool)
    refused = top < threshold
    acc = ~refused
    return TradeOff(threshold, float(refused.mean()) if len(top) else 0.0, int((refused & right).sum()),
                    int((refused & ~right).sum()), int((~right).sum()),
                    float((~right[acc]).mean()) if acc.any() else 0.0)


def refusal_cost(t: TradeOff, wrong_cost: float) -> float:
    """What a threshold costs: each right answer refused costs 1, each mistake claimed `wrong_cost`."""
    return t.refused_right + wrong_cost * (t.mistakes - t.caught)


def choose_threshold(top_probs, right, candidates, wrong_cost: float = 3.0) -> float:
    """The candidate with the lowest refusal cost (ties: the lowest threshold, which refuses least)."""
    costs = [(refusal_cost(trade_off(top_probs, right, th), wrong_cost), th) for th in sorted(candidates)]
    return min(costs)[1]
