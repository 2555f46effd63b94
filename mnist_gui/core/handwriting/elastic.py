"""A third reader of a different kind: elastic matching of the pen's path against the pen writers' digits.

The image CNN and the path net are both networks, and the errors they share come from hands unlike any
they learned from as a whole. Matching the drawing against each digit the pen writers drew, point by
point with dynamic time warping (DTW, as the best published readers of this data do), finds the one
writer who made a digit the same odd way (issue 31):

- the drawing's path features (trajectory.features: 64 points, position, direction, pen up or down),
  every second point: L = 32 points of CHANNELS values;
- a shortlist: the SHORT digits of each class nearest by plain (Euclidean) distance;
- their DTW distance: the least mean squared difference along a warping of one path onto the other,
  points matched in order, never more than BAND points apart (a Sakoe–Chiba band);
- the distance to each class is its nearest template's; the reader's probabilities are
  softmax(-distance / TAU), joined to the others' like the path net: log p += WEIGHT · log p_elastic.

- a drawing that comes no nearer than FAR_BEYOND to any template, drawn as it was or turned round (`turned`:
  strokes backwards, in another order), is not a digit: what no digit gate learned to refuse is still far
  from every digit (only asked of ink the gates take for a digit; a digit the user taught counts too).

TAU, WEIGHT and FAR_BEYOND were chosen on inner writer folds (benchmarks/pendigits_nested.py; its figures:
benchmarks/README.md). The templates ship in resources/ (scripts/make_templates.py: the 30 pen writers'
digits). Run time only (NumPy).
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import numpy as np

from mnist_gui.core.handwriting.trajectory import CHANNELS, POINTS, batch_features, combine

EVERY = 2                 # every second point of the path features
L = POINTS // EVERY       # points matched
BAND = 8                  # the warping never pairs points more than BAND apart
SHORT = 10                # templates per class matched elastically (the nearest by plain distance)
TAU = 0.03                # softmax(-distance / TAU)
WEIGHT = 0.3              # log p += WEIGHT · log p_elastic
FAR_BEYOND = 0.21         # a drawing farther than this from every template is not a digit
BACKWARDS_BEYOND = 0.2    # a drawing farther than this as drawn is matched turned round too (below FAR_BEYOND)
MAX_BYTES = 64 << 20       # a templates file larger than this is not one (the shipped one: 1.8 MB)
CHUNK = 8192              # pairs matched at once (memory: ~2 · L² · CHUNK floats)
KEPT_PAIRS = 4096         # a thread keeps the warping's buffers and views (`_plan`) of up to this many pairs in all

_k, _i = np.meshgrid(np.arange(2 * L - 1), np.arange(L), indexing="ij")
_j = _k - _i
_IN_BAND = (_j >= 0) & (_j < L) & (np.abs(_i - _j) <= BAND)   # (diagonal k = i + j, row i) cells matched
_ROWS = [(int(np.flatnonzero(r)[0]), int(np.flatnonzero(r)[-1]) + 1) for r in _IN_BAND]   # each diagonal's rows
_BI, _BJ = _i[_IN_BAND], _j[_IN_BAND]           # the band's cells (i, j), diagonal by diagonal
_BIJ = _BI * L + _BJ
_ENDS = np.cumsum([0] + [hi - lo for lo, hi in _ROWS])
_STEPS = [(lo, hi, int(_ENDS[k]), int(_ENDS[k + 1])) for k, (lo, hi) in enumerate(_ROWS)]


def points(feats: np.ndarray) -> np.ndarray:
    """N × L × CHANNELS float32 from N path feature arrays (N × CHANNELS × POINTS)."""
    f = np.asarray(feats, np.float32).reshape(-1, CHANNELS, POINTS)[:, :, ::EVERY]
    return np.ascontiguousarray(f.transpose(0, 2, 1))


def turned(strokes) -> list[list[np.ndarray]]:
    """The same ink as other hands draw it, the drawing as drawn first: each stroke forwards or backwards, in
    another order. Every way for up to 2 strokes (8); for 3, the order as drawn or reversed, each stroke
    either way (16); for more, the order as drawn or reversed with no stroke, every stroke or one stroke
    backwards."""
    arrays = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes]
    arrays = [a for a in arrays if len(a)]
    n = len(arrays)
    ahead, back = tuple(range(n)), tuple(range(n))[::-1]
    orders = list(itertools.permutations(ahead)) if n <= 2 else [ahead, back]
    flips = list(itertools.product((False, True), repeat=n)) if n <= 3 else \
        [(False,) * n, (True,) * n] + [tuple(i == j for j in range(n)) for i in range(n)]
    return [[arrays[i][::-1] if f[i] else arrays[i] for i in o] for o in orders for f in flips]


def turned_points(strokes) -> np.ndarray:
    """W × L × CHANNELS: the points of each way of drawing the same ink (`turned`), as drawn first."""
    return points(batch_features(turned(strokes)))


def dtw(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The banded DTW distance of each pair (a[n], b[n]) (N × L × CHANNELS each): the least sum of squared
    differences along a warping path from the first points to the last, divided by 2L."""
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    return matched(a, b[:, None])[:, 0]


def matched(x: np.ndarray, g: np.ndarray, g_sq: np.ndarray | None = None) -> np.ndarray:
    """N × K: the banded DTW distance (as `dtw`) of each drawing x[n] (N × L × CHANNELS) to each of its
    templates g[n, k] (N × K × L × CHANNELS); g_sq: (g * g).sum(3), when known (Templates keeps its own)."""
    out = np.empty(g.shape[:2], np.float32)
    g_sq = (g * g).sum(3) if g_sq is None else g_sq
    step = max(1, CHUNK // max(1, g.shape[1]))
    for s in range(0, len(x), step):
        out[s:s + step] = _matched(x[s:s + step], g[s:s + step], g_sq[s:s + step])
    return out


def _matched(x: np.ndarray, g: np.ndarray, g_sq: np.ndarray) -> np.ndarray:
    n, k = g.shape[:2]
    # the squared distance of x[i] and g[j], -2 x_i·g_j + |g_j|² + |x_i|², in one product per drawing (its
    # templates side by side) and two broadcast sums, laid out cell by cell with the pairs last; then the band's
    # cells only, into the plan's buffer (gathering the band first and adding to it was slower than adding to every
    # cell)
    gt = g.transpose(0, 2, 1, 3).reshape(n, L * k, CHANNELS)                  # (j, k) rows
    cells = np.matmul(-2 * x, gt.transpose(0, 2, 1)).reshape(n, L, L, k)     # (i, j, k)
    cells += g_sq.transpose(0, 2, 1)[:, None]
    cells += (x * x).sum(2)[:, :, None, None]
    acc, band, steps, last = _plan(n * k)
    np.copyto(band.reshape(len(_BI), n, k), cells.reshape(n, L * L, k)[:, _BIJ].transpose(1, 0, 2))
    np.maximum(band, 0, out=band)
    acc.fill(np.inf)
    acc[0, 0] = 0
    minimum, add, inf = np.minimum, np.add, np.inf
    for up, up_right, b, back, stale, cost, out in steps:   # diagonal by diagonal (see _plan)
        minimum(up, up_right, out=b)     # from (i - 1, j) and from (i, j - 1)
        minimum(b, back, out=b)          # from (i - 1, j - 1)
        stale.fill(inf)                  # diagonal d - 3's rows, no longer needed
        add(b, cost, out=out)
    return (last / (2 * L)).reshape(n, k)


_PLANS = threading.local()   # each thread's plans by number of pairs (a few sizes: one per kind of call)


def _plan(pairs: int) -> tuple:
    """(acc, band, steps, last): the warping's buffers for this many pairs and, for each diagonal d of the band, the
    views of them its step reads and writes, made once (a step was half slicing before). acc[(d + 2) % 3, i + 1]: the
    least cost of a path to (i, d - i), three diagonals kept (small enough to stay in the core's cache: the whole
    table, 2L + 1 diagonals, was megabytes to fill); acc[0, 0] is the start; band: the band's cells, diagonal by
    diagonal (pairs last: each step is then a slice; pairs in a trailing axis of 2 or 8 made NumPy several times
    slower); last: where the distance ends. Only the rows of diagonal d inside the band are written: the rest stay
    inf."""
    plans = getattr(_PLANS, "by_size", None)
    if plans is None:
        plans = _PLANS.by_size = {}
    plan = plans.pop(pairs, None)
    if plan is not None:
        plans[pairs] = plan   # the most recently used last
    else:
        while plans and sum(plans) + pairs > KEPT_PAIRS:
            del plans[next(iter(plans))]   # the least recently used: bounded, ~2 KB a pair kept
        acc = np.empty((3, L + 1, pairs), np.float32)
        best = np.empty((L, pairs), np.float32)
        band = np.empty((len(_BI), pairs), np.float32)
        steps, written = [], [(0, 1), (0, 0), (0, 0)]   # each diagonal's rows written last (the rest of it is inf)
        for d, (lo, hi, c0, c1) in enumerate(_STEPS):
            here, up, back = (d + 2) % 3, (d + 1) % 3, d % 3
            w0, w1 = written[here]
            steps.append((acc[up, lo:hi], acc[up, lo + 1:hi + 1], best[:hi - lo], acc[back, lo:hi], acc[here, w0:w1],
                          band[c0:c1], acc[here, lo + 1:hi + 1]))
            written[here] = (lo + 1, hi + 1)
        plan = (acc, band, steps, acc[(2 * L) % 3, L])
        if pairs <= KEPT_PAIRS:
            plans[pairs] = plan
    return plan


def smallest(a: np.ndarray, k: int, block: int = 32) -> np.ndarray:
    """R × k: the columns of each row's k smallest values (as np.argpartition's first k; ties aside, the same
    columns), a few times faster on long rows: the k smallest lie in the k blocks of `block` columns with
    the smallest minima (k values are at most the largest of those minima, and every other block's values
    are at least it), so only those blocks are partitioned."""
    rows, n = a.shape
    blocks = -(-n // block)
    if blocks < 4 * k:
        return np.argpartition(a, k - 1, axis=1)[:, :k]
    if blocks * block != n:
        a = np.concatenate([a, np.full((rows, blocks * block - n), np.inf, a.dtype)], 1)
    cells = a.reshape(rows, blocks, block)
    top = np.argpartition(cells.min(2), k - 1, axis=1)[:, :k]
    near = np.argpartition(np.take_along_axis(cells, top[:, :, None], 1).reshape(rows, k * block), k - 1, axis=1)
    return np.take_along_axis(top, near[:, :k] // block, 1) * block + near[:, :k] % block


class Templates:
    """The pen writers' digits as points (N × L × CHANNELS) and their labels, matched by `distances`."""

    def __init__(self, pts: np.ndarray, labels: np.ndarray):
        self.pts = np.asarray(pts, np.float32).reshape(len(labels), L, CHANNELS)
        self.labels = np.asarray(labels, np.int64)
        flat = self.pts.reshape(len(self.labels), -1)
        self._sq_points = (self.pts * self.pts).sum(2)   # each template point's |g_j|², for `matched`
        of = [np.flatnonzero(self.labels == k) for k in range(10)]
        self._digits = np.array([k for k in range(10) if len(of[k])])
        # each digit's templates side by side in one row of `width` columns (whole blocks of `smallest`: it never
        # pads), the rest padding (index len(labels), |g|² inf: its plain distance is inf): the plain distances come
        # out of one product already in rows, and the SHORT nearest of every digit come from one partition
        width = -(-max(SHORT, max(len(i) for i in of)) // 16) * 16
        self._rows = np.full((len(self._digits), width), len(self.labels))
        for r, k in enumerate(self._digits):
            self._rows[r, :len(of[k])] = of[k]
        cols = self._rows.reshape(-1)
        pad = cols == len(self.labels)
        self._flat_t = np.ascontiguousarray(np.where(pad[:, None], 0, flat[np.where(pad, 0, cols)]).T)
        self._sq = np.where(pad, np.inf, (flat * flat).sum(1)[np.where(pad, 0, cols)]).astype(np.float32)
        self._coarse = np.ascontiguousarray(self.pts[:, ::4, :2]).reshape(len(self.labels), -1)
        self._coarse_sq = (self._coarse * self._coarse).sum(1)

    @classmethod
    def of_features(cls, feats: np.ndarray, labels) -> Templates:
        return cls(points(feats), np.asarray(labels))

    @classmethod
    def load(cls, path) -> Templates:
        """From an .npz of `save`; ValueError in one line when it is not one."""
        import io

        from mnist_gui.core.storage import StorageError, read_state_file
        try:   # the bounded reader: a FIFO, a device or an oversized file is refused, never waited on or held
            data = read_state_file(Path(path), MAX_BYTES, follow_links=True)
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                pts, labels = z["points"], z["labels"]
            if pts.ndim != 3 or pts.shape[1:] != (L, CHANNELS) or len(labels) != len(pts) or not len(pts):
                raise ValueError("wrong shapes")
            if not np.isfinite(pts).all() or not np.isin(labels, np.arange(10)).all():
                raise ValueError("values out of range")
        except (OSError, StorageError, KeyError, ValueError, EOFError) as e:
            raise ValueError(f"{path}: not a templates file ({e})") from None
        return cls(pts.astype(np.float32), labels)

    def save(self, path) -> None:
        import io

        from mnist_gui.core.storage import atomic_write_bytes
        buf = io.BytesIO()
        np.savez_compressed(buf, points=self.pts.astype(np.float16), labels=self.labels.astype(np.uint8))
        atomic_write_bytes(Path(path), buf.getvalue())

    def __len__(self) -> int:
        return len(self.labels)

    def distances(self, feats: np.ndarray) -> np.ndarray:
        """N × 10: the DTW distance of each drawing (N path feature arrays) to the nearest template of each
        digit among that digit's SHORT nearest by plain distance (inf for a digit with no template), the
        drawing as drawn (`reach` turns it round too)."""
        return self.distances_of_points(points(feats))

    def distances_of_points(self, x: np.ndarray) -> np.ndarray:
        """`distances` of drawings given as their points (N × L × CHANNELS: `points`, `turned_points`)."""
        flat = x.reshape(len(x), -1)
        out = np.full((len(x), 10), np.inf, np.float32)
        if not len(self._digits):
            return out
        # one product a drawing: for a few, each a matrix-vector product is faster than one matrix product (which
        # copies the 4.8 MB of templates first), the templates read from memory once and then from the cache
        product = flat @ self._flat_t if len(x) > 4 else np.stack([f @ self._flat_t for f in flat])
        plain = ((flat * flat).sum(1)[:, None] - 2 * product + self._sq[None]).reshape(len(x), *self._rows.shape)
        near = smallest(plain.reshape(-1, plain.shape[2]), SHORT, 16).reshape(*plain.shape[:2], SHORT)   # N×digits×SHORT
        cand = np.take_along_axis(np.broadcast_to(self._rows, plain.shape), near, 2)
        pad = cand >= len(self.labels)                                        # padding: no template
        which = np.where(pad, 0, cand).reshape(len(x), -1)
        d = matched(x, self.pts[which], self._sq_points[which]).reshape(cand.shape)
        d[pad] = np.inf
        out[:, self._digits] = d.min(2)
        return out

    def reach(self, feats: np.ndarray, stroke_sets=None,
              distances: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(distances (N × 10, as `distances`), reach (N)): how near each drawing comes to any template,
        drawn as it was or, when it is not near as drawn (BACKWARDS_BEYOND) and its strokes are given,
        as other hands draw the same ink (`turned`: another stroke order, strokes backwards: a 1 drawn
        upwards, a 0 clockwise, a 4's stem first), each way matched against its SHORT nearest templates.
        distances: `distances(feats)`, when already known."""
        d = self.distances(feats) if distances is None else np.asarray(distances)
        reach = d.min(1).copy()
        if stroke_sets is not None:
            for n in np.flatnonzero(reach > BACKWARDS_BEYOND):
                reach[n] = min(reach[n], self.nearest(turned_points(stroke_sets[n])[1:]))   # 0: as drawn
        return d, reach

    def nearest(self, ways: np.ndarray) -> float:
        """The least DTW distance of a drawing's ways round (`turned_points`, or some of them) to any of the
        SHORT templates nearest to each way by a coarse plain distance (every fourth point's position: a
        tenth of the work, for up to 15 ways at once); inf without ink."""
        each = self.nearest_each(ways)
        return float(each.min()) if len(each) else float("inf")

    def nearest_each(self, ways: np.ndarray) -> np.ndarray:
        """W: `nearest` of each way round on its own."""
        if not len(ways):
            return np.zeros(0, np.float32)
        s = min(SHORT, len(self.labels))
        c = np.ascontiguousarray(ways[:, ::4, :2]).reshape(len(ways), -1)
        coarse = (c * c).sum(1)[:, None] - 2 * (c @ self._coarse.T) + self._coarse_sq[None]
        near = smallest(coarse, s) if s < len(self.labels) else np.broadcast_to(np.arange(s), (len(ways), s))
        return matched(ways, self.pts[near], self._sq_points[near]).min(1)

    def probabilities(self, feats: np.ndarray, tau: float = TAU) -> np.ndarray:
        """N × 10: softmax(-distance / tau)."""
        return softmax_of_distances(self.distances(feats), tau)


def softmax_of_distances(d: np.ndarray, tau: float = TAU) -> np.ndarray:
    z = -np.asarray(d, np.float64) / tau
    z = np.where(np.isfinite(z), z, -1e9)
    z -= z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def join(probs: np.ndarray, distances: np.ndarray, weight: float = WEIGHT, tau: float = TAU) -> np.ndarray:
    """probs (N×10 or 10) joined with the elastic reader's: softmax(log probs + weight · log p_elastic)."""
    return combine(probs, softmax_of_distances(distances, tau), weight, 1.0)


def near_a_digit(distances: np.ndarray, beyond: float = FAR_BEYOND) -> np.ndarray:
    """N bools: is each drawing within `beyond` of some template (N×10 distances, or N reaches)? A drawing
    farther from every digit the pen writers drew is not taken for a digit."""
    d = np.asarray(distances)
    return (d.reshape(len(d), -1).min(1) if d.ndim == 2 else d.reshape(-1)) <= beyond
