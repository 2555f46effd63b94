"""Teaching the reading of the pen's path (core/handwriting/prototypes.py): the strokes of My digits pull the
reading of a drawing drawn like them towards their digit; a drawing unlike them reads as before."""

import numpy as np
import pytest

from mnist_gui.core.handwriting import prototypes as P
from mnist_gui.core.handwriting.prototypes import Prototypes
from mnist_gui.core.handwriting.trajectory import features
from mnist_gui.core.workspace import Workspace

ZERO = [[(50 + 40 * np.sin(t), 50 - 45 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 40)]]


def seven(bar: float):
    """A stem from the bottom left to the top right, with a bar of `bar` (0: none, a slanted 1) to its left."""
    return [[(70 - 60 * bar, 10), (70, 10), (45, 95)]] if bar else [[(70, 10), (45, 95)]]


def test_the_newest_of_each_digit_are_kept_and_digits_without_strokes_are_not():
    line = [[(0, 0), (10, 10)]]
    taught = [(1, [[(0, 0), (10 * i, 100), (10 * i, 130)]]) for i in range(5)] + [(2, line), (3, []), (4, [[]])]
    p = Prototypes.of(taught, per_class=2)
    assert sorted(p.labels.tolist()) == [1, 1, 2]
    newest = np.stack([features(s).ravel() for _, s in taught[3:5]])
    oldest = np.stack([features(s).ravel() for _, s in taught[0:2]])
    assert not np.allclose(newest, oldest)                      # the five 1s differ
    assert np.allclose(p.feats[p.labels == 1], newest)
    assert Prototypes.of([(3, []), (5, [[]])]) is None
    for huge in ([[(1.7e308, 0), (1.7e308, 10)]], [[(-1.7e308, 0), (1.7e308, 10)]]):   # a hand-edited file
        absurd = Prototypes.of([(1, huge), (2, line)])
        assert np.isfinite(absurd.feats).all() and 2 in absurd.labels
        assert np.isfinite(absurd.adjust(np.full(10, 0.1), features(line))).all()


def test_a_drawing_like_a_taught_one_gets_its_digit_and_nothing_else_changes():
    p = Prototypes.of([(7, seven(0.8)), (0, ZERO)])
    b = p.bonus(np.stack([features(seven(0.8)), features([[(10, 90), (90, 90)]])]))
    assert b[0, 7] == pytest.approx(P.WEIGHT, rel=1e-4) and b[0, 0] < 0.01 * P.WEIGHT
    assert np.all(b[:, [1, 2, 3, 4, 5, 6, 8, 9]] == 0)      # a digit never taught: no bonus, no penalty
    assert b[1].max() < 0.01 * P.WEIGHT                      # a bar is like none of them
    flat = np.full(10, 0.1)
    assert np.allclose(p.adjust(flat, features([[(10, 90), (90, 90)]])), flat, atol=0.01)


def test_teaching_a_drawing_changes_its_reading_and_forgetting_it_undoes_that(tmp_path, shipped):
    """Between a slanted 1 and a 7 there is a drawing the shipped models hesitate over: taught as the digit
    they put second, it is read as that digit at once; a 0 reads exactly as before; deleting the taught
    digit gives the old reading back."""
    ws = Workspace(tmp_path)
    ws.make_live(shipped, remember=False)
    readings = {bar: ws.reader.read(seven(bar)) for bar in np.linspace(0, 0.8, 17)}

    def gap(r):
        lp = np.sort(np.log(np.clip(r.probabilities, 1e-12, 1)))
        return lp[-1] - lp[-2]
    bar = min(readings, key=lambda b: gap(readings[b]))
    before = readings[bar]
    second = int(np.argsort(before.probabilities)[-2])
    assert gap(before) < P.WEIGHT / 2, gap(before)
    zero_before = ws.reader.read(ZERO).probabilities
    sample = ws.teach(second, before.image28, seven(bar))
    after = ws.reader.read(seven(bar))
    assert after.top == second != before.top
    assert np.allclose(ws.reader.read(ZERO).probabilities, zero_before, atol=1e-6)
    ws.forget([sample.id])
    assert np.allclose(ws.reader.read(seven(bar)).probabilities, before.probabilities)


def test_number_mode_reads_a_taught_digit_as_taught(tmp_path, shipped):
    """A hesitant 1-or-7 beside a 0, in number mode: taught as the digit of the number's runner-up reading,
    that digit of the number changes and the 0 does not; forgotten, the number reads as before."""
    ws = Workspace(tmp_path)
    ws.make_live(shipped, remember=False)

    def number(bar):
        return seven(bar) + [[(x + 120, y) for x, y in ZERO[0]]]
    readings = {bar: ws.reader.read(number(bar), number=True).number for bar in np.linspace(0, 0.8, 17)}
    hesitant = {b: r for b, r in readings.items() if r.alternatives and r.alternatives[0][0][1:] == r.text[1:] == "0"}
    bar = min(hesitant, key=lambda b: hesitant[b].score - hesitant[b].alternatives[0][1])
    before = hesitant[bar]
    runner_up = int(before.alternatives[0][0][0])
    sample = ws.teach(runner_up, before.digits[0].image28, seven(bar))
    after = ws.reader.read(number(bar), number=True).number
    assert after.text == f"{runner_up}0" != before.text, after.text
    assert np.allclose(after.digits[1].probs, before.digits[1].probs, atol=1e-6)
    ws.forget([sample.id])
    assert ws.reader.read(number(bar), number=True).number.text == before.text


def test_a_delete_that_fails_partway_still_renews_the_prototypes(tmp_path, monkeypatch):
    """forget([a, b]) with b's delete failing: a is gone from the file, so it no longer pulls readings."""
    from mnist_gui.core.mydigits import MyDigitsError
    ws = Workspace(tmp_path)
    a = ws.teach(7, np.zeros((28, 28), np.float32), seven(0.8))
    b = ws.teach(0, np.zeros((28, 28), np.float32), ZERO)
    assert sorted(ws.prototypes().labels.tolist()) == [0, 7]
    real = ws.my_digits.delete

    def delete(i):
        if i == b.id:
            raise MyDigitsError("cannot delete: read-only")
        return real(i)
    monkeypatch.setattr(ws.my_digits, "delete", delete)
    with pytest.raises(MyDigitsError):
        ws.forget([a.id, b.id])
    assert ws.prototypes().labels.tolist() == [0]


def test_odd_shapes_match_only_the_digits_taught_since_the_last_time():
    """Which taught digits are no pen writer's (an odd shape: a W taught as a 3) was worked out for every taught
    digit at the first wide stroke after My digits changed: 221 ms for 100 taught, on the window's thread. Each
    digit's answer is kept: teaching one more matches that one, and the answers are those of a fresh start."""
    from mnist_gui.core.reading import ReadingModels
    pen = ReadingModels().templates
    W = [[(10, 10), (30, 90), (50, 40), (70, 90), (90, 10)]]
    SEVEN = [[(15, 10), (85, 10), (40, 95)]]
    ONE = [[(50, 5), (50, 95)]]
    rows = []
    real = type(pen).distances_of_points

    def counted(self, x):
        rows.append(len(x))
        return real(self, x)
    P._FAR.clear()
    type(pen).distances_of_points = counted
    try:
        first = P.Prototypes.of([(3, W), (7, SEVEN)]).odd_shapes(pen)
        more = P.Prototypes.of([(3, W), (7, SEVEN), (1, ONE)]).odd_shapes(pen)
    finally:
        type(pen).distances_of_points = real
    assert rows == [2, 1]
    assert list(first.labels) == [3] and list(more.labels) == [3]   # the W only: a 7 and a 1 are pen writers'
    P._FAR.clear()
    fresh = P.Prototypes.of([(3, W), (7, SEVEN), (1, ONE)]).odd_shapes(pen)
    assert np.array_equal(fresh.pts, more.pts)
