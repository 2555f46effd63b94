"""The core's error types that the front ends catch, in a module that imports nothing heavy (no torch):
`mnist-gui predict` and the window can name them without loading PyTorch.

An error the window shows in its own words is a `CodedError`: a stable `code`, named fields (attributes,
and `fields` for a template) and an English `template`; `str(e)` is the one line the command line prints.
The window translates by code (gui/core_strings.py), never by reading the English. Every CodedError class
is listed in `CODED_ERRORS` (a test checks that the window has words for each code).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from mnist_gui.core.messages import Message, english
from mnist_gui.core.states import BusyKind

CODED_ERRORS: list[type[CodedError]] = []


class CodedError(Exception):
    """An error with a code, named fields and an English template (see the module's docstring)."""
    code: ClassVar[str] = ""
    template: ClassVar[str] = ""   # str.format with the fields' names

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "code" in cls.__dict__:
            CODED_ERRORS.append(cls)

    def __init__(self, **fields: Any) -> None:
        self.fields: Mapping[str, Any] = fields
        super().__init__(english(self.template, fields))


class DataError(Exception):
    """A clear, one-line problem with the MNIST files."""


class Cancelled(Exception):
    """A stop was asked for while loading; nothing was loaded."""


_NOT_FOUND = ("MNIST not found. Looked in {looked}. Point the app at a folder holding the four IDX files with "
              "--data-dir DIR or MNIST_GUI_DATA=DIR")


class MnistNotFound(CodedError, DataError):
    """No folder looked in holds the four MNIST files. `looked`: one Message("mnist-looked") per folder."""
    code = "mnist-not-found"
    template = _NOT_FOUND

    def __init__(self, looked: Sequence[Message], **more: Any) -> None:
        self.looked = tuple(looked)
        super().__init__(looked=self.looked, **more)


class DownloadError(MnistNotFound):
    """MNIST could not be downloaded. `offline` when no mirror could be reached at all (no network, a
    proxy, a firewall); `reason` is the last mirror's answer, for the front end's own message."""
    code = "mnist-download-failed"
    template = _NOT_FOUND + ". Download failed: {reason}"

    def __init__(self, looked: Sequence[Message], reason: str, offline: bool) -> None:
        self.reason, self.offline = reason, offline
        super().__init__(looked, reason=reason, offline=offline)


class MnistFileMissing(CodedError, DataError):
    """A folder chosen for MNIST lacks one of its files."""
    code = "mnist-file-missing"
    template = "{folder}: lacks {file}"

    def __init__(self, folder: Path | str, file: str) -> None:
        self.folder, self.file = folder, file
        super().__init__(folder=folder, file=file)


class Busy(CodedError, RuntimeError):
    """Training, fine-tuning or a study is already running: one at a time (they share the cores).
    `kind`: what runs (core/states.py BusyKind)."""
    code = "busy"
    template = "a {work} is running; wait for it or stop it first"

    def __init__(self, kind: str) -> None:
        self.kind = kind
        work = BusyKind(kind).words if kind in set(BusyKind) else kind
        super().__init__(kind=kind, work=work)


class MyDigitsEmpty(CodedError, ValueError):
    """Fine-tuning was asked for with no taught digits."""
    code = "my-digits-empty"
    template = "My digits is empty: teach some digits first"


class ModelNotLoaded(CodedError, ValueError):
    """Work that needs the live model was asked for before it loaded."""
    code = "model-not-loaded"
    template = "the model has not loaded yet"


class Diverged(CodedError):
    """A training loss read back was not finite."""
    code = "diverged"
    template = "diverged at step {step}: loss is {loss}; lower the learning rate"

    def __init__(self, step: int, loss: float) -> None:
        self.step, self.loss = step, loss
        super().__init__(step=step, loss=loss)
