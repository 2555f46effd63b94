"""Read a whole number drawn as strokes: segmentation by recognition.

Strokes are put in order left to right (by their leftmost point) and, when that differs, also
taken in the order they were drawn (overlapping neighbours interleave left to right, but a digit's
strokes stay together in time). In an order, a digit is a run of consecutive strokes (at most
MAX_STROKES), or part of a stroke that runs through two touching digits (the stroke cut at a few
proposed points). Every candidate digit is rendered to 28×28 and scored by the classifier in one
batch (with a judge, those it takes for a whole digit; the rest only when a reading near the top has them: until
then each counts as sure of every digit, a bound no reading with it can beat); dynamic programming over each order
picks the reading with the best total of
  log P(digit | image)  +  a prior on the digit's shape (width/height, height/line height)
  + a penalty for neighbours that overlap  + a bonus per digit  - costs for cuts and dropped dots
  + W_WHOLE · log P(whole digit), when a judge (core/judge.py) says how likely each candidate is one
    whole digit rather than a piece of one,
and the better order's best reading wins; the next best readings near it (CLOSE_RATIO) are the alternatives.

Before that, a leading minus sign and a decimal point are told apart from the digits by their size and
place (segment.find_marks) and left out of them; the reading's text puts them back ("-3.14").
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mnist_gui.core.handwriting.elastic import FAR_BEYOND, Templates, join, points
from mnist_gui.core.handwriting.prototypes import Prototypes
from mnist_gui.core.handwriting.segment import Marks, find_marks, split_digits
from mnist_gui.core.handwriting.trajectory import CHANNELS, POINTS, batch_features, combine, on_features
from mnist_gui.core.preprocess import Stroke, digit_like, strokes_to_mnist_many

Classify = Callable[[list[np.ndarray]], np.ndarray]  # N 28×28 images -> N×10 probabilities
Judge = Callable[[list[np.ndarray], np.ndarray], np.ndarray]  # images, N×4 judge_features -> N P(whole digit)

# Fitted by scripts/fit_number_prior.py on the 4,996 pen-drawn digits of writers 1-20 (the held-out
# writers 21-30 were not used): per digit, mean and sd of log(width / height) of the ink box ...
LOG_ASPECT = ((-0.150, 0.242), (-0.957, 0.620), (-0.228, 0.247), (-0.483, 0.193), (-0.626, 0.311),
              (-0.258, 0.220), (-0.629, 0.213), (-0.430, 0.253), (-0.650, 0.231), (-0.537, 0.227))
# ... and of log(height / the writer's median digit height).
LOG_REL_HEIGHT = ((-0.285, 0.211), (-0.023, 0.163), (-0.062, 0.136), (0.032, 0.117), (0.105, 0.141),
                  (-0.033, 0.126), (-0.012, 0.125), (0.092, 0.123), (0.007, 0.120), (0.060, 0.116))
# ... and the widest horizontal hole between the strokes of a digit of several strokes, over its
# height: its median and the sd of its upper half (a normal; holes above the median cost).
HOLE_MEDIAN, HOLE_SD = -0.385, 0.205
# The pen data has one digit per box, so it says nothing about the space between digits. Assumed:
# neighbours rarely overlap; a gap (left edge of a digit minus right edge of the one before, over
# the line height) below GAP_FREE costs 0.5 * ((GAP_FREE - gap) / GAP_SD)^2.
GAP_FREE, GAP_SD = 0.0, 0.12
# Assumed too: a digit's vertical centre stays near the line's (the median centre of the x-overlap
# groups), costing 0.5 * W_CENTRE * (offset / (CENTRE_SD * line height))^2.
CENTRE_SD = 0.1

# Weights of the score, chosen on numbers built from writers 1-20 (benchmarks/number_reading.py
# --writers train); never on the held-out writers.
W_ASPECT = 0.25
W_HEIGHT = 0.5
W_HOLE = 0.5
W_CENTRE = 2.0
DIGIT_BONUS = 4.0     # per digit read: log-probabilities are <= 0, so without it fewer digits win
CUT_COST = 2.0        # cutting one stroke into two digits
DROP_COST = 1.0       # leaving out a tiny stroke (a stray dot)
W_WHOLE = 1.0         # weight of log P(whole digit) from the judge (core/judge.py), when there is one ...
WHOLE_FLOOR = 1e-6    # ... which counts no lower than this (a whole digit of a style the judge never saw)
PATHS_FROM = 1e-3     # the path net and the elastic reader read a candidate the judge gives at least this (about
                      # half of a number's candidates are less: pieces, and digits with a piece of the next), and
                      # any candidate of the best reading
CROSS_COST = 30.0     # two neighbours whose ink crosses (or touches) in the middle of both (_cross_centrally: an
CROSS_CENTRAL = 0.3   # X's strokes read as two 1s): at least this far (× the box) inside both boxes, across and
THIN = 0.15           # down, along each axis where a box is at least this wide (× line height). Of the 5,580
                      # neighbours of the pen writers' tightly spaced numbers (one full pass) it holds for one, two
                      # overlapping 1s; of their realistically spaced numbers for none

MAX_STROKES = 4       # strokes in one digit
MAX_INPUTS = 60       # classifier inputs per read
MAX_CUT_STROKES = 2   # at most this many (the widest) strokes are cut ...
CUTS_PER_STROKE = 3   # ... at this many places each
CUT_MIN_WIDTH = 1.0   # only strokes wider than this (× line height) are cut ...
CLOSED_GAP = 0.6      # ... and not closed (ends nearer than this × line height: see _closed)
MAX_WIDTH = 1.8       # a digit of several strokes is at most this wide (× line height) ...
MAX_INNER_GAP = 0.2   # ... with no hole between its strokes wider than this (set above the holes
                      # of nearly all multi-stroke digits of pen writers 1-20)
TINY = 0.15           # a stroke whose box fits in this (× line height) may be a stray dot, and so may one
DASH_WIDTH = 1.0      # wider than this, at least DASH_FLAT times as wide as high, and not digit-like on
DASH_FLAT = 6.0       # its own (preprocess.digit_like): a dash, an underline; not a number joined in one
                      # stroke, which is as high as the line (a digit's bar this wide may go: the judge keeps it)
CLOSE_RATIO = 0.3     # show the second reading when its probability is at least this share of the best
KEEP = 6              # readings kept per step of the dynamic programming
MINUS_SIGN = "\u2212"   # how the window shows a negative number's sign ("−3.14"); the CLI's text is ASCII


@dataclass
class DigitRead:
    digit: int
    prob: float                 # the classifier's probability of `digit`
    strokes: list[Stroke]       # the strokes (or pieces of a stroke) of this digit
    image28: np.ndarray         # the 28×28 input the classifier saw
    probs: np.ndarray           # all ten probabilities
    stroke_ids: list[int]       # indices of the input strokes it uses (all or part of)
    features: np.ndarray | None = None   # its pen-path features (trajectory.features), when a path net or prototypes read it
    ink_like: bool = True       # its input passes the ink checks (preprocess.digit_like)
    distances: np.ndarray | None = None  # the elastic reader's ten distances, when it read it


@dataclass
class NumberReading:
    digits: list[DigitRead]
    score: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)  # (text, score) of the readings near the best
                                                                         # (CLOSE_RATIO), best first, without it
    inputs: int = 0             # images this read classified (not found in the cache)
    negative: bool = False      # a minus sign before the first digit (segment.find_marks)
    point: int | None = None    # a decimal point after this many digits (0 < point < len(digits)), or None
    mark_ids: tuple[int, ...] = ()   # indices of the input strokes that are the minus sign and the point ...
    point_id: int | None = None      # ... the point's

    @property
    def text(self) -> str:
        """The number as ASCII text: "-3.14" (what the CLI prints and the benchmarks compare)."""
        return number_text([d.digit for d in self.digits], self.negative, self.point)

    @property
    def display(self) -> str:
        """The number as it is shown to a person: "−3.14", its minus sign U+2212 (MINUS SIGN)."""
        return self.text.replace("-", MINUS_SIGN)

    @property
    def close_alternative(self) -> str | None:
        """The second-best reading when it is nearly as probable as the best (else None)."""
        if self.alternatives and math.exp(self.alternatives[0][1] - self.score) >= CLOSE_RATIO:
            return self.alternatives[0][0]
        return None


@dataclass
class _Unit:
    """A stroke or a piece of one, with its box."""
    points: np.ndarray
    ids: tuple[int, ...]

    @property
    def box(self):
        p = self.points
        return p[:, 0].min(), p[:, 0].max(), p[:, 1].min(), p[:, 1].max()


def _line(strokes: list[np.ndarray]) -> tuple[float, float]:
    """(height, vertical centre) of a digit in this drawing: the medians over the x-overlap groups
    that are not much smaller than the tallest."""
    boxes = [(np.ptp(p[:, 1]), (p[:, 1].min() + p[:, 1].max()) / 2)
             for p in (np.concatenate(g) for g in split_digits(strokes))]
    top = max(h for h, _ in boxes)
    boxes = [b for b in boxes if b[0] >= 0.3 * top]
    return max(float(np.median([h for h, _ in boxes])), 1.0), float(np.median([c for _, c in boxes]))


def _cuts(p: np.ndarray, k: int) -> list[int]:
    """Up to k indices at which a stroke may be cut into a left and a right digit: where the part
    drawn before and the part drawn after overlap least horizontally (local minima of that
    overlap), each part keeping at least a quarter of the stroke's width."""
    n = len(p)
    if n < 6:
        return []
    x = p[:, 0]
    before = np.maximum.accumulate(x)[:-1]             # right edge of p[:i+1]
    after = np.minimum.accumulate(x[::-1])[::-1][1:]   # left edge of p[i+1:]
    overlap = before - after
    width = max(np.ptp(x), 1e-6)
    lo, hi = x.min(), x.max()
    ok = (before - lo > 0.25 * width) & (hi - after > 0.25 * width)
    idx = [i for i in range(1, n - 2) if ok[i]
           and overlap[i] <= overlap[i - 1] and overlap[i] <= overlap[i + 1]]
    idx.sort(key=lambda i: overlap[i])
    chosen: list[int] = []
    for i in idx:
        if all(abs(i - j) > n // 10 for j in chosen):
            chosen.append(i)
        if len(chosen) == k:
            break
    return chosen


def _closed(p: np.ndarray, line_h: float) -> bool:
    """A stroke that ends where it began (a 0 in one stroke) is one shape: it is not cut into two digits.
    A stroke through two digits ("00" without lifting the pen) ends far from its start."""
    return bool(np.hypot(*(p[-1] - p[0])) < CLOSED_GAP * line_h)


_ASPECT_MEAN, _ASPECT_SD = np.array(LOG_ASPECT).T
_HEIGHT_MEAN, _HEIGHT_SD = np.array(LOG_REL_HEIGHT).T


def _log_shape(boxes, line_h: float) -> np.ndarray:
    """N × 10: per box (x0, x1, y0, y1) and class, the shape prior's log-likelihood (0 at the most likely shape)."""
    b = np.asarray(boxes, float).reshape(-1, 4)
    h = np.maximum(b[:, 3] - b[:, 2], 0.02 * line_h)
    w = np.maximum(b[:, 1] - b[:, 0], 0.02 * h)
    a, r = np.log(w / h)[:, None], np.log(h / line_h)[:, None]
    return (-0.5 * W_ASPECT * ((a - _ASPECT_MEAN) / _ASPECT_SD) ** 2
            - 0.5 * W_HEIGHT * ((r - _HEIGHT_MEAN) / _HEIGHT_SD) ** 2)


def _inner_gap(spans: list[tuple[float, float]]) -> float:
    """The widest horizontal hole between the strokes of a group, given each one's (x min, x max) (negative
    when they all overlap)."""
    iv = sorted(spans)
    right, gap = iv[0][1], -math.inf
    for a, b in iv[1:]:
        gap, right = max(gap, a - right), max(right, b)
    return gap


@dataclass
class _Candidates:
    units: list[_Unit]
    line_h: float
    line_c: float
    items: list[tuple]  # (start state, end state, strokes, stroke ids, box, hole)
    centres: list[float] = field(default_factory=list)   # each item's x: the mean of its strokes' mean x
    keys: list[tuple] = field(default_factory=list)      # each item's candidate_key


def candidate_key(strokes_: Sequence) -> tuple:
    """A candidate digit's identity: its strokes in any order (they render the same image)."""
    return tuple(sorted(p.tobytes() for p in strokes_))


def _units(arrays: list[np.ndarray], order: list[int]) -> tuple[list[_Unit], list[list[np.ndarray]]]:
    """The units of an order (its strokes, or with very many strokes their x-overlap groups) and each
    unit's strokes."""
    units = [_Unit(arrays[i], (i,)) for i in order]
    if len(units) <= MAX_INPUTS // 3:
        return units, [[u.points] for u in units]
    index = {id(arrays[i]): i for i in order}
    units = [_Unit(np.concatenate(g), tuple(index[id(s)] for s in g))  # its points give its box
             for g in split_digits([arrays[i] for i in order])]
    return units, [[arrays[i] for i in u.ids] for u in units]


def _proposals(units: list[_Unit], unit_strokes: list[list[np.ndarray]], line_h: float,
               keep_whole: Callable[[np.ndarray], bool] | None = None):
    """(size, start state, end state, strokes, stroke ids) of each candidate digit of an order, the
    smallest first: runs of consecutive units, and after the pairs the cut pieces of wide single
    strokes with at most one neighbouring stroke. States of the walk: int b = units[:b] read;
    (k, c) = units[:k] and the left piece of unit k cut at point c read."""
    n = len(units)
    for size in range(1, MAX_STROKES + 1):
        for b in range(n - size + 1):
            yield size, b, b + size, [s for u in unit_strokes[b:b + size] for s in u], \
                sorted({i for u in units[b:b + size] for i in u.ids})
        if size != 2:
            continue
        wide = [k for k in range(n) if len(unit_strokes[k]) == 1
                and np.ptp(units[k].points[:, 0]) > CUT_MIN_WIDTH * line_h
                and not _closed(units[k].points, line_h)
                and not (keep_whole is not None and keep_whole(units[k].points))]
        for k in sorted(sorted(wide, key=lambda k: -np.ptp(units[k].points[:, 0]))[:MAX_CUT_STROKES]):
            p = units[k].points
            for c in _cuts(p, CUTS_PER_STROKE):
                left, right = p[:c + 1], p[c + 1:]
                for b in (k, k - 1):
                    if b >= 0:
                        yield 2, b, (k, c), [s for u in unit_strokes[b:k] for s in u] + [left], \
                            sorted({i for u in units[b:k + 1] for i in u.ids})
                for e in (k + 1, k + 2):
                    if e <= n:
                        yield 2, (k, c), e, [right] + [s for u in unit_strokes[k + 1:e] for s in u], \
                            sorted({i for u in units[k:e] for i in u.ids})


def _decode(cands: _Candidates, probs: np.ndarray, whole: np.ndarray | None = None,
            odd: Callable[[int], bool] | None = None) -> list[tuple[float, tuple]]:
    """Dynamic programming over the candidates' order: the KEEP best readings, best first, each
    (score, ((candidate, digit), ...)). probs: N×10 per candidate; whole: N P(whole digit), or None;
    odd: is candidate i not digit-like on its own (or None)? Asked only of the flat, wide ones. In the order drawn,
    the overlap penalty compares a digit with the one drawn before it (for a number written left to
    right, its left neighbour)."""
    units, line_h, items = cands.units, cands.line_h, cands.items
    n = len(units)
    logp = np.log(np.clip(probs, 1e-12, 1.0))
    if whole is not None:
        logp = logp + W_WHOLE * np.log(np.clip(whole, WHOLE_FLOOR, 1.0))[:, None]
    # a reading's score for candidate ci as digit k is logp + shape + a term the same for every digit, so each
    # candidate's three best digits are known before the walk: (digit, logp + shape) of each
    base = logp + _log_shape([c[4] for c in items], line_h)
    top3 = [[(int(k), float(b[k])) for k in np.argsort(-b)[:3]] for b in base]
    prior = [-0.5 * W_HOLE * (max(c[5] - HOLE_MEDIAN, 0.0) / HOLE_SD) ** 2
             - 0.5 * W_CENTRE * (((c[4][2] + c[4][3]) / 2 - cands.line_c) / (CENTRE_SD * line_h)) ** 2
             for c in items]
    from_state: dict = {}
    for ci, c in enumerate(items):
        from_state.setdefault(c[0], []).append(ci)
    alone = {c[0]: ci for ci, c in enumerate(items) if isinstance(c[0], int) and c[1] == c[0] + 1}

    crossing: dict[tuple[int, int], bool] = {}

    def crosses(a: int, b: int) -> bool:
        """Does candidate a's ink cross candidate b's near the middle of both (CROSS_CENTRAL)? Once a pair."""
        if (a, b) not in crossing:
            crossing[a, b] = _cross_centrally(items[a][2], items[a][4], items[b][2], items[b][4], line_h)
        return crossing[a, b]

    def droppable(s: int) -> bool:
        """A unit that may be left out: a stray dot, or a dash / underline (flat, wider than a digit,
        not digit-like on its own)."""
        x0, x1, y0, y1 = units[s].box
        w, h = x1 - x0, y1 - y0
        return max(w, h) < TINY * line_h or (w > DASH_WIDTH * line_h and w >= DASH_FLAT * h
                                            and odd is not None and s in alone and odd(alone[s]))
    drop = {s for s in range(n) if droppable(s)}
    # partial readings per state: (score, digits, right edge of the last digit)
    best: dict = {0: [(0.0, (), None)]}
    states = sorted({*range(n + 1), *[c[1] for c in items if isinstance(c[1], tuple)]},
                    key=lambda s: (s, -1) if isinstance(s, int) else s)

    def push(state, hyp):
        """Keep hyp among the KEEP best of its state (after those that score the same: as a stable sort)."""
        lst = best.setdefault(state, [])
        if len(lst) < KEEP or hyp[0] > lst[-1][0]:
            bisect.insort_right(lst, hyp, key=lambda h: -h[0])
            del lst[KEEP:]

    for s in states:
        for score, digits, right_edge in best.get(s, []):
            if s in drop:
                push(s + 1, (score - DROP_COST, digits, right_edge))
            for ci in from_state.get(s, []):
                _, end, _, _, box, hole = items[ci]
                extra = DIGIT_BONUS - (CUT_COST if isinstance(end, tuple) else 0.0) + prior[ci]
                if right_edge is not None and not isinstance(s, tuple):  # the pieces of a cut touch
                    gap = (box[0] - right_edge) / line_h
                    if gap < GAP_FREE:
                        extra -= 0.5 * ((GAP_FREE - gap) / GAP_SD) ** 2
                        if crosses(digits[-1][0], ci):
                            extra -= CROSS_COST
                kept = best.setdefault(end, [])
                for k, b in top3[ci]:   # best first: once one falls short of the KEEP best, so do the rest
                    total = score + float(b + extra)
                    if len(kept) >= KEEP and total <= kept[-1][0]:
                        break
                    push(end, (total, digits + ((ci, k),), box[1]))
    return [(sc, dg) for sc, dg, _ in best.get(n, [])]


def _segments_of(strokes_: Sequence) -> np.ndarray:
    """S × 4: every stroke's segments, x0 y0 x1 y1."""
    out = [np.hstack([p[:-1], p[1:]]) for p in (np.asarray(s, float).reshape(-1, 2) for s in strokes_) if len(p) >= 2]
    return np.vstack(out) if out else np.zeros((0, 4))


def _cross_centrally(a_strokes, a_box, b_strokes, b_box, line_h: float) -> bool:
    """Do a's strokes cross (or touch) b's at a point in the middle of both boxes (x0, x1, y0, y1): at least
    CROSS_CENTRAL of the box's width and of its height in from each edge? Along an axis where a box is narrower
    than THIN × line_h (a stroke straight down, a bar straight across) every point is in its middle. Only the
    segments that reach that middle region are tested (strokes drawn with the mouse have hundreds)."""
    def middle(box) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = np.array([box[0], box[2]], float), np.array([box[1], box[3]], float)
        span, wide = hi - lo, hi - lo >= THIN * line_h
        return np.where(wide, lo + CROSS_CENTRAL * span, -np.inf), np.where(wide, hi - CROSS_CENTRAL * span, np.inf)

    (a_lo, a_hi), (b_lo, b_hi) = middle(a_box), middle(b_box)
    lo, hi = np.maximum(a_lo, b_lo), np.minimum(a_hi, b_hi)   # the middle of both
    if (lo > hi).any():
        return False

    def reaching(segs: np.ndarray) -> np.ndarray:
        x0, x1 = np.minimum(segs[:, 0], segs[:, 2]), np.maximum(segs[:, 0], segs[:, 2])
        y0, y1 = np.minimum(segs[:, 1], segs[:, 3]), np.maximum(segs[:, 1], segs[:, 3])
        return segs[(x1 >= lo[0]) & (x0 <= hi[0]) & (y1 >= lo[1]) & (y0 <= hi[1])]

    a, b = reaching(_segments_of(a_strokes)), reaching(_segments_of(b_strokes))
    if not len(a) or not len(b):
        return False
    p, r = a[:, None, :2], (a[:, 2:] - a[:, :2])[:, None]
    q, d = b[None, :, :2], (b[:, 2:] - b[:, :2])[None]
    den = r[..., 0] * d[..., 1] - r[..., 1] * d[..., 0]
    qp = q - p
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (qp[..., 0] * d[..., 1] - qp[..., 1] * d[..., 0]) / den
        u = (qp[..., 0] * r[..., 1] - qp[..., 1] * r[..., 0]) / den
    # closed: strokes drawn in whole pixels often cross exactly at a point of both
    eps = 1e-9
    i, j = np.nonzero((np.abs(den) > 1e-12) & (t >= -eps) & (t <= 1 + eps) & (u >= -eps) & (u <= 1 + eps))
    pts = a[i, :2] + t[i, j, None] * (a[i, 2:] - a[i, :2])
    return bool(((pts >= lo - eps) & (pts <= hi + eps)).all(1).any())


def _orders(arrays: list[np.ndarray]) -> list[list[int]]:
    """The stroke orders to read in: left to right (by leftmost point) and, when it differs, the order
    they were drawn in. Neighbours that overlap interleave left to right (the bar of a 4 starts right
    of the next digit's left edge), but each digit's strokes stay together in time."""
    drawn = [i for i, a in enumerate(arrays) if len(a)]
    by_x = sorted(drawn, key=lambda i: arrays[i][:, 0].min())
    return [by_x] if drawn == by_x or len(drawn) > MAX_INPUTS // 3 else [by_x, drawn]


def candidate_sets(strokes: Sequence[Stroke], line: tuple[float, float] | None = None,
                   keep_whole: Callable[[np.ndarray], bool] | None = None) -> tuple[list[_Candidates], dict]:
    """The candidates of each order (_orders) and {key: strokes} of the different candidate digits
    among them: at most MAX_INPUTS, the smallest groups of every order first, so the budget keeps
    them. ([], {}) when there is no ink. line: the strokes' _line, when already known. keep_whole: is a wide
    stroke one digit that must not be cut (asked only of the strokes that would be)?"""
    arrays = [np.asarray(s, float).reshape(-1, 2) for s in strokes]
    orders = _orders(arrays)
    if not orders[0]:
        return [], {}
    line_h, line_c = line or _line([arrays[i] for i in orders[0]])
    sets, proposals = [], []
    for order in orders:
        units, unit_strokes = _units(arrays, order)
        sets.append(_Candidates(units, line_h, line_c, []))
        proposals.append(list(_proposals(units, unit_strokes, line_h, keep_whole)))
    known: dict = {}
    extents: dict[int, tuple] = {}   # id(stroke) -> (stroke, x min, x max, y min, y max, x mean): once a stroke

    def extent(p: np.ndarray) -> tuple:
        e = extents.get(id(p))
        if e is None:   # (the stroke kept with them: a cut piece's id is not reused while the read lasts)
            e = extents[id(p)] = (p, p[:, 0].min(), p[:, 0].max(), p[:, 1].min(), p[:, 1].max(), p[:, 0].mean())
        return e

    for size in range(1, MAX_STROKES + 1):
        for cands, props in zip(sets, proposals):
            for start, end, strokes_, ids in (p[1:] for p in props if p[0] == size):
                key = candidate_key(strokes_)
                if key not in known and len(known) >= MAX_INPUTS:
                    continue
                ext = [extent(p) for p in strokes_]   # the group's box from its strokes' (the same numbers)
                box = (min(e[1] for e in ext), max(e[2] for e in ext), min(e[3] for e in ext), max(e[4] for e in ext))
                hole = _inner_gap([(e[1], e[2]) for e in ext]) / line_h if len(strokes_) > 1 else -math.inf
                if len(strokes_) > 1 and (box[1] - box[0] > MAX_WIDTH * line_h or hole > MAX_INNER_GAP):
                    continue
                known[key] = strokes_
                cands.items.append((start, end, strokes_, ids, box, hole))
                cands.keys.append(key)
                cands.centres.append(float(np.mean([e[5] for e in ext])))
    return sets, known


def ranked(sets: list[_Candidates], probs: dict, whole: dict | None = None, odd: Mapping | None = None
           ) -> list[tuple[float, list[tuple[int, int]], _Candidates]]:
    """The KEEP best readings of each order, all together best first: (score, [(candidate, digit), ...],
    candidates). probs: {candidate key: ten probabilities}; whole: {candidate key: P(whole digit)};
    odd: {candidate key: not digit-like} (a mapping, asked only of the keys needed: see _InkChecks)."""
    finals = []
    for cands in sets:
        keys = cands.keys
        p = np.array([probs[k] for k in keys]).reshape(-1, 10)
        w = None if whole is None else np.array([whole[k] for k in keys])
        o = None if odd is None else (lambda ci, keys=keys: bool(odd[keys[ci]]))
        finals += [(score, digits, cands) for score, digits in _decode(cands, p, w, o)]
    return sorted(finals, key=lambda f: -f[0])


def _left_to_right(digits, cands) -> list[tuple[int, int]]:
    """A reading's (candidate, digit) pairs sorted by where the digit is (a reading in the order drawn
    may have them in another order)."""
    return sorted(digits, key=lambda d: cands.centres[d[0]])


def reading_text(digits, cands, negative: bool = False, point_x: float | None = None) -> str:
    """A reading's text; with a minus sign, and a decimal point at x = point_x (among the digits)."""
    ordered = _left_to_right(digits, cands)
    return number_text([k for _, k in ordered], negative, _point_at(
        [cands.centres[ci] for ci, _ in ordered], point_x))


def number_text(digits: Sequence[int], negative: bool = False, point: int | None = None) -> str:
    """"-3.14" from [3, 1, 4], negative, point 1 (ASCII: the window shows the minus as MINUS_SIGN)."""
    text = "".join(map(str, digits))
    if point is not None:
        text = text[:point] + "." + text[point:]
    return ("-" if negative else "") + text


def _point_at(xs: Sequence[float], point_x: float | None) -> int | None:
    """After how many of the digits at x-centres xs (left to right) a point at point_x stands: None when
    there is no point, or when it is not between two digits."""
    if point_x is None:
        return None
    k = sum(x < point_x for x in xs)
    return k if 0 < k < len(xs) else None


def judge_features(sets: list[_Candidates]) -> dict:
    """{candidate key: what the judge (core/judge.py) is told besides the 28×28 image, which has lost
    it by being scaled to fit}: log(height / line height), log(width / height), stroke count / 4, and
    1.0 for a candidate with a cut piece of a stroke (one whose walk starts or ends in a cut)."""
    out = {}
    for cands in sets:
        for (start, end, strokes_, _, box, _), key in zip(cands.items, cands.keys):
            if key not in out:
                h = max(box[3] - box[2], 0.02 * cands.line_h)
                w = max(box[1] - box[0], 0.02 * h)
                out[key] = [math.log(h / cands.line_h), math.log(w / h), len(strokes_) / 4,
                            float(isinstance(start, tuple) or isinstance(end, tuple))]
    return out


_TAUGHT = "taught shapes"     # in the cache: {stroke: is it a shape of the user's own (_taught_shapes)?, "of": mine}


def remember(store: dict, items: dict, limit: int = 4 * MAX_INPUTS) -> None:
    """Put items in a store kept between reads (the gates' verdicts, the taught shapes' answers), emptied first when
    they would take it past limit entries."""
    if len(store) + len(items) > limit:
        store.clear()
    store.update(items)


def read_number(strokes: Sequence[Stroke], classify: Classify, cache: dict | None = None,
                judge: Judge | None = None, path=None, mine: Prototypes | None = None,
                templates: Templates | None = None) -> NumberReading | None:
    """The most probable reading of the strokes as a number (None when there is no ink), with a leading
    minus sign and a decimal point when segment.find_marks finds them: those strokes are left out of the
    digits, the point goes between the digits either side of it (read_digits says the rest).
    """
    arrays = [np.asarray(s, float).reshape(-1, 2) for s in strokes]
    drawn = [arrays[i] for i in _orders(arrays)[0]]
    marks, line = Marks(), None
    if len(drawn) >= 2:
        line = _line(drawn)
        marks = find_marks(arrays, *line)
    if marks.ids:
        keep = [i for i in range(len(arrays)) if i not in marks.ids]
        point_x = None if marks.point is None else float(np.mean(arrays[marks.point][:, 0]))
        nr = read_digits([strokes[i] for i in keep], classify, cache, judge, path, marks.minus is not None, point_x,
                         mine, templates)
        if nr is not None and nr.digits:
            for d in nr.digits:
                d.stroke_ids = [keep[i] for i in d.stroke_ids]
            nr.mark_ids, nr.point_id = tuple(sorted(marks.ids)), marks.point
            return nr
    return read_digits(strokes, classify, cache, judge, path, mine=mine, templates=templates, line=line)


@dataclass
class _Seen:
    """What the readers said of one candidate digit (kept in the cache between reads while the user draws)."""
    image: np.ndarray                   # the 28×28 input the classifier saw
    probs: np.ndarray | None            # the classifier's ten probabilities (None until classified) ...
    features: np.ndarray | None = None  # ... its pen-path features, once something needed them ...
    joined: np.ndarray | None = None    # ... and the ten joined with the path net's and the elastic reader's, once
                                        # they read it (read_paths) ...
    distances: np.ndarray | None = None   # ... with the elastic reader's ten distances
    judged: tuple | None = None         # (judge, what it made of the image: judge.SplitJudge.image_part), once judged


def _judged(judge: Judge, seen: dict, keys: list, feats: np.ndarray) -> np.ndarray:
    """The judge's P(whole digit) of these candidates (N × 4 judge_features). A judge in two parts (judge.SplitJudge)
    reads each candidate's image once, kept with it: a stroke that moves the line changes every candidate's
    features, and then only the small rest of the network runs again."""
    image_part, of_parts = getattr(judge, "image_part", None), getattr(judge, "of_parts", None)
    if image_part is None or of_parts is None:
        return judge([seen[k].image for k in keys], feats)
    todo = [k for k in keys if seen[k].judged is None or seen[k].judged[0] is not judge]
    for k, part in zip(todo, image_part([seen[k].image for k in todo]) if todo else ()):
        seen[k].judged = (judge, part)
    return of_parts(np.stack([seen[k].judged[1] for k in keys]), feats)


def _features(seen: dict, keys: list, strokes_of: dict) -> np.ndarray:
    """The pen-path features of these candidates, made once for those without (all at once) and kept."""
    missing = [k for k in keys if seen[k].features is None]
    for k, f in zip(missing, batch_features([strokes_of[k] for k in missing]) if missing else ()):
        seen[k].features = f
    return np.stack([seen[k].features for k in keys]) if keys else np.zeros((0, CHANNELS, POINTS), np.float32)


def _read_paths(seen: dict, keys: list, strokes_of: dict, path, templates: Templates | None) -> None:
    """The path net and the elastic reader read these candidates (their probabilities joined to the image's)."""
    if not keys:
        return
    feats = _features(seen, keys, strokes_of)
    probs = np.stack([seen[k].probs for k in keys]).astype(float)
    if path is not None:
        probs = combine(probs, on_features(path, feats, [strokes_of[k] for k in keys]))
    distances = templates.distances(feats) if templates is not None else [None] * len(keys)
    if templates is not None:
        probs = join(probs, distances)
    for k, p, d in zip(keys, probs, distances):
        seen[k].joined, seen[k].distances = p, d


_SURE = np.ones(10)   # what a candidate not classified counts as: sure of every digit (an upper bound)


def _classify(seen: dict, keys, classify: Classify) -> int:
    """The classifier's probabilities of these candidates, for those without (all in one batch); how many."""
    todo = [k for k in keys if seen[k].probs is None]
    if todo:
        probs = np.asarray(classify([seen[k].image for k in todo]), float).reshape(len(todo), 10)
        for k, p in zip(todo, probs):
            seen[k].probs = p.copy()
    return len(todo)


def _taught_shapes(cache: dict | None, mine: Prototypes, templates: Templates | None):
    """(keep_whole, kept): keep_whole(stroke) says whether one wide stroke is a shape only the user's teaching makes a
    digit: within FAR_BEYOND, as drawn, of a digit they taught that is itself no pen writer's digit (an odd shape: a
    W taught as a 3 was cut into two Vs, each "not a digit"), and of no pen writer's digit. Such a stroke is not cut,
    and the judge's doubt does not count against it (it never saw the shape): kept gathers the candidate keys of those
    found. A user who taught only digits like the pen writers' has no odd shape: nothing changes for them (a joined
    "79" near their taught 7 was kept whole and read as a 1). Answers kept in the cache while the taught digits stay."""
    store = cache.setdefault(_TAUGHT, {}) if cache is not None else {}
    if store.get("of") is not mine:
        store.clear()
        store["of"] = mine
    kept: set = set()

    def keep_whole(p: np.ndarray) -> bool:
        key = candidate_key([p])
        if key not in store:
            shapes = mine.odd_shapes(templates)   # (worked out once, when a wide stroke first asks)
            x = points(batch_features([[p]])) if shapes is not None else None
            remember(store, {key: bool(shapes is not None and shapes.nearest_each(x)[0] <= FAR_BEYOND and (
                templates is None or templates.distances_of_points(x).min() > FAR_BEYOND))})   # bounded
            store["of"] = mine
        if store[key]:
            kept.add(key)
        return bool(store[key])
    return keep_whole, kept


def _leaned(ten: dict, seen: dict, strokes_of: dict, mine: Prototypes) -> dict:
    """ten ({key: probabilities, or None for a candidate not classified} of the candidates in seen), those classified
    leaned towards the taught digits."""
    keys = [k for k, p in ten.items() if p is not None]
    if not keys:
        return {}
    probs = mine.adjust(np.stack([ten[k] for k in keys]), _features(seen, keys, strokes_of))
    return dict(zip(keys, probs))


class _InkChecks(dict):
    """{candidate key: is its input not digit-like (preprocess.digit_like)?}, each checked when first asked:
    the decoding asks only of flat, wide strokes, the reading of its digits."""

    def __init__(self, seen: dict):
        super().__init__()
        self.seen = seen

    def __missing__(self, key) -> bool:
        self[key] = odd = not digit_like(self.seen[key].image)
        return odd


def read_digits(strokes: Sequence[Stroke], classify: Classify, cache: dict | None = None,
                judge: Judge | None = None, path=None, negative: bool = False,
                point_x: float | None = None, mine: Prototypes | None = None,
                templates: Templates | None = None, line: tuple[float, float] | None = None
                ) -> NumberReading | None:
    """The most probable reading of the strokes as digits (None when there is no ink); with negative, a
    minus sign before them, and with point_x, a decimal point at that x when it falls between two digits
    (the alternatives' texts likewise).

    Strokes come in the order they were drawn. classify gets all candidate digits' 28×28 images
    in one call. cache (a dict kept between calls, e.g. while the user draws) keeps each
    candidate's image and probabilities, so a new stroke only renders and classifies the
    candidates it is part of. judge (core/judge.py), when given, says how likely each candidate is
    one whole digit; its log-probability joins the score (a judge in two parts, judge.SplitJudge, reads each
    candidate's image once, kept in the cache: see _judged). path (trajectory.PathReader), when given, reads the candidates' strokes
    too; its probabilities join the image's (trajectory.combine) before the candidates are scored. With a judge,
    the path net and the elastic reader read only the candidates it gives at least PATHS_FROM, and those of the
    best reading (read, and the readings ranked again, until the best reading's are all read: the same reading as
    when they read every candidate, but for a reading whose pieces they would have raised).
    mine (prototypes.Prototypes, the user's taught digits), when given, leans each candidate's probabilities
    towards the taught digits whose paths are close to its strokes, as for a single digit, before scoring.
    templates (elastic.Templates), when given, match each candidate's path too; the elastic reader's
    probabilities join as for a single digit (kept in the cache with the others'). line: the strokes'
    _line, when already known.
    """
    keep_whole, kept = _taught_shapes(cache, mine, templates) if mine is not None else (None, set())
    sets, strokes_of = candidate_sets(strokes, line, keep_whole)
    if not sets:
        return None
    seen = {k: cache[k] for k in strokes_of if cache is not None and isinstance(cache.get(k), _Seen)}
    todo = [k for k in strokes_of if k not in seen]
    if todo:   # rendered now (the judge reads the images); classified when they could be in a reading near the top
        images = strokes_to_mnist_many([strokes_of[k] for k in todo])   # rendered together
        seen.update({k: _Seen(img, None) for k, img in zip(todo, images)})
        if cache is not None:
            if len(cache) + len(todo) > 4 * MAX_INPUTS:
                cache.clear()   # keeps what this drawing uses
            cache.update(seen)
    whole = None
    if judge is not None:
        feats = judge_features(sets)
        whole = dict(zip(feats, map(float, _judged(judge, seen, list(feats), np.array(list(feats.values()))))))
        whole.update({k: 1.0 for k in kept if k in whole})   # the user's own shape: a whole digit
    paths = path is not None or templates is not None
    # the classifier and the path readers read what the judge takes for a whole digit (PATHS_FROM) ...
    wanted = {k for k in strokes_of if whole is None or whole[k] >= PATHS_FROM}
    inputs = _classify(seen, wanted, classify)
    # ... and the path readers what the best reading has (below), the classifier those of the readings near the top;
    # only those count as read in this call, whatever an earlier one read: the same ink reads the same whatever was
    # drawn before it (the cache only saves work)
    scored = set(wanted)
    counted = wanted if paths else set()
    _read_paths(seen, [k for k in counted if seen[k].joined is None], strokes_of, path, templates)
    odd = _InkChecks(seen)
    while True:
        # a candidate not classified counts as sure of every digit (log p = 0): no reading with it scores more than
        # it would with its probabilities, so once the readings near the top have every candidate classified, the
        # best and its close alternative are those of every candidate classified
        ten = {k: None if k not in scored else s.joined if k in counted else s.probs for k, s in seen.items()}
        # leaned after the cache, which keeps the probabilities before any teaching
        probs_of = _leaned(ten, seen, strokes_of, mine) if mine is not None else dict(ten)
        probs_of.update({k: _SURE for k, p in ten.items() if p is None})
        finals = ranked(sets, probs_of, whole, odd)
        if not finals:
            return None
        near_top = {cands.keys[ci] for score, digits, cands in finals
                    if score >= finals[0][0] + math.log(CLOSE_RATIO) for ci, _ in digits}
        unclassified = [k for k in near_top if k not in scored]
        # the path readers read the best reading's candidates once it has its probabilities (not while a piece of
        # it counts as sure of every digit: which candidates they read would then hang on the order of the work)
        best = {finals[0][2].keys[ci] for ci, _ in finals[0][1]}
        unread = [k for k in best if paths and k not in counted] if not unclassified else []
        if not unread and not unclassified:
            break
        inputs += _classify(seen, unclassified, classify)
        scored.update(unclassified)
        counted = counted | set(unread)
        _read_paths(seen, [k for k in unread if seen[k].joined is None], strokes_of, path, templates)
    by_text: dict[str, float] = {}
    for score, digits, cands in finals:
        if score < finals[0][0] + math.log(CLOSE_RATIO):   # farther readings' scores are bounds, not scores
            break
        by_text.setdefault(reading_text(digits, cands, negative, point_x), score)
    score, digits, cands = finals[0]
    read, xs = [], []
    for ci, k in _left_to_right(digits, cands):
        c, key = cands.items[ci], cands.keys[ci]
        probs_ = probs_of[key]
        read.append(DigitRead(k, float(probs_[k]), c[2], seen[key].image, probs_, list(c[3]), seen[key].features,
                              not odd[key], seen[key].distances))
        xs.append(cands.centres[ci])
    return NumberReading(read, score, list(by_text.items())[1:], inputs, negative, _point_at(xs, point_x))

