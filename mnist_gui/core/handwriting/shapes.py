"""Shapes that are not digits, drawn as pen strokes: what the digit gate learns to refuse and is measured on.

Each family makes strokes in screen coordinates (y grows downwards) at about a canvas's size, varied like
another hand would draw them (pendigits.vary_strokes), for the canvas's own path (strokes_to_mnist). The
families are kept apart so that a measurement can hold a whole family out: a gate is scored on kinds of
shapes it never saw. Shapes that are digits in some hand are left out on purpose (a circle is a 0, a bar a
1, a Z a 2, an S a 5, a T or a V may be a 7, & and B are 8s).

Besides our own templates (LETTERS, SYMBOLS), four families are glyphs of the Hershey vector fonts (the
Hershey-Fonts package, a training-only dependency: the `train` extra): Latin letters in a sans, a serif and a
script font, Greek and Cyrillic letters, and mathematical and other signs; each HERSHEY entry names its fonts
and the keys of the glyphs taken, digit-like glyphs left out (Θ, Б, З, Э, Ч, В, ∂, ∫, √, §, a script E,
which is an ε, and a script L or Q, which are 2s in some hands)."""

from __future__ import annotations

import functools

import numpy as np

from mnist_gui.core.handwriting.pendigits import PenDigit, vary_strokes

SIZE = 200.0      # px: about what a person draws on the canvas
STEP = 3.0        # px between pen points, like a mouse or pen sampled while drawing

# Letters and symbols as polylines in a unit box (x right, y down).
LETTERS = {
    "A": [[(0, 1), (0.5, 0), (1, 1)], [(0.22, 0.6), (0.78, 0.6)]],
    "E": [[(1, 0), (0, 0), (0, 1), (1, 1)], [(0, 0.5), (0.75, 0.5)]],
    "F": [[(1, 0), (0, 0), (0, 1)], [(0, 0.48), (0.7, 0.48)]],
    "H": [[(0, 0), (0, 1)], [(1, 0), (1, 1)], [(0, 0.5), (1, 0.5)]],
    "K": [[(0, 0), (0, 1)], [(0.95, 0), (0.05, 0.55), (1, 1)]],
    "M": [[(0, 1), (0.05, 0), (0.5, 0.65), (0.95, 0), (1, 1)]],
    "N": [[(0, 1), (0, 0), (1, 1), (1, 0)]],
    "W": [[(0, 0), (0.25, 1), (0.5, 0.35), (0.75, 1), (1, 0)]],
    "R": [[(0, 1), (0, 0), (0.75, 0), (0.95, 0.15), (0.95, 0.35), (0.75, 0.5), (0, 0.5)], [(0.35, 0.5), (1, 1)]],
    "k": [[(0, 0), (0, 1)], [(0.8, 0.4), (0.05, 0.72), (0.85, 1)]],
    "m": [[(0, 1), (0, 0.4)], [(0, 0.55), (0.2, 0.4), (0.4, 0.45), (0.45, 1)],
          [(0.45, 0.55), (0.65, 0.4), (0.9, 0.45), (0.95, 1)]],
    "w": [[(0, 0.4), (0.2, 1), (0.5, 0.55), (0.8, 1), (1, 0.4)]],
}
SYMBOLS = {
    "hash": [[(0.35, 0), (0.25, 1)], [(0.75, 0), (0.65, 1)], [(0, 0.33), (1, 0.33)], [(0, 0.67), (1, 0.67)]],
    "asterisk": [[(0.5, 0), (0.5, 1)], [(0.07, 0.25), (0.93, 0.75)], [(0.93, 0.25), (0.07, 0.75)]],
    "star": [[(0.5, 0), (0.79, 0.9), (0.02, 0.35), (0.98, 0.35), (0.21, 0.9), (0.5, 0)]],
    "triangle": [[(0.5, 0), (1, 0.9), (0, 0.9), (0.5, 0)]],
    "square": [[(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)], [(0, 0), (1, 1)]],   # with a diagonal: not a 0
    "arrow": [[(0, 0.5), (1, 0.5)], [(0.65, 0.15), (1, 0.5), (0.65, 0.85)]],
    "infinity": None,   # made below
    "smiley": None,
}


# family: ((Hershey font, keys of its glyphs), ...); a key is the character the font draws its glyph for
HERSHEY = {
    "latin": (("futural", "AEFHKMNPRWXYhkmnwx"), ("timesr", "AEFHKMNPRWXYhkmnwx"), ("scripts", "AFHKMNRWXhkmnwx")),
    "greek": (("greek", "DFGLPRSUWXYacfghklmpwy"),),
    "cyrillic": (("cyrillic", "ADEFGHKLMNPQRUWXdefghklmnpqruwx$%&[]^{|}"),),
    "signs": (("mathlow", "ghiknwxz!#&?@^|~"), ("symbolic", "DEGIJKLMNXghmnop")),
}


def _densify(points, step: float = STEP) -> np.ndarray:
    """A polyline with a point every `step` px along it, as a pen samples it."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(p) < 2:
        return p
    seg = np.hypot(*np.diff(p, axis=0).T)
    t = np.concatenate([[0], np.cumsum(seg)])
    s = np.linspace(0, t[-1], max(2, int(t[-1] / step) + 1))
    return np.stack([np.interp(s, t, p[:, 0]), np.interp(s, t, p[:, 1])], 1)


def _curve(t, x, y) -> np.ndarray:
    return _densify(np.stack([x, y], 1) * SIZE)


def scribble(rng) -> list:
    """A tangled line: a sum of random low-frequency waves in x and y, one to three strokes."""
    out = []
    for _ in range(rng.integers(1, 4)):
        t = np.linspace(0, 1, 400)
        k = rng.integers(3, 7)
        fx, fy = rng.uniform(1, 6, k), rng.uniform(1, 6, k)
        px, py = rng.uniform(0, 2 * np.pi, (2, k))
        ax, ay = rng.uniform(0.1, 0.5, (2, k)) / np.sqrt(k)
        x = (ax * np.sin(2 * np.pi * fx * t[:, None] + px)).sum(1)
        y = (ay * np.sin(2 * np.pi * fy * t[:, None] + py)).sum(1)
        out.append(_curve(t, x, y))
    return out


def zigzag(rng) -> list:
    """Four to ten teeth back and forth, at any angle, sometimes in a second stroke."""
    n = rng.integers(4, 11)
    x = np.linspace(0, 1, n + 1)
    y = np.where(np.arange(n + 1) % 2, 0.0, 1.0) * rng.uniform(0.25, 1.2) + rng.normal(0, 0.04, n + 1)
    pts = np.stack([x, y], 1)
    if rng.random() < 0.5:
        pts = pts[:, ::-1]          # teeth up and down the page
    return [_densify(pts * SIZE)]


def cross(rng) -> list:
    """An x or a +: two crossing strokes, arms of uneven length."""
    a = rng.uniform(0, np.pi) if rng.random() < 0.5 else rng.choice([np.pi / 4, np.pi / 2]) + rng.normal(0, 0.12)
    b = a + np.pi / 2 + rng.normal(0, 0.25)
    out = []
    for ang in (a, b):
        d = np.array([np.cos(ang), np.sin(ang)])
        c = rng.normal(0, 0.08, 2)
        out.append(_densify([(c - d * rng.uniform(0.3, 0.6)) * SIZE, (c + d * rng.uniform(0.3, 0.6)) * SIZE]))
    return out


def spiral(rng) -> list:
    """Two to four and a half turns, inwards or outwards, either way round."""
    turns = rng.uniform(2, 4.5)
    th = np.linspace(0, 2 * np.pi * turns, 600)
    r = (0.04 + th / th[-1]) * 0.5
    sign = rng.choice([-1, 1])
    x, y = r * np.cos(sign * th), r * np.sin(sign * th) * rng.uniform(0.7, 1.3)
    pts = np.stack([x, y], 1)
    return [_densify((pts if rng.random() < 0.5 else pts[::-1]) * SIZE)]


def hatching(rng) -> list:
    """Three to eight parallel strokes (sometimes a second set across them), or one back-and-forth fill."""
    ang = rng.uniform(0, np.pi)
    out = []
    for k in range(1 + (rng.random() < 0.3)):
        a = ang + k * rng.uniform(np.pi / 3, 2 * np.pi / 3)
        d, nrm = np.array([np.cos(a), np.sin(a)]), np.array([-np.sin(a), np.cos(a)])
        n = rng.integers(3, 9)
        offs = np.linspace(-0.45, 0.45, n) + rng.normal(0, 0.02, n)
        lines = [[(o * nrm - d * rng.uniform(0.3, 0.5)), (o * nrm + d * rng.uniform(0.3, 0.5))] for o in offs]
        if rng.random() < 0.4:      # one stroke, back and forth
            pts = [p for i, ln in enumerate(lines) for p in (ln if i % 2 == 0 else ln[::-1])]
            out.append(_densify(np.array(pts) * SIZE))
        else:
            out += [_densify(np.array(ln) * SIZE) for ln in lines]
    return out


def _template(strokes) -> list:
    return [_densify(np.asarray(s, dtype=np.float64) * SIZE) for s in strokes]


def letter(rng) -> list:
    """A capital or small letter that no hand writes as a digit (A E F H K M N W R k m w)."""
    return _template(LETTERS[rng.choice(sorted(LETTERS))])


def symbol(rng) -> list:
    """# * ☆ △ ⊠ → ∞ ☺."""
    name = rng.choice(sorted(SYMBOLS))
    if name == "infinity":
        th = np.linspace(0, 2 * np.pi, 300)
        return [_densify(np.stack([np.sin(th) * 0.5, np.sin(2 * th) * 0.2], 1) * SIZE)]
    if name == "smiley":
        th = np.linspace(0, 2 * np.pi, 200)
        mouth = np.linspace(0.2 * np.pi, 0.8 * np.pi, 60)
        return [_densify(np.stack([np.cos(th), np.sin(th)], 1) * 0.5 * SIZE),
                _densify(np.array([(-0.18, -0.15), (-0.18, -0.05)]) * SIZE),
                _densify(np.array([(0.18, -0.15), (0.18, -0.05)]) * SIZE),
                _densify(np.stack([np.cos(mouth), np.sin(mouth)], 1) * 0.3 * SIZE)]
    return _template(SYMBOLS[name])


@functools.cache
def _hershey_glyphs(family: str) -> list[list[np.ndarray]]:
    """The family's glyphs as strokes in a unit box (y down, as the fonts draw; aspect kept, centred), each
    polyline of the font's connected segments one stroke."""
    from HersheyFonts import HersheyFonts
    out = []
    for font, keys in HERSHEY[family]:
        h = HersheyFonts()
        h.load_default_font(font)
        for key in keys:
            strokes = [np.asarray(s, dtype=np.float64) for s in h.strokes_for_text(key) if len(s) > 1]
            if not strokes:
                raise ValueError(f"the Hershey font {font} has no glyph for {key!r}")
            pts = np.vstack(strokes)
            lo, hi = pts.min(0), pts.max(0)
            scale = max(hi - lo)
            out.append([(s - (lo + hi) / 2) / scale + 0.5 for s in strokes])
    return out


def hershey(family: str, rng) -> list:
    """A glyph of a HERSHEY family, chosen at random."""
    glyphs = _hershey_glyphs(family)
    return _template(glyphs[rng.integers(len(glyphs))])


def pair(rng, digits: list[PenDigit]) -> list:
    """Two pen digits side by side: a number, not one digit."""
    a, b = (digits[i] for i in rng.choice(len(digits), 2))
    out = []
    x0 = 0.0
    for d in (a, b):
        pts = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in d.strokes]
        allp = np.vstack(pts)
        lo, hi = allp.min(0), allp.max(0)
        scale = SIZE / max(hi[1] - lo[1], 1e-6)
        out += [(p - lo) * scale + [x0, 0] for p in pts]
        x0 += (hi[0] - lo[0]) * scale + rng.uniform(0.05, 0.35) * SIZE
    return out


def polyline(rng) -> list:
    """One to three strokes of straight pieces between random corners (five to twelve corners in all):
    no kind of shape in particular. It only ever trains the gates, on every fold, and is never scored
    on: the held-out families stay kinds the gate has not seen."""
    while True:
        counts = rng.integers(2, 6, rng.integers(1, 4))
        if counts.sum() >= 5:
            return [_densify(rng.uniform(0, 1, (k, 2)) * SIZE) for k in counts]


# in the order of the held-out folds (benchmarks/pendigits_nested.py holds out four consecutive families at a
# time): letters, signs and strokes in each fold
FAMILIES = {"latin": lambda rng: hershey("latin", rng), "scribble": scribble, "cross": cross, "symbol": symbol,
            "greek": lambda rng: hershey("greek", rng), "zigzag": zigzag, "spiral": spiral, "pair": pair,
            "cyrillic": lambda rng: hershey("cyrillic", rng), "hatching": hatching, "letter": letter,
            "signs": lambda rng: hershey("signs", rng)}
NEEDS_DIGITS = frozenset({"pair"})


def make_shape(family: str, rng: np.random.Generator, digits: list[PenDigit] | None = None) -> list[np.ndarray]:
    """One shape of the family as strokes, varied like another hand (slant, rotation, aspect, warp).
    The pair family takes two of `digits`."""
    strokes = FAMILIES[family](rng, digits) if family in NEEDS_DIGITS else FAMILIES[family](rng)
    return vary_strokes(strokes, rng)


def shape_strokes(per_family: int, seed: int, digits: list[PenDigit],
                  families=tuple(FAMILIES)) -> list[tuple[list[np.ndarray], str, int]]:
    """per_family shapes of each family as strokes: (strokes, family, writer: for a pair, the writer of
    its two digits, which are one writer's; else -1). The same seed gives the same shapes."""
    rng = np.random.default_rng(seed)
    by_writer: dict[int, list[PenDigit]] = {}
    for d in digits:
        by_writer.setdefault(d.writer, []).append(d)
    writers = sorted(by_writer)
    out = []
    for fam in families:
        for i in range(per_family):
            w = writers[i % len(writers)] if fam in NEEDS_DIGITS else -1
            strokes = make_shape(fam, rng, by_writer.get(w))
            if sum(len(s) for s in strokes):
                out.append((strokes, fam, w))
    return out


GENERIC = 2400   # random polylines (polyline above) that every gate also learns from
REORIENTED = 2   # copies of each pen digit reoriented (strokes reversed, reordered) for the path gate


def generic_strokes(count: int, seed: int) -> list[list[np.ndarray]]:
    """count random polylines, varied like another hand: the gates' training-only negatives."""
    rng = np.random.default_rng(seed)
    return [vary_strokes(polyline(rng), rng) for _ in range(count)]


def render_shapes(per_family: int, seed: int, digits: list[PenDigit],
                  families=tuple(FAMILIES)) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """shape_strokes through the canvas's path: (N×28×28 float32 images, family of each, writer of each)."""
    from mnist_gui.core.preprocess import strokes_to_mnist
    shapes = shape_strokes(per_family, seed, digits, families)
    imgs = [strokes_to_mnist(s) for s, _, _ in shapes]
    return (np.stack(imgs).astype(np.float32), np.array([f for _, f, _ in shapes]),
            np.array([w for _, _, w in shapes]))


def gate_examples(digits: list[PenDigit], mnist_images: np.ndarray, per_family: int, pen_variants: int,
                  seed: int) -> dict[str, np.ndarray]:
    """What the digit gate learns from and is measured on, rendered once: the pen digits as drawn and
    pen_variants-1 varied copies ("pen", writer "pen_w", "pen_drawn"), MNIST digits ("mnist", uint8 or
    [0, 1]), per_family shapes of each family ("neg", family "neg_f", writer "neg_w") and GENERIC random
    polylines ("generic", generic_strokes(GENERIC, seed + 2))."""
    from mnist_gui.core.handwriting.pendigits import render_pendigits
    pen = render_pendigits(digits, variants=pen_variants, seed=seed)
    neg, fam, neg_w = render_shapes(per_family, seed + 1, digits)
    mnist = np.asarray(mnist_images, np.float32)
    return {"generic": render_generic(seed),
            "pen": pen.images.numpy().astype(np.float32) / 255,
            "pen_w": np.tile([d.writer for d in digits], pen_variants),
            "pen_drawn": np.repeat(np.arange(pen_variants) == 0, len(digits)),
            "mnist": mnist / 255 if mnist.max() > 1 else mnist,
            "neg": neg, "neg_f": fam, "neg_w": neg_w}


def render_generic(seed: int) -> np.ndarray:
    from mnist_gui.core.preprocess import strokes_to_mnist
    return np.stack([strokes_to_mnist(s) for s in generic_strokes(GENERIC, seed + 2)]).astype(np.float32)


def _negatives(ex, writers, families) -> np.ndarray:
    return np.isin(ex["neg_f"], list(families)) & ((ex["neg_w"] < 0) | np.isin(ex["neg_w"], list(writers)))


def gate_training_set(ex: dict, writers, families) -> tuple[np.ndarray, np.ndarray]:
    """(images, is digit) from these writers' pen digits (all copies), every MNIST digit, these families'
    shapes (pairs only of these writers' digits) and the generic polylines."""
    pen, neg = np.isin(ex["pen_w"], list(writers)), _negatives(ex, writers, families)
    x = np.concatenate([ex["pen"][pen], ex["mnist"], ex["neg"][neg], ex["generic"]])
    return x, np.concatenate([np.ones(pen.sum() + len(ex["mnist"])), np.zeros(neg.sum() + len(ex["generic"]))])


def reorient(strokes, rng: np.random.Generator) -> list[np.ndarray]:
    """The same strokes as another hand might draw them: each one backwards or not, in any order (a 0
    clockwise, a 1 upwards, a 4's stem first). Same ink, another path."""
    out = [np.asarray(s)[::-1] if rng.random() < 0.5 else np.asarray(s) for s in strokes]
    return [out[i] for i in rng.permutation(len(out))] if rng.random() < 0.5 else out


def path_gate_training_set(ex: dict, digits: list[PenDigit], shapes: list, writers, families,
                           seed: int) -> tuple[np.ndarray, np.ndarray]:
    """What the path gate learns from, as trajectory features: these writers' pen digits as drawn,
    trajectory.VARIANTS varied copies and REORIENTED varied and reoriented ones; these families' shapes
    (`shapes`: the strokes of ex["neg"], in its order) as drawn and once varied and reoriented; the generic
    polylines (generic_strokes(GENERIC, seed + 2), the seed of gate_examples) the same. Reoriented copies
    on both sides, so that the gate does not learn the direction these writers happened to draw in (a 0
    drawn clockwise is a digit too). (features, is digit)."""
    from mnist_gui.core.handwriting import trajectory as T
    from mnist_gui.core.handwriting import trajectory_train as TT
    rng = np.random.default_rng(seed + 3)
    mine = [d for d in digits if d.writer in set(writers)]
    xd, _ = TT.varied_features(mine, TT.VARIANTS, seed)
    xr = T.batch_features([reorient(vary_strokes(d.strokes, rng), rng) for _ in range(REORIENTED) for d in mine])
    xd = np.concatenate([xd, xr])
    neg = [shapes[i] for i in np.flatnonzero(_negatives(ex, writers, families))]
    neg += generic_strokes(GENERIC, seed + 2)
    xn = T.batch_features(neg + [reorient(vary_strokes(s, rng), rng) for s in neg])
    return np.concatenate([xd, xn]), np.concatenate([np.ones(len(xd)), np.zeros(len(xn))])


def gate_held_out(ex: dict, writers, families) -> tuple[np.ndarray, np.ndarray]:
    """Masks of what a gate trained without these writers and families is scored on: their pen digits as
    drawn (of ex["pen"]), their shapes (of ex["neg"])."""
    return np.isin(ex["pen_w"], list(writers)) & ex["pen_drawn"], _negatives(ex, writers, families)
