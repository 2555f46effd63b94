"""What the core says to people, as codes with fields: never English the window has to parse.

A `Message` is a stable `code` and named `fields`; `str(message)` is the English line the command line
prints, made from the code's English template in `ENGLISH`. The window keeps its own template for each code
(gui/core_strings.py, translated with Qt) and fills in the same fields, so rewording a sentence here cannot
break a translation, and a new code without a window template fails a test.

A template is a `str.format` string with named placeholders (`{step}`, `{accuracy:.2%}`), or a function of
the fields where the words depend on them (plurals, an optional part). A field may be a Message itself (a
folder looked in, a word), or a list of them: the English joins a list with "; ".

Errors with codes are in core/errors.py (the same idea on exceptions). This module imports nothing but the
standard library.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Template = str | Callable[[Mapping[str, Any]], str]


def _looked(f: Mapping[str, Any]) -> str:
    return f"{f['source']}: {f['folder']} (missing {', '.join(f['missing']) or 'nothing'})"


def _cpu(f: Mapping[str, Any]) -> str:
    n = f["threads"]
    return (f"{f['model']}, " if f["model"] else "") + f"CPU, {n} thread{'s' if n != 1 else ''}"


def _run_finished(f: Mapping[str, Any]) -> str:
    n = f["steps"]
    return (f"finished: test accuracy {f['accuracy']:.2%} after {n} step{'s' if n != 1 else ''}, "
            f"{f['seconds']:.1f} s of training")


def _verdict_next(f: Mapping[str, Any]) -> str:
    return f"next: {f['value']} at {f['mean']:.2%}, {f['gap']:.2f} points lower"


# The English of every code that is not an error (errors carry theirs: core/errors.py).
ENGLISH: dict[str, Template] = {
    # MNIST's folders (core/data.py): one place looked in; source is "--data-dir", "MNIST_GUI_DATA" or
    # "user folder", missing the files it lacks
    "mnist-looked": _looked,
    # MNIST on its way (core/data.py load_mnist, download_mnist): the lines a run's log and the Data and
    # Evaluate tabs show while it loads; file is one of MNIST's four file names
    "mnist-loading": "loading MNIST from {folder}",
    "mnist-downloading": "downloading MNIST into {folder}",
    "mnist-downloading-file": "downloading {file} ({index} of {count})",
    # a training run's end (core/train.py TrainResult.message) and its pauses (StatusChanged)
    "run-finished": _run_finished,   # "after 1 step", "after 120 steps"
    "run-stopped": "stopped at step {step} of {total}",
    "run-paused": "paused",
    "run-resumed": "resumed",
    # the window's first model (core/workspace.py initial_checkpoint) when none could be opened
    "model-untrained": "using an untrained model: train one on the Train tab",
    # the CPU as the device list names it (core/device.py): model is a proper name, or ""
    "cpu-name": _cpu,
    # a study's verdict (core/study/results.py verdict), sentence by sentence; value is "<param> <value>"
    # for the best and the value alone after it
    "verdict-empty": "no finished runs yet",
    "verdict-best": "best: {value} at {mean:.2%} (mean of {runs})",
    "verdict-next": _verdict_next,
    "verdict-next-one-seed": lambda f: _verdict_next(f) + " (one seed each: run with repeats to see the noise)",
    "verdict-next-within": lambda f: _verdict_next(f) + (f" — within the noise (seeds differ by up to "
                                                          f"{f['spread']:.2f} points)"),
    "verdict-next-beyond": lambda f: _verdict_next(f) + (f" — more than the noise (seeds differ by up to "
                                                          f"{f['spread']:.2f} points)"),
    "verdict-worst": "worst: {value} at {mean:.2%}",
    "all": "all",   # a value that is not set (all training images)
    "param-value": "{param} {value}",
    # the network editor's problems (core/spec.py analyse); what is the field's name
    "layer-problem": "layer {layer} ({kind}): {problem}",
    "at-least": "{what} must be at least {low}, got {got}",
    "too-large": "{what} {got} is more than {high:,}: a network this size would not fit in memory",
    "padding-negative": "padding must be 0 or more, got {got}",
    "padding-too-large": "padding {got} is more than {high:,}",
    "pool-padding": "padding {padding} is more than half the pool size {size} (PyTorch allows at most {most})",
    "rate-range": "rate must be in [0, 1), got {rate:g}",
    "needs-volume": "{kind} needs an H×W×C volume, but its input is flat ({n}): it cannot follow flatten or dense",
    "same-needs-stride-1": "padding \"same\" needs stride 1; PyTorch does not support it with stride {stride} "
                           "(give the padding as a number)",
    "same-uneven": "padding \"same\" with the even kernel {kernel} pads unevenly: {before} before and {after} "
                   "after, as PyTorch does",
    "same-mostly-padding": "{what} {size} is larger than its {h}×{w} input: \"same\" padding makes it work, but "
                           "most of what it sees is padding",
    "larger-than-input": "{what} {size} is larger than its {h}×{w} input after padding {padding}",
    "not-whole": "{fraction} + 1 is not whole: floors to {out}",
    "flatten-does-nothing": "its input is already flat: this flatten does nothing",
    "dense-needs-flat": "dense needs a flat input, but its input is the {volume} volume: put a flatten before it",
    "wrong-outputs": "the network ends in {outputs} outputs; it must end in {classes}, one per digit "
                     "(end with dense {classes})",
}


def english(template: Template, fields: Mapping[str, Any]) -> str:
    """The English line: each Message field in English, a list joined with "; ", then the template."""
    shown = {k: english_value(v) for k, v in fields.items()}
    return template(shown) if callable(template) else template.format(**shown)


def english_value(v: Any) -> Any:
    if isinstance(v, Message):
        return str(v)
    if isinstance(v, (list, tuple)) and any(isinstance(x, Message) for x in v):
        return "; ".join(str(x) for x in v)
    return v


@dataclass(frozen=True)
class Message:
    """A line for people: a code from ENGLISH and its named fields. str() is the English."""
    code: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in ENGLISH:
            raise KeyError(f"no English for the message code {self.code!r}")

    def __str__(self) -> str:
        return english(ENGLISH[self.code], self.fields)


def say(code: str, **fields: Any) -> Message:
    """Message(code, fields), written the way a placeholder is named: say("run-stopped", step=3, total=10)."""
    return Message(code, fields)
