"""Study parameters: which settings can be studied, and their values parsed and checked.

Parameters are the training fields of core/recipes.py FIELDS (lr, batch_size, optimizer, dropout, …) and
network fields written `<layer>.<field>` with the module names of core/spec.py (`conv1.filters`,
`conv2.kernel`, `dense.units`): the base preset's network with that layer's field replaced, trained as a
custom spec. A value that makes the network invalid fails its trial with the spec's message.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mnist_gui.core.recipes import FIELDS_BY_NAME

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


# A grid or a search is a queue in the journal (~2 KB a trial) and hours of training at the least: beyond
# this it is a typing slip, and queuing it alone would take minutes and tens of MB.
MAX_TRIALS = 10_000


class StudyError(ValueError):
    """A study that cannot be made or opened: one line for the user."""



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
        numeric = [f for f in KINDS[kind].fields if f not in ("bias", "rate")]
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


def _ends(lo: float, hi: float) -> str:
    """A range's ends as typed: "2000000000:1000000000" for whole numbers (not 2e+09:1e+09), "1e-04:0.01" else."""
    def one(v: float) -> str:
        return str(int(v)) if math.isfinite(v) and float(v).is_integer() else f"{v:g}"
    return f"{one(lo)}:{one(hi)}"


def value_range(lo: float, hi: float, count: int, log: bool = False, whole: bool = False) -> list:
    """count values from lo to hi, evenly spaced (or evenly on a log scale); rounded when whole."""
    if not 1 <= count <= MAX_TRIALS:
        raise StudyError(f"the count must be between 1 and {MAX_TRIALS:,}, got {count:,}")
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise StudyError(f"a range needs finite ends, got {_ends(lo, hi)}")
    if log and (lo <= 0 or hi <= 0):
        raise StudyError(f"a log range needs positive ends, got {_ends(lo, hi)}")
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
        low, high = _number(lo), _number(hi)
        if low > high:   # as a search's range (parse_search): 5:1 is a typo more often than a wish for 5, 4, 3, 2, 1
            raise StudyError(f"{param.name}: the range's low end must not be above its high end, got {_ends(low, high)}")
        out = value_range(low, high, count, log, whole=param.kind == "int")
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
            low, sep, high = rng.partition(":")
            if not sep:
                raise StudyError(f"a range is written low:high, got {rng!r}")
            lo, hi = _number(low), _number(high)
            log = bool(default and default[2]) and lo > 0
        elif default:
            lo, hi, log = default
        else:
            raise StudyError(f"give {p.name} a range: {p.name}=low:high")
        if lo >= hi:
            raise StudyError(f"{p.name}: the range's low end must be below its high end, got {_ends(lo, hi)}")
        if p.kind == "int":
            lo, hi = int(math.ceil(lo)), int(math.floor(hi))
        lo, hi = p.check(lo), p.check(hi)
        out[p.name] = (lo, hi, log)
    if not 1 <= len(out) <= 3:
        raise StudyError(f"a search takes 1 to 3 parameters, got {len(out)}")
    return out
