"""Words that come from the Qt-free core (training field labels and help, recipe labels and
descriptions), listed here so that lupdate extracts them into the "core" context.

The core keeps plain English strings (the command line shows them as they are); the window shows
them through `core_tr(text)`. tests/gui/test_desktop.py checks that this list covers the core's tables.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

CORE_STRINGS = (
    # learning-rate schedules (core/recipes.py SCHEDULES): the ids are shown translated
    QT_TRANSLATE_NOOP("core", "onecycle"),
    QT_TRANSLATE_NOOP("core", "cosine"),
    QT_TRANSLATE_NOOP("core", "constant"),
    # the network presets' choice for the edited network (core/presets.py CUSTOM)
    QT_TRANSLATE_NOOP("core", "custom"),
    # a layer's fields (core/spec.py KINDS), the Model tab's form for the selected layer
    QT_TRANSLATE_NOOP("core", "filters"),
    QT_TRANSLATE_NOOP("core", "kernel"),
    QT_TRANSLATE_NOOP("core", "size"),
    QT_TRANSLATE_NOOP("core", "stride"),
    QT_TRANSLATE_NOOP("core", "padding"),
    QT_TRANSLATE_NOOP("core", "bias"),
    QT_TRANSLATE_NOOP("core", "rate"),
    QT_TRANSLATE_NOOP("core", "units"),
    QT_TRANSLATE_NOOP("core", "pool size"),
    QT_TRANSLATE_NOOP("core", "yes"),
    QT_TRANSLATE_NOOP("core", "no"),
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


# The core's messages that reach the window, translated at this boundary (the core stays Qt-free and the
# command line keeps them as they are): the English line the core writes, as a pattern whose groups are
# its variable parts, and the window's own words (translated) that those parts fill in, in order.
CORE_MESSAGES = (
    (r"MNIST not found\. Looked in (.+)\. Point the app at a folder holding the four IDX files with "
     r"--data-dir DIR or MNIST_GUI_DATA=DIR\. Download failed: (.+)",
     QT_TRANSLATE_NOOP("core", "MNIST was not found (looked in {0}) and could not be downloaded: {1}. "
                               "Choose the folder that holds the four MNIST files, or try the download again.")),
    (r"MNIST not found\. Looked in (.+)\. Point the app at a folder holding the four IDX files with "
     r"--data-dir DIR or MNIST_GUI_DATA=DIR",
     QT_TRANSLATE_NOOP("core", "MNIST was not found (looked in {0}). Choose the folder that holds the four "
                               "MNIST files, or download them.")),
    (r"(.+) \(missing nothing\)", QT_TRANSLATE_NOOP("core", "{0} (holds all four files)")),
    (r"(.+) \(missing (.+)\)", QT_TRANSLATE_NOOP("core", "{0} (missing {1})")),
    (r"user folder: (.+)", QT_TRANSLATE_NOOP("core", "the app folder: {0}")),
    (r"--data-dir: (.+)", QT_TRANSLATE_NOOP("core", "the chosen folder: {0}")),
    (r"MNIST_GUI_DATA: (.+)", QT_TRANSLATE_NOOP("core", "MNIST_GUI_DATA: {0}")),
    (r"(.+): lacks (.+)", QT_TRANSLATE_NOOP("core", "{0} lacks {1}")),
    (r"My digits is empty: teach some digits first",
     QT_TRANSLATE_NOOP("core", "My digits is empty: teach some digits first")),
    (r"the model has not loaded yet", QT_TRANSLATE_NOOP("core", "the model has not loaded yet")),
    (r"a (training run|fine-tuning run|study) is running; wait for it or stop it first",
     QT_TRANSLATE_NOOP("core", "a {0} is running; wait for it or stop it first")),
    (r"training run", QT_TRANSLATE_NOOP("core", "training run")),
    (r"fine-tuning run", QT_TRANSLATE_NOOP("core", "fine-tuning run")),
    (r"study", QT_TRANSLATE_NOOP("core", "study")),
    (r"finished: test accuracy (\S+) after (\S+) steps, (\S+) s of training",
     QT_TRANSLATE_NOOP("core", "finished: test accuracy {0} after {1} steps, {2} s of training")),
    (r"stopped at step (\S+) of (\S+)", QT_TRANSLATE_NOOP("core", "stopped at step {0} of {1}")),
    # a study's verdict (core/study/results.py noise_text), sentence by sentence
    (r"no finished runs yet", QT_TRANSLATE_NOOP("core", "no finished runs yet")),
    (r"best: (.+) at (\S+) \(mean of (\d+)\)", QT_TRANSLATE_NOOP("core", "best: {0} at {1} (mean of {2})")),
    (r"next: (\S+) at (\S+), (\S+) points lower \(one seed each: run with repeats to see the noise\)",
     QT_TRANSLATE_NOOP("core", "next: {0} at {1}, {2} points lower (one seed each: run with repeats to see "
                               "the noise)")),
    (r"next: (\S+) at (\S+), (\S+) points lower — within the noise \(seeds differ by up to (\S+) points\)",
     QT_TRANSLATE_NOOP("core", "next: {0} at {1}, {2} points lower — within the noise (seeds differ by up "
                               "to {3} points)")),
    (r"next: (\S+) at (\S+), (\S+) points lower — more than the noise \(seeds differ by up to (\S+) points\)",
     QT_TRANSLATE_NOOP("core", "next: {0} at {1}, {2} points lower — more than the noise (seeds differ by "
                               "up to {3} points)")),
    (r"next: (\S+) at (\S+), (\S+) points lower", QT_TRANSLATE_NOOP("core", "next: {0} at {1}, {2} points lower")),
    (r"worst: (\S+) at (\S+)", QT_TRANSLATE_NOOP("core", "worst: {0} at {1}")),
    (r"all", QT_TRANSLATE_NOOP("core", "all")),
    # the network editor's problems (core/spec.py analyse), and a problem with its layer
    (r"layer (\d+) \((\w+)\): (.+)", QT_TRANSLATE_NOOP("core", "layer {0} ({1}): {2}")),
    (r"(\w+) must be at least (\d+), got (-?\d+)", QT_TRANSLATE_NOOP("core", "{0} must be at least {1}, got {2}")),
    (r"(\w+) ([\d,]+) is more than ([\d,]+): a network this size would not fit in memory",
     QT_TRANSLATE_NOOP("core", "{0} {1} is more than {2}: a network this size would not fit in memory")),
    (r"padding must be 0 or more, got (-?\d+)", QT_TRANSLATE_NOOP("core", "padding must be 0 or more, got {0}")),
    (r"padding (\d+) is more than half the pool size (\d+) \(PyTorch allows at most (\d+)\)",
     QT_TRANSLATE_NOOP("core", "padding {0} is more than half the pool size {1} (PyTorch allows at most {2})")),
    (r"rate must be in \[0, 1\), got (\S+)", QT_TRANSLATE_NOOP("core", "rate must be in [0, 1), got {0}")),
    (r"(\w+) needs an H×W×C volume, but its input is flat \((\d+)\): it cannot follow flatten or dense",
     QT_TRANSLATE_NOOP("core", "{0} needs an H×W×C volume, but its input is flat ({1}): it cannot follow "
                               "flatten or dense")),
    (r'padding "same" needs stride 1; PyTorch does not support it with stride (\d+) \(give the padding as a '
     r'number\)', QT_TRANSLATE_NOOP("core", "padding \"same\" needs stride 1; PyTorch does not support it with "
                                            "stride {0} (give the padding as a number)")),
    (r'padding "same" with the even kernel (\d+) pads unevenly: (\d+) before and (\d+) after, as PyTorch does',
     QT_TRANSLATE_NOOP("core", "padding \"same\" with the even kernel {0} pads unevenly: {1} before and {2} "
                               "after, as PyTorch does")),
    (r'(kernel|pool size) (\d+) is larger than its (\d+)×(\d+) input: "same" padding makes it work, but most '
     r'of what it sees is padding', QT_TRANSLATE_NOOP("core", "{0} {1} is larger than its {2}×{3} input: \"same\" "
                                                             "padding makes it work, but most of what it sees is "
                                                             "padding")),
    (r"(kernel|pool size) (\d+) is larger than its (\d+)×(\d+) input after padding (\S+)",
     QT_TRANSLATE_NOOP("core", "{0} {1} is larger than its {2}×{3} input after padding {4}")),
    (r"(.+) \+ 1 is not whole: floors to (\d+)", QT_TRANSLATE_NOOP("core", "{0} + 1 is not whole: floors to {1}")),
    (r"its input is already flat: this flatten does nothing",
     QT_TRANSLATE_NOOP("core", "its input is already flat: this flatten does nothing")),
    (r"dense needs a flat input, but its input is the (.+) volume: put a flatten before it",
     QT_TRANSLATE_NOOP("core", "dense needs a flat input, but its input is the {0} volume: put a flatten "
                               "before it")),
    (r"the network ends in (.+) outputs; it must end in (\d+), one per digit \(end with dense (\d+)\)",
     QT_TRANSLATE_NOOP("core", "the network ends in {0} outputs; it must end in {1}, one per digit (end with "
                               "dense {2})")),
    # the hardware (core/device.py available_devices): the CPU's model name is a proper name
    (r"(.+), CPU, (\d+) threads?", QT_TRANSLATE_NOOP("core", "{0}, CPU, {1} threads")),
    (r"CPU, (\d+) threads?", QT_TRANSLATE_NOOP("core", "CPU, {0} threads")),
    (r"diverged at step (\S+): loss is (\S+); lower the learning rate",
     QT_TRANSLATE_NOOP("core", "diverged at step {0}: loss is {1}; lower the learning rate")),
)
_COMPILED = [(re.compile(pattern), template) for pattern, template in CORE_MESSAGES]


def core_message(text: str) -> str:
    """A message of the core in the current language: the first pattern that matches the whole text
    gives its template, each part translated again in turn (the folders it looked in, a work's name);
    a text no pattern matches is shown translated as a word of the core (a field's name) or as it is.
    Several sentences are translated one by one."""
    for pattern, template in _COMPILED:
        m = pattern.fullmatch(text)
        if m:
            parts = [core_message(p) if p else "" for p in m.groups()]
            return QCoreApplication.translate("core", template).format(*parts)
    if "; " in text and not text.endswith(";"):
        return "; ".join(core_message(p) for p in text.split("; "))
    return core_tr(text)


def download_failed(offline: bool, reason: str) -> str:
    """Why MNIST could not be downloaded, in the window's words."""
    if offline:
        return QCoreApplication.translate(
            "core", "MNIST could not be downloaded: this computer cannot reach the MNIST servers ({0}). "
                    "Connect to the internet and press Download again, or choose a folder that already "
                    "holds the four MNIST files.").format(reason)
    return QCoreApplication.translate(
        "core", "MNIST could not be downloaded ({0}). Press Download to try again, or choose a folder that "
                "already holds the four MNIST files.").format(reason)
