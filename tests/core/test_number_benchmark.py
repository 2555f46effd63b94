"""The synthetic numbers (core/handwriting/synthetic.py) the number reader is measured and trained on:
what they claim to be."""

import collections

import numpy as np

from mnist_gui.core.handwriting.pendigits import PenDigit
from mnist_gui.core.handwriting.synthetic import decimal_numbers, full_pass, join, numbers, stick_ones


def test_a_digit_ending_near_the_next_ones_start_runs_on_into_it():
    one = [[(0.0, 0.0), (0.0, 10.0), (0.0, 20.0)]]                    # ends at (0, 20)
    near = [[(30.0, 20.0), (40.0, 20.0)], [(50.0, 0.0), (50.0, 5.0)]]   # starts 30 away: within half of 150
    strokes, joins = join(one + near, [1, 2], np.random.default_rng(0), bulge=0.0)
    assert joins == 1 and len(strokes) == 2
    run = np.asarray(strokes[0])
    assert run[0].tolist() == [0, 0] and run[-1].tolist() == [40, 20]  # the 1, a bridge, the next stroke
    steps = np.hypot(*np.diff(run, axis=0).T)
    assert steps.max() <= 10.0 + 1e-9                                  # bridged at the pen's own spacing
    assert strokes[1] == near[1]


def test_digits_far_apart_stay_apart():
    one = [[(0.0, 0.0), (0.0, 20.0)]]
    far = [[(200.0, 0.0), (210.0, 20.0)]]                              # 200 away: more than half of 150
    strokes, joins = join(one + far, [1, 1], np.random.default_rng(0))
    assert joins == 0 and strokes == one + far


def test_a_pass_uses_every_writers_digit_once():
    """Dealt like cards: a pass over the writers uses each digit once, not a few of them many times."""
    by_writer = {w: [PenDigit(k % 10, w, [[(k, 0.0), (k, 10.0 + k % 3)]]) for k in range(12)] for w in (1, 2)}
    cases = numbers(by_writer, full_pass(by_writer), "realistic")
    assert len(cases) == 6
    used = collections.Counter(id(d) for c in cases for d in c.digits)
    assert len(used) == 24 and set(used.values()) == {1}
    for c in cases:
        assert len({d.writer for d in c.digits}) == 1 and c.truth == "".join(str(d.label) for d in c.digits)


def test_each_point_knows_its_digit_and_a_joining_line_none():
    """Case.owners (what scripts/train_number_judge.py labels candidates by): per stroke and point, the
    digit it was drawn as; the points of a joining line belong to none."""
    digits = [PenDigit(1, 1, [[(0.0, float(y)) for y in range(0, 110, 10)]]),
              PenDigit(7, 1, [[(0.0, 0.0), (40.0, 0.0), (20.0, 100.0)], [(5.0, 50.0), (35.0, 50.0)]])] * 2
    by_writer = {1: digits}
    for spacing in ("realistic", "joined"):
        case = numbers(by_writer, 1, spacing, seed=3)[0]
        assert [len(o) for o in case.owners] == [len(s) for s in case.strokes]
        owned = np.concatenate(case.owners)
        assert [int((owned == k).sum()) for k in range(4)] == [sum(map(len, d.strokes)) for d in case.digits]
        joined = len(case.strokes) < sum(len(d.strokes) for d in case.digits)
        assert joined == (spacing == "joined")
        bridge = sum(len(s) for s in case.strokes) - sum(len(s) for d in case.digits for s in d.strokes)
        assert int((owned == -1).sum()) == bridge and (bridge == 0 or spacing == "joined")


def test_numbers_with_marks_are_what_their_text_says():
    """decimal_numbers: a point, a minus or both in turn; the minus before every digit, the point between the
    digits its text puts it between, neither owned by a digit; the digits those of the plain number."""
    digits = [PenDigit(k, 1, [[(0.0, 0.0), (30.0, 50.0), (10.0, 100.0)]]) for k in range(8)]
    triples = decimal_numbers({1: digits}, 6, "realistic", seed=1)
    assert [k for _, _, k in triples] == ["point", "minus", "both"] * 2
    for case, plain, kind in triples:
        assert case.truth.replace("-", "").replace(".", "") == plain.truth and case.digits == plain.digits
        assert case.truth.startswith("-") == (kind != "point") and ("." in case.truth) == (kind != "minus")
        marks = [s for s, o in zip(case.strokes, case.owners) if (o == -1).all()]
        assert len(marks) == (2 if kind == "both" else 1)
        xs = [np.mean(np.asarray(s)[:, 0]) for s, o in zip(case.strokes, case.owners) if (o >= 0).all()]
        if kind != "point":
            assert max(np.asarray(case.strokes[0])[:, 0]) < min(min(x for x, _ in s) for s in plain.strokes) + 1e-9
        if kind != "minus":
            dot = next(s for s in marks if np.ptp(np.asarray(s)[:, 0]) < 30)
            before = case.truth.replace("-", "").index(".")
            assert sum(x < np.mean(np.asarray(dot)[:, 0]) for x in xs) == before


def test_stick_ones_straighten_one_stroke_ones_only_and_keep_their_ends_and_direction():
    """The number judge's plain-stick 1s (stick_ones): a share of the one-stroke 1s becomes a straight line
    from the highest point to the lowest, drawn the same way; other digits and two-stroke 1s stay as drawn."""
    flag = [(10.0, 30.0), (30.0, 0.0), (28.0, 50.0), (25.0, 100.0)]           # a 1 with a flag, drawn downwards
    up = [(25.0, 100.0), (28.0, 50.0), (30.0, 0.0), (10.0, 30.0)]             # the same drawn upwards
    digits = [PenDigit(1, 1, [flag]), PenDigit(1, 1, [up]), PenDigit(1, 1, [flag, [(0.0, 100.0), (40.0, 100.0)]]),
              PenDigit(7, 1, [flag])]
    same = stick_ones(digits, 0.0, np.random.default_rng(0))
    assert same == digits
    out = stick_ones(digits, 1.0, np.random.default_rng(0))
    down, upwards = np.asarray(out[0].strokes[0]), np.asarray(out[1].strokes[0])
    assert len(down) == len(flag) and down[0].tolist() == [30, 0] and down[-1].tolist() == [25, 100]
    assert upwards[0].tolist() == [25, 100] and upwards[-1].tolist() == [30, 0]
    d = np.diff(down, axis=0)
    assert np.allclose(d[:, 0] * 100 + d[:, 1] * 5, 0)                       # every point on the one line
    assert out[2] == digits[2] and out[3] == digits[3]                         # two strokes, another digit
    assert out[0].label == 1 and out[0].writer == 1
    kept = stick_ones(digits, 1.0, np.random.default_rng(0), keep=True)   # beside the 1s as drawn
    assert kept[0] == digits[0] and kept[1] == out[0] and kept[2] == digits[1] and kept[3] == out[1]
    assert kept[4:] == digits[2:]
    share = stick_ones([digits[0]] * 400, 0.5, np.random.default_rng(1))
    assert 150 < sum(s.strokes != digits[0].strokes for s in share) < 250
