"""A study's results: its trials as rows, per-value summaries, the verdict in words, CSV and the report."""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from mnist_gui.core.messages import Message, say
from mnist_gui.core.study.params import SEED
from mnist_gui.core.study.storage import interrupted, study_plan

if TYPE_CHECKING:
    import optuna


def trial_state(t) -> str:
    from optuna.trial import TrialState
    if interrupted(t):
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


def trial_rows(study: optuna.Study) -> list[TrialRow]:
    """Every trial of the study, in order (the extra trials a worker opened when the queue ran dry left out)."""
    from optuna.trial import TrialState
    rows = []
    for t in study.get_trials(deepcopy=False):
        if t.user_attrs.get("extra"):
            continue
        params = dict(t.params if t.state != TrialState.WAITING else t.system_attrs.get("fixed_params", {}))
        seed = params.pop(SEED, t.user_attrs.get(SEED))
        rows.append(TrialRow(t.number, trial_state(t), params, seed, t.value, t.user_attrs.get("train_seconds"),
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
        accs = [r.accuracy for r in done if r.accuracy is not None]
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


def verdict(summary: list[ValueSummary], param: str = "") -> list[Message]:
    """In sentences: the best value, and whether the next best is behind it by more than the seeds' spread."""
    done = sorted([s for s in summary if s.mean is not None], key=lambda s: -(s.mean or 0.0))
    if not done:
        return [say("verdict-empty")]

    def value(v) -> Message | str:
        return say("all") if v is None else fmt_value(v)
    best = done[0]
    out = [say("verdict-best", value=say("param-value", param=param, value=value(best.value)) if param
               else value(best.value), mean=best.mean, runs=best.runs)]
    if len(done) == 1:
        return out
    second = done[1]
    gap = (best.mean or 0.0) - (second.mean or 0.0)   # (each has a mean, min and max: see above)
    spread = max((s.max or 0.0) - (s.min or 0.0) for s in (best, second))
    worst = done[-1]
    code = ("verdict-next-one-seed" if max(best.runs, second.runs) < 2 else
            "verdict-next-within" if gap <= spread else "verdict-next-beyond")
    out.append(say(code, value=value(second.value), mean=second.mean, gap=gap * 100, spread=spread * 100))
    if worst is not second:
        out.append(say("verdict-worst", value=value(worst.value), mean=worst.mean))
    return out


def noise_text(summary: list[ValueSummary], param: str = "") -> str:
    """The verdict in English words, one line."""
    return "; ".join(map(str, verdict(summary, param)))


def importances(study: optuna.Study) -> dict[str, float]:
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


def study_csv(study: optuna.Study) -> str:
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


def study_report(study: optuna.Study) -> dict:
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
        best = max(done, key=lambda r: r.accuracy or 0.0, default=None)
        out.update(params=plan.params if plan else [], best=asdict(best) if best else None,
                   importances=importances(study))
    return out
