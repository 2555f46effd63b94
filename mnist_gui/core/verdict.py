"""What the app says of a reading: sure, not sure, not digit-like or not a digit (the `Verdict`), and the
ink checks behind "not digit-like". numpy only; the thresholds' provenance is in benchmarks/README.md."""

from __future__ import annotations

from enum import StrEnum

import numpy as np


class Verdict(StrEnum):
    SURE = "sure"
    NOT_SURE = "not sure"               # the top probability is below NOT_SURE_BELOW
    NOT_DIGIT_LIKE = "not digit-like"   # the ink checks (digit_like)
    NOT_A_DIGIT = "not a digit"         # the digit gates (handwriting/gate.py)


# "Not sure": below this top probability the app shows the top two instead of claiming a digit (chosen on
# writer folds: benchmarks/pendigits_cv.py --fold-models).
NOT_SURE_BELOW = 0.8
# A 28×28 input with more mean ink than this is not digit-like (a scribble, a filled blob) ...
MAX_MEAN_INK = 0.30
# ... nor with less (a single point) ...
MIN_MEAN_INK = 0.02
# ... nor an ink box more than this many times as wide as it is high (a dash or a tap of the pen).
MAX_ASPECT = 2.5


def _aspect(img28: np.ndarray, ink: float = 0.25) -> float:
    ys, xs = np.nonzero(img28 > ink)
    return 0.0 if len(xs) == 0 else (np.ptp(xs) + 1) / (np.ptp(ys) + 1)


def digit_like(img28: np.ndarray) -> bool:
    """Could this 28×28 input be a digit at all: not too little or too much ink, not a bar?"""
    return MIN_MEAN_INK <= float(np.mean(img28)) <= MAX_MEAN_INK and _aspect(img28) <= MAX_ASPECT


def verdict(p_claimed: float, img28: np.ndarray | None = None, is_digit: bool = True) -> Verdict:
    """The verdict on a claimed digit of probability p_claimed, with its 28×28 input (the ink checks) and
    what the digit gates said of it (is_digit)."""
    if img28 is not None and not digit_like(img28):
        return Verdict.NOT_DIGIT_LIKE
    if not is_digit:
        return Verdict.NOT_A_DIGIT
    return Verdict.NOT_SURE if float(p_claimed) < NOT_SURE_BELOW else Verdict.SURE
