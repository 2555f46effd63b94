"""Words that come from the Qt-free core (training field labels and help, recipe labels and
descriptions), listed here so that lupdate extracts them into the "core" context.

The core keeps plain English strings (the command line shows them as they are); the window shows
them through `core_tr(text)`. tests/gui/test_desktop.py checks that this list covers the core's tables.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

CORE_STRINGS = (
    # learning-rate schedules (core/recipes.py SCHEDULES): the ids are shown translated
    QT_TRANSLATE_NOOP("core", "onecycle"),
    QT_TRANSLATE_NOOP("core", "cosine"),
    QT_TRANSLATE_NOOP("core", "constant"),
    # training fields (core/recipes.py FIELDS): label, help, what "not set" means
    QT_TRANSLATE_NOOP("core", "Architecture"),
    QT_TRANSLATE_NOOP("core", "network preset, or custom: the network edited on the Model tab "
                              "(mnist-gui train --arch FILE.json)"),
    QT_TRANSLATE_NOOP("core", "Epochs"),
    QT_TRANSLATE_NOOP("core", "passes over the training images (may be fractional); max steps overrides it"),
    QT_TRANSLATE_NOOP("core", "Max steps"),
    QT_TRANSLATE_NOOP("core", "stop after this many batches (default: from epochs)"),
    QT_TRANSLATE_NOOP("core", "from epochs"),
    QT_TRANSLATE_NOOP("core", "Batch size"),
    QT_TRANSLATE_NOOP("core", "images per step"),
    QT_TRANSLATE_NOOP("core", "Optimizer"),
    QT_TRANSLATE_NOOP("core", "the update rule"),
    QT_TRANSLATE_NOOP("core", "Learning rate"),
    QT_TRANSLATE_NOOP("core", "(peak) learning rate"),
    QT_TRANSLATE_NOOP("core", "Momentum"),
    QT_TRANSLATE_NOOP("core", "SGD momentum (Nesterov when above 0); ignored by Adam/AdamW"),
    QT_TRANSLATE_NOOP("core", "Schedule"),
    QT_TRANSLATE_NOOP("core", "how the learning rate changes over the run"),
    QT_TRANSLATE_NOOP("core", "Dropout"),
    QT_TRANSLATE_NOOP("core", "dropout rate before the last dense layer"),
    QT_TRANSLATE_NOOP("core", "Weight decay"),
    QT_TRANSLATE_NOOP("core", "decoupled (AdamW) or L2 weight decay on weights"),
    QT_TRANSLATE_NOOP("core", "Label smoothing"),
    QT_TRANSLATE_NOOP("core", "share of the target spread over the other digits"),
    QT_TRANSLATE_NOOP("core", "Augmentation"),
    QT_TRANSLATE_NOOP("core", "random affine and stroke-thickness augmentation"),
    QT_TRANSLATE_NOOP("core", "Training images"),
    QT_TRANSLATE_NOOP("core", "use this many training images (default: all)"),
    QT_TRANSLATE_NOOP("core", "all"),
    QT_TRANSLATE_NOOP("core", "Precision"),
    QT_TRANSLATE_NOOP("core", "auto: bfloat16 autocast where the device computes it natively (recent CPUs and GPUs), "
                              "float32 elsewhere; fp32 or bf16: always that. Weights, loss and optimizer stay float32"),
    QT_TRANSLATE_NOOP("core", "auto"),   # the precision field's choice (fp32, bf16 are shown as they are)
    QT_TRANSLATE_NOOP("core", "Seed"),
    QT_TRANSLATE_NOOP("core", "random seed (same seed, same machine: same result)"),
    # recipes (core/recipes.py RECIPES): label, description
    QT_TRANSLATE_NOOP("core", "fast (default)"),
    QT_TRANSLATE_NOOP("core", "AdamW 2e-3 with a one-cycle schedule, batch 64, label smoothing 0.1, 0.75 epoch "
                              "(45,000 images): about 99.2% on the tutorial's network"),
    QT_TRANSLATE_NOOP("core", "tutorial recipe"),
    QT_TRANSLATE_NOOP("core", "the tutorial's own: plain SGD, learning rate 0.001, batch 100, 20,000 steps (about 97.3%)"),
    QT_TRANSLATE_NOOP("core", "fast-bn, one epoch"),
    QT_TRANSLATE_NOOP("core", "the small batch-norm network, AdamW 1e-2, one epoch: about 99.1% in a fraction of the time"),
    QT_TRANSLATE_NOOP("core", "fine-tune on my digits"),
    QT_TRANSLATE_NOOP("core", "a short run from the live model on My digits mixed with MNIST, so MNIST accuracy holds"),
)


def core_tr(text: str) -> str:
    """A core string in the current language (the text itself when it has no translation)."""
    return QCoreApplication.translate("core", text) if text else text
