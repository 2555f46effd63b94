import numpy as np
import pytest
from PIL import Image

from mnist_gui.core.preprocess import PreprocessError, centre_of_mass, image_to_mnist, strokes_to_mnist

SEVEN = [[(10, 10), (60, 10), (30, 90)], [(20, 50), (50, 50)]]  # a crossed 7


def transform(strokes, scale, dx, dy):
    return [[(x * scale + dx, y * scale + dy) for x, y in s] for s in strokes]


def test_empty_is_none():
    assert strokes_to_mnist([]) is None
    assert strokes_to_mnist([[]]) is None


def test_mnist_geometry():
    img = strokes_to_mnist(SEVEN)
    assert img.shape == (28, 28) and img.dtype == np.float32
    assert 0 <= img.min() and img.max() <= 1 and img.max() > 0.9
    ys, xs = np.nonzero(img > 0.05)
    assert ys.max() - ys.min() + 1 <= 22 and ys.max() - ys.min() + 1 >= 18   # longest side ≈ 20 px
    cx, cy = centre_of_mass(img)
    assert abs(cx - 14) < 0.3 and abs(cy - 14) < 0.3


def test_same_digit_at_any_size_and_position_gives_nearly_the_same_input():
    ref = strokes_to_mnist(SEVEN)
    for scale, dx, dy in ((0.3, 0, 0), (4.0, 100, 7), (1.7, -50, 300)):
        img = strokes_to_mnist(transform(SEVEN, scale, dx, dy))
        assert np.abs(img - ref).max() < 0.02


def test_aspect_ratio_is_kept():
    one = strokes_to_mnist([[(50, 0), (50, 100)]])
    ys, xs = np.nonzero(one > 0.5)
    assert (ys.max() - ys.min()) > 4 * (xs.max() - xs.min() + 1)


def test_dense_mouse_input_is_the_same_digit():
    dense = [[(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t) for (x0, y0), (x1, y1) in zip(s, s[1:])
              for t in np.linspace(0, 1, 200, endpoint=False)] + [s[-1]] for s in SEVEN]
    assert np.abs(strokes_to_mnist(dense) - strokes_to_mnist(SEVEN)).max() < 0.05


def test_image_polarity_size_and_position(tmp_path):
    ref = np.zeros((28, 28), np.float32)
    ref[4:24, 12:16] = 1.0  # a bar
    big = np.zeros((300, 200), np.uint8)
    big[40:240, 120:160] = 255
    a = image_to_mnist(big)                       # light ink on dark
    Image.fromarray(255 - big).save(tmp_path / "dark_on_light.png")
    b = image_to_mnist(tmp_path / "dark_on_light.png")
    assert np.abs(a - b).max() < 1e-6
    ys, xs = np.nonzero(a > 0.5)
    assert ys.max() - ys.min() + 1 == 20
    cx, cy = centre_of_mass(a)
    assert abs(cx - 14) <= 0.6 and abs(cy - 14) <= 0.6


def test_blank_and_broken_images(tmp_path):
    assert image_to_mnist(np.full((50, 50), 255, np.uint8)) is None
    (tmp_path / "x.png").write_bytes(b"not a png")
    with pytest.raises(PreprocessError, match="x.png: not a readable image"):
        image_to_mnist(tmp_path / "x.png")
    with pytest.raises(PreprocessError, match="no such file"):
        image_to_mnist(tmp_path / "missing.png")
