"""The pen-path recognizer (core/handwriting/trajectory.py): it reads what the canvas knows and an image does
not, the order and direction of the strokes (issue 20), and joins the image's reading of the same strokes."""

import numpy as np
import pytest

from mnist_gui import config
from mnist_gui.core.handwriting import trajectory as T
from mnist_gui.core.handwriting import trajectory_train as TT
from mnist_gui.core.live import LivePredictor
from mnist_gui.core.preprocess import strokes_to_mnist
from mnist_gui.core.reading import Reader, ReadingModels
from tests.conftest import SHARED_PENDIGITS


def loop(cx=60.0, cy=50.0, r=30.0, n=24):
    """A closed loop drawn counter-clockwise on the screen from its right side."""
    a = np.linspace(0, 2 * np.pi, n)
    return [(cx + r * np.cos(t), cy - r * np.sin(t)) for t in a]


STEM = [(90.0, 50.0), (90.0, 90.0), (88.0, 130.0)]
NINE_LOOP_THEN_STEM = [loop(), STEM]
NINE_STEM_THEN_LOOP = [STEM, loop()]
NINE_STEM_UPWARDS = [loop(), STEM[::-1]]


def test_order_and_direction_change_the_path_but_not_the_image():
    a, b, c = (T.features(s) for s in (NINE_LOOP_THEN_STEM, NINE_STEM_THEN_LOOP, NINE_STEM_UPWARDS))
    assert a.shape == (T.CHANNELS, T.POINTS)
    assert np.abs(a - b).max() > 0.5 and np.abs(a - c).max() > 0.5
    imgs = [strokes_to_mnist(s) for s in (NINE_LOOP_THEN_STEM, NINE_STEM_THEN_LOOP, NINE_STEM_UPWARDS)]
    assert np.allclose(imgs[0], imgs[1], atol=1e-6) and np.allclose(imgs[0], imgs[2], atol=1e-6)


def test_the_path_does_not_depend_on_where_or_how_big_it_is_drawn():
    moved = [[(3 * x + 500, 3 * y - 40) for x, y in s] for s in NINE_LOOP_THEN_STEM]
    assert np.allclose(T.features(moved), T.features(NINE_LOOP_THEN_STEM), atol=1e-5)


def test_the_jump_between_strokes_is_marked_pen_up():
    one, two = T.features([loop()]), T.features(NINE_STEM_THEN_LOOP)   # the stem ends far from the loop
    assert one[4].min() == 1.0
    assert 0 < (two[4] == 0).sum() < T.POINTS // 2
    assert not T.features([]).any()
    dot = T.features([[(5.0, 5.0)], [(5.0, 5.0)]])      # a tap of the pen: no path, no error
    assert np.isfinite(dot).all() and dot[4].min() == 1.0


def reference_features(strokes):
    """The path features written plainly, one drawing at a time with np.interp and np.gradient."""
    pts = [np.asarray(s, np.float64).reshape(-1, 2) for s in strokes if len(s)]
    out = np.zeros((T.CHANNELS, T.POINTS), np.float32)
    if not pts:
        return out
    allp = np.vstack(pts)
    lo, hi = allp.min(0), allp.max(0)
    path = (allp - (lo / 2 + hi / 2)) / max(float((hi - lo).max()) / 2, 1e-6)
    down = np.concatenate([np.r_[[0.0] if i else [], np.ones(len(p) - 1)] for i, p in enumerate(pts)])
    seg = np.linalg.norm(np.diff(path, axis=0), axis=1)
    if seg.sum() < 1e-9:
        out[0:2], out[4] = path[0][:, None], 1.0
        return out
    s = np.concatenate([[0.0], np.cumsum(seg)])
    at = np.linspace(0.0, seg.sum(), T.POINTS)
    x, y = np.interp(at, s, path[:, 0]), np.interp(at, s, path[:, 1])
    d = np.stack([np.gradient(x), np.gradient(y)])
    d /= np.maximum(np.linalg.norm(d, axis=0), 1e-9)
    k = np.clip(np.searchsorted(s, at, side="right") - 1, 0, len(seg) - 1)
    out[0], out[1], out[2], out[3], out[4] = x, y, d[0], d[1], down[k]
    return out


def test_a_batch_of_drawings_of_every_size_is_resampled_as_each_alone():
    """batch_features pads the drawings to the longest and resamples them at once (number mode's candidates,
    a drawing turned round): each row is what the plain one-drawing reference gives, to the bit."""
    from mnist_gui.core.handwriting.elastic import turned
    rng = np.random.default_rng(0)
    scribbles = [[rng.uniform(0, 300, (int(rng.integers(1, 40)), 2)).tolist() for _ in range(int(rng.integers(1, 4)))]
                 for _ in range(40)]
    odd = [[], [[]], [[(5.0, 5.0)]], [[(5.0, 5.0), (5.0, 5.0)], [(5.0, 5.0)]], [[(0.0, 0.0)], [(3.0, 4.0)]],
           [[(1.0, 1.0), (1.0, 1.0), (2.0, 2.0), (2.0, 2.0)]], [[(0.0, 0.0), (1e-12, 0.0)]]]
    sets = scribbles + odd + turned(NINE_STEM_THEN_LOOP) + [NINE_LOOP_THEN_STEM, [loop(n=200)]]
    got = T.batch_features(sets)
    assert got.shape == (len(sets), T.CHANNELS, T.POINTS)
    for g, s in zip(got, sets):
        assert np.array_equal(g, reference_features(s)) and np.array_equal(T.features(s), g)


def jittered(strokes, rng, n):
    from mnist_gui.core.handwriting.pendigits import vary_strokes
    return [vary_strokes(strokes, rng) for _ in range(n)]


def test_a_path_net_tells_apart_what_only_the_order_tells():
    """Two classes drawn with the same ink (a 9 as loop then stem, a 4 as stem then loop): an image
    reader cannot separate them; the path net learns to from varied copies and reads new copies right."""
    rng = np.random.default_rng(0)
    train = jittered(NINE_LOOP_THEN_STEM, rng, 150) + jittered(NINE_STEM_THEN_LOOP, rng, 150)
    x, y = T.batch_features(train), np.repeat([9, 4], 150)
    net = TT.train_trajectory(x, y, epochs=6, log=lambda s: None)
    test = jittered(NINE_LOOP_THEN_STEM, rng, 40) + jittered(NINE_STEM_THEN_LOOP, rng, 40)
    got = TT.path_probabilities(net, T.batch_features(test)).argmax(1)
    assert np.mean(got == np.repeat([9, 4], 40)) >= 0.95


def test_combine_is_a_sum_of_log_probabilities():
    img = np.array([0.5, 0.4] + [0.0125] * 8)
    uniform = np.full(10, 0.1)
    assert np.allclose(T.combine(img, uniform), img)               # a path that says nothing changes nothing
    path = np.array([0.05, 0.9] + [0.00625] * 8)
    both = T.combine(img, path)
    assert both.argmax() == 1 and np.isclose(both.sum(), 1.0)      # a sure path outvotes an unsure image
    assert np.allclose(T.combine(img, path, weight=0.0), img)
    assert T.combine(np.stack([img, img]), np.stack([path, uniform])).shape == (2, 10)


@pytest.mark.slow
def test_the_onnx_export_reads_as_the_torch_net(tmp_path):
    net = TT.new_net().eval()
    x = T.batch_features([NINE_LOOP_THEN_STEM, NINE_STEM_THEN_LOOP, [loop()]])
    path = TT.export_trajectory_onnx(net, tmp_path / "t.onnx")
    reader = T.onnx_trajectory(path)
    got = reader([NINE_LOOP_THEN_STEM, NINE_STEM_THEN_LOOP, [loop()]])
    assert np.allclose(got, TT.path_probabilities(net, x), atol=1e-5)
    assert reader([]).shape == (0, 10)


def test_a_file_that_is_not_a_path_net_is_refused_in_one_line(tmp_path):
    bad = tmp_path / "x.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="is not a path recognizer"):
        T.onnx_trajectory(bad)
    with pytest.raises(ValueError, match="is missing"):
        T.onnx_trajectory(tmp_path / "none.onnx")


def test_without_a_path_net_the_strokes_are_read_from_the_image_alone(tmp_path, caplog):
    live = LivePredictor.from_path(config.resource_path("shipped_model.onnx"))
    reading = Reader(live, ReadingModels(path_net=tmp_path / "missing.onnx")).read_strokes(NINE_LOOP_THEN_STEM)
    assert np.allclose(reading.probabilities, live.probabilities(reading.image28))
    assert any("without the pen-path recognizer" in r.getMessage() for r in caplog.records
               if r.name == "mnist_gui.core.reading" and r.levelname == "WARNING")


def test_the_live_reading_of_strokes_joins_the_image_and_the_path():
    live = LivePredictor.from_path(config.resource_path("shipped_model.onnx"))
    models = ReadingModels(templates=None)   # the elastic reader joins too: tests/core/test_elastic.py
    path = models.path_net
    assert path is not None, "resources/trajectory.onnx ships with the app"
    reader = Reader(live, models)
    reading = reader.read_strokes(NINE_LOOP_THEN_STEM)
    assert np.allclose(reading.probabilities,
                       T.combine(live.probabilities(reading.image28), path([NINE_LOOP_THEN_STEM])[0]))
    # a number is read with the path too (each candidate digit's strokes)
    one = [(10.0, 10.0), (10.0, 130.0)]
    reading = reader.read_number([one, *[[(x + 100, y) for x, y in s] for s in NINE_LOOP_THEN_STEM]])
    assert reading is not None and reading.number.text == "19"


@pytest.mark.skipif(not SHARED_PENDIGITS.exists(), reason="needs ../shared/data/pendigits")
def test_the_shipped_path_net_reads_pen_digits():
    """The shipped net trained on these 30 writers, so this checks the file, not how it transfers
    (benchmarks/pendigits_nested.py measures that on writers it never saw)."""
    from mnist_gui.core.handwriting.pendigits import read_unipen
    digits = read_unipen(SHARED_PENDIGITS)[::25]
    got = ReadingModels().path_net([d.strokes for d in digits]).argmax(1)
    assert np.mean(got == np.array([d.label for d in digits])) >= 0.97
