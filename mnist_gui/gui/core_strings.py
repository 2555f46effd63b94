"""Words that come from the Qt-free core (training field labels and help, recipe labels and
descriptions), listed here so that lupdate extracts them into the "core" context.

The core keeps plain English strings (the command line shows them as they are); the window shows
them through `core_tr(text)`. tests/gui/test_desktop.py checks that this list covers the core's tables.

The core's messages (errors and lines for people) are codes with named fields (core/messages.py,
core/errors.py); `core_text(message)` shows one in the window's language from the window's own template
for its code (`MESSAGES`). Nothing here reads the core's English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from mnist_gui.core.states import BusyKind
from mnist_gui.gui import i18n

CORE_STRINGS = (
    # learning-rate schedules (core/recipes.py SCHEDULES): shown by their names (CHOICE_NAMES), translated
    QT_TRANSLATE_NOOP("core", "one-cycle"),
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


# a choice of the core's field table (core/recipes.py FIELDS) shown by another name than its id
CHOICE_NAMES = {"onecycle": "one-cycle"}


def choice_text(value: str) -> str:
    """A choice's id (a schedule: "onecycle") as the form, the log and the Runs list show it, translated."""
    return core_tr(CHOICE_NAMES.get(value, value))


def core_tr(text: str) -> str:
    """A core string in the current language (the text itself when it has no translation)."""
    return QCoreApplication.translate("core", text) if text else text


def _t(text: str) -> str:
    return QCoreApplication.translate("core", text)


def _looked(f: Mapping[str, Any]) -> str:
    """A folder MNIST was looked for in, and what it lacks."""
    place = {"--data-dir": QCoreApplication.translate("core", "the chosen folder: {folder}"),
             "MNIST_GUI_DATA": QCoreApplication.translate("core", "MNIST_GUI_DATA: {folder}"),
             "user folder": QCoreApplication.translate("core", "the app folder: {folder}")}.get(
        f["source"], "{source}: {folder}").format(source=f["source"], folder=f["folder"])
    if f["missing"]:
        return QCoreApplication.translate("core", "{place} (missing {files})").format(
            place=place, files=i18n.join(f["missing"]))
    return QCoreApplication.translate("core", "{place} (holds all four files)").format(place=place)


def _busy(f: Mapping[str, Any]) -> str:
    work = {BusyKind.TRAIN: QCoreApplication.translate("core", "training run"),
            BusyKind.FINETUNE: QCoreApplication.translate("core", "fine-tuning run"),
            BusyKind.STUDY: QCoreApplication.translate("core", "study")}.get(f["kind"], f["work"])
    return QCoreApplication.translate("core", "a {work} is running; wait for it or stop it first").format(work=work)


def _cpu(f: Mapping[str, Any]) -> str:
    if f["model"]:   # the CPU's model name is a proper name
        return QCoreApplication.translate("core", "{model}, CPU, {threads} threads").format(**f)
    return QCoreApplication.translate("core", "CPU, {threads} threads").format(**f)


def _run_finished(f: Mapping[str, Any]) -> str:
    """"after 1 step", "after 120 steps" (a run of one step said "after 1 steps"; lupdate reads no plural form
    from QCoreApplication.translate in Python, so the one step has a text of its own)."""
    if f["steps"] == 1:
        return QCoreApplication.translate(
            "core", "finished: test accuracy {accuracy:.2%} after 1 step, {seconds:.1f} s of training").format(**f)
    return QCoreApplication.translate(
        "core", "finished: test accuracy {accuracy:.2%} after {steps} steps, {seconds:.1f} s of training").format(**f)


def _download_failed(f: Mapping[str, Any]) -> str:
    return download_failed(f["offline"], f["reason"])


# The window's words for each message code of the core (core/messages.py ENGLISH, core/errors.py
# CODED_ERRORS): a template with the same named placeholders, translated in the "core" context, or a
# function of the fields where the words depend on them. tests/gui/test_language_walk.py checks that every
# code has one. A field named "what" is a field's name (core_tr), a Message field is translated in turn.
MESSAGES: dict[str, str | Callable[[Mapping[str, Any]], str]] = {
    "mnist-not-found": QT_TRANSLATE_NOOP("core", "MNIST was not found (looked in {looked}). Choose the folder that "
                                                 "holds the four MNIST files, or download them."),
    "mnist-download-failed": _download_failed,
    "mnist-looked": _looked,
    "mnist-file-missing": QT_TRANSLATE_NOOP("core", "{folder} lacks {file}"),
    # MNIST on its way: a run's log, the Data and Evaluate tabs (file is one of MNIST's file names)
    "mnist-loading": QT_TRANSLATE_NOOP("core", "loading MNIST from {folder}"),
    "mnist-downloading": QT_TRANSLATE_NOOP("core", "downloading MNIST into {folder}"),
    "mnist-downloading-file": QT_TRANSLATE_NOOP("core", "downloading {file} ({index} of {count})"),
    "busy": _busy,
    "my-digits-empty": QT_TRANSLATE_NOOP("core", "My digits is empty: teach some digits first"),
    "model-not-loaded": QT_TRANSLATE_NOOP("core", "the model has not loaded yet"),
    "diverged": QT_TRANSLATE_NOOP("core", "diverged at step {step}: loss is {loss}; lower the learning rate"),
    "run-finished": _run_finished,
    "run-stopped": QT_TRANSLATE_NOOP("core", "stopped at step {step} of {total}"),
    "run-paused": QT_TRANSLATE_NOOP("core", "paused"),
    "run-resumed": QT_TRANSLATE_NOOP("core", "resumed"),
    "model-untrained": QT_TRANSLATE_NOOP("core", "using an untrained model: train one on the Train tab"),
    "cpu-name": _cpu,
    # a study's verdict (core/study/results.py verdict), sentence by sentence
    "verdict-empty": QT_TRANSLATE_NOOP("core", "no finished runs yet"),
    "verdict-best": QT_TRANSLATE_NOOP("core", "best: {value} at {mean:.2%} (mean of {runs})"),
    "verdict-next": QT_TRANSLATE_NOOP("core", "next: {value} at {mean:.2%}, {gap:.2f} points lower"),
    "verdict-next-one-seed": QT_TRANSLATE_NOOP("core", "next: {value} at {mean:.2%}, {gap:.2f} points lower (one "
                                                       "seed each: run with repeats to see the noise)"),
    "verdict-next-within": QT_TRANSLATE_NOOP("core", "next: {value} at {mean:.2%}, {gap:.2f} points lower — within "
                                                     "the noise (seeds differ by up to {spread:.2f} points)"),
    "verdict-next-beyond": QT_TRANSLATE_NOOP("core", "next: {value} at {mean:.2%}, {gap:.2f} points lower — more "
                                                     "than the noise (seeds differ by up to {spread:.2f} points)"),
    "verdict-worst": QT_TRANSLATE_NOOP("core", "worst: {value} at {mean:.2%}"),
    "all": QT_TRANSLATE_NOOP("core", "all"),
    "param-value": lambda f: f"{f['param']} {f['value']}",
    # the network editor's problems (core/spec.py analyse), and a problem with its layer
    "layer-problem": QT_TRANSLATE_NOOP("core", "layer {layer} ({kind}): {problem}"),
    "at-least": QT_TRANSLATE_NOOP("core", "{what} must be at least {low}, got {got}"),
    "too-large": QT_TRANSLATE_NOOP("core", "{what} {got} is more than {high:,}: a network this size would not fit "
                                           "in memory"),
    "padding-negative": QT_TRANSLATE_NOOP("core", "padding must be 0 or more, got {got}"),
    "padding-too-large": QT_TRANSLATE_NOOP("core", "padding {got} is more than {high:,}"),
    "pool-padding": QT_TRANSLATE_NOOP("core", "padding {padding} is more than half the pool size {size} (PyTorch "
                                              "allows at most {most})"),
    "rate-range": QT_TRANSLATE_NOOP("core", "rate must be in [0, 1), got {rate:g}"),
    "needs-volume": QT_TRANSLATE_NOOP("core", "{kind} needs an H×W×C volume, but its input is flat ({n}): it "
                                              "cannot follow flatten or dense"),
    "same-needs-stride-1": QT_TRANSLATE_NOOP("core", "padding \"same\" needs stride 1; PyTorch does not support it "
                                                     "with stride {stride} (give the padding as a number)"),
    "same-uneven": QT_TRANSLATE_NOOP("core", "padding \"same\" with the even kernel {kernel} pads unevenly: {before} "
                                             "before and {after} after, as PyTorch does"),
    "same-mostly-padding": QT_TRANSLATE_NOOP("core", "{what} {size} is larger than its {h}×{w} input: \"same\" "
                                                     "padding makes it work, but most of what it sees is padding"),
    "larger-than-input": QT_TRANSLATE_NOOP("core", "{what} {size} is larger than its {h}×{w} input after padding "
                                                   "{padding}"),
    "not-whole": QT_TRANSLATE_NOOP("core", "{fraction} + 1 is not whole: floors to {out}"),
    "flatten-does-nothing": QT_TRANSLATE_NOOP("core", "its input is already flat: this flatten does nothing"),
    "dense-needs-flat": QT_TRANSLATE_NOOP("core", "dense needs a flat input, but its input is the {volume} volume: "
                                                  "put a flatten before it"),
    "wrong-outputs": QT_TRANSLATE_NOOP("core", "the network ends in {outputs} outputs; it must end in {classes}, "
                                               "one per digit (end with dense {classes})"),
}


def core_text(m: Any) -> str:
    """What the core says, in the window's language: a coded message or error (anything with `code` and
    `fields`: core/messages.py Message, core/errors.py CodedError) by its code's template, its fields filled
    in (a Message field translated in turn); a list of them one after another (i18n.join_clauses: "；" in
    Chinese); a plain string as it is (the core's words that have no code yet stay English, as the command
    line shows them)."""
    if isinstance(m, (list, tuple)):
        return i18n.join_clauses(core_text(x) for x in m)
    code = getattr(m, "code", None)
    template = MESSAGES.get(code) if isinstance(code, str) else None
    if template is None:
        return str(m)
    fields = {k: core_tr(v) if k == "what" and isinstance(v, str) else
              core_text(v) if hasattr(v, "code") or isinstance(v, (list, tuple)) and v and hasattr(v[0], "code")
              else v
              for k, v in m.fields.items()}
    return template(fields) if callable(template) else _t(template).format(**fields)


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
