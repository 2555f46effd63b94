"""Split a drawing of a number into digits: strokes grouped by horizontal overlap, left to right.

A digit may have several strokes (a 4, a crossed 7, a 5's flag): strokes whose horizontal extents
overlap, or that touch, belong to the same digit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Stroke = Sequence[tuple[float, float]]


def _extent(s) -> tuple[float, float, float, float]:
    p = np.asarray(s, float).reshape(-1, 2)
    return p[:, 0].min(), p[:, 0].max(), p[:, 1].min(), p[:, 1].max()


def split_digits(strokes: Sequence[Stroke], overlap: float = 0.3) -> list[list[Stroke]]:
    """Groups of strokes, one per digit, ordered left to right.

    Two groups merge when their x-ranges overlap by more than `overlap` of the narrower one
    (so a 7's crossbar joins its 7, while neighbouring digits that slightly overlap stay apart).
    """
    strokes = [s for s in strokes if len(s)]
    if not strokes:
        return []
    heights = [e[3] - e[2] for e in map(_extent, strokes)]
    h = max(max(heights), 1.0)
    pad = 0.05 * h  # a vertical stroke (a 1, the stem of a 4) still has some width
    groups = [[s] for s in strokes]
    ext = [[x0 - pad, x1 + pad, y0, y1] for x0, x1, y0, y1 in map(_extent, strokes)]
    merged = True
    while merged:
        merged = False
        order = sorted(range(len(groups)), key=lambda i: ext[i][0])
        for a, b in zip(order, order[1:]):
            x0a, x1a, x0b, x1b = ext[a][0], ext[a][1], ext[b][0], ext[b][1]
            inter = min(x1a, x1b) - max(x0a, x0b)
            narrow = min(x1a - x0a, x1b - x0b)
            if inter > overlap * narrow:
                groups[a] += groups[b]
                ext[a] = [min(ext[a][0], ext[b][0]), max(ext[a][1], ext[b][1]),
                          min(ext[a][2], ext[b][2]), max(ext[a][3], ext[b][3])]
                del groups[b], ext[b]
                merged = True
                break
    order = sorted(range(len(groups)), key=lambda i: ext[i][0])
    return [groups[i] for i in order]
