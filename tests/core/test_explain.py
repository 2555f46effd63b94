"""Why this digit: the occlusion map of core/explain.py on the shipped model (ONNX Runtime)."""

import numpy as np
import pytest

from mnist_gui import config
from mnist_gui.core.explain import occlusion_map
from mnist_gui.core.live import OnnxModel
from mnist_gui.core.preprocess import strokes_to_mnist


@pytest.fixture(scope="module")
def classify():
    return OnnxModel.from_path(config.resource_path("shipped_model.onnx")).probabilities_batch


def test_the_ink_of_a_one_makes_it_a_one(classify):
    img = strokes_to_mnist([[(50, 5), (50, 95)]])
    assert int(np.argmax(classify([img])[0])) == 1
    heat = occlusion_map(classify, img, 1)
    ink = heat[img > 0.5]
    assert ink.mean() > 0 and (ink > 0).mean() > 0.9     # blanking any of it lowers the odds of a 1


def test_a_bar_across_the_top_speaks_against_a_one_and_for_a_seven(classify):
    img = strokes_to_mnist([[(50, 5), (50, 95)], [(10, 8), (48, 8)]])   # a 1 with a bar to the left of its top
    cols = np.nonzero(img.max(0) > 0.5)[0]
    bar = np.zeros_like(img, bool)
    bar[:, :cols.max() - 4] = True          # left of the stem: only the bar is there
    bar &= img > 0.5
    assert bar.sum() > 10
    assert occlusion_map(classify, img, 1)[bar].mean() < 0 < occlusion_map(classify, img, 7)[bar].mean()


def test_only_the_ink_is_explained_and_a_blank_input_costs_no_run():
    img = strokes_to_mnist([[(50, 5), (50, 95)]])
    calls = []

    def classify(images):
        calls.append(len(images))
        return np.full((len(images), 10), 0.1, np.float32)

    heat = occlusion_map(classify, img, 1)
    assert heat.shape == (28, 28) and not heat[img <= 0.1].any()
    assert calls == [calls[0]] and 1 < calls[0] < 13 * 13 + 1    # one batch, only squares that hold ink
    calls.clear()
    assert not occlusion_map(classify, np.zeros((28, 28), np.float32), 1).any() and calls == []
