"""The whole-digit judge (core/judge.py) and how the number reader uses it."""

import sys
from pathlib import Path

import numpy as np
import pytest

from mnist_gui import config
from mnist_gui.core.handwriting import judge as J
from mnist_gui.core.handwriting import judge_net as JN
from mnist_gui.core.handwriting import numbers as N
from mnist_gui.core.live import checked_session
from mnist_gui.core.predictor import torch_classifier
from mnist_gui.core.preprocess import strokes_to_mnist
from mnist_gui.core.reading import ReadingModels

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

L_PART = [(30.0, 5.0), (8.0, 80.0), (60.0, 80.0)]   # the left stroke of a 4 ...
STEM = [(58.0, 5.0), (58.0, 98.0)]                   # ... and its stem, which crosses the bar


def test_features_say_what_the_image_loses():
    """Height against the line, width against height, strokes / 4, cut: for the 4 of an L and a stem."""
    sets, strokes_of = N.candidate_sets([L_PART, STEM])
    feats = N.judge_features(sets)
    assert set(feats) <= set(strokes_of)
    line_h = sets[0].line_h
    assert line_h == pytest.approx(93.0)
    both = next(f for k, f in feats.items() if len(strokes_of[k]) == 2)
    assert both == pytest.approx([0.0, np.log(52 / 93), 0.5, 0.0])
    stem = next(f for k, f in feats.items() if len(strokes_of[k]) == 1 and np.array_equal(strokes_of[k][0], STEM))
    assert stem[0] == pytest.approx(0.0) and stem[2:] == [0.25, 0.0]


def test_training_learns_to_tell_whole_from_pieces():
    """Deterministic toy: 'whole' candidates are crosses, pieces are one of their bars."""
    rng = np.random.default_rng(0)
    images, feats, whole = [], [], []
    for _ in range(200):
        h, w = rng.uniform(40, 60), rng.uniform(30, 50)
        v, b = np.array([[0, 0], [0, h]]), np.array([[-w / 2, h / 2], [w / 2, h / 2]])
        for strokes, label in (([v, b], True), ([v], False), ([b], False)):
            images.append(strokes_to_mnist(strokes))
            feats.append([np.log(h / 50), np.log(max(np.ptp(np.concatenate(strokes)[:, 0]), 1) / h), len(strokes) / 4, 0])
            whole.append(label)
    net = JN.train_judge(images, np.array(feats), np.array(whole), epochs=3, log=lambda s: None)
    p = JN.torch_judge(net)(images, np.array(feats))
    assert np.all((p > 0.5) == np.array(whole))
    import torch
    x, f = JN._tensors(images, np.array(feats))   # in its two parts (judge.SplitJudge) as the whole network says
    with torch.no_grad():
        assert np.abs(p - torch.sigmoid(net(x, f)).numpy()).max() < 1e-5


def test_a_saved_judge_loads_and_judges_the_same(tmp_path):
    net = JN.JudgeNet()
    JN.save_judge(tmp_path / "j.pt", net, {"writers": [1, 2]})
    img = [strokes_to_mnist([np.array(L_PART)])]
    f = np.array([[-0.2, 0.1, 0.25, 0.0]])
    assert JN.torch_judge(JN.load_judge(tmp_path / "j.pt"))(img, f) == pytest.approx(JN.torch_judge(net)(img, f))


def test_the_judge_turns_a_piece_back_into_its_digit():
    """A classifier sure of every candidate (the 4's left stroke a 6, its stem a 1, both together a 4)
    reads two digits, as the bonus per digit says; a judge that calls the left stroke a piece makes it one."""
    sets, strokes_of = N.candidate_sets([L_PART, STEM])
    digit = {k: 6 if len(s) == 1 and np.array_equal(s[0], L_PART) else 1 if len(s) == 1 else 4
             for k, s in strokes_of.items()}
    probs = {k: np.where(np.arange(10) == d, 0.999, 0.001 / 9) for k, d in digit.items()}
    assert N.reading_text(*N.ranked(sets, probs)[0][1:]) == "61"
    whole = {k: 0.01 if d == 6 else 0.95 for k, d in digit.items()}
    assert N.reading_text(*N.ranked(sets, probs, whole)[0][1:]) == "4"


@pytest.mark.parametrize("suffix", [".onnx", ".pt"])
@pytest.mark.parametrize("content", [b"not a judge", None])
def test_a_broken_or_missing_judge_file_is_said_once(tmp_path, caplog, content, suffix):
    bad = tmp_path / f"number_judge{suffix}"
    if content is not None:
        bad.write_bytes(content)
    models = ReadingModels(judge=bad)
    assert models.judge is None and models.judge is None
    said = [r.getMessage() for r in caplog.records if r.name == "mnist_gui.core.reading" and r.levelname == "WARNING"]
    assert len(said) == 1 and "reading numbers without the whole-digit judge" in said[0] and bad.name in said[0]


def test_the_shipped_judge_reads_an_l_and_a_stem_as_one_four(shipped):
    """The error the judge was made for (pen writers 1, 9, 10: "4717" read "61717"): a 4 drawn as an L and
    then a stem that meets its bar. The classifier is sure of the L as a 6 and the stem as a 1, and the
    bonus per digit made two digits of them."""
    judge = ReadingModels().judge
    assert judge is not None
    seven = [(125.0, 10.0), (195.0, 10.0), (150.0, 95.0)]
    strokes = [L_PART, [(62.0, 5.0), (62.0, 98.0)], seven]
    classify = torch_classifier(shipped.model)
    assert N.read_number(strokes, classify).text == "617"
    assert N.read_number(strokes, classify, judge=judge).text == "47"


def test_candidates_are_labelled_whole_by_whose_points_they_are():
    """A joined pair: the cut on the joining line gives two whole digits; a cut inside a digit does not."""
    from train_number_judge import is_whole
    one = [(0.0, float(y)) for y in range(0, 100, 10)]
    bridge = [(10.0, 50.0), (20.0, 20.0)]
    seven = [(30.0, 0.0), (60.0, 0.0), (50.0, 50.0), (40.0, 100.0)]
    owner = {**{p: 0 for p in one}, **{p: -1 for p in bridge}, **{p: 1 for p in seven}}
    sizes = np.array([len(one), len(seven)])
    assert is_whole([np.array(one + bridge)], owner, sizes)
    assert is_whole([np.array(seven)], owner, sizes)
    assert not is_whole([np.array(one[:6])], owner, sizes)                 # part of the 1
    assert not is_whole([np.array(one + bridge + seven[:3])], owner, sizes)  # the 1 and most of the 7
    assert is_whole([np.array(one[:-2])], owner, sizes)          # a cut two points short is still the 1
    assert not is_whole([np.array(one[:-3])], owner, sizes)      # three is not (max(2, 3% of 10))
    assert not is_whole([np.array(bridge)], owner, sizes)                  # only the joining line


def test_a_cache_judges_each_candidates_image_once(shipped):
    """The judge's network reads a candidate's image once (SplitJudge.image_part, kept with it); when a stroke moves
    the line, only the rest of it runs again, on the new features: the same answers as the whole network."""
    onnx = J.onnx_judge(config.resource_path("number_judge.onnx"))
    imaged, answers = [], []

    class Counting:
        def image_part(self, images):
            imaged.append(len(images))
            return onnx.image_part(images)

        def of_parts(self, parts, feats):
            answers.append(onnx.of_parts(parts, feats))
            return answers[-1]

    def candidates(strokes):
        return len(N.judge_features(N.candidate_sets(strokes)[0]))

    judge = Counting()
    classify = torch_classifier(shipped.model)
    cache = {}
    four = [L_PART, STEM]
    N.read_number(four, classify, cache, judge)
    N.read_number(four, classify, cache, judge)
    assert imaged == [candidates(four)]                  # the same drawing: no image read again
    seven = [(125.0, 5.0), (195.0, 5.0), (150.0, 98.0)]
    N.read_number(four + [seven], classify, cache, judge)
    assert 0 < imaged[-1] == candidates(four + [seven]) - candidates(four)   # only the new candidates' images
    tall = [(125.0, 0.0), (195.0, 0.0), (150.0, 140.0)]  # a taller 7 moves the line: every candidate's features change
    N.read_number(four + [tall], classify, cache, judge)
    new = candidates(four + [tall]) - candidates(four)
    assert imaged[-1] == new
    sets = N.candidate_sets(four + [tall])[0]
    feats = N.judge_features(sets)
    seen = [cache[k].image for k in feats]
    session = checked_session(config.resource_path("number_judge.onnx"), ["images", "features"], ["whole"], "a judge")
    whole = session.run(["whole"], {"images": np.stack(seen)[:, None].astype(np.float32),
                                    "features": np.array(list(feats.values()), np.float32)})[0]
    assert np.abs(answers[-1] - whole).max() < 1e-6   # the whole network's (its file as it is, in one run)


def test_the_shipped_onnx_judge_is_the_shipped_torch_judge(tmp_path):
    """resources/number_judge.onnx (what the live path runs, without torch) says what number_judge.pt says,
    and export_judge_onnx makes such a file from any judge."""
    from mnist_gui import config
    rng = np.random.default_rng(0)
    images = [rng.random((28, 28)).astype(np.float32) * (rng.random() < 0.5) for _ in range(40)]
    feats = rng.random((40, J.FEATURES)) * 3
    net = JN.load_judge(config.resource_path("number_judge.pt"))
    want = JN.torch_judge(net)(images, feats)
    got = J.onnx_judge(config.resource_path("number_judge.onnx"))(images, feats)
    assert got.shape == (40,) and np.abs(got - want).max() < 1e-5
    fresh = JN.export_judge_onnx(JN.JudgeNet(), tmp_path / "j.onnx")
    assert J.onnx_judge(fresh)(images[:3], feats[:3]).shape == (3,)
