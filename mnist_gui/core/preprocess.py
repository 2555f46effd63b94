"""Canvas strokes or an image file -> a 28×28 MNIST-style input.

The MNIST recipe: crop to the ink, scale the longest side to 20 px keeping the aspect ratio,
anti-alias, then move the centre of mass to the centre of the 28×28 image. Strokes are
rendered from their vectors at the model's scale, so the 28×28 input has MNIST's stroke
thickness whatever the pen width and the size of the drawing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

from mnist_gui import config

Stroke = Sequence[tuple[float, float]]

# Stroke width in 28-px units and the width of its soft edge, chosen to look like MNIST
# (measured on pen-drawn digits: see benchmarks/pendigits_canvas.py).
STROKE_WIDTH = 2.6
EDGE_SOFTNESS = 1.3

_CENTRES = np.arange(config.IMAGE_SIZE, dtype=np.float32) + 0.5
_GRID = np.stack(np.meshgrid(_CENTRES, _CENTRES, indexing="xy"), -1).reshape(-1, 2)  # (784, 2) x,y


class PreprocessError(Exception):
    pass


def _douglas_peucker(p: np.ndarray, tol: float) -> np.ndarray:
    """Keep the points of a polyline needed to stay within tol of it (iterative, vectorised)."""
    if len(p) <= 2:
        return p
    keep = np.zeros(len(p), bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(p) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = p[i], p[j]
        ab = b - a
        seg = p[i + 1:j] - a
        n2 = float(ab @ ab)
        if n2 < 1e-12:
            d = np.hypot(seg[:, 0], seg[:, 1])
        else:
            t = np.clip(seg @ ab / n2, 0.0, 1.0)
            d = np.hypot(*(seg - t[:, None] * ab).T)
        k = int(d.argmax())
        if d[k] > tol:
            m = i + 1 + k
            keep[m] = True
            stack += [(i, m), (m, j)]
    return p[keep]


def _segments(strokes: Sequence[Stroke], scale: float, offset: np.ndarray) -> np.ndarray:
    """All strokes, mapped by scale and offset, as (S, 4) segments x0 y0 x1 y1, simplified to
    within 0.1 px; a single point becomes a zero-length segment."""
    segs = []
    for s in strokes:
        p = np.asarray(s, dtype=np.float32).reshape(-1, 2)
        if len(p) == 0:
            continue
        p = _douglas_peucker(p * scale + offset, 0.1)
        if len(p) == 1:
            p = np.vstack([p, p])
        segs.append(np.hstack([p[:-1], p[1:]]))
    return np.vstack(segs) if segs else np.zeros((0, 4), np.float32)


def _render(segs: np.ndarray, width: float, softness: float) -> np.ndarray:
    """Anti-aliased polyline rendering at 28×28: intensity from the distance to the nearest segment."""
    a, b = segs[:, :2], segs[:, 2:]
    ab = b - a
    len2 = np.maximum((ab ** 2).sum(1), 1e-12)
    ap = _GRID[:, None, :] - a[None]                     # (784, S, 2)
    t = np.clip((ap * ab[None]).sum(-1) / len2, 0.0, 1.0)
    d = ap - t[..., None] * ab[None]
    dist = np.sqrt((d ** 2).sum(-1).min(1))
    img = np.clip((width / 2 - dist) / softness + 0.5, 0.0, 1.0)
    return img.reshape(config.IMAGE_SIZE, config.IMAGE_SIZE).astype(np.float32)


def centre_of_mass(img: np.ndarray) -> tuple[float, float]:
    """(x, y) in pixel-centre coordinates (pixel i spans [i, i+1))."""
    total = float(img.sum())
    if total <= 0:
        return 14.0, 14.0
    ys, xs = np.indices(img.shape)
    return float((xs * img).sum() / total) + 0.5, float((ys * img).sum() / total) + 0.5


def strokes_to_mnist(strokes: Sequence[Stroke], width: float = STROKE_WIDTH,
                     softness: float = EDGE_SOFTNESS) -> np.ndarray | None:
    """Strokes in any coordinates (y down) -> 28×28 float32 in [0, 1], ink bright. None if empty."""
    pts = [np.asarray(s, dtype=np.float32).reshape(-1, 2) for s in strokes]
    pts = np.vstack([p for p in pts if len(p)] or [np.zeros((0, 2), np.float32)])
    if len(pts) == 0:
        return None
    lo, hi = pts.min(0), pts.max(0)
    extent = float((hi - lo).max())
    box = config.DIGIT_BOX - width  # the skeleton fits 20 px less the stroke width
    scale = box / extent if extent > 1e-6 else 1.0
    segs = _segments(strokes, scale, 14.0 - (lo + hi) / 2 * scale)
    img = _render(segs, width, softness)
    cx, cy = centre_of_mass(img)
    segs = segs + np.array([14.0 - cx, 14.0 - cy] * 2, np.float32)
    return _render(segs, width, softness)


def _to_gray(image) -> np.ndarray:
    """PIL image, path or array -> float32 H×W in [0, 1]."""
    from PIL import Image, UnidentifiedImageError
    if isinstance(image, (str, Path)):
        try:
            with Image.open(image) as im:
                im.load()
                image = im.copy()
        except FileNotFoundError:
            raise PreprocessError(f"{image}: no such file") from None
        except (UnidentifiedImageError, OSError, ValueError) as e:
            raise PreprocessError(f"{image}: not a readable image ({str(e).splitlines()[0] if str(e) else type(e).__name__})") from None
    if isinstance(image, Image.Image):
        if image.mode in ("RGBA", "LA", "P"):
            image = image.convert("RGBA")
            bg = Image.new("RGBA", image.size, (255, 255, 255, 255))
            # transparent areas: assume paper; alpha-composite over white
            image = Image.alpha_composite(bg, image)
        arr = np.asarray(image.convert("L"), dtype=np.float32) / 255.0
    else:
        arr = np.asarray(image, dtype=np.float32)
        if arr.ndim == 3:
            arr = arr[..., :3].mean(-1)
        if arr.max() > 1.0:
            arr = arr / 255.0
    if arr.ndim != 2 or min(arr.shape) < 1:
        raise PreprocessError("image has no pixels")
    return arr


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
    x0 = int(np.clip(round(14.0 - cx), 0, config.IMAGE_SIZE - nw))
    y0 = int(np.clip(round(14.0 - cy), 0, config.IMAGE_SIZE - nh))
    out[y0:y0 + nh, x0:x0 + nw] = small
    return out


def to_tensor(img28: np.ndarray):
    """28×28 [0,1] -> 1×1×28×28 normalised tensor."""
    import torch
    x = torch.from_numpy(np.ascontiguousarray(img28, dtype=np.float32)).view(1, 1, 28, 28)
    return (x - config.MNIST_MEAN) / config.MNIST_STD
