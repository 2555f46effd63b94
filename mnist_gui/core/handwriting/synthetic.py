"""Whole numbers made of real pen-drawn digits (UCI pendigits): what the number reader is chosen, trained and
measured on (benchmarks/number_reading.py measures; scripts/tune_number_weights.py and
scripts/train_number_judge.py choose the reader's weights and train its judge on them).

A number is laid out as a person would write it: one scale for the writer (their median digit
height -> 150 px), each digit ±5% in size and ±5% of the height up or down, then one of these spacings:
  realistic: gap / digit height drawn from a log-normal, median 0.15, log-sd 0.5 (about 0.07-0.33);
             the pen data has one digit per box, so this spacing is an assumption, not a fit;
  tight:     gap / digit height uniform in [-0.12, 0.02]: touching neighbours and slight overlaps;
  joined:    realistic spacing, and wherever a digit ends near (within half the height) where the next
             begins, the pen is not lifted: its last stroke runs on into the next digit's first; numbers
             are drawn (up to 100 times) until at least one pair is joined. The pen data has no cursive, so
             this is made, not drawn.
  wide:      (CHECK_SPACINGS, only when asked) wider gaps than any of the above, to check a reader on a
             layout that nothing was chosen or trained on.
Strokes are y down, in canvas pixels. NumPy only.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

_CHECKOUT = Path(__file__).resolve().parents[3]   # the repository, when run from a checkout

SPACINGS = {
    "realistic": lambda rng: float(np.exp(rng.normal(np.log(0.15), 0.5))),
    "tight": lambda rng: float(rng.uniform(-0.12, 0.02)),
    "joined": lambda rng: float(np.exp(rng.normal(np.log(0.15), 0.5))),  # realistic, then join()
}
# Only when asked: wider gaps than any of the above, to check a reader on a layout that nothing was
# chosen or trained on.
CHECK_SPACINGS = {"wide": lambda rng: float(np.exp(rng.normal(np.log(0.3), 0.6)))}


def default_pendigits() -> str:
    """The pen-digit file of a checkout beside ../shared (the tools' default --file)."""
    for shared in (_CHECKOUT.parent / "shared", _CHECKOUT.parents[1] / "shared"):
        if shared.is_dir():
            return str(shared / "data/pendigits/pendigits-train.gz")
    return "pendigits-train.gz"


def layout(digits, writer_height, gap, rng, height=150.0, top=80.0, x=20.0, jitter=0.05):
    """Strokes of the digits side by side, y down; gap(rng) -> gap / height; each digit's size and
    vertical place vary by ±jitter (of its size, of the height)."""
    out = []
    s0 = height / writer_height
    for i, d in enumerate(digits):
        pts = np.concatenate([np.asarray(st, float) for st in d.strokes])
        lo, hi = pts.min(0), pts.max(0)
        s = s0 * rng.uniform(1 - jitter, 1 + jitter)
        dy = top + rng.uniform(-jitter, jitter) * height - (hi[1] - lo[1]) * s / 2
        if i:
            x += gap(rng) * height
        out += [[((p[0] - lo[0]) * s + x, (p[1] - lo[1]) * s + dy) for p in st] for st in d.strokes]
        x += (hi[0] - lo[0]) * s
    return out


class Case(NamedTuple):
    truth: str
    strokes: list
    digits: list     # the pen digits it is made of
    owners: list     # per stroke, per point: the index of the digit it belongs to (-1: a joining line)


def numbers(by_writer, count, spacing, seed=0, jitter=0.05):
    """count Cases, writers in turn. Each writer's digits are dealt like cards: shuffled,
    four per number, and shuffled again when fewer than four are left, so every digit is used as often
    as any other (count = a writer's digits / 4 per writer uses each once). Drawn at random instead, a
    writer's few unusual digits may come up several times in one sample and none in the next, which
    moved a fold's score by points between samples."""
    rng = np.random.default_rng(seed)
    writers = sorted(by_writer)
    med = {w: np.median([np.ptp(np.concatenate(d.strokes)[:, 1]) for d in by_writer[w]]) for w in writers}
    decks = {w: [] for w in writers}

    def deal(w):
        if len(decks[w]) < 4:
            decks[w] = [by_writer[w][i] for i in rng.permutation(len(by_writer[w]))]
        return [decks[w].pop() for _ in range(4)]

    out = []
    for n in range(count):
        w = writers[n % len(writers)]
        for _ in range(100):
            digits = deal(w)
            strokes = layout(digits, med[w], {**SPACINGS, **CHECK_SPACINGS}[spacing], rng, jitter=jitter)
            owner = {p: int(k) for i, k in enumerate(np.repeat(np.arange(len(digits)), [len(d.strokes) for d in digits]))
                     for p in strokes[i]}
            if spacing != "joined":
                break
            strokes, joins = join(strokes, [len(d.strokes) for d in digits], rng)
            if joins:
                break
            decks[w][:0] = digits   # not joined: these digits wait for a later number
        owners = [np.array([owner.get(tuple(p), -1) for p in s]) for s in strokes]
        out.append(Case("".join(str(d.label) for d in digits), strokes, digits, owners))
    return out


def stick_ones(digits, share: float, rng, keep: bool = False) -> list:
    """The digits with `share` of the one-stroke 1s (at random) drawn as a plain stick instead: a straight line
    from the stroke's highest point to its lowest, as many points, in the direction it was drawn (a 1 with a
    foot drawn in the same stroke gives a slanted stick, to the foot's far end). keep: the 1s as drawn stay
    too, each stick added after its 1.

    Most pen writers give their 1 a flag, so a plain stick (as many people, and most of MNIST, write it) was
    mostly a piece of another digit (a 4's stem, a 5's back) in the number judge's training, and the judge
    called a lone stick not whole: a 1 next to a 0 was read as one 0 (issue 31, fold 1's writer 1)."""
    from dataclasses import replace
    out = []
    for d in digits:
        if d.label == 1 and len(d.strokes) == 1 and len(d.strokes[0]) >= 2 and rng.random() < share:
            p = np.asarray(d.strokes[0], float)
            top, bottom = p[p[:, 1].argmin()], p[p[:, 1].argmax()]
            a, b = (top, bottom) if p[0, 1] <= p[-1, 1] else (bottom, top)
            t = np.linspace(0.0, 1.0, len(p))[:, None]
            stick = replace(d, strokes=[[tuple(q) for q in a + (b - a) * t]])
            out += [d, stick] if keep else [stick]
            continue
        out.append(d)
    return out


def full_pass(by_writer) -> int:
    """The count of numbers that uses every writer's digits once (about)."""
    return len(by_writer) * int(np.mean([len(v) for v in by_writer.values()]) // 4)


def join(strokes, counts, rng, height=150.0, reach=0.5, bulge=0.2):
    """Cursive: where one digit ends within reach × height of where the next begins, its last stroke
    runs on into the next digit's first (the pen not lifted: a line between them, bowed by up to
    bulge × its length to either side, with points as far apart as the pen's own).
    (strokes, how many joins)."""
    out, k, joins = [], 0, 0
    for i, n in enumerate(counts):
        group = [list(s) for s in strokes[k:k + n]]
        k += n
        if i and np.hypot(*np.subtract(group[0][0], out[-1][-1])) <= reach * height:
            a, b = np.asarray(out[-1][-1]), np.asarray(group[0][0])
            prev = np.asarray(out[-1])
            step = float(np.median(np.hypot(*np.diff(prev, axis=0).T))) if len(prev) > 1 else 5.0
            t = np.linspace(0, 1, max(2, int(np.hypot(*(b - a)) / max(step, 1.0)) + 1))[1:-1]
            normal = np.array([a[1] - b[1], b[0] - a[0]]) * rng.uniform(-bulge, bulge)
            bridge = [tuple(a + (b - a) * u + normal * 4 * u * (1 - u)) for u in t]
            out[-1] = out[-1] + bridge + group.pop(0)
            joins += 1
        out += group
    return out, joins


MARK_KINDS = ("point", "minus", "both")   # decimal_numbers: what each number has, in turn


def _pen_line(a, b, rng, step=4.0, wobble=0.0):
    """Points from a to b about step apart, each moved across the line by up to ±wobble."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    n = max(2, int(np.hypot(*(b - a)) / step) + 1)
    t = np.linspace(0, 1, n)
    normal = np.array([a[1] - b[1], b[0] - a[0]]) / max(np.hypot(*(b - a)), 1e-6)
    return [tuple(a + (b - a) * u + normal * rng.uniform(-wobble, wobble)) for u in t]


def point_stroke(cx, cy, size, rng):
    """A decimal point: a tap (two points) when small, else a small loop of that size."""
    if size < 4:
        return [(cx, cy), (cx + rng.uniform(-1, 1), cy + rng.uniform(0, 1))]
    t = rng.uniform(0, 2 * np.pi) + np.linspace(0, 2 * np.pi, 8)
    return [(cx + size / 2 * np.cos(u), cy + size / 2 * np.sin(u)) for u in t]


def with_marks(case: Case, kind: str, rng, height=150.0, top=80.0) -> Case:
    """A number of with_marks's kind made from a laid-out Case (not joined): a decimal point between two
    of its digits ("point"), a minus sign before it ("minus"), or both, drawn where a writer puts them:
      point: a tap or a small loop 0.02-0.12 × height across, its centre 0-0.12 × height above the baseline
             (or 0.05 below it), 0.04-0.15 × height from the digit before and after it (the digits after it
             moved right to make room when the gap is too narrow); after a random digit, never the last;
             drawn after the digit before it;
      minus: a bar 0.25-0.6 × height wide, tilted up to ±8°, its centre within ±0.15 × height of the line's
             middle, 0.08-0.3 × height before the first digit; drawn first.
    Its truth is the number's text, "-3.14"."""
    strokes, owners = [list(s) for s in case.strokes], [np.asarray(o) for o in case.owners]
    n = len(case.digits)
    digits = "".join(str(d.label) for d in case.digits)
    owner = [int(o.max()) for o in owners]   # each stroke's digit
    truth = digits
    if kind in ("point", "both"):
        p = int(rng.integers(1, n))
        right = max(max(x for x, _ in s) for s, k in zip(strokes, owner) if k == p - 1)
        left = min(min(x for x, _ in s) for s, k in zip(strokes, owner) if k == p)
        size = rng.uniform(0.02, 0.12) * height
        x0 = right + rng.uniform(0.04, 0.15) * height
        shift = max(0.0, x0 + size + rng.uniform(0.04, 0.15) * height - left)
        strokes = [[(x + shift, y) for x, y in s] if k >= p else s for s, k in zip(strokes, owner)]
        cy = top + height / 2 - rng.uniform(-0.05, 0.12) * height
        at = max(i for i, k in enumerate(owner) if k == p - 1) + 1
        strokes.insert(at, point_stroke(x0 + size / 2, cy, size, rng))
        owners.insert(at, np.full(len(strokes[at]), -1))
        owner.insert(at, -1)
        truth = digits[:p] + "." + digits[p:]
    if kind in ("minus", "both"):
        first = min(min(x for x, _ in s) for s, k in zip(strokes, owner) if k >= 0)
        w = rng.uniform(0.25, 0.6) * height
        x1 = first - rng.uniform(0.08, 0.3) * height
        cy = top + rng.uniform(-0.15, 0.15) * height
        rise = np.tan(np.radians(rng.uniform(-8, 8))) * w / 2
        bar = _pen_line((x1 - w, cy + rise), (x1, cy - rise), rng, wobble=0.015 * height)
        strokes.insert(0, bar)
        owners.insert(0, np.full(len(bar), -1))
        truth = "-" + truth
    return Case(truth, strokes, case.digits, owners)


def decimal_numbers(by_writer, count, spacing="realistic", seed=0, jitter=0.05) -> list[tuple[Case, Case, str]]:
    """count numbers with a decimal point, a minus sign or both (MARK_KINDS in turn; with_marks): per number
    (the Case with its marks, the same digits without them, its kind). The digits are those numbers() deals
    for the same arguments."""
    rng = np.random.default_rng(seed + 1_000_003)
    out = []
    for i, case in enumerate(numbers(by_writer, count, spacing, seed, jitter)):
        kind = MARK_KINDS[i % len(MARK_KINDS)]
        out.append((with_marks(case, kind, rng), case, kind))
    return out
