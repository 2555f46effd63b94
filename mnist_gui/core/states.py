"""The core's states as enums: how a run ended, what becomes of its model, what work holds the cores.

Each is a `StrEnum`: a member compares equal to its value and prints as it, so run records, `--json` and
the settings keep the same words; code compares by member (`status is RunStatus.STOPPED`), never by a
bare string. This module imports nothing but the standard library.
"""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    """How a training run ended (core/train.py TrainResult, a run record's `status`)."""
    FINISHED = "finished"
    STOPPED = "stopped"
    DIVERGED = "diverged"


class LiveAction(StrEnum):
    """What to do with a finished run's model (core/workspace.py LiveDecision)."""
    LIVE = "live"                # make it live
    ASK_WORSE = "ask_worse"      # it reads fewer test images than the live model: ask, default no
    ASK_STOPPED = "ask_stopped"  # stopped part way: ask whether to keep it, default no
    ASK_UNMEASURED = "ask_unmeasured"   # it or the live model has no test accuracy to compare: ask, default no
    NONE = "none"                # diverged or no model: the live model stays


class BusyKind(StrEnum):
    """The one piece of work that holds the cores (core/workspace.py working); also a run's kind."""
    TRAIN = "train"
    FINETUNE = "finetune"
    STUDY = "study"

    @property
    def words(self) -> str:
        """The work in English words, for a message ("a fine-tuning run is running")."""
        return _WORDS[self]


_WORDS = {BusyKind.TRAIN: "training run", BusyKind.FINETUNE: "fine-tuning run", BusyKind.STUDY: "study"}
