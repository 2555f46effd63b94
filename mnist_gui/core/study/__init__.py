"""Parameter studies: how does one setting change the result? Optuna runs them; this module says what to run.

A grid study is one parameter and its values, each trained with seeds 0..repeat-1; a search study lets
Optuna's TPE sampler look for the best values of 1–3 parameters in a number of trials. Every trial trains
with a base recipe (default `fast`) overridden by the study's budget (max steps, training images, …) and
the trial's values, is recorded as a run (`Workspace.finish_run(kind="study")`), and reports its test
accuracy (the objective, maximised) with its training time and run id as user attributes.

Parameters are the training fields of core/recipes.py FIELDS (lr, batch_size, optimizer, dropout, …) and
network fields written `<layer>.<field>` with the module names of core/spec.py (`conv1.filters`,
`conv2.kernel`, `dense.units`): the base preset's network with that layer's field replaced, trained as a
custom spec. A value that makes the network invalid fails its trial with the spec's message.

Studies are stored in an Optuna JournalStorage file, <app folder>/studies/<name>.journal (or any Optuna
storage URL), so a study resumes where it stopped. Each grid point (value, seed) is put in Optuna's queue
once (`enqueue_trial`); a worker takes a queued trial atomically, so with several workers — processes
here, or machines sharing the storage — every point runs exactly once. (GridSampler alone re-runs the
last points when workers overlap, and never re-runs a point whose process was killed.) A trial stopped
by the user or killed with its process is put back in the queue when the study is opened again.

Nothing here imports Qt; torch and Optuna are imported when a study is opened.
"""

from __future__ import annotations

import csv
import io
import math
import multiprocessing
import os
import socket
import statistics
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mnist_gui.core.recipes import FIELDS_BY_NAME, TrainConfig

if TYPE_CHECKING:
    import optuna

    from mnist_gui.core.workspace import Workspace

SEED = "seed"
# The parameters offered first (the GUI's list); any FIELDS field but seed, and any whole-number field of
# a layer of the base network, can be studied.
STUDY_PARAMS = ("lr", "batch_size", "optimizer", "dropout", "epochs", "max_steps", "augment", "train_size",
                "weight_decay", "label_smoothing", "conv1.filters", "conv2.filters", "conv1.kernel",
                "conv2.kernel", "dense.units")
# Search ranges when none is given (the field table's ranges are the limits of what is allowed, too wide
# to search): (low, high, log).
SEARCH_RANGES = {
    "lr": (1e-4, 1e-1, True), "dropout": (0.0, 0.7, False), "weight_decay": (1e-6, 1e-1, True),
    "label_smoothing": (0.0, 0.3, False), "batch_size": (16, 512, True), "epochs": (0.25, 3.0, False),
    "max_steps": (50, 2000, True), "train_size": (1000, 60000, True), "momentum": (0.0, 0.99, False),
    "filters": (4, 128, True), "kernel": (1, 9, False), "units": (16, 2048, True), "size": (1, 4, False),
    "stride": (1, 3, False), "padding": (0, 3, False),
}
LOG_AXIS = ("lr", "weight_decay", "batch_size", "train_size", "max_steps", "filters", "units")
HOST = socket.gethostname()


class StudyError(ValueError):
    """A study that cannot be made or opened: one line for the user."""


class TrialFailed(Exception):
    """A trial that could not train (an invalid network, a diverged run); its message is kept on the trial."""


# ------------------------------------------------------------------------------------------ parameters

@dataclass(frozen=True)
class Param:
    name: str                  # "lr", "conv1.filters"
    kind: str                  # "float", "int", "bool", "choice"
    label: str
    choices: tuple = ()        # choice and bool parameters
    layer: str | None = None   # network fields: the module name ("conv1") and its field ("filters")
    layer_field: str | None = None

    @property
    def network(self) -> bool:
        return self.layer is not None

    @property
    def log_axis(self) -> bool:
        """Values of this parameter are usually spread on a log scale (the chart's x axis)."""
        return (self.layer_field or self.name) in LOG_AXIS

    def check(self, value):
        """The value as this parameter's type; StudyError with a one-line reason."""
        if self.network:
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            if not isinstance(value, int) or isinstance(value, bool):
                raise StudyError(f"{self.name} must be a whole number, got {value!r}")
            return value
        try:
            return FIELDS_BY_NAME[self.name].check(value)
        except ValueError as e:
            raise StudyError(str(e)) from None


def base_network(preset: str = "tf-tutorial", dropout: float = 0.4):
    from mnist_gui.core.models import ModelConfig
    return ModelConfig(preset=preset, dropout=dropout).network()


def parameter(name: str, preset: str = "tf-tutorial") -> Param:
    """The study parameter called `name`: a training field, or `<layer>.<field>` of the preset's network."""
    name = name.strip()
    if "." in name:
        from mnist_gui.core.spec import KINDS, module_names
        layer, _, fname = name.partition(".")
        net = base_network(preset)
        names = module_names(net.layers)
        if layer not in names:
            raise StudyError(f"unknown parameter {name!r}: the {preset} network has no layer {layer!r} "
                             f"(its layers: {', '.join(names)})")
        kind = net.layers[names.index(layer)].kind
        numeric = [f for f in KINDS[kind] if f not in ("bias", "rate")]
        if fname not in numeric:
            takes = ", ".join(numeric) if numeric else "no whole-number fields"
            raise StudyError(f"unknown parameter {name!r}: {layer} ({kind}) takes {takes}")
        return Param(name, "int", f"{layer} {fname}", layer=layer, layer_field=fname)
    f = FIELDS_BY_NAME.get(name)
    if f is None or name == SEED:
        raise StudyError(f"unknown parameter {name!r}; choose from {', '.join(STUDY_PARAMS)} "
                         f"(or another training field, or <layer>.<field> of the network)")
    choices = (False, True) if f.kind == "bool" else f.choices
    return Param(name, f.kind, f.label, choices)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise StudyError(f"{text.strip()!r} is not a number") from None


def _convert(param: Param, text: str):
    t = text.strip()
    if param.kind == "bool":
        low = t.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise StudyError(f"{param.name} values are true or false, got {t!r}")
    if param.kind == "choice":
        return param.check(t)
    if t.lower() in ("none", "all", "") and not param.network and FIELDS_BY_NAME[param.name].optional:
        return None
    v = _number(t)
    if param.kind == "int":
        if not v.is_integer():
            raise StudyError(f"{param.name} takes whole numbers, got {t}")
        v = int(v)
    return param.check(v)


def value_range(lo: float, hi: float, count: int, log: bool = False, whole: bool = False) -> list:
    """count values from lo to hi, evenly spaced (or evenly on a log scale); rounded when whole."""
    if count < 1:
        raise StudyError(f"the count must be at least 1, got {count}")
    if log and (lo <= 0 or hi <= 0):
        raise StudyError(f"a log range needs positive ends, got {lo:g}:{hi:g}")
    if count == 1:
        vals = [lo]
    elif log:
        a, b = math.log(lo), math.log(hi)
        vals = [math.exp(a + (b - a) * i / (count - 1)) for i in range(count)]
    else:
        vals = [lo + (hi - lo) * i / (count - 1) for i in range(count)]
    if whole:
        return list(dict.fromkeys(int(round(v)) for v in vals))
    return [float(f"{v:.6g}") for v in vals]


def parse_values(param: Param, values: str | None = None, *, range_: str | None = None, count: int | None = None,
                 log: bool = False) -> list:
    """The values of a grid study: a list ("1e-4,1e-3,1e-2") or a range "lo:hi" with a count (linear or
    log). Each is checked against the parameter's type and range; duplicates are dropped."""
    if values and range_:
        raise StudyError("give either a list of values or a range, not both")
    if range_ is None and values and ":" in values:
        range_, values = values, None
    if range_:
        if param.kind in ("bool", "choice"):
            raise StudyError(f"{param.name} has no range; list its values ({', '.join(map(str, param.choices))})")
        lo, sep, hi = range_.partition(":")
        if not sep:
            raise StudyError(f"a range is written low:high, got {range_!r}")
        if not count:
            raise StudyError("a range needs a count (how many values)")
        out = value_range(_number(lo), _number(hi), count, log, whole=param.kind == "int")
        out = [param.check(v) for v in out]
    else:
        parts = [p for p in (values or "").split(",") if p.strip()]
        if not parts:
            raise StudyError(f"no values given for {param.name}")
        out = [_convert(param, p) for p in parts]
    return list(dict.fromkeys(out))


def parse_search(text: str, preset: str = "tf-tutorial") -> dict[str, tuple]:
    """`lr,dropout` or `lr=1e-4:1e-2,dropout=0:0.5` -> {name: (low, high, log)} or {name: (choices,)}."""
    out: dict[str, tuple] = {}
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        name, _, rng = part.partition("=")
        p = parameter(name, preset)
        if p.kind in ("bool", "choice"):
            if rng:
                raise StudyError(f"{p.name} has no range; its values are {', '.join(map(str, p.choices))}")
            out[p.name] = (tuple(p.choices),)
            continue
        default = SEARCH_RANGES.get(p.layer_field or p.name)
        if rng:
            lo, sep, hi = rng.partition(":")
            if not sep:
                raise StudyError(f"a range is written low:high, got {rng!r}")
            lo, hi = _number(lo), _number(hi)
            log = bool(default and default[2]) and lo > 0
        elif default:
            lo, hi, log = default
        else:
            raise StudyError(f"give {p.name} a range: {p.name}=low:high")
        if lo >= hi:
            raise StudyError(f"{p.name}: the range's low end must be below its high end, got {lo:g}:{hi:g}")
        if p.kind == "int":
            lo, hi = int(math.ceil(lo)), int(math.floor(hi))
        lo, hi = p.check(lo), p.check(hi)
        out[p.name] = (lo, hi, log)
    if not 1 <= len(out) <= 3:
        raise StudyError(f"a search takes 1 to 3 parameters, got {len(out)}")
    return out


# ------------------------------------------------------------------------------------------ the plan

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
    def from_dict(cls, d: dict) -> "StudyPlan":
        names = {f.name for f in fields(cls)}
        plan = cls(**{k: v for k, v in d.items() if k in names})
        plan.search = {k: tuple(tuple(x) if isinstance(x, list) else x for x in v) for k, v in plan.search.items()}
        return plan

    def grid(self) -> list[tuple]:
        """The grid points (value, seed), in the order they are queued."""
        return [(v, s) for v in self.values for s in range(self.repeat)]

    def check(self, ws: "Workspace") -> TrainConfig:
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
            if self.trials < 1:
                raise StudyError(f"a search needs at least 1 trial, got {self.trials}")
        else:
            p = parameter(self.param, base.preset)
            if not self.values:
                raise StudyError(f"no values given for {self.param}")
            self.values = [p.check(v) if v is not None else v for v in self.values]
            if not 1 <= self.repeat <= 100:
                raise StudyError(f"repeat must be between 1 and 100, got {self.repeat}")
        return base

    def describe(self) -> dict:
        """What must match when a study is opened again (the base settings and what is studied)."""
        return {"mode": self.mode, "params": self.params, "recipe": self.recipe,
                "overrides": {k: v for k, v in sorted(self.overrides.items()) if v is not None}}


def trial_config(base: TrainConfig, params: dict, study: str = "") -> TrainConfig:
    """The base config with a trial's values: training fields set, network fields put into the network
    (a custom network: preset "custom", `arch` the edited layers, `dropout` their dropout rate).

    Raises TrialFailed with the spec's message when a network value makes the network invalid."""
    from dataclasses import replace as replace_config

    from mnist_gui.core.spec import SpecError, analyse, module_names, problems
    plain = {k: v for k, v in params.items() if "." not in k}
    cfg = replace_config(base, **plain)
    try:
        cfg.validate()
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
            cfg.validate()
        except ValueError as e:
            raise TrialFailed(f"the network is not valid: {e}") from None
    return cfg


# ------------------------------------------------------------------------------------------ storage

def studies_dir(ws: "Workspace") -> Path:
    return Path(ws.home) / "studies"


def storage_for(ws: "Workspace", name: str, storage: str | None = None):
    """The Optuna storage: an RDB URL as it is, a journal file (given, or <app folder>/studies/<name>.journal)."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock, JournalStorage
    if storage and "://" in storage:
        return storage
    path = Path(storage) if storage else studies_dir(ws) / f"{name}.journal"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # the open lock works everywhere (symlinks need rights on Windows)
        lock = JournalFileOpenLock(str(path)) if os.name == "nt" else None
        return JournalStorage(JournalFileBackend(str(path), lock_obj=lock))
    except OSError as e:
        raise StudyError(f"cannot open the study file {path}: {e.strerror or e}") from None
    except optuna.exceptions.OptunaError as e:
        raise StudyError(f"cannot open the study file {path}: {e}") from None


def _quiet_optuna() -> None:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.ERROR)


def load_study(ws: "Workspace", name: str, storage: str | None = None) -> "optuna.Study | None":
    """An existing study (for showing it), or None when there is none of this name."""
    if not storage and not (studies_dir(ws) / f"{name}.journal").exists():
        return None
    import optuna
    _quiet_optuna()
    try:
        return optuna.load_study(study_name=name, storage=storage_for(ws, name, storage))
    except KeyError:
        return None


def study_plan(study: "optuna.Study") -> StudyPlan | None:
    d = study.user_attrs.get("plan")
    return StudyPlan.from_dict(d) if isinstance(d, dict) else None


def _pid_alive(pid) -> bool:
    if not isinstance(pid, int):
        return False
    if pid == os.getpid():
        return True
    if os.name == "nt":   # no cheap, safe check there: a trial of another local process counts as gone
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def open_study(ws: "Workspace", plan: StudyPlan) -> "optuna.Study":
    """Create the study, or open it again (same name, same base settings): trials of this machine whose
    process is gone are marked interrupted, and every grid point not yet done, queued or running is queued."""
    import optuna
    from optuna.trial import TrialState
    _quiet_optuna()
    plan.check(ws)
    storage = storage_for(ws, plan.name, plan.storage)
    sampler = (optuna.samplers.TPESampler(seed=None) if plan.mode == "search"
               else optuna.samplers.GridSampler({plan.param: plan.values, SEED: list(range(plan.repeat))}))
    try:
        study = optuna.create_study(study_name=plan.name, storage=storage, sampler=sampler, direction="maximize",
                                    load_if_exists=True)
    except (optuna.exceptions.OptunaError, ValueError, OSError) as e:
        raise StudyError(f"cannot open study {plan.name!r}: {e}") from None
    old = study_plan(study)
    if old is None:
        study.set_user_attr("plan", plan.to_dict())
        study.set_user_attr("describe", plan.describe())
    elif study.user_attrs.get("describe") != plan.describe():
        raise StudyError(f"study {plan.name!r} was made with other settings ({_settings_text(old)}); "
                         f"choose another name, or the same settings to resume it")
    else:   # the same study with perhaps more values or seeds: remember the grid as it is now
        merged = plan.to_dict()
        if plan.mode == "grid":
            merged["values"] = list(dict.fromkeys(old.values + plan.values))
            merged["repeat"] = max(old.repeat, plan.repeat)
        study.set_user_attr("plan", merged)
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        if t.user_attrs.get("host") == HOST and not _pid_alive(t.user_attrs.get("pid")):
            study._storage.set_trial_user_attr(t._trial_id, "interrupted", True)
            study._storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
    if plan.mode == "grid":
        taken = set()
        for t in study.get_trials(deepcopy=False):
            if t.state == TrialState.FAIL and t.user_attrs.get("interrupted"):
                continue
            p = t.params if t.state != TrialState.WAITING else t.system_attrs.get("fixed_params", {})
            if plan.param in p and SEED in p:
                taken.add((p[plan.param], p[SEED]))
        for value, seed in plan.grid():
            if (value, seed) not in taken:
                study.enqueue_trial({plan.param: value, SEED: seed}, user_attrs={"grid_point": True})
    return study


def _settings_text(plan: StudyPlan) -> str:
    d = plan.describe()
    what = ", ".join(d["params"])
    budget = ", ".join(f"{k} {v}" for k, v in d["overrides"].items()) or "no overrides"
    return f"{d['mode']} over {what}, recipe {d['recipe']}, {budget}"


# ------------------------------------------------------------------------------------------ running

def _suggest(trial, plan: StudyPlan, preset: str) -> dict:
    """The trial's values, asked of Optuna (fixed ones for a queued grid point, sampled for a search)."""
    out = {}
    if plan.mode == "grid":
        p = parameter(plan.param, preset)
        vals = [v for v in plan.values if v is not None]
        if p.kind in ("bool", "choice") or None in plan.values:
            out[p.name] = trial.suggest_categorical(p.name, list(p.choices) if p.choices else plan.values)
        elif p.kind == "int":
            out[p.name] = trial.suggest_int(p.name, min(vals), max(vals))
        else:
            out[p.name] = trial.suggest_float(p.name, min(vals), max(vals))
        out[SEED] = trial.suggest_int(SEED, 0, max(plan.repeat - 1, 0))
        return out
    for name, rng in plan.search.items():
        p = parameter(name, preset)
        if len(rng) == 1:
            out[name] = trial.suggest_categorical(name, list(rng[0]))
        elif p.kind == "int":
            out[name] = trial.suggest_int(name, int(rng[0]), int(rng[1]), log=bool(rng[2]))
        else:
            out[name] = trial.suggest_float(name, float(rng[0]), float(rng[1]), log=bool(rng[2]))
    return out


def run_trials(ws: "Workspace", plan: StudyPlan, *, should_stop: Callable[[], bool] = lambda: False,
               on_event: Callable[[dict], None] | None = None, study: "optuna.Study | None" = None) -> int:
    """Run the study's trials in this thread until none is left (grid: the queue is empty; search: it has
    `trials` trials) or should_stop() turns true. Returns how many trials this call ran.

    Events: {"type": "trial", "number", "params"} when a trial starts, each of the Trainer's own events as
    {"type": "train", "trial": number, "event": a core/events.py dataclass}, {"type": "trial_done", "number",
    "state", "accuracy", "error"} when it ends.
    A stop ends the current trial at its trainer's next event (within about train.PROGRESS_INTERVAL_S and
    a step); its run is not recorded and the trial goes back in the queue when the study is opened again."""
    import optuna
    from optuna.trial import TrialState

    from mnist_gui.core.train import Trainer
    emit = on_event or (lambda e: None)
    study = study or open_study(ws, plan)
    base = plan.check(ws)
    data = ws.mnist(should_stop=should_stop)
    ran = 0

    def objective(trial: optuna.Trial) -> float:
        nonlocal ran
        trial.set_user_attr("host", HOST)
        trial.set_user_attr("pid", os.getpid())
        if plan.mode == "grid" and not trial.user_attrs.get("grid_point"):
            # the queue ran dry between our look and Optuna's: nothing to run
            trial.set_user_attr("extra", True)
            trial.study.stop()
            raise optuna.TrialPruned()
        params = _suggest(trial, plan, base.preset)
        ran += 1
        emit({"type": "trial", "number": trial.number, "params": params})
        cfg = trial_config(base.with_overrides(seed=params.get(SEED, base.seed)), params, plan.name)
        cfg.eval_every_epoch = False   # one evaluation, at the end
        trial.set_user_attr(SEED, cfg.seed)

        trainer: Trainer | None = None

        def on_train_event(ev) -> None:
            if should_stop():
                trainer.stop()
            emit({"type": "train", "trial": trial.number, "event": ev})
        trainer = Trainer(cfg, data, on_train_event)
        try:
            result = trainer.run()
        except KeyboardInterrupt:
            trial.set_user_attr("interrupted", True)
            raise
        if result.status == "stopped":
            trial.set_user_attr("interrupted", True)
            trial.study.stop()
            raise TrialFailed(result.message)
        done = ws.finish_run(result, kind="study", device="cpu")
        if done.record is not None:
            trial.set_user_attr("run_id", done.record.id)
        trial.set_user_attr("seconds", result.seconds)
        trial.set_user_attr("train_seconds", result.metrics.get("train_seconds", result.seconds))
        acc = result.metrics.get("test_accuracy")
        if result.status != "finished" or acc is None:
            raise TrialFailed(result.message or "no test accuracy")
        return float(acc)

    def after(study_: optuna.Study, frozen) -> None:
        emit({"type": "trial_done", "number": frozen.number, "state": _state(frozen),
              "accuracy": frozen.value, "error": frozen.user_attrs.get("error", "")})
        if should_stop() or _nothing_left(study_, plan):
            study_.stop()

    def objective_with_errors(trial):
        try:
            return objective(trial)
        except TrialFailed as e:
            trial.set_user_attr("error", str(e))
            raise

    if not _nothing_left(study, plan) and not should_stop():
        callbacks = [after]
        if plan.mode == "search":
            callbacks.insert(0, optuna.study.MaxTrialsCallback(
                plan.trials, states=(TrialState.COMPLETE, TrialState.FAIL, TrialState.RUNNING)))
        study.optimize(objective_with_errors, callbacks=callbacks, catch=(TrialFailed,))
    return ran


def _nothing_left(study: "optuna.Study", plan: StudyPlan) -> bool:
    from optuna.trial import TrialState
    if plan.mode == "grid":
        return not study.get_trials(deepcopy=False, states=(TrialState.WAITING,))
    counted = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.FAIL,
                                                                   TrialState.RUNNING))
               if not t.user_attrs.get("interrupted")]
    return len(counted) >= plan.trials


def _worker_process(home: str, data_dir: str | None, plan: dict, threads: int) -> None:
    """One local worker process (spawned): its own Workspace on the same app folder and storage."""
    import torch

    from mnist_gui.core.workspace import Workspace
    torch.set_num_threads(threads)
    ws = Workspace(Path(home))
    if data_dir:
        ws.set_data_dir(data_dir)
    p = StudyPlan.from_dict(plan)
    storage = storage_for(ws, p.name, p.storage)
    import optuna
    _quiet_optuna()
    try:
        run_trials(ws, p, study=optuna.load_study(study_name=p.name, storage=storage))
    except KeyboardInterrupt:
        pass
    except Exception as e:  # noqa: BLE001 - one line for the user, not a traceback
        import sys
        print(f"mnist-gui: study worker {os.getpid()}: {str(e).splitlines()[0] if str(e) else type(e).__name__}",
              file=sys.stderr)
        raise SystemExit(2) from None


def run_study(ws: "Workspace", plan: StudyPlan, workers: int = 1, *,
              should_stop: Callable[[], bool] = lambda: False,
              on_event: Callable[[dict], None] | None = None, poll_s: float = 1.0) -> "optuna.Study":
    """Open the study and run it to the end: in this process, or in `workers` local processes (spawned,
    each with cores // workers torch threads) that share its storage. With processes, on_event gets
    {"type": "trial_done", …} for each trial that ends, read from the storage every poll_s seconds."""
    study = open_study(ws, plan)
    if workers <= 1:
        run_trials(ws, plan, should_stop=should_stop, on_event=on_event, study=study)
        return study
    if workers > 64:
        raise StudyError(f"--workers must be between 1 and 64, got {workers}")
    threads = max(1, (os.cpu_count() or 1) // workers)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker_process, args=(str(ws.home), ws.data_dir, plan.to_dict(), threads),
                         daemon=False) for _ in range(workers)]
    for p in procs:
        p.start()
    seen: set[int] = set()
    try:
        while True:
            alive = any(p.is_alive() for p in procs)
            for t in study.get_trials(deepcopy=False):
                if t.state.is_finished() and t.number not in seen and not t.user_attrs.get("extra"):
                    seen.add(t.number)
                    if on_event:
                        on_event({"type": "trial_done", "number": t.number, "state": _state(t),
                                  "accuracy": t.value, "error": t.user_attrs.get("error", "")})
            if not alive:
                break
            if should_stop():
                for p in procs:
                    p.terminate()
            time.sleep(poll_s)
    finally:
        for p in procs:
            p.join()
    failed = [p.exitcode for p in procs if p.exitcode not in (0, None)]
    if failed and not should_stop():
        raise StudyError(f"{len(failed)} of {workers} worker processes failed (exit codes {failed})")
    return study


# ------------------------------------------------------------------------------------------ results

def _state(t) -> str:
    from optuna.trial import TrialState
    if t.state == TrialState.FAIL and t.user_attrs.get("interrupted"):
        return "interrupted"
    return {TrialState.COMPLETE: "complete", TrialState.FAIL: "failed", TrialState.RUNNING: "running",
            TrialState.WAITING: "waiting", TrialState.PRUNED: "pruned"}[t.state]


@dataclass
class TrialRow:
    number: int
    state: str                 # complete, failed, running, waiting, interrupted
    params: dict               # the studied values (not the seed)
    seed: int | None
    accuracy: float | None
    seconds: float | None      # training time (without the final evaluation)
    run_id: str = ""
    error: str = ""


def trial_rows(study: "optuna.Study") -> list[TrialRow]:
    """Every trial of the study, in order (the extra trials a worker opened when the queue ran dry left out)."""
    from optuna.trial import TrialState
    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.user_attrs.get("extra"):
            continue
        params = dict(t.params if t.state != TrialState.WAITING else t.system_attrs.get("fixed_params", {}))
        seed = params.pop(SEED, t.user_attrs.get(SEED))
        rows.append(TrialRow(t.number, _state(t), params, seed, t.value, t.user_attrs.get("train_seconds"),
                             t.user_attrs.get("run_id", ""), t.user_attrs.get("error", "")))
    return rows


@dataclass
class ValueSummary:
    value: Any
    runs: int                  # completed runs
    failed: int
    mean: float | None         # test accuracy over seeds
    min: float | None
    max: float | None
    seconds: float | None      # mean training time
    seconds_min: float | None
    seconds_max: float | None
    error: str = ""            # why a run failed, when one did

    def to_dict(self) -> dict:
        return asdict(self)


def _sort_key(v):
    return (v is None, isinstance(v, str), v if v is not None else 0)


def summarize(rows: list[TrialRow], param: str) -> list[ValueSummary]:
    """Per value of `param`: completed runs, mean/min/max accuracy and training time over the seeds."""
    groups: dict[Any, list[TrialRow]] = {}
    for r in rows:
        if param in r.params and r.state in ("complete", "failed"):
            groups.setdefault(r.params[param], []).append(r)
    out = []
    for v in sorted(groups, key=_sort_key):
        done = [r for r in groups[v] if r.state == "complete" and r.accuracy is not None]
        failed = [r for r in groups[v] if r.state == "failed"]
        accs = [r.accuracy for r in done]
        secs = [r.seconds for r in done if r.seconds is not None]
        out.append(ValueSummary(v, len(done), len(failed),
                                statistics.fmean(accs) if accs else None, min(accs, default=None),
                                max(accs, default=None), statistics.fmean(secs) if secs else None,
                                min(secs, default=None), max(secs, default=None),
                                failed[0].error if failed else ""))
    return out


def fmt_value(v) -> str:
    if isinstance(v, float):
        return f"{v:g}"
    return "all" if v is None else str(v)


def noise_text(summary: list[ValueSummary], param: str = "") -> str:
    """In words: the best value, and whether the next best is behind it by more than the seeds' spread."""
    done = sorted([s for s in summary if s.mean is not None], key=lambda s: -s.mean)
    name = f"{param} " if param else ""
    if not done:
        return "no finished runs yet"
    best = done[0]
    text = f"best: {name}{fmt_value(best.value)} at {best.mean:.2%} (mean of {best.runs})"
    if len(done) == 1:
        return text
    second = done[1]
    gap = best.mean - second.mean
    spread = max((s.max - s.min) for s in (best, second))
    worst = done[-1]
    text += (f"; next: {fmt_value(second.value)} at {second.mean:.2%}, {gap * 100:.2f} points lower")
    if max(best.runs, second.runs) < 2:
        text += " (one seed each: run with repeats to see the noise)"
    elif gap <= spread:
        text += f" — within the noise (seeds differ by up to {spread * 100:.2f} points)"
    else:
        text += f" — more than the noise (seeds differ by up to {spread * 100:.2f} points)"
    if worst is not second:
        text += f"; worst: {fmt_value(worst.value)} at {worst.mean:.2%}"
    return text


def importances(study: "optuna.Study") -> dict[str, float]:
    """Optuna's parameter importances (fANOVA) of a search; {} when there are too few finished trials."""
    import optuna
    from optuna.trial import TrialState
    done = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    names = {k for t in done for k in t.params}
    if len(done) < 2 or not names:
        return {}
    if len(names) == 1:
        return {next(iter(names)): 1.0}
    try:
        return dict(optuna.importance.get_param_importances(study))
    except (RuntimeError, ValueError):
        return {}


def study_csv(study: "optuna.Study") -> str:
    """The trials as CSV: number, state, the parameters, seed, test accuracy, training seconds, run, error."""
    rows = trial_rows(study)
    names = list(dict.fromkeys(k for r in rows for k in r.params))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["trial", "state", *names, "seed", "test_accuracy", "train_seconds", "run", "error"])
    for r in rows:
        w.writerow([r.number, r.state, *[r.params.get(n, "") for n in names], "" if r.seed is None else r.seed,
                    "" if r.accuracy is None else f"{r.accuracy:.6f}",
                    "" if r.seconds is None else f"{r.seconds:.3f}", r.run_id, r.error])
    return buf.getvalue()


def study_report(study: "optuna.Study") -> dict:
    """Everything the CLI's --json prints."""
    plan = study_plan(study)
    rows = trial_rows(study)
    out: dict = {"name": study.study_name, "mode": plan.mode if plan else "grid",
                 "trials": [asdict(r) for r in rows]}
    if plan and plan.mode == "grid":
        summ = summarize(rows, plan.param)
        out.update(param=plan.param, values=[s.to_dict() for s in summ], verdict=noise_text(summ, plan.param))
    else:
        done = [r for r in rows if r.state == "complete"]
        best = max(done, key=lambda r: r.accuracy, default=None)
        out.update(params=plan.params if plan else [], best=asdict(best) if best else None,
                   importances=importances(study))
    return out
