"""Canvas strokes or an image file -> a 28×28 MNIST-style input.

The MNIST recipe: crop to the ink, scale the longest side to 20 px keeping the aspect ratio,
anti-alias, then move the centre of mass to the centre of the 28×28 image. Strokes are
rendered from their vectors at the model's scale, so the 28×28 input has MNIST's stroke
thickness whatever the pen width and the size of the drawing.
"""

from __future__ import annotations

import math
import os
import re
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mnist_gui import config

Stroke = Sequence[tuple[float, float]]

# Stroke width in 28-px units and the width of its soft edge, chosen to look like MNIST
# (measured on pen-drawn digits: see benchmarks/pendigits_canvas.py).
STROKE_WIDTH = 2.6
EDGE_SOFTNESS = 1.3

_CENTRES = np.arange(config.IMAGE_SIZE, dtype=np.float32) + 0.5
_GRID_X, _GRID_Y = (g.reshape(-1).copy() for g in np.meshgrid(_CENTRES, _CENTRES, indexing="xy"))  # 784 each


class PreprocessError(Exception):
    pass


def _significance(p: np.ndarray, floor: float) -> np.ndarray:
    """Per point of a polyline, the largest tolerance at which Douglas–Peucker keeps it (inf at the ends),
    for the tolerances above floor (0 where it is at most floor): the point farthest from a chord is kept
    while the tolerance is below both its distance and its parent's significance. The split points do not
    depend on the tolerance, so one walk serves every scale a stroke is rendered at.

    The walk goes level by level, every chord of a level at once (chords i < j, the points between them laid
    end to end): a few dozen array operations a level instead of a dozen per chord, 2-3× faster on a mouse's
    strokes of a few hundred points, up to 3× slower on a stroke that zig-zags at every point (each level then
    splits off one point: the walk one chord at a time was quadratic there too). Its float32 products and sums are
    written out where the walk one chord at a time used `@`: bit for bit the same on the 30 pen writers' strokes
    here (a BLAS that fuses them could differ in the last bit)."""
    n = len(p)
    sig = np.zeros(n, np.float32)
    sig[[0, -1]] = np.inf
    i, j, cap = np.array([0]), np.array([n - 1]), np.array([np.inf], np.float32)
    while True:
        inner = j > i + 1
        i, j, cap = i[inner], j[inner], cap[inner]
        if not len(i):
            return sig
        count = j - i - 1
        first = np.cumsum(count) - count                     # where each chord's points start in the level
        owner = np.repeat(np.arange(len(i)), count)
        at = np.arange(len(owner)) - first[owner] + i[owner] + 1   # the points between each chord's ends
        a, ab = p[i], p[j] - p[i]
        n2 = ab[:, 0] * ab[:, 0] + ab[:, 1] * ab[:, 1]
        seg, ab_o = p[at] - a[owner], ab[owner]
        closed = n2 < 1e-12                                  # a closed chord: the distance to its end
        t = (seg[:, 0] * ab_o[:, 0] + seg[:, 1] * ab_o[:, 1]) / np.where(closed, 1, n2)[owner]
        np.clip(t, 0.0, 1.0, out=t)
        t[closed[owner]] = 0
        d = np.hypot(seg[:, 0] - t * ab_o[:, 0], seg[:, 1] - t * ab_o[:, 1])
        far = np.maximum.reduceat(d, first)
        top = np.flatnonzero(d == far[owner])                 # each chord's farthest point, the first of a tie
        top = top[np.concatenate([[True], owner[top][1:] != owner[top][:-1]])]
        split = far > floor
        m, s = at[top[split]], np.minimum(cap[split], far[split])
        sig[m] = s
        i, j, cap = np.concatenate([i[split], m]), np.concatenate([m, j[split]]), np.concatenate([s, s])


# {stroke's bytes: (floor, significance)}: a stroke is rendered in many candidate digits of a number, and again at
# each read of a drawing, each time at its own scale; its walk is made once (again only for a lower tolerance).
# At most _MAX_WALKS strokes of at most _MAX_WALK_POINTS points each (~25 MB): a longer one is walked each time.
_WALKS: dict[bytes, tuple[float, np.ndarray]] = {}
_MAX_WALKS = 1024
_MAX_WALK_POINTS = 2048


def _simplified(p: np.ndarray, tol: float) -> np.ndarray:
    """The points of a polyline that Douglas–Peucker keeps to stay within tol of it (its ends at least)."""
    if len(p) <= 2:
        return p
    if len(p) > _MAX_WALK_POINTS:
        keep = _significance(p, tol) > tol
    else:
        key = p.tobytes()
        known = _WALKS.get(key)
        if known is None or tol < known[0]:
            if len(_WALKS) >= _MAX_WALKS:
                _WALKS.clear()
            known = _WALKS[key] = (tol, _significance(p, tol))
        keep = known[1] > tol
    keep[[0, -1]] = True   # an infinite tolerance (a drawing of infinite extent, scale 0) still has its ends
    return p[keep]


def _segments(strokes: Sequence[Stroke], scale: float, offset: np.ndarray) -> np.ndarray:
    """All strokes, mapped by scale and offset, as (S, 4) segments x0 y0 x1 y1, simplified to
    within 0.1 px; a single point becomes a zero-length segment."""
    segs = []
    for s in strokes:
        p = np.asarray(s, dtype=np.float32).reshape(-1, 2)
        if len(p) == 0:
            continue
        p = _simplified(p, 0.1 / scale if scale > 0 else math.inf) * scale + offset
        if len(p) == 1:
            p = np.vstack([p, p])
        segs.append(np.hstack([p[:-1], p[1:]]))
    return np.vstack(segs) if segs else np.zeros((0, 4), np.float32)


def _render(segs: np.ndarray, width: float, softness: float, image: np.ndarray | None = None,
            images: int = 1) -> np.ndarray:
    """Anti-aliased polyline rendering at 28×28: intensity from the distance to the nearest segment.
    With image (S ints: the image each segment is drawn in), `images` pictures at once (images × 28 × 28).

    A pixel farther than width/2 + softness/2 from every segment is dark, so each segment is measured only
    against the pixels of its box widened by that reach (and half a pixel): a few dozen pixels a segment,
    not all 784 (1.3-2.7× faster; the same float32 arithmetic per pair, so the same image; softness > 0). x and y as
    separate arrays, worked in place: a last axis of 2 made NumPy 7× slower (the canvas renders twice a
    stroke; benchmarks/gate_latency.py)."""
    side = config.IMAGE_SIZE
    reach = width / 2 + softness / 2 + 0.5
    lo_x, hi_x = np.minimum(segs[:, 0], segs[:, 2]), np.maximum(segs[:, 0], segs[:, 2])
    lo_y, hi_y = np.minimum(segs[:, 1], segs[:, 3]), np.maximum(segs[:, 1], segs[:, 3])
    # the columns and rows whose pixel centres (c + 0.5) lie within reach of the segment's box
    c0 = np.clip(np.ceil(lo_x - reach - 0.5), 0, side).astype(np.int64)
    c1 = np.clip(np.floor(hi_x + reach - 0.5) + 1, 0, side).astype(np.int64)
    r0 = np.clip(np.ceil(lo_y - reach - 0.5), 0, side).astype(np.int64)
    r1 = np.clip(np.floor(hi_y + reach - 0.5) + 1, 0, side).astype(np.int64)
    w, h = np.maximum(c1 - c0, 0), np.maximum(r1 - r0, 0)
    n = w * h
    seg = np.repeat(np.arange(len(segs)), n)                 # each (segment, pixel) pair's segment
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    pix = (r0[seg] + k // w[seg]) * side + c0[seg] + k % w[seg]
    ax, ay = segs[seg, 0], segs[seg, 1]
    abx, aby = segs[seg, 2] - ax, segs[seg, 3] - ay
    len2 = np.maximum(abx * abx + aby * aby, 1e-12)
    dx, dy = _GRID_X[pix] - ax, _GRID_Y[pix] - ay           # pixel centre - a
    t = dx * abx
    t += dy * aby
    t /= len2
    np.clip(t, 0.0, 1.0, out=t)            # the nearest point of each segment, a + t·ab
    dx -= t * abx
    dy -= t * aby
    dx *= dx
    dy *= dy
    dx += dy
    d2 = np.full(images * side * side, np.inf, np.float32)
    np.minimum.at(d2, pix if image is None else pix + image[seg] * (side * side), dx)
    dist = np.sqrt(d2)
    img = np.clip((width / 2 - dist) / softness + 0.5, 0.0, 1.0)
    return img.reshape((side, side) if image is None else (images, side, side)).astype(np.float32)


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    """(x, y) in pixel-centre coordinates (pixel i spans [i, i+1))."""
    total = float(img.sum())
    if total <= 0:
        return config.IMAGE_CENTRE, config.IMAGE_CENTRE
    ys, xs = np.indices(img.shape)
    return float((xs * img).sum() / total) + 0.5, float((ys * img).sum() / total) + 0.5


def strokes_to_mnist(strokes: Sequence[Stroke], width: float = STROKE_WIDTH,
                     softness: float = EDGE_SOFTNESS, scale: float | None = None) -> np.ndarray | None:
    """Strokes in any coordinates (y down) -> 28×28 float32 in [0, 1], ink bright. None if empty.

    The drawing is scaled to fill the 20-px box (MNIST's recipe), or by `scale` (28-px units per unit of the
    strokes) when given: a mark too small to be read is shown at its own size, not blown up."""
    return strokes_to_mnist_many([strokes], width, softness, scale)[0]


def strokes_to_mnist_many(stroke_sets: Sequence[Sequence[Stroke]], width: float = STROKE_WIDTH,
                          softness: float = EDGE_SOFTNESS, scale: float | None = None) -> list[np.ndarray | None]:
    """`strokes_to_mnist` of each stroke set (number mode's candidate digits), all rendered in the same two
    passes: the same images, without two passes' fixed cost for each."""
    box = config.DIGIT_BOX - width  # the skeleton fits 20 px less the stroke width
    segs: list[np.ndarray] = []
    inked: list[int] = []
    for n, strokes in enumerate(stroke_sets):
        arrays = [np.asarray(s, dtype=np.float32).reshape(-1, 2) for s in strokes]
        arrays = [p if np.isfinite(p).all() else p[np.isfinite(p).all(1)] for p in arrays]   # NaN, ±inf: no ink
        pts = np.vstack([p for p in arrays if len(p)] or [np.zeros((0, 2), np.float32)])
        if len(pts) == 0:
            continue
        lo, hi = pts.min(0), pts.max(0)
        extent = float((hi - lo).max())
        k = scale if scale is not None else box / extent if extent > 1e-6 else 1.0
        segs.append(_segments(arrays, k, config.IMAGE_CENTRE - (lo + hi) / 2 * k))
        inked.append(n)
    out: list[np.ndarray | None] = [None] * len(stroke_sets)
    if not inked:
        return out
    image = np.repeat(np.arange(len(segs)), [len(g) for g in segs])
    first = _render(np.vstack(segs), width, softness, image, len(segs))
    moved = []
    for g, img in zip(segs, first):   # each image's centre of mass to the centre
        cx, cy = centre_of_mass(img)
        moved.append(g + np.array([config.IMAGE_CENTRE - cx, config.IMAGE_CENTRE - cy] * 2, np.float32))
    for n, img in zip(inked, _render(np.vstack(moved), width, softness, image, len(segs))):
        out[n] = img
    return out


# Image files: only these raster formats are read (Pillow's names; each is decoded by Pillow itself, never by an
# external program: PostScript, for one, would be handed to Ghostscript); refuse anything above this many pixels
# from the header, before decoding a byte of it, and files above MAX_FILE_MB; decode larger-than-needed images at
# a reduced size (JPEG draft) and shrink them early.
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF")
FORMATS_TEXT = "PNG, JPEG, BMP, GIF, WebP and TIFF"
MAX_MEGAPIXELS = 40
MAX_FILE_MB = 256
WORK_SIZE = 2048  # longest side an image is reduced to before the digit is found (the digit ends at 20 px)


class ImageTooLarge(PreprocessError):
    """The image file has more pixels than MAX_MEGAPIXELS; it was not decoded."""


def _open_error(path, e: BaseException) -> PreprocessError:
    from PIL import Image
    if isinstance(e, Image.DecompressionBombError):
        m = re.search(r"\((\d+) pixels\)", str(e))
        size = f"{int(m.group(1)) / 1e6:.0f} megapixels" if m else "too many pixels"
        return ImageTooLarge(f"{path}: is {size}; images larger than {MAX_MEGAPIXELS} megapixels are refused")
    if isinstance(e, FileNotFoundError):
        return PreprocessError(f"{path}: no such file")
    if isinstance(e, PermissionError):
        return PreprocessError(f"{path}: cannot read it (permission denied)")
    if isinstance(e, Image.UnidentifiedImageError):
        kind = _format_of(path)
        if kind in IMAGE_FORMATS:
            return PreprocessError(f"{path}: not a readable image (a damaged {kind} file)")
        what = f"its format is {kind}" if kind else "not a readable image"
        return PreprocessError(f"{path}: {what}; only {FORMATS_TEXT} images are read")
    detail = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
    return PreprocessError(f"{path}: not a readable image ({detail})")


def _format_of(path) -> str | None:
    """The name of the format Pillow's signature checks see in the file's first bytes (nothing decoded), or None."""
    from PIL import Image

    from mnist_gui.core.storage import StateFileError, open_state_file
    try:   # the bounded reader: a FIFO or a device is never opened
        with open_state_file(path, follow_links=True) as f:
            prefix = f.read(16)
    except (OSError, StateFileError):
        return None
    Image.init()
    for name in Image.ID:
        accept = Image.OPEN[name][1]
        try:
            if accept and accept(prefix):
                return name
        except (struct.error, IndexError, ValueError, TypeError):  # a check that needs more bytes than there are
            continue
    return None


def pixel_count(path) -> int:
    """Width × height from the header of an image file of IMAGE_FORMATS, nothing decoded; 0 when it is
    not one (open_image says why)."""
    import warnings

    from PIL import Image

    from mnist_gui.core.storage import open_state_file
    try:   # the bounded reader: a FIFO would block the caller (open_image says what it is)
        with warnings.catch_warnings(), open_state_file(path, follow_links=True) as f:
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(f, formats=IMAGE_FORMATS) as im:
                return int(im.size[0]) * int(im.size[1])
    except Exception:
        return 0


def open_image(path):
    """Open an image file with a bounded cost: a loaded PIL image whose longest side is ≤ WORK_SIZE.

    Only IMAGE_FORMATS are opened. Raises ImageTooLarge (read from the header, nothing decoded) above
    MAX_MEGAPIXELS and PreprocessError for anything else that is not a readable image (another format, a file
    above MAX_FILE_MB, a damaged file), each with one line naming the file.
    """
    import warnings

    from PIL import Image

    from mnist_gui.core.storage import StateFileError, open_state_file
    path = Path(path)
    try:
        if path.is_dir():
            raise PreprocessError(f"{path}: is a folder, not an image")
        try:   # the bounded reader: the file opened is checked (a FIFO or a device is never opened)
            f = open_state_file(path, follow_links=True)
        except StateFileError:
            raise PreprocessError(f"{path}: not a regular file") from None
        with f, warnings.catch_warnings():
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise PreprocessError(f"{path}: is empty (0 bytes)")
            if size > MAX_FILE_MB * 2**20:
                raise PreprocessError(f"{path}: is {size / 2**20:,.0f} MB; image files larger than "
                                      f"{MAX_FILE_MB} MB are refused")
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit is lower
            with Image.open(f, formats=IMAGE_FORMATS) as im:
                w, h = im.size
                if w * h > MAX_MEGAPIXELS * 1_000_000:
                    raise ImageTooLarge(f"{path}: is {w}×{h} pixels; images larger than {MAX_MEGAPIXELS} "
                                        f"megapixels are refused")
                if w < 1 or h < 1:
                    raise PreprocessError(f"{path}: image has no pixels")
                if im.format == "JPEG":
                    im.draft(im.mode if im.mode in ("L", "RGB") else None, (WORK_SIZE, WORK_SIZE))
                im.load()
                if im.mode in ("1", "P", "PA"):  # so that shrinking averages pixels instead of dropping them
                    out = im.convert("RGBA" if im.mode == "PA" or "transparency" in im.info else "L")
                else:
                    out = im.copy()
        # reducing_gap 1: a fast box reduction first (half the time for 36 MP); the digit ends at 20 px anyway
        out.thumbnail((WORK_SIZE, WORK_SIZE), Image.LANCZOS, reducing_gap=1.0)
        return out
    except PreprocessError:
        raise
    except (Image.DecompressionBombError, Image.UnidentifiedImageError, OSError, ValueError, EOFError,
            SyntaxError, MemoryError) as e:
        raise _open_error(path, e) from None


def flatten_alpha(arr: np.ndarray) -> np.ndarray:
    """An RGBA or LA array (H×W×4 or H×W×2; uint8 or float in [0, 1]) -> gray float32 H×W in [0, 1].

    The one transparency rule of the app: transparent pixels become the background the ink contrasts
    with. If the opaque pixels are mostly dark (dark ink) the image is composited onto white; if they
    are mostly light (light ink) onto black. The usual dark-on-light / light-on-dark logic follows.
    """
    a = np.asarray(arr)
    scale = 255.0 if a.dtype == np.uint8 else 1.0
    a = a.astype(np.float32) / scale
    if a.ndim != 3 or a.shape[-1] not in (2, 4):
        raise PreprocessError(f"expected an RGBA or LA image array, got shape {a.shape}")
    alpha = np.clip(a[..., -1], 0.0, 1.0)
    color = a[..., :-1]
    gray = color[..., 0] if color.shape[-1] == 1 else color[..., :3] @ np.float32([0.299, 0.587, 0.114])
    gray = np.clip(gray, 0.0, 1.0)
    weight = float(alpha.sum())
    if weight <= 0:
        return np.zeros(gray.shape, np.float32)  # fully transparent: nothing drawn
    dark_ink = float((gray * alpha).sum()) / weight < 0.5
    background = 1.0 if dark_ink else 0.0
    return (gray * alpha + background * (1.0 - alpha)).astype(np.float32)


def _to_gray(image) -> np.ndarray:
    """PIL image, path or array -> float32 H×W in [0, 1]."""
    from PIL import Image
    if isinstance(image, (str, Path)):
        image = open_image(image)
    if isinstance(image, Image.Image):
        if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
            arr = flatten_alpha(np.asarray(image.convert("RGBA")))
        elif image.mode.startswith("I;16"):
            arr = np.asarray(image, dtype=np.float32) / 65535.0
        else:
            arr = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    else:
        arr = np.asarray(image)
        if arr.ndim == 3 and arr.shape[-1] in (2, 4):
            arr = flatten_alpha(arr)
        else:
            arr = arr.astype(np.float32)
            if arr.ndim == 3:
                arr = arr[..., :3].mean(-1)
            if arr.size and arr.max() > 1.0:
                arr = arr / 255.0
    if arr.ndim != 2 or min(arr.shape) < 1:
        raise PreprocessError("image has no pixels")
    return arr


def is_mnist_input(ink: np.ndarray) -> bool:
    """Is this (white ink on black, [0, 1]) already in MNIST's form: 28×28, the ink within a 20×20 box, its
    centre of mass within a pixel of the centre? Every MNIST image is; cropping and scaling one again would
    move its reading away from what the evaluation of the same image says."""
    if ink.shape != (config.IMAGE_SIZE, config.IMAGE_SIZE):
        return False
    ys, xs = np.nonzero(ink > 0.2)
    if not len(ys) or max(ys.max() - ys.min(), xs.max() - xs.min()) + 1 > config.DIGIT_BOX:
        return False
    cx, cy = centre_of_mass(ink)
    return max(abs(cx - config.IMAGE_CENTRE), abs(cy - config.IMAGE_CENTRE)) <= 1.0


def image_to_mnist(image) -> np.ndarray | None:
    """An image (dark ink on light or light on dark, any size) -> 28×28 float32 in [0, 1]. None if blank."""
    from PIL import Image
    g = _to_gray(image)
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    bg = float(np.median(border))
    if bg > 0.5:  # dark ink on light paper
        g = 1.0 - g
        bg = 1.0 - bg
    ink = np.clip((g - bg) / max(1.0 - bg, 1e-6), 0.0, 1.0)
    mask = ink > 0.2
    if not mask.any():
        return None
    if is_mnist_input(ink):   # an MNIST image (a test image saved as a file): read as the evaluation reads it
        return ink.astype(np.float32)
    ys, xs = np.nonzero(mask)
    crop = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = crop.shape
    s = config.DIGIT_BOX / max(h, w)
    nh, nw = max(1, round(h * s)), max(1, round(w * s))
    small = np.asarray(Image.fromarray((crop * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS),
                       dtype=np.float32) / 255.0
    small = np.clip(small, 0, 1)
    out = np.zeros((config.IMAGE_SIZE, config.IMAGE_SIZE), np.float32)
    cx, cy = centre_of_mass(small)
    x0 = int(np.clip(round(config.IMAGE_CENTRE - cx), 0, config.IMAGE_SIZE - nw))
    y0 = int(np.clip(round(config.IMAGE_CENTRE - cy), 0, config.IMAGE_SIZE - nh))
    out[y0:y0 + nh, x0:x0 + nw] = small
    return out


def normalize_batch(images) -> np.ndarray:
    """28×28 [0,1] images -> N×1×28×28 float32, normalised like MNIST (numpy: no torch needed)."""
    x = np.stack([np.asarray(i, np.float32) for i in images]).reshape(-1, 1, config.IMAGE_SIZE, config.IMAGE_SIZE)
    return (x - np.float32(config.MNIST_MEAN)) / np.float32(config.MNIST_STD)


# ------------------------------------------------------------------ is the input digit-like at all (ink checks)

# A 28×28 input with more mean ink than this is not digit-like (a scribble, a filled blob) ...
MAX_MEAN_INK = 0.30
# ... nor with less (a single point) ...
MIN_MEAN_INK = 0.02
# ... nor an ink box more than this many times as wide as it is high (a dash or a tap of the pen).
MAX_ASPECT = 2.5


# A drawing whose longest side is under this fraction of the canvas's side is too small to read: MNIST's
# recipe would blow a tap or a tiny dash up to a 20-px bar that the network reads with confidence.
TOO_SMALL_BELOW = 0.1


def extent(strokes: Sequence[Stroke]) -> float:
    """The longest side of the strokes' bounding box, in their own units (0 for no ink or one point)."""
    pts = [np.asarray(s, dtype=np.float32).reshape(-1, 2) for s in strokes]
    pts = [p for p in pts if len(p)]
    if not pts:
        return 0.0
    p = np.vstack(pts)
    return float((p.max(0) - p.min(0)).max())


def too_small(strokes: Sequence[Stroke], canvas_side: float) -> bool:
    """Is the drawing too small to read on a canvas of this side (the same units as the strokes)?"""
    return extent(strokes) < TOO_SMALL_BELOW * canvas_side


def _aspect(img28: np.ndarray, ink: float = 0.25) -> float:
    ys, xs = np.nonzero(img28 > ink)
    return 0.0 if len(xs) == 0 else (np.ptp(xs) + 1) / (np.ptp(ys) + 1)


def digit_like(img28: np.ndarray) -> bool:
    """Could this 28×28 input be a digit at all: not too little or too much ink, not a bar?"""
    return MIN_MEAN_INK <= float(np.mean(img28)) <= MAX_MEAN_INK and _aspect(img28) <= MAX_ASPECT


MAX_STROKES_FILE_BYTES = 16 * 1024 * 1024   # a drawing's strokes as JSON; a larger file is not read
MAX_STROKE_POINTS = 200_000                  # points in all its strokes
MAX_COORDINATE = 1e9                         # |x|, |y| at most this (rendered in float32: 1e39 was infinite)


def read_strokes_file(path) -> list[list[tuple[float, float]]]:
    """A drawing saved as pen strokes: a JSON list of strokes, each a list of [x, y] points (y down, any
    units). PreprocessError, one line naming the file, for anything else (not JSON, another shape, numbers
    that are not finite or beyond ±MAX_COORDINATE, more than MAX_STROKE_POINTS points, a file over
    MAX_STROKES_FILE_BYTES)."""
    p = Path(path)
    what = "not a drawing (JSON: a list of strokes, each a list of [x, y] points)"
    from mnist_gui.core.storage import JsonFileError, StateFileError, loads_json, os_reason, read_state_file
    try:   # the bounded reader: a FIFO, a device or a folder is never opened, at most the limit is read
        data = loads_json(read_state_file(p, MAX_STROKES_FILE_BYTES, follow_links=True), MAX_STROKES_FILE_BYTES)
    except FileNotFoundError:
        raise PreprocessError(f"{path}: no such file") from None
    except StateFileError as e:
        raise PreprocessError(f"{e}") from None
    except JsonFileError as e:   # an image, a binary file: "not JSON text: byte 0 is not UTF-8 (a binary file?)"
        raise PreprocessError(f"{path}: {what}: {e}") from None
    except OSError as e:
        raise PreprocessError(f"{path}: cannot read it ({os_reason(e)})") from None
    if not isinstance(data, list) or not all(isinstance(s, list) for s in data):
        raise PreprocessError(f"{path}: {what}")
    strokes, n = [], 0
    for s in data:
        n += len(s)
        if n > MAX_STROKE_POINTS:
            raise PreprocessError(f"{path}: more than {MAX_STROKE_POINTS} points, not read")
        if not all(isinstance(q, list) and len(q) == 2 and all(isinstance(v, int | float) and not isinstance(v, bool)
                                                               for v in q) for q in s):
            raise PreprocessError(f"{path}: {what}")
        stroke = [(float(x), float(y)) for x, y in s]
        xy = np.asarray(stroke, float)
        if not np.isfinite(xy).all():
            raise PreprocessError(f"{path}: {what}")
        if (np.abs(xy) > MAX_COORDINATE).any():
            raise PreprocessError(f"{path}: a coordinate beyond ±{MAX_COORDINATE:,.0f}, not read")
        strokes.append(stroke)
    return strokes
