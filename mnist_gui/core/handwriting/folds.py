"""Nested folds (of writers, of shape families): choose on inner folds, score once on the outer fold.

A number chosen on the folds it is reported on (the best of several recipes, a threshold) is optimistic:
with nested folds, whatever is chosen for an outer fold is chosen on its training part alone, split again
into inner folds, and the outer fold's own items are read once, by what was chosen without them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Fold:
    train: tuple
    test: tuple


@dataclass(frozen=True)
class OuterFold(Fold):
    inner: tuple[Fold, ...]   # folds of `train` only: every inner test item is an outer training item


def folds(items, k: int) -> list[Fold]:
    """k folds of consecutive items (their given order, duplicates dropped): each item is tested exactly
    once and never trained on in the same fold. ValueError when there are fewer than k items or k < 2."""
    items = list(dict.fromkeys(items))
    if not 2 <= k <= len(items):
        raise ValueError(f"cannot make {k} folds of {len(items)} items")
    parts = [[items[i] for i in idx] for idx in np.array_split(np.arange(len(items)), k)]
    return [Fold(tuple(x for j, p in enumerate(parts) if j != i for x in p), tuple(parts[i]))
            for i in range(k)]


def nested_folds(items, outer: int, inner: int) -> list[OuterFold]:
    """`outer` folds of the items, each with `inner` folds of its training items."""
    return [OuterFold(f.train, f.test, tuple(folds(f.train, inner))) for f in folds(items, outer)]
