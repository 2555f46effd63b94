"""What a training run and a study tell their callbacks: one small frozen dataclass per kind of event.

`Trainer(cfg, data, callback).run()` calls `callback(event)` in the training thread with, in order:

    Started                     once, when the number of steps is known
    Progressed ...              the steps trained since the last one (see below)
    EpochEnded                  after each evaluated epoch (every epoch, or only the last one)
    StatusChanged               paused, resumed, or why the run diverged (at any point)
    Finished                    last, always: how the run ended

`Workspace.run` adds Measuring after a stopped run's Finished, while its model is measured on the test images.

What is said to people is a coded message (core/messages.py, core/errors.py): str() is the English line,
the window translates it by its code. A consumer matches on the type (`match ev: case Progressed(): ...` or `isinstance`). This module imports
nothing but the standard library, so the GUI can name the types without loading torch.

Progressed is throttled here, in the trainer, not by its consumers: one event covers every step since
the previous one (`steps`, `losses`, `accuracies` list them; the scalar fields are those of the last step),
and one is sent at most every `progress_interval_s` (the Trainer's argument), the first step at once, and
always before a pause, an epoch's end, the last step, a stop and a divergence, so nothing is left unsent.
"""

from __future__ import annotations

from dataclasses import dataclass

from mnist_gui.core.errors import Diverged
from mnist_gui.core.messages import Message
from mnist_gui.core.states import RunStatus


@dataclass(frozen=True)
class Started:
    """The run is set up and about to take its first step."""
    total_steps: int
    train_size: int          # training images (after train_size and extra images)
    epochs: int              # passes over them (the last may be partial)
    config: dict             # TrainConfig.to_dict()
    device: str              # where it trains ("cpu", "cuda:0", ...)
    precision: str           # what the forward pass computes in: "bf16" (autocast) or "fp32"
    steps_per_epoch: int = 0  # steps in one pass over the training images


@dataclass(frozen=True)
class Progressed:
    """Steps since the previous Progressed. The scalars are those of the last step, `step`."""
    step: int
    total_steps: int
    epoch: int
    loss: float              # of the last step's batch
    accuracy: float          # running (exponential) training accuracy after the last step
    images_per_s: float      # smoothed training speed
    eta_s: float             # estimated seconds of training left
    lr: float
    train_seconds: float     # training time so far (evaluation and pauses not counted)
    steps: tuple[int, ...]   # every step this event covers, in order; steps[-1] == step
    losses: tuple[float, ...]
    accuracies: tuple[float, ...]


@dataclass(frozen=True)
class EpochEnded:
    """An epoch was trained and the model evaluated on the test split."""
    epoch: int
    epochs: int
    step: int
    test_loss: float
    test_accuracy: float
    per_class: tuple[float, ...]   # test accuracy of each digit 0-9
    train_seconds: float
    eval_seconds: float


@dataclass(frozen=True)
class StatusChanged:
    """A line for people: run-paused, run-resumed, or the reason the run diverged."""
    message: Message | Diverged


@dataclass(frozen=True)
class Finished:
    """The run ended; `status` and `message` are those of the TrainResult that run() returns."""
    status: RunStatus
    message: Message | Diverged
    step: int                # steps trained
    train_seconds: float
    seconds: float           # wall clock of the whole run


TrainEvent = Started | Progressed | EpochEnded | StatusChanged | Finished


@dataclass(frozen=True)
class Measuring:
    """A stopped run's model over the test images (Workspace.run): `done` of `total` images so far."""
    done: int
    total: int


# A study (core/study/running.py run_trials, run_study) tells its callback StudyOpened once, then for each trial:
#     TrialStarted, then every TrialTrained (the trial's Trainer events), then TrialEnded
# (with worker processes only TrialEnded, read from the study's storage).

@dataclass(frozen=True)
class StudyOpened:
    """The study is open (made now, or found and resumed): MNIST loaded first, so a study that cannot train is
    never made, and work stopped before this left nothing behind."""
    name: str


@dataclass(frozen=True)
class TrialStarted:
    """A trial begins: its number and the values it tries."""
    number: int
    params: dict


@dataclass(frozen=True)
class TrialTrained:
    """One of the trial's training events (the Trainer's own, above)."""
    trial: int
    event: TrainEvent


@dataclass(frozen=True)
class TrialEnded:
    """A trial ended: its state ("complete", "failed", …), its test accuracy when complete, why it failed."""
    number: int
    state: str
    accuracy: float | None
    error: str = ""


StudyEvent = StudyOpened | TrialStarted | TrialTrained | TrialEnded
