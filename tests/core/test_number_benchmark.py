"""The joined (cursive) numbers of benchmarks/number_reading.py: what the benchmark claims to build."""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from number_reading import join  # noqa: E402


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
