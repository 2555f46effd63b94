"""Training settings as data: one table of fields, the TrainConfig they make, and the recipe catalogue.

`FIELDS` is the single source of truth for a training hyperparameter: its type, range, default, label
and help. The command line's options (`mnist-gui train --lr …`) and the Train tab's form are both made
from it, and `TrainConfig.validate` checks against it, so a new hyperparameter is one row here plus
its use in the Trainer.

Recipes have short stable ids (`fast`, `tutorial`, `fast-bn`, `finetune`) for the command line and for
settings; their labels are for people (the GUI translates them).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from mnist_gui.config import MNIST_TRAIN_SIZE
from mnist_gui.core.device import PRECISIONS
from mnist_gui.core.presets import CUSTOM, PRESETS

OPTIMIZERS = ("adamw", "adam", "sgd")
SCHEDULES = ("onecycle", "cosine", "constant")


@dataclass(frozen=True)
class Field:
    """One training hyperparameter: what the CLI option and the form row are made from."""
    name: str
    kind: str                       # "float", "int", "bool", "choice"
    label: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    optional: bool = False          # None is allowed (max_steps, train_size)
    none_text: str = ""             # what None means, in words ("from epochs", "all")
    decimals: int = 2               # for the form's spin box
    step: float = 1.0
    min_inclusive: bool = True
    used_when: tuple[str, tuple[str, ...]] | None = None   # (field, values): has an effect only then

    def used(self, values: dict) -> bool:
        """Whether this field changes anything, given the other fields' values (momentum: SGD only)."""
        return self.used_when is None or values.get(self.used_when[0]) in self.used_when[1]

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def check(self, value: Any) -> Any:
        """The value converted to this field's type; ValueError with a one-line reason otherwise."""
        if value is None:
            if self.optional:
                return None
            raise ValueError(f"{self.label.lower()} must be set")
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            raise ValueError(f"{self.label.lower()} must be true or false, got {value!r}")
        if self.kind == "choice":
            if value in self.choices:
                return value
            raise ValueError(f"unknown {self.label.lower()} {value!r}; choose from {', '.join(self.choices)}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{self.label.lower()} must be a number, got {value!r}")
        if self.kind == "int":
            if float(value) != int(value):
                raise ValueError(f"{self.label.lower()} must be a whole number, got {value}")
            value = int(value)
        else:
            value = float(value)
            if not math.isfinite(value):
                raise ValueError(f"{self.label.lower()} must be a finite number, got {value}")
        lo_ok = self.minimum is None or (value >= self.minimum if self.min_inclusive else value > self.minimum)
        hi_ok = self.maximum is None or value <= self.maximum
        if not (lo_ok and hi_ok):
            raise ValueError(f"{self.label.lower()} must be in {self.range_text()}, got {self._text(value)}")
        return value

    def _text(self, v) -> str:
        """A value as the range says it: 999999999 for a whole number (not 1e+09), 0.001 for a rate."""
        return str(int(v)) if self.kind == "int" else f"{v:g}"

    def range_text(self) -> str:
        lo = "[" if self.min_inclusive else "("
        return f"{lo}{self._text(self.minimum)}, {self._text(self.maximum)}]"


FIELDS: tuple[Field, ...] = (
    Field("preset", "choice", "Architecture", "network preset, or custom: the network edited on the Model tab "
          "(mnist-gui train --arch FILE.json)", choices=(*PRESETS, CUSTOM)),
    Field("epochs", "float", "Epochs", "passes over the training images (may be fractional); "
          "max steps overrides it", 0.0, 1000, min_inclusive=False, decimals=2),
    Field("max_steps", "int", "Max steps", "stop after this many batches (default: from epochs)", 1, 10_000_000,
          optional=True, none_text="from epochs"),
    Field("batch_size", "int", "Batch size", "images per step", 1, MNIST_TRAIN_SIZE),
    Field("optimizer", "choice", "Optimizer", "the update rule", choices=OPTIMIZERS),
    Field("lr", "float", "Learning rate", "(peak) learning rate", 0.0, 10.0, min_inclusive=False,
          decimals=5, step=0.0005),
    Field("momentum", "float", "Momentum", "SGD momentum (Nesterov when above 0); ignored by Adam/AdamW",
          0.0, 0.999, decimals=3, step=0.05, used_when=("optimizer", ("sgd",))),
    Field("schedule", "choice", "Schedule", "how the learning rate changes over the run", choices=SCHEDULES),
    Field("dropout", "float", "Dropout", "dropout rate before the last dense layer", 0.0, 0.95, decimals=2,
          step=0.05),
    Field("weight_decay", "float", "Weight decay", "decoupled (AdamW) or L2 weight decay on weights",
          0.0, 0.5, decimals=5, step=0.0001),
    Field("label_smoothing", "float", "Label smoothing", "share of the target spread over the other digits",
          0.0, 0.5, decimals=2, step=0.05),
    Field("augment", "bool", "Augmentation", "random affine and stroke-thickness augmentation"),
    Field("train_size", "int", "Training images", "use this many training images (default: all)", 10,
          MNIST_TRAIN_SIZE, optional=True, none_text="all", step=1000),
    Field("precision", "choice", "Precision", "auto: bfloat16 autocast where the device computes it natively "
          "(recent CPUs and GPUs), float32 elsewhere; fp32 or bf16: always that. Weights, loss and optimizer "
          "stay float32", choices=PRECISIONS),
    Field("seed", "int", "Seed", "random seed (same seed, same machine: same result)", 0, 2**31 - 1),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
# Not in the form or on the command line (the fine-tune recipe sets it), but checked the same way.
AVERAGE_START = Field("average_start", "float", "Average with the start",
                      "share of the way back to the starting weights at the end of the run", 0.0, 0.99)


@dataclass
class TrainConfig:
    """A run's hyperparameters (the fields above) — the recipe, not where it runs."""
    preset: str = "tf-tutorial"
    dropout: float = 0.4
    optimizer: str = "adamw"
    lr: float = 2e-3
    momentum: float = 0.9
    schedule: str = "onecycle"
    batch_size: int = 128
    epochs: float = 1.0
    max_steps: int | None = None
    weight_decay: float = 1e-4
    label_smoothing: float = 0.0
    seed: int = 0
    augment: bool = False
    train_size: int | None = None
    precision: str = "auto"         # what the forward pass computes in; where it runs decides "auto"
    eval_every_epoch: bool = True   # not a user field: the Trainer's evaluation cadence
    arch: dict | None = None        # a custom network: {"layers": [...]} (core/spec.py); preset is "custom"
    # Not a user field: whose pen-drawn digits the weights have seen ("1-30"; None: none), kept through
    # fine-tuning, so the Evaluate tab measures only the writers a model has not seen.
    pen_writers: str | None = None
    # Not a user field: at the end of a run from given weights, move this share of the way back to them
    # (weight averaging, WiSE-FT). The fine-tune recipe uses it so teaching keeps what the model knew.
    average_start: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """Known keys only (old records may hold more, e.g. threads); values are checked."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names}).validated()

    def model_config(self):
        """What to build. For a custom network, the dropout field sets its dropout layers' rate."""
        from mnist_gui.core.models import ModelConfig
        if self.arch is not None:
            return ModelConfig(spec=self.arch["layers"], dropout=self.dropout)
        return ModelConfig(preset=self.preset, dropout=self.dropout)

    def validated(self) -> TrainConfig:
        """This config checked and in canonical form, as a new TrainConfig (this one is left as it is):
        every field through its Field's check (a whole number of steps, a known choice), the network as a
        canonical spec. ValueError with a one-line message for a value out of its field's range, or for a
        custom network that cannot work (naming the layer and field)."""
        cfg = replace(self, **{f.name: f.check(getattr(self, f.name)) for f in FIELDS},
                      average_start=AVERAGE_START.check(self.average_start))
        if (cfg.preset == CUSTOM) != (cfg.arch is not None):
            raise ValueError("a custom architecture needs a network (--arch FILE.json or the Model tab)"
                             if cfg.arch is None else "a network was given but the preset is not 'custom'")
        if cfg.arch is not None:
            from mnist_gui.core.spec import NetworkSpec, analyse, problems
            net = NetworkSpec.from_dict(cfg.arch)   # SpecError (a ValueError) names the layer and field
            errors = problems(analyse(net), "error")
            if errors:
                raise ValueError(str(errors[0]))
            cfg = replace(cfg, arch=net.to_dict())
        cfg._check_memory()
        return cfg

    def _check_memory(self) -> None:
        """ValueError naming the limit when this network at this batch size needs more memory than the
        machine lets a run use (core/limits.py), with the largest batch size that fits."""
        from mnist_gui.core import limits
        from mnist_gui.core.presets import ModelConfig
        from mnist_gui.core.spec import analyse, problems, training_bytes
        cfg = ModelConfig(spec=self.arch["layers"], dropout=self.dropout) if self.arch is not None \
            else ModelConfig(preset=self.preset, dropout=self.dropout)
        rows = analyse(cfg.network())
        errors = problems(rows, "error")
        if errors:          # a preset never has any; a custom network's were raised above
            raise ValueError(str(errors[0]))
        need, usable = training_bytes(rows, self.batch_size), limits.usable_bytes()
        if need > usable:
            fixed, per_image = training_bytes(rows, 0), training_bytes(rows, 1) - training_bytes(rows, 0)
            fits = max(0, (usable - fixed) // per_image)
            raise ValueError(f"batch size {self.batch_size:,}: training this network would need about "
                             f"{limits.size_text(need)}, and {limits.limit_text()}: use a batch size of at most "
                             f"{fits:,}")

    def with_network(self, layers: list[dict]) -> TrainConfig:
        """This config training the given network (a custom spec's layers): preset custom, and the dropout
        field set to the network's own dropout rate (when it trains, the field sets every dropout layer)."""
        rates = [d["rate"] for d in layers if d.get("kind") == "dropout"]
        return replace(self, preset=CUSTOM, arch={"layers": [dict(d) for d in layers]},
                       dropout=rates[0] if rates else self.dropout)

    def with_overrides(self, **overrides) -> TrainConfig:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


@dataclass(frozen=True)
class Recipe:
    id: str
    label: str
    description: str
    config: TrainConfig = field(repr=False)


RECIPES: dict[str, Recipe] = {r.id: r for r in (
    Recipe("fast", "fast (default)",
           "AdamW 2e-3 with a one-cycle schedule, batch 64, label smoothing 0.1, 0.75 epoch (45,000 images): "
           "about 99.2% on the tutorial's network",
           TrainConfig(batch_size=64, epochs=0.75, label_smoothing=0.1)),
    Recipe("tutorial", "tutorial recipe",
           "the tutorial's own: plain SGD, learning rate 0.001, batch 100, 20,000 steps (about 97.3%)",
           TrainConfig(optimizer="sgd", momentum=0.0, lr=1e-3, schedule="constant", batch_size=100,
                       max_steps=20000, weight_decay=0.0, epochs=34)),
    Recipe("fast-bn", "fast-bn, one epoch",
           "the small batch-norm network, AdamW 1e-2, one epoch: about 99.1% in a fraction of the time",
           TrainConfig(preset="fast-bn", lr=1e-2, batch_size=128, weight_decay=5e-4)),
    Recipe("finetune", "fine-tune on my digits",
           "a short run from the live model on My digits mixed with MNIST, so MNIST accuracy holds",
           TrainConfig(optimizer="adamw", lr=3e-4, schedule="onecycle", batch_size=128, max_steps=120,
                       epochs=1, weight_decay=1e-4, augment=True, seed=0, average_start=0.3)),
)}
DEFAULT_RECIPE = "fast"
# Recipes a user starts a fresh run from (fine-tuning starts from the live model instead).
TRAINING_RECIPES = tuple(r for r in RECIPES if r != "finetune")
