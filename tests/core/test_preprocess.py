import os

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


def test_an_mnist_image_saved_as_a_file_is_read_as_it_is(tmp_path, mnist):
    """Issue 33: a test image read 78% in the Evaluate tab and 72% loaded as a file: the file was cropped
    and scaled again. An image already in MNIST's form (28×28, ink in a 20×20 box, centred) is its input."""
    from PIL import Image
    for k in range(50):
        u8 = mnist.test.images[k].numpy()
        Image.fromarray(u8).save(tmp_path / "t.png")
        assert np.array_equal(image_to_mnist(tmp_path / "t.png"), u8.astype(np.float32) / 255), k
        Image.fromarray(255 - u8).save(tmp_path / "inverted.png")        # dark on light: the same input
        assert np.abs(image_to_mnist(tmp_path / "inverted.png") - u8 / 255).max() < 1e-6, k
    off = np.zeros((28, 28), np.uint8)
    off[2:12, 2:5] = 255                       # 28×28 but off-centre: cropped, scaled and centred as before
    a = image_to_mnist(off)
    ys, _ = np.nonzero(a > 0.5)
    assert ys.max() - ys.min() + 1 == 20


def test_blank_and_broken_images(tmp_path):
    assert image_to_mnist(np.full((50, 50), 255, np.uint8)) is None
    (tmp_path / "x.png").write_bytes(b"not a png")
    with pytest.raises(PreprocessError, match="x.png: not a readable image"):
        image_to_mnist(tmp_path / "x.png")
    with pytest.raises(PreprocessError, match="no such file"):
        image_to_mnist(tmp_path / "missing.png")


def _png_header_only(path, w, h):
    """A PNG that claims w×h pixels (mode L) but holds almost no data: opening reads only the header."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))
    return path


@pytest.mark.parametrize("w,h", [(20000, 20000), (8000, 6000)])
def test_huge_images_are_refused_from_the_header(tmp_path, w, h):
    from mnist_gui.core.preprocess import ImageTooLarge, open_image
    p = _png_header_only(tmp_path / "huge.png", w, h)
    for call in (open_image, image_to_mnist):
        with pytest.raises(ImageTooLarge) as e:
            call(p)
        msg = str(e.value)
        assert "huge.png" in msg and "megapixels are refused" in msg and "\n" not in msg
    if w * h < 100e6:
        assert f"{w}×{h} pixels" in str(e.value)


def test_a_large_allowed_image_is_shrunk_before_it_is_used(tmp_path):
    from mnist_gui.core.preprocess import WORK_SIZE, open_image
    big = Image.new("1", (6000, 4000), 1)
    big.paste(0, (2800, 1000, 3200, 3000))  # a black bar on white, 1-bit
    big.save(tmp_path / "big.png")
    im = open_image(tmp_path / "big.png")
    assert max(im.size) <= WORK_SIZE and im.mode == "L"
    out = image_to_mnist(tmp_path / "big.png")
    ys, xs = np.nonzero(out > 0.5)
    assert ys.max() - ys.min() + 1 >= 18 and xs.max() - xs.min() + 1 <= 6


def test_every_unreadable_file_is_one_line(tmp_path):
    from mnist_gui.core.preprocess import ImageTooLarge, open_image
    good = Image.new("L", (64, 64), 255)
    good.paste(0, (20, 10, 40, 50))
    good.save(tmp_path / "good.png")
    data = (tmp_path / "good.png").read_bytes()
    (tmp_path / "trunc.png").write_bytes(data[: len(data) // 2])
    (tmp_path / "text.png").write_text("hello, not an image")
    (tmp_path / "folder.png").mkdir()
    open_image(tmp_path / "good.png")
    for name, words in (("missing.png", "no such file"), ("folder.png", "folder"),
                        ("text.png", "not a readable image"), ("trunc.png", "not a readable image")):
        with pytest.raises(PreprocessError) as e:
            open_image(tmp_path / name)
        assert not isinstance(e.value, ImageTooLarge)
        assert name in str(e.value) and words in str(e.value) and "\n" not in str(e.value)


def _rgba(ink_value):
    a = np.zeros((60, 60, 4), np.uint8)
    a[..., :3] = 255 - ink_value          # the colour under transparent pixels is the other one
    a[10:50, 25:35, :3] = ink_value
    a[10:50, 25:35, 3] = 255              # only the ink is opaque
    return a


@pytest.mark.parametrize("ink", [0, 255])
def test_ink_on_a_transparent_background_is_read_whatever_its_colour(tmp_path, ink):
    from mnist_gui.core.preprocess import flatten_alpha
    arr = _rgba(ink)
    gray = flatten_alpha(arr)
    assert gray[30, 30] == pytest.approx(ink / 255) and gray[2, 2] == pytest.approx(1 - ink / 255)
    Image.fromarray(arr, "RGBA").save(tmp_path / "t.png")
    from_file, from_array = image_to_mnist(tmp_path / "t.png"), image_to_mnist(arr)
    assert from_file is not None and from_array is not None
    assert np.abs(from_file - from_array).max() < 1e-6
    ys, xs = np.nonzero(from_file > 0.5)
    assert ys.max() - ys.min() + 1 >= 18                     # the bar is the ink, not the background
    la = np.stack([arr[..., 0], arr[..., 3]], -1)
    assert np.abs(image_to_mnist(la) - from_array).max() < 1e-6


@pytest.mark.parametrize("strokes, why", [
    ([[(400, 300)]], "not digit-like"),                       # a tap of the pen: almost no ink
    ([[(400, 300), (401, 300)]], "not digit-like"),           # a dot dragged a pixel: a bar 5 times as wide as high
    ([[(400, 300), (440, 302)]], "not digit-like"),           # a dash
    ([[(400, 300), (402, 360)]], None),                       # a 1
])
def test_a_dot_or_a_dash_is_not_claimed_as_a_digit(strokes, why):
    from mnist_gui.core.reading import verdict
    sure = np.eye(10)[2]                                      # even when the network is sure
    assert verdict(sure.max(), strokes_to_mnist(strokes)) == (why or "sure")


def test_a_digit_claimed_against_the_network_is_not_sure():
    """Number mode may read a digit other than the network's first choice: its own probability counts."""
    from mnist_gui.core.reading import verdict
    probs = np.full(10, 0.01)
    probs[2] = 0.91
    one = strokes_to_mnist([[(400, 300), (402, 360)]])
    assert verdict(probs.max(), one) == "sure" and verdict(probs[2], one) == "sure"
    assert verdict(probs[0], one) == "not sure"


def test_a_tiny_mark_is_too_small_not_blown_up_to_a_digit():
    """Issue 33: a 3-px dash on the 336-px canvas was blown up to a 20-px bar and read "2 (100%)". With the
    canvas's side, the Reader refuses it as too small and its input shows it at the canvas's scale."""
    from mnist_gui.core.reading import Reader, ReadingModels, Verdict
    sure_two = np.eye(10, dtype=np.float32)[2]

    class SaysTwo:   # the network alone is sure of a 2, as the shipped one was
        def probabilities(self, img28):
            return sure_two

        def classify(self, images):
            return np.stack([sure_two] * len(images))

    reader = Reader(SaysTwo(), ReadingModels(gate=None, path_gate=None, judge=None, path_net=None, templates=None))
    dash = [[(150, 150), (153, 150)]]
    assert reader.read(dash).verdict is Verdict.NOT_DIGIT_LIKE              # without the canvas: the bar
    for number in (False, True):
        small = reader.read(dash, number=number, canvas_side=336)
        assert small is not None and small.verdict is Verdict.TOO_SMALL and small.verdict.refused
        ys, xs = np.nonzero(small.image28 > 0.25)
        assert np.ptp(xs) + 1 <= 4 and np.ptp(ys) + 1 <= 4, (xs, ys)        # its own size: a dot, not a bar
    one = [[(168, 60), (170, 280)]]                                           # a 1 of a fair size is read
    assert reader.read(one, canvas_side=336).verdict is Verdict.SURE


@pytest.mark.parametrize("text", ['{"a": 1}', '[[1, 2]]', '[[[1, 2, 3]]]', '[[[1, NaN]]]', '[[[true, 2]]]',
                                  '[[["1", 2]]]', "not json", "[" * 100_000, "[[[1" + "2" * 5000 + ", 2]]]",
                                  b"\x89PNG\r\n\x1a\n\x00"])
def test_a_strokes_file_that_is_not_a_drawing_is_one_message(tmp_path, text):
    from mnist_gui.core.preprocess import PreprocessError, read_strokes_file
    f = tmp_path / "d.json"
    f.write_bytes(text) if isinstance(text, bytes) else f.write_text(text)
    with pytest.raises(PreprocessError, match="not a drawing") as e:
        read_strokes_file(f)
    assert "\n" not in str(e.value) and "Error" not in str(e.value)   # one line, in words: no exception's name
    if isinstance(text, bytes):   # an image given by mistake
        assert str(e.value).endswith("not JSON text: byte 0 is not UTF-8 (a binary file?)")


def test_a_strokes_file_with_coordinates_beyond_float32_is_one_message(tmp_path):
    """1e39 is a finite float but an infinite float32: the drawing's scale was 0 and rendering divided by it."""
    from mnist_gui.core.preprocess import PreprocessError, read_strokes_file
    f = tmp_path / "d.json"
    f.write_text("[[[0, 0], [1e39, 1e39], [2e39, 0]]]")
    with pytest.raises(PreprocessError, match="beyond ±1,000,000,000"):
        read_strokes_file(f)
    f.write_text("[[[0, 0], [1e9, 1e9], [-1e9, 0]]]")
    assert len(read_strokes_file(f)[0]) == 3


def test_a_strokes_file_is_bounded(tmp_path, monkeypatch):
    from mnist_gui.core import preprocess
    f = tmp_path / "d.json"
    f.write_text("[[[0, 0], [1, 1], [2, 2]], [[3, 3]]]")
    assert preprocess.read_strokes_file(f) == [[(0.0, 0.0), (1.0, 1.0), (2.0, 2.0)], [(3.0, 3.0)]]
    monkeypatch.setattr(preprocess, "MAX_STROKE_POINTS", 3)
    with pytest.raises(preprocess.PreprocessError, match="more than 3 points"):
        preprocess.read_strokes_file(f)
    monkeypatch.setattr(preprocess, "MAX_STROKES_FILE_BYTES", 10)
    with pytest.raises(preprocess.PreprocessError, match="too large"):
        preprocess.read_strokes_file(f)
    os.mkfifo(tmp_path / "fifo.json")       # the bounded reader: refused at once, never waited on
    with pytest.raises(preprocess.PreprocessError, match="is a FIFO"):
        preprocess.read_strokes_file(tmp_path / "fifo.json")
    with pytest.raises(preprocess.PreprocessError, match="no such file"):
        preprocess.read_strokes_file(tmp_path / "gone.json")


def test_the_rendering_is_the_distance_to_the_nearest_segment_pixel_by_pixel():
    """The fast renderer (x and y apart, worked in place) against the plain definition, one pixel and one
    segment at a time: intensity clip((width/2 - distance) / softness + 0.5) at each pixel centre."""
    from mnist_gui.core.preprocess import _render

    segs = np.array([[4.2, 5.1, 20.7, 9.3], [20.7, 9.3, 8.0, 24.5], [14.0, 14.0, 14.0, 14.0]], np.float32)
    want = np.zeros((28, 28))
    for y in range(28):
        for x in range(28):
            p, best = np.array([x + 0.5, y + 0.5]), np.inf
            for x0, y0, x1, y1 in segs.astype(float):
                a, ab = np.array([x0, y0]), np.array([x1 - x0, y1 - y0])
                t = 0.0 if not ab @ ab else min(1.0, max(0.0, (p - a) @ ab / (ab @ ab)))
                best = min(best, float(np.hypot(*(p - a - t * ab))))
            want[y, x] = min(1.0, max(0.0, (2.6 / 2 - best) / 1.3 + 0.5))
    np.testing.assert_allclose(_render(segs, 2.6, 1.3), want, atol=1e-5)


def _douglas_peucker(p, tol):
    """The textbook definition, recursive: keep the point farthest from the chord while it is farther than tol."""
    if len(p) <= 2:
        return list(range(len(p)))
    a, b = p[0], p[-1]
    ab = b - a
    t = np.clip((p[1:-1] - a) @ ab / max(ab @ ab, 1e-300), 0, 1)
    d = np.hypot(*(p[1:-1] - a - t[:, None] * ab).T)
    k = int(d.argmax()) + 1
    if d[k - 1] <= tol:
        return [0, len(p) - 1]
    return _douglas_peucker(p[:k + 1], tol)[:-1] + [k + i for i in _douglas_peucker(p[k:], tol)]


def test_a_stroke_is_simplified_as_douglas_peucker_at_every_scale_from_one_walk():
    """The walk made for one tolerance serves every higher one (a stroke rendered in many candidate digits,
    each at its scale) with the points the plain algorithm keeps; a lower tolerance walks again."""
    from mnist_gui.core import preprocess as P

    rng = np.random.default_rng(3)
    t = np.linspace(0, 3 * np.pi, 80)
    stroke = np.stack([40 * np.cos(t) + t * 9, 30 * np.sin(2 * t)], 1) + rng.normal(0, 0.4, (80, 2))
    stroke = stroke.astype(np.float64)
    P._WALKS.clear()
    for tol in (0.05, 0.2, 0.6, 1.5, 4.0, 12.0, 0.01):
        kept = P._simplified(stroke.astype(np.float32), tol)
        want = stroke[_douglas_peucker(stroke, tol)].astype(np.float32)
        assert np.array_equal(kept, want), tol
    assert len(P._WALKS) == 1 and P._WALKS[stroke.astype(np.float32).tobytes()][0] == 0.01


@pytest.mark.parametrize("name", ["closed loop", "ties", "dots", "mouse"])
def test_the_walk_keeps_what_douglas_peucker_keeps_on_closed_tied_and_long_strokes(name):
    """The walk goes chord by chord level by level: a stroke that ends where it began (its first chord has no
    length), points equally far from a chord (the first is kept, as the plain algorithm keeps it), repeated
    points and a mouse's long stroke in whole pixels each keep the textbook's points."""
    from mnist_gui.core import preprocess as P

    t = np.linspace(0, 2 * np.pi, 61)
    loop = np.stack([50 * np.cos(t) + 20 * np.sin(2 * t), 40 * np.sin(t)], 1) + np.random.default_rng(1).normal(0, 0.5, (61, 2))
    loop[-1] = loop[0]
    stroke = {"closed loop": loop,   # (not a circle: its points' equal distances would be a tie float32 breaks)
              "ties": np.array([[0, 0], [1, 3], [2, 0], [3, 3], [4, 0], [5, 3], [6, 0]]),
              "dots": np.array([[5, 5]] * 4 + [[6, 5], [6, 5], [5, 5]]),
              "mouse": np.round(np.stack([t * 40 + 30 * np.sin(3 * t), 80 * np.cos(t) ** 3], 1) * 3)}[name]
    stroke = np.repeat(stroke, 4, 0)[::3] if name == "mouse" else stroke
    for tol in (0.0, 0.3, 1.0, 2.5, 10.0):
        P._WALKS.clear()
        kept = P._simplified(stroke.astype(np.float32), tol)
        assert np.array_equal(kept, stroke[_douglas_peucker(stroke.astype(np.float64), tol)].astype(np.float32)), tol


def test_stroke_sets_rendered_together_are_the_images_each_makes_alone():
    """Number mode renders its new candidate digits in one pass (strokes_to_mnist_many): each image is the one
    strokes_to_mnist makes of that set alone (its own scale and centre of mass), None for a set with no ink."""
    from mnist_gui.core.preprocess import strokes_to_mnist_many

    rng = np.random.default_rng(2)
    sets = [[rng.uniform(0, 300, (int(rng.integers(1, 30)), 2)).tolist() for _ in range(n)] for n in (1, 0, 3, 2, 1)]
    sets.append([[(5.0, 5.0)]])   # a dot
    for scale in (None, 0.05):
        together = strokes_to_mnist_many(sets, scale=scale)
        assert together[1] is None
        for alone, img in zip([strokes_to_mnist(s, scale=scale) for s in sets], together):
            assert (alone is None and img is None) or np.array_equal(alone, img)
        assert together[0].max() == 1.0 and together[0].shape == (28, 28)


def test_points_that_are_not_numbers_are_not_ink():
    """A NaN or infinite point (only a caller of the core can pass one: the canvas makes none, stroke files
    refuse them) is left out, not a crash and not an image of NaNs; a stroke of nothing else is no ink."""
    nan, inf = float("nan"), float("inf")
    img = strokes_to_mnist([[(0, 0), (nan, 5), (10, 10)], [(inf, 3)]])
    assert np.array_equal(img, strokes_to_mnist([[(0, 0), (10, 10)], []]))
    assert strokes_to_mnist([[(inf, 0), (nan, nan)]]) is None
