"""Handwriting: writer folds, teaching that helps without hurting, and honest confidence."""

import numpy as np
import pytest

from mnist_gui.core.calibration import choose_threshold, ece, reliability, trade_off
from mnist_gui.core.handwriting.folds import nested_folds
from mnist_gui.core.handwriting.pendigits import PenDigit, writer_folds


def _digits(writers, per=3):
    return [PenDigit(k % 10, w, [[(0.0, 0.0), (1.0, 1.0)]]) for w in writers for k in range(per)]


@pytest.mark.parametrize("writers,k", [(range(1, 31), 3), (range(21, 31), 3), ([4, 9, 2, 7, 5], 2)])
def test_writer_folds_partition_writers(writers, k):
    folds = writer_folds(_digits(writers), k)
    assert len(folds) == k
    tested = [w for _, test in folds for w in test]
    assert sorted(tested) == sorted(writers)            # every writer tested exactly once
    for train, test in folds:
        assert not set(train) & set(test)                # never trained on in its own test fold
        assert sorted(train + test) == sorted(writers)
        assert abs(len(test) - len(writers) / k) < 1


def test_writer_folds_of_thirty_writers_are_blocks_of_ten():
    folds = writer_folds(_digits(range(1, 31)), 3)
    assert [t for _, t in folds] == [list(range(1, 11)), list(range(11, 21)), list(range(21, 31))]


def test_writer_folds_need_enough_writers():
    with pytest.raises(ValueError):
        writer_folds(_digits([1, 2]), 3)


def test_nested_folds_never_choose_on_the_outer_fold():
    """Seven writers, 3 outer folds of 2 inner: every writer is scored once on an outer fold, and nothing
    of that outer fold is in any of its inner folds (where thresholds and recipes are chosen)."""
    writers = [3, 1, 4, 15, 9, 2, 6]
    outer = nested_folds(writers, 3, 2)
    assert sorted(w for f in outer for w in f.test) == sorted(writers)
    for f in outer:
        assert sorted(f.train + f.test) == sorted(writers) and not set(f.train) & set(f.test)
        assert len(f.inner) == 2
        assert sorted(w for i in f.inner for w in i.test) == sorted(f.train)
        for i in f.inner:
            assert not (set(i.train) | set(i.test)) & set(f.test)
            assert sorted(i.train + i.test) == sorted(f.train)
    assert [f.test for f in outer] == [(3, 1, 4), (15, 9), (2, 6)]     # consecutive, in the order given
    with pytest.raises(ValueError):
        nested_folds(writers, 3, 5)                     # the first outer fold trains on 4 writers: not 5 folds


def _probs(conf, pred, classes=10):
    """Probabilities with top probability conf[i] on class pred[i], the rest spread evenly."""
    conf = np.asarray(conf, float)
    p = np.repeat(((1 - conf) / (classes - 1))[:, None], classes, 1)
    p[np.arange(len(conf)), pred] = conf
    return p


def test_reliability_bins_sum_to_n_and_calibrated_data_has_ece_zero():
    # per bin, exactly conf × count of the predictions are right: perfectly calibrated
    conf, right = [], []
    for c in (0.15, 0.35, 0.55, 0.65, 0.75, 0.85, 0.95):
        n = 200
        conf += [c] * n
        right += [True] * round(c * n) + [False] * (n - round(c * n))
    labels = np.zeros(len(conf), int)
    pred = np.where(right, 0, 1)
    probs = _probs(conf, pred)
    bins = reliability(probs, labels, bins=10)
    assert len(bins) == 10
    assert sum(b.count for b in bins) == len(labels)
    assert bins[9].count == 200 and bins[9].accuracy == pytest.approx(0.95)
    assert ece(probs, labels) == pytest.approx(0.0, abs=1e-9)


def test_overconfident_model_has_large_ece_and_top_bin_includes_one():
    probs = _probs([1.0] * 50 + [0.99] * 50, [0] * 100)
    labels = np.array([0, 1] * 50)                       # half right at ~100% confidence
    bins = reliability(probs, labels)
    assert bins[-1].count == 100
    assert ece(probs, labels) == pytest.approx(0.495, abs=0.01)


def test_threshold_trade_off_and_choice():
    top = np.array([0.99, 0.98, 0.97, 0.6, 0.55, 0.5])
    right = np.array([True, True, True, False, False, True])
    t = trade_off(top, right, 0.7)
    assert (t.refused, t.caught, t.refused_right, t.mistakes) == (0.5, 2, 1, 2)
    assert t.accepted_errors == 0.0
    # refusing below 0.7 catches 2 mistakes for 1 right answer refused: worth it
    assert choose_threshold(top, right, [0.5, 0.7, 0.99], wrong_cost=3) == 0.7


@pytest.mark.slow
def test_teaching_a_writer_lifts_their_other_digits_and_keeps_mnist(tmp_path, shipped, mnist):
    """A writer with a style no training writer has (writer 28's digits drawn on a page turned by 30°:
    the shipped model, which trained on all 30 writers' upright digits, reads about 74% of them): teach 5
    digits per class through the app's path (Workspace.teach, plan_finetune, Trainer), shortened to 60
    steps of 64 for a test. Their other digits are read better and MNIST holds."""
    import torch

    from mnist_gui.core.data import Mnist, MnistSplit
    from mnist_gui.core.handwriting.pendigits import find_pendigits, read_unipen
    from mnist_gui.core.predictor import Predictor
    from mnist_gui.core.preprocess import strokes_to_mnist
    from mnist_gui.core.train import Trainer, evaluate
    from mnist_gui.core.workspace import Workspace
    path = find_pendigits(mnist.folder)
    if path is None:
        pytest.skip("pen-drawn digits not available")
    torch.set_num_threads(1)
    turn = np.array([[np.cos(np.pi / 6), -np.sin(np.pi / 6)], [np.sin(np.pi / 6), np.cos(np.pi / 6)]])
    mine = [PenDigit(d.label, d.writer, [np.asarray(st) @ turn.T for st in d.strokes])
            for d in read_unipen(path) if d.writer == 28]
    taught = [next(d for d in mine[i:] if d.label == k) for k in range(10) for i in range(0, 250, 50)]
    ids = {id(d) for d in taught}
    rest = [d for d in mine if id(d) not in ids]
    imgs, labels = [strokes_to_mnist(d.strokes) for d in rest], [d.label for d in rest]

    def read(model) -> float:
        p = Predictor(model)
        return float(np.mean([int(p.probabilities(x).argmax()) == y for x, y in zip(imgs, labels)]))

    ws = Workspace(tmp_path)
    ws.make_live(shipped, remember=False)
    for d in taught:
        ws.teach(d.label, strokes_to_mnist(d.strokes), d.strokes)
    data = Mnist(mnist.train, MnistSplit(mnist.test.images[:1000], mnist.test.labels[:1000]), mnist.folder)
    plan = ws.plan_finetune()
    cfg, extra, init = plan.config, plan.extra_train, plan.init_state
    cfg = cfg.with_overrides(max_steps=60, batch_size=64)
    r = Trainer(cfg, data, init_state=init, extra_train=extra).run()
    before, after = read(shipped.model), read(r.model)
    assert before < 0.85 and after >= before + 0.05, (before, after)
    assert evaluate(r.model, data.test)["accuracy"] >= evaluate(shipped.model, data.test)["accuracy"] - 0.005


# -- training on pen-drawn digits: varied copies and choosing writers

SEVEN = [[(10.0, 10.0), (60.0, 10.0), (30.0, 90.0)], [(20.0, 50.0), (50.0, 50.0)]]


def test_varied_strokes_keep_the_digit_and_differ_by_seed():
    from mnist_gui.core.handwriting.pendigits import vary_strokes
    from mnist_gui.core.preprocess import strokes_to_mnist
    a = vary_strokes(SEVEN, np.random.default_rng(3))
    b = vary_strokes(SEVEN, np.random.default_rng(3))
    c = vary_strokes(SEVEN, np.random.default_rng(4))
    assert [len(s) for s in a] == [len(s) for s in SEVEN]            # same strokes, same points
    assert all(np.array_equal(x, y) for x, y in zip(a, b))           # same seed, same variant
    assert not all(np.allclose(x, y) for x, y in zip(a, c))
    moved = max(float(np.abs(np.asarray(s) - np.asarray(t)).max()) for s, t in zip(a, SEVEN))
    assert 0 < moved < 0.35 * 80                                      # a different hand, not another shape
    plain, varied = strokes_to_mnist(SEVEN), strokes_to_mnist(a)
    assert np.abs(plain - varied).mean() > 0.01
    # still one drawing of the same size on the canvas's grid: similar ink, much overlap
    assert abs(plain.sum() - varied.sum()) < 0.3 * plain.sum()
    assert (np.minimum(plain, varied).sum() / plain.sum()) > 0.3


def test_render_pendigits_variants_start_with_the_digits_as_drawn():
    from mnist_gui.core.handwriting.pendigits import render_pendigits
    digits = [PenDigit(7, 1, SEVEN), PenDigit(1, 2, [[(5.0, 0.0), (5.0, 40.0)]])]
    once = render_pendigits(digits)
    three = render_pendigits(digits, variants=3, seed=1)
    assert len(once) == 2 and len(three) == 6
    assert three.labels.tolist() == [7, 1] * 3
    assert bool((three.images[:2] == once.images).all())              # as drawn first
    assert not bool((three.images[2:4] == once.images).all())         # then varied copies
    assert bool((render_pendigits(digits, variants=3, seed=1).images == three.images).all())


@pytest.mark.parametrize("text,writers", [("3", {3}), ("1-3", {1, 2, 3}), ("1-2, 29-30", {1, 2, 29, 30})])
def test_parse_writers(text, writers):
    from mnist_gui.core.handwriting.pendigits import parse_writers
    assert parse_writers(text) == writers


@pytest.mark.parametrize("text", ["", "a-b", "5-2", "-3", "1-2-3", "3-", "+3", "1_0", "\u0663", "1,,2"])
def test_parse_writers_refuses_nonsense_in_one_line(text):
    from mnist_gui.core.handwriting.pendigits import parse_writers
    with pytest.raises(ValueError, match="writers must look like"):
        parse_writers(text)


@pytest.mark.slow
def test_unseen_pen_digits_follow_what_the_model_says_it_saw():
    from tests.conftest import SHARED_PENDIGITS
    if not SHARED_PENDIGITS.exists():
        pytest.skip("pen-drawn digits not available")
    from mnist_gui.core.data import DataError
    from mnist_gui.core.handwriting.pendigits import seen_writers, unseen_as_mnist, writers_text
    assert seen_writers({"pen_writers": "1-20"}) == frozenset(range(1, 21))
    assert seen_writers({}) == seen_writers({"pen_writers": 7}) == seen_writers({"pen_writers": "x"}) == frozenset()
    assert writers_text({1, 2, 3, 7, 9, 10}) == "1-3,7,9-10"
    split, writers = unseen_as_mnist(SHARED_PENDIGITS, seen_writers({"pen_writers": "1-20"}))
    assert writers == frozenset(range(21, 31)) and len(split) > 2000
    with pytest.raises(DataError, match="none are left unseen"):
        unseen_as_mnist(SHARED_PENDIGITS, frozenset(range(1, 31)))


def test_writers_text_and_parse_writers_round_trip():
    from mnist_gui.core.handwriting.pendigits import parse_writers, writers_text
    for ws in ({1}, {1, 2, 3, 7}, set(range(1, 31)), {2, 4, 6}):
        assert parse_writers(writers_text(ws)) == ws
    assert writers_text({-1, 3, 4}) == "3-4"          # digits without a writer id add nothing


def test_varied_strokes_of_nothing_are_nothing():
    from mnist_gui.core.handwriting.pendigits import vary_strokes
    assert [len(s) for s in vary_strokes([[]], np.random.default_rng(0))] == [0]
