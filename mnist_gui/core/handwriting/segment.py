"""Split a drawing of a number into digits: strokes grouped by horizontal overlap, left to right; and find
the marks that are not digits (a leading minus sign, a decimal point) by their size and place.

A digit may have several strokes (a 4, a crossed 7, a 5's flag): strokes whose horizontal extents
overlap, or that touch, belong to the same digit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


# The marks of a number beside its digits, in units of the line's digit height (so any drawing size works):
DOT_SIZE = 0.2        # a decimal point fits in a box this big ...
DOT_LOW = 0.2         # ... its centre at least this far below the line's centre (near the baseline) ...
DOT_BELOW = 0.8       # ... and no further below it than this
DOT_INSIDE = 0.1      # its centre is not inside another stroke's x-range by more than this
DOT_UNDER = 0.2       # nor further than this below the lowest ink of the digits beside it (within DOT_NEAR)
DOT_NEAR = 0.5
MINUS_MIN, MINUS_MAX = 0.12, 1.0  # a minus sign is this wide (wider: a dash or an underline) ...
MINUS_FLAT = 0.25     # ... at most this high ...
MINUS_ASPECT = 2.0    # ... and at least this many times as wide as high ...
MINUS_MID = 0.3       # ... its centre within this of the line's centre ...
MINUS_OVERLAP = 0.05  # ... and left of every other stroke (overlapping none by more than this)


@dataclass(frozen=True)
class Marks:
    """The strokes of a number that are not digits: a leading minus sign and a decimal point (indices into
    the strokes given to find_marks; None for none)."""
    minus: int | None = None
    point: int | None = None

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(i for i in (self.minus, self.point) if i is not None)


def find_marks(strokes: Sequence[Stroke], line_h: float, line_c: float) -> Marks:
    """A leading minus sign and a decimal point among the strokes of a number whose digits are line_h high
    with their vertical centre at line_c (y down), told apart from digits by size and place alone:

    - a decimal point: one stroke that fits in DOT_SIZE × line_h, its centre low (between DOT_LOW and
      DOT_BELOW × line_h below the line's centre, and at most DOT_UNDER × line_h below the lowest ink within
      DOT_NEAR × line_h of it: a digit's own blip can sit far below it), with other strokes left and right
      of it and inside none of their x-ranges; at most one (when several qualify, the one nearest the
      baseline, half a line below its centre; the others are left to the reader, which drops a stray dot);
    - a minus sign: one near-horizontal stroke (MINUS_MIN to MINUS_MAX × line_h wide, at most MINUS_FLAT
      high and MINUS_ASPECT times as wide as high), its centre near the line's, left of every other
      stroke, with a stroke that is not the point after it.

    A mark that is neither (a dot high up, a bar over a digit) is not a mark: the reader treats it as
    before."""
    boxes = {i: _extent(s) for i, s in enumerate(strokes) if len(s)}
    live = sorted(boxes)

    def centre(i):
        x0, x1, y0, y1 = boxes[i]
        return (x0 + x1) / 2, (y0 + y1) / 2

    dots = []
    for i in live:
        x0, x1, y0, y1 = boxes[i]
        cx, cy = centre(i)
        if max(x1 - x0, y1 - y0) > DOT_SIZE * line_h or not DOT_LOW * line_h <= cy - line_c <= DOT_BELOW * line_h:
            continue
        others = [j for j in live if j != i]
        left = any(centre(j)[0] < cx for j in others)
        right = any(centre(j)[0] > cx for j in others)
        big = [j for j in others if max(boxes[j][1] - boxes[j][0], boxes[j][3] - boxes[j][2]) > DOT_SIZE * line_h]
        inside = any(boxes[j][0] + DOT_INSIDE * line_h < cx < boxes[j][1] - DOT_INSIDE * line_h for j in big)
        near = [boxes[j][3] for j in big if boxes[j][0] - DOT_NEAR * line_h < cx < boxes[j][1] + DOT_NEAR * line_h]
        under = bool(near) and cy - max(near) > DOT_UNDER * line_h
        if left and right and not inside and not under:
            dots.append(i)
    point = min(dots, key=lambda i: abs(centre(i)[1] - line_c - 0.5 * line_h)) if dots else None
    minus = None
    rest = [i for i in live if i != point]
    if len(rest) >= 2:
        i = min(rest, key=lambda j: boxes[j][0])
        x0, x1, y0, y1 = boxes[i]
        w, h = x1 - x0, y1 - y0
        if (MINUS_MIN * line_h <= w <= MINUS_MAX * line_h and h <= MINUS_FLAT * line_h and w >= MINUS_ASPECT * h
                and abs(centre(i)[1] - line_c) <= MINUS_MID * line_h
                and all(x1 <= boxes[j][0] + MINUS_OVERLAP * line_h for j in rest if j != i)):
            minus = i
    if point is not None and minus is not None and centre(point)[0] < boxes[minus][1]:
        point = None   # a point before the first digit ("-.5") is not one between digits
    return Marks(minus, point)
