"""The plan of a study (what it runs), and the training config of one trial."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import TYPE_CHECKING

from mnist_gui.core.recipes import TrainConfig
from mnist_gui.core.study.params import MAX_TRIALS, StudyError, base_network, parameter

if TYPE_CHECKING:
    from mnist_gui.core.workspace import Workspace


class TrialFailed(Exception):
    """A trial that could not train (an invalid network, a diverged run); its message is kept on the trial."""


@dataclass
class StudyPlan:
    """What a study runs. Grid: `param` and `values` (× seeds 0..repeat-1). Search: `search` ranges and
    `trials`. `overrides` change the base recipe for every trial (the budget: max_steps, train_size, …)."""
    name: str
    param: str = ""
    values: list = field(default_factory=list)
    repeat: int = 1
    search: dict = field(default_factory=dict)
    trials: int = 20
    recipe: str = "fast"
    overrides: dict = field(default_factory=dict)
    storage: str | None = None        # an Optuna storage URL or a journal file path; None: the app folder

    @property
    def mode(self) -> str:
        return "search" if self.search else "grid"

    @property
    def params(self) -> list[str]:
        return list(self.search) if self.search else [self.param]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> StudyPlan:
        names = {f.name for f in fields(cls)}
        plan = cls(**{k: v for k, v in d.items() if k in names})
        plan.search = {k: tuple(tuple(x) if isinstance(x, list) else x for x in v) for k, v in plan.search.items()}
        return plan

    def grid(self) -> list[tuple]:
        """The grid points (value, seed), in the order they are queued."""
        return [(v, s) for v in self.values for s in range(self.repeat)]

    def check(self, ws: Workspace) -> TrainConfig:
        """The base config; StudyError for a bad name, parameter, value or budget."""
        from mnist_gui.core.storage import plain_name
        if self.storage is None and not (plain_name(self.name) and not self.name.startswith(".")):
            raise StudyError(f"a study name is a plain file name, got {self.name!r}")
        try:
            base = ws.recipe_config(self.recipe, **self.overrides)
        except ValueError as e:
            raise StudyError(str(e)) from None
        if self.search:
            for name in self.search:
                parameter(name, base.preset)
            if not 1 <= self.trials <= MAX_TRIALS:
                raise StudyError(f"a search runs 1 to {MAX_TRIALS:,} trials, got {self.trials:,}")
        else:
            p = parameter(self.param, base.preset)
            if not self.values:
                raise StudyError(f"no values given for {self.param}")
            self.values = [p.check(v) if v is not None else v for v in self.values]
            if not 1 <= self.repeat <= 100:
                raise StudyError(f"repeat must be between 1 and 100, got {self.repeat}")
            if len(self.values) * self.repeat > MAX_TRIALS:
                raise StudyError(f"a study runs at most {MAX_TRIALS:,} trials; {len(self.values):,} values × "
                                 f"{self.repeat} seeds are {len(self.values) * self.repeat:,}")
        return base

    def describe(self) -> dict:
        """What must match when a study is opened again (the base settings and what is studied)."""
        return {"mode": self.mode, "params": self.params, "recipe": self.recipe,
                "overrides": {k: v for k, v in sorted(self.overrides.items()) if v is not None}}


def trial_config(base: TrainConfig, params: dict) -> TrainConfig:
    """The base config with a trial's values: training fields set, network fields put into the network
    (a custom network: preset "custom", `arch` the edited layers, `dropout` their dropout rate).

    Raises TrialFailed with the spec's message when a network value makes the network invalid."""
    from dataclasses import replace as replace_config

    from mnist_gui.core.spec import SpecError, analyse, module_names, problems
    plain = {k: v for k, v in params.items() if "." not in k}
    cfg = replace_config(base, **plain)
    try:
        cfg = cfg.validated()
    except ValueError as e:
        raise TrialFailed(str(e)) from None
    net_params = {k: v for k, v in params.items() if "." in k}
    if net_params:
        from dataclasses import replace
        try:
            net = base_network(cfg.preset, cfg.dropout)
            names = module_names(net.layers)
            layers = list(net.layers)
            for k, v in net_params.items():
                layer, _, fname = k.partition(".")
                i = names.index(layer)
                layers[i] = replace(layers[i], **{fname: v})
            errors = problems(analyse(layers), "error")
        except (SpecError, ValueError) as e:
            raise TrialFailed(f"the network is not valid: {e}") from None
        if errors:
            raise TrialFailed(f"the network is not valid: {errors[0]}")
        cfg = cfg.with_network([layer.to_dict() for layer in layers])
        try:
            cfg = cfg.validated()
        except ValueError as e:
            raise TrialFailed(f"the network is not valid: {e}") from None
    return cfg
