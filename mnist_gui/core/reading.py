"""One reading of a drawing or an image: strokes (or pixels) -> 28×28 input -> the classifier, the pen-path
net, the digit gates -> one `Reading` value (the input, ten probabilities, the verdict and, in number mode,
the number). Written once here; the Draw tab and the bars only show it.

Run time only (numpy and ONNX Runtime, or the torch classifier the Workspace hands in): nothing here
imports a module that trains or exports. The small networks beside the classifier (the digit gate, the
path gate, the whole-digit judge, the path net) are loaded by one `ReadingModels` object that the
Workspace owns, from the files it is given.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from mnist_gui import config
from mnist_gui.core.handwriting import elastic as E
from mnist_gui.core.handwriting import gate as G
from mnist_gui.core.handwriting.judge import onnx_judge
from mnist_gui.core.handwriting.numbers import NumberReading, candidate_key, read_number, remember
from mnist_gui.core.handwriting.prototypes import Prototypes
from mnist_gui.core.handwriting.trajectory import combine, features, onnx_trajectory
from mnist_gui.core.preprocess import Stroke, digit_like, image_to_mnist, strokes_to_mnist, too_small

log = logging.getLogger(__name__)

__all__ = ["NOT_SURE_BELOW", "Reader", "Reading", "ReadingModels", "SHIPPED", "Verdict", "verdict"]


class Verdict(StrEnum):
    """What the app says of a reading."""
    SURE = "sure"
    NOT_SURE = "not sure"               # the probability of the digit is below NOT_SURE_BELOW
    NOT_DIGIT_LIKE = "not digit-like"   # the ink checks (preprocess.digit_like)
    NOT_A_DIGIT = "not a digit"         # the digit gates (handwriting/gate.py)
    TOO_SMALL = "too small"             # a mark too small for its canvas (preprocess.too_small)

    @property
    def refused(self) -> bool:
        """The app claims no digit at all (not merely unsure of one)."""
        return self in (Verdict.NOT_DIGIT_LIKE, Verdict.NOT_A_DIGIT, Verdict.TOO_SMALL)


# "Not sure": below this probability the app shows the top two instead of claiming a digit (chosen on
# writer folds: benchmarks/pendigits_cv.py --fold-models; figures in benchmarks/README.md).
NOT_SURE_BELOW = 0.8


def verdict(p_claimed: float, img28: np.ndarray | None = None, is_digit: bool = True) -> Verdict:
    """The verdict on a claimed digit of probability p_claimed, with its 28×28 input (the ink checks) and
    what the digit gates said of it (is_digit)."""
    return _verdict(p_claimed, img28 is None or digit_like(img28), is_digit)


def _verdict(p_claimed: float, ink_like: bool, is_digit: bool) -> Verdict:
    """verdict() with the ink checks already made (the Reader makes them once per input)."""
    if not ink_like:
        return Verdict.NOT_DIGIT_LIKE
    if not is_digit:
        return Verdict.NOT_A_DIGIT
    return Verdict.NOT_SURE if float(p_claimed) < NOT_SURE_BELOW else Verdict.SURE


class Classifier(Protocol):
    """What a Reader reads with: core/live.LivePredictor (ONNX Runtime) or core/predictor.Predictor."""

    def probabilities(self, img28: np.ndarray) -> np.ndarray: ...

    def classify(self, images: Sequence[np.ndarray]) -> np.ndarray: ...


@dataclass(frozen=True, eq=False)
class Reading:
    """What the app read: the 28×28 input the classifier saw, its ten probabilities (joined with the pen
    path's for strokes) and the verdict on the top digit. In number mode `number` holds the whole reading,
    `digit_verdicts` the verdict on each of its digits (on the digit it reads, which may not be the
    classifier's first choice), and the input and probabilities are those of the digit that holds the
    latest stroke (`last_stroke`: "digit"; when the latest stroke is the minus sign, the decimal point or in no digit
    (a stray dot, a point before the digit after it), "minus", "point" or "other", and they are the last digit's).
    `network`: for one digit drawn (not an image, not number mode), the live network's
    own ten probabilities, before the pen-path readers and the taught digits joined them (the bars say it beside)."""
    image28: np.ndarray
    probabilities: np.ndarray
    verdict: Verdict
    number: NumberReading | None = None
    digit_verdicts: tuple[Verdict, ...] = ()
    network: np.ndarray | None = None
    last_stroke: str = "digit"

    @property
    def top(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def sure(self) -> bool:
        return self.verdict is Verdict.SURE


SHIPPED = "shipped"   # ReadingModels' default for each network: the file in resources/
_FILES = {"gate": "digit_gate.onnx", "path_gate": "path_gate.onnx", "judge": "number_judge.onnx",
          "path_net": "trajectory.onnx", "templates": "templates.npz"}
_OPEN: dict[str, Callable[..., Any]] = {"gate": G.onnx_gate, "path_gate": G.onnx_path_gate, "judge": onnx_judge,
                                        "path_net": onnx_trajectory,
                                        "templates": lambda path, threads: E.Templates.load(path)}
_WITHOUT = {"gate": "reading drawings without the digit gate",
            "path_gate": "judging drawings without the path gate",
            "judge": "reading numbers without the whole-digit judge",
            "path_net": "reading drawings without the pen-path recognizer",
            "templates": "reading drawings without the elastic reader"}


class ReadingModels:
    """The small networks that read beside the classifier, each opened once: when first used, or all at once
    (open_all, from any thread).

    Each argument is SHIPPED (the file in resources/), a file (.onnx; the templates: .npz) to open, an
    object to use as it is (a gate: images -> P(digit); the path gate and path net: trajectory.PathNet or
    stroke sets -> scores; the judge: numbers.Judge; the templates: elastic.Templates), or None to read
    without it. A file that cannot be opened is logged once
    (a warning) and the app reads without that network (a broken install must not stop the drawing)."""

    def __init__(self, gate=SHIPPED, path_gate=SHIPPED, judge=SHIPPED, path_net=SHIPPED, templates=SHIPPED,
                 threads: int = 1):
        self._given = {"gate": gate, "path_gate": path_gate, "judge": judge, "path_net": path_net,
                       "templates": templates}
        self._loaded: dict[str, Any] = {}
        self._locks = {name: threading.Lock() for name in self._given}   # each opened once, by whoever asks first
        self.threads = threads

    def open_all(self, should_stop: Callable[[], bool] = lambda: False) -> None:
        """Open every network now, until should_stop() says to stop (the window has a worker do it while the live
        model loads, so that the first drawing read does not wait for them on the GUI thread)."""
        for name in self._given:
            if should_stop():
                return
            self._get(name)

    def _get(self, name: str):
        if name in self._loaded:
            return self._loaded[name]
        with self._locks[name]:
            if name not in self._loaded:
                self._loaded[name] = self._open(name)
        return self._loaded[name]

    def _open(self, name: str):
        given = self._given[name]
        if given is None or callable(given) or isinstance(given, E.Templates):
            return given
        path = config.resource_path(_FILES[name]) if given == SHIPPED else Path(given)
        try:
            return _OPEN[name](path, self.threads)
        except Exception as e:   # a missing or broken file: read without it
            log.warning("%s: %s", _WITHOUT[name], e)
            return None

    @property
    def gate(self):
        return self._get("gate")

    @property
    def path_gate(self):
        return self._get("path_gate")

    @property
    def judge(self):
        return self._get("judge")

    @property
    def path_net(self):
        return self._get("path_net")

    @property
    def templates(self) -> E.Templates | None:
        return self._get("templates")

    def is_digit(self, images: np.ndarray, feats: np.ndarray | None = None, stroke_sets=None,
                 near: np.ndarray | None = None) -> np.ndarray:
        """N bools: do the gates take these 28×28 inputs for digits (all True without a gate)? With the
        pen-path features of the strokes they were drawn from, the image and path gates decide together;
        near (N bools, the elastic reader's: is it near a digit?) refuses those that are not."""
        near = np.ones(len(images), bool) if near is None else np.asarray(near, bool)
        gate = self.gate
        if gate is None:
            return near
        p = gate(np.asarray(images))
        path_gate = self.path_gate if feats is not None else None
        if path_gate is None:
            return G.is_digit(p) & near
        p_path = path_gate.on_features(feats) if hasattr(path_gate, "on_features") else path_gate(stroke_sets)
        return G.is_digit(p, p_path) & near

    def looks_like_a_digit(self, img28: np.ndarray, strokes=None) -> bool:
        """One input (and the strokes it was drawn from): does it pass the gates?"""
        feats = features(strokes)[None] if strokes else None
        templates = self.templates if feats is not None else None
        near = None
        if templates is not None and feats is not None:
            near = E.near_a_digit(templates.reach(feats, [strokes])[1])
        return bool(self.is_digit(np.asarray(img28)[None], feats, [strokes] if strokes else None, near)[0])


_GATED = "gates' verdicts"   # in the number cache: {candidate key: do the gates take it for a digit?}


def near_a_pen_digit(templates: E.Templates, distances: np.ndarray, ways: Callable[[], np.ndarray]) -> bool:
    """Is a drawing near a pen writer's digit, drawn as it was (its ten elastic distances) or turned round (ways():
    elastic.turned_points, made only when asked)? Asked only of ink the gates take for a digit (single digits and
    number mode's alike): turning it round is the dearer part of the matching."""
    return bool(E.near_a_digit(np.asarray(distances)[None])[0]) or templates.nearest(ways()[1:]) <= E.FAR_BEYOND


TAUGHT_LOOK = 1.5   # as_taught matches in full the ways round that the cheap look puts within this × FAR_BEYOND


def as_taught(mine: Prototypes, strokes: Sequence[Stroke], ways: np.ndarray | None = None) -> np.ndarray | None:
    """A drawing's ten probabilities by the user's taught digits alone (the elastic reader over their paths; each
    digit's distance the nearest of the ways of drawing the same ink, elastic.turned), when it comes within
    FAR_BEYOND of one of them; else None. Asked of a drawing the gates refuse: the user said it is a digit, and which
    (a W taught as a 3 was let through but read as a sure 4). ways: elastic.turned_points, when already made. Only
    the ways a cheap look (`Templates.nearest_each`) puts within TAUGHT_LOOK × FAR_BEYOND of a taught digit are
    matched in full (most refused drawings are near none)."""
    taught = mine.templates()
    ways = E.turned_points(strokes) if ways is None else ways
    look = taught.nearest_each(ways)
    near = look <= TAUGHT_LOOK * E.FAR_BEYOND
    if not near.any():
        return None
    d = taught.distances_of_points(ways[near]).min(0)   # each digit its nearest way among them
    return E.softmax_of_distances(d) if d.min() <= E.FAR_BEYOND else None


class Reader:
    """Reads strokes, an image or a whole number with one classifier and the small networks of a
    ReadingModels, each network run once per read. Candidates of number mode are cached while the
    classifier stays (a new Reader for a new model). Used from one thread."""

    def __init__(self, classifier: Classifier, models: ReadingModels,
                 mine: Callable[[], Prototypes | None] | None = None):
        """mine: the user's taught digits as prototypes of the pen path (handwriting/prototypes.py), asked
        for at each read of strokes (the Workspace keeps them current with My digits)."""
        self.classifier, self.models = classifier, models
        self.mine = mine or (lambda: None)
        self._number_cache: dict = {}

    def read(self, strokes: Sequence[Stroke], number: bool = False,
             canvas_side: float | None = None) -> Reading | None:
        """The drawing's reading: as a number in number mode (as one digit when it cannot be read as one),
        else as one digit; None when there is no ink. With the side of the canvas it was drawn on (the
        strokes' units), a mark too small for it is refused (Verdict.TOO_SMALL) and its input shows it at
        the canvas's scale instead of blown up to a digit's size."""
        if canvas_side and any(len(s) for s in strokes) and too_small(strokes, canvas_side):
            img = strokes_to_mnist(strokes, scale=config.IMAGE_SIZE / canvas_side)
            if img is not None:
                return Reading(img, self.classifier.probabilities(img), Verdict.TOO_SMALL)
        if number and strokes:
            reading = self.read_number(strokes)
            if reading is not None:
                return reading
        return self.read_strokes(strokes)

    def read_strokes(self, strokes: Sequence[Stroke]) -> Reading | None:
        """The strokes as one digit: the image's probabilities joined with the path net's reading of the
        same strokes (trajectory.combine) and the elastic reader's (elastic.py), leaned towards the user's
        taught digits whose paths are close (prototypes.py), the gates on both; a drawing far from every
        pen writer's digit is refused too, unless it is near one the user taught (which also overrules the
        gates: the user said it is a digit). None when there is no ink."""
        img = strokes_to_mnist(strokes)
        if img is None:
            return None
        probs = own = self.classifier.probabilities(img)
        feats = features(strokes)[None]   # once, for the path net, the elastic reader and the path gate
        path = self.models.path_net
        if path is not None:
            p_path = path.on_features(feats) if hasattr(path, "on_features") else path([strokes])
            probs = combine(probs, p_path[0])
        templates, mine = self.models.templates, self.mine()
        ways = functools.cache(lambda: E.turned_points(strokes))   # the drawing turned round, once per read
        near = None
        if templates is not None:
            distances = templates.distances(feats)
            probs = E.join(probs, distances[0])

            def near() -> bool:
                return near_a_pen_digit(templates, distances[0], ways)
        taught = None
        if mine is not None:
            probs = mine.adjust(probs, feats)

            def taught() -> np.ndarray | None:
                return as_taught(mine, strokes, ways())
        return self._reading(img, probs, feats, [strokes], near, taught, network=own)

    def read_image(self, image) -> Reading | None:
        """An image (a file, an array) as one digit, the image gate alone; None when it holds no ink.
        PreprocessError for a file that is not an image."""
        img = image_to_mnist(image)
        return None if img is None else self.read_input(img)

    def read_input(self, img28: np.ndarray) -> Reading:
        """A 28×28 input as one digit, the image gate alone."""
        return self._reading(img28, self.classifier.probabilities(img28), None, None)

    def _reading(self, img, probs, feats, sets, near: Callable[[], bool] | None = None,
                 taught: Callable[[], np.ndarray | None] | None = None, network: np.ndarray | None = None) -> Reading:
        like = digit_like(img)   # once: the gates run only on ink that passes it
        ok = not like or bool(self.models.is_digit(img[None], feats, sets)[0])
        if like and ok and near is not None:   # and then the elastic reader: near a pen writer's digit?
            ok = near()
        if like and not ok and taught is not None:   # refused, but like one the user taught: theirs, read as they
            theirs = taught()                         # taught it (a W taught as a 3 read as a sure 4 before)
            if theirs is not None:
                ok, probs = True, theirs
        return Reading(img, probs, _verdict(np.max(probs), like, ok), network=network)

    def read_number(self, strokes: Sequence[Stroke]) -> Reading | None:
        """The strokes read as a number (handwriting.numbers.read_number, with the judge, the path net, the
        elastic reader and the prototypes of the user's taught digits),
        each digit judged by the gates once; the input and probabilities of the digit holding the latest
        stroke. None when there is no ink or no digit."""
        m, mine = self.models, self.mine()
        nr = read_number(strokes, self.classifier.classify, self._number_cache, m.judge, m.path_net, mine,
                         m.templates)
        if nr is None or not nr.digits:
            return None
        digits = nr.digits
        like = [d.ink_like for d in digits]   # the number reader made the ink checks
        # the gates' verdict on each digit, kept with the number's candidates: a new stroke adds a digit or two
        gated = self._number_cache.setdefault(_GATED, {})
        keys = [candidate_key(d.strokes) for d in digits]
        new = [i for i, (k, lk) in enumerate(zip(keys, like)) if lk and k not in gated]
        if new:
            ask = [digits[i] for i in new]
            feats = np.stack([d.features if d.features is not None else features(d.strokes) for d in ask])
            said = list(m.is_digit(np.stack([d.image28 for d in ask]), feats, [d.strokes for d in ask]))
            templates = m.templates
            if templates is not None:   # and then, as for one digit, near a pen writer's digit?
                said = [bool(v) and near_a_pen_digit(
                    templates, d.distances if d.distances is not None else templates.distances(f[None])[0],
                    functools.partial(E.turned_points, d.strokes)) for v, d, f in zip(said, ask, feats)]
            remember(gated, {keys[i]: bool(v) for i, v in zip(new, said)})
        ok = [not lk or gated[k] for k, lk in zip(keys, like)]
        for j, d in enumerate(digits):   # refused, but like one the user taught: theirs, read as they taught it
            theirs = as_taught(mine, d.strokes) if like[j] and not ok[j] and mine is not None else None
            if theirs is not None:
                ok[j], d.probs, d.digit, d.prob = True, theirs, int(np.argmax(theirs)), float(np.max(theirs))
        verdicts = tuple(_verdict(d.prob, lk, bool(o)) for d, lk, o in zip(digits, like, ok))
        last = len(strokes) - 1
        i = next((i for i, d in enumerate(digits) if last in d.stroke_ids), None)
        what = "digit" if i is not None else "point" if last == nr.point_id else "minus" if last in nr.mark_ids \
            else "other"
        i = len(digits) - 1 if i is None else i
        d = digits[i]
        return Reading(d.image28, d.probs, _verdict(np.max(d.probs), like[i], bool(ok[i])), nr, verdicts,
                       last_stroke=what)
