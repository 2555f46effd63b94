"""Running a study's trials: in this thread, or in local worker processes sharing its storage.

Every trial trains with a base recipe (default `fast`) overridden by the study's budget (max steps,
training images, …) and the trial's values, planned as any run (`Workspace.plan_run(kind="study")`) and run as
any run (`Workspace.run`: recorded as a run naming its study),
and reports its test accuracy (the objective, maximised) with its training time and run id as user
attributes.

Worker processes stop when they are sent SIGTERM or SIGINT, or when their parent is gone: the trial
that was training is failed as interrupted (a resume runs it again).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mnist_gui.core.events import StudyEvent, StudyOpened, TrialEnded, TrialStarted, TrialTrained
from mnist_gui.core.logs import configure_logging
from mnist_gui.core.states import RunStatus
from mnist_gui.core.study.params import SEED, StudyError, parameter
from mnist_gui.core.study.plan import StudyPlan, TrialFailed, trial_config
from mnist_gui.core.study.results import trial_state
from mnist_gui.core.study.storage import (
                                          HOST,
                                          heartbeat_s,
                                          interrupted,
                                          is_database,
                                          open_study,
                                          quiet_optuna,
                                          storage_for,
)

if TYPE_CHECKING:
    import optuna
    import torch

    from mnist_gui.core.workspace import Workspace

log = logging.getLogger(__name__)


# How long run_study waits for stopped worker processes before it kills them: a trainer stops within a
# step, a worker still loading MNIST or torch within a few seconds (more on a machine that is overloaded).
STOP_WAIT_S = 20.0


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


def _device(ws: Workspace, device: str | None = None) -> torch.device:
    """Where the trials train: `device`, or the Workspace's device setting (auto, cpu, cuda, cuda:N, mps),
    resolved as for any training run; StudyError with one line when it is not here."""
    from mnist_gui.core.device import resolve_device
    try:
        return resolve_device(ws.device if device is None else device)
    except ValueError as e:
        raise StudyError(str(e)) from None


def _open_with_mnist(ws: Workspace, plan: StudyPlan, should_stop: Callable[[], bool],
                     emit: Callable[[StudyEvent], None]) -> optuna.Study:
    """MNIST loaded (DataError; Cancelled when stopped meanwhile), then the study opened or made, and StudyOpened
    said: a study that cannot train is never made (a journal of waiting trials was left behind)."""
    ws.mnist(should_stop=should_stop)
    study = open_study(ws, plan)
    emit(StudyOpened(plan.name))
    return study


def run_trials(ws: Workspace, plan: StudyPlan, *, should_stop: Callable[[], bool] = lambda: False,
               on_event: Callable[[StudyEvent], None] | None = None, study: optuna.Study | None = None,
               device: str | None = None) -> int:
    """Run the study's trials in this thread until none is left (grid: the queue is empty; search: it has
    `trials` trials) or should_stop() turns true. Returns how many trials this call ran. They train on
    `device` (default: the Workspace's device setting), and each run records the device it ran on.

    Events (core/events.py): StudyOpened once the study is open, TrialStarted when a trial starts, each of the
    Trainer's own events in a TrialTrained, TrialEnded when it ends.
    A stop ends the current trial at its trainer's next event (within about train.PROGRESS_INTERVAL_S and
    a step); its run is not recorded and the trial goes back in the queue when the study is opened again."""
    import optuna
    from optuna.trial import TrialState

    from mnist_gui.core.workspace import RunControl
    emit = on_event or (lambda e: None)
    dev = _device(ws, device)
    base = plan.check(ws)
    ws.mnist(should_stop=should_stop)   # before the first trial, also in a worker process (loaded once, then kept)
    study = study or _open_with_mnist(ws, plan, should_stop, emit)
    ran = 0
    unsaved: list[str] = []

    def objective(trial: optuna.Trial) -> float:
        nonlocal ran
        trial.set_user_attr("host", HOST)
        trial.set_user_attr("pid", os.getpid())
        if plan.mode == "grid" and not trial.user_attrs.get("grid_point"):
            # the queue ran dry between our look and Optuna's: nothing to run
            trial.set_user_attr("extra", True)
            trial.study.stop()
            raise optuna.TrialPruned()
        if plan.mode == "grid" and _queued_twice(trial):
            trial.set_user_attr("extra", True)
            raise optuna.TrialPruned()
        params = _suggest(trial, plan, base.preset)
        ran += 1
        emit(TrialStarted(trial.number, params))
        cfg = trial_config(base.with_overrides(seed=params.get(SEED, base.seed)), params)
        cfg.eval_every_epoch = False   # one evaluation, at the end
        run = replace(ws.plan_run(base=cfg, kind="study", study=plan.name), device=str(dev))
        trial.set_user_attr(SEED, cfg.seed)

        def on_train_event(ev) -> None:   # the one place that sees the run's events (core/events.py)
            emit(TrialTrained(trial.number, ev))
        try:
            done = ws.run(run, on_train_event, RunControl(should_stop), keep_stopped=False)
        except KeyboardInterrupt:
            trial.set_user_attr("interrupted", True)
            raise
        result = done.result
        if done.status is RunStatus.STOPPED:
            trial.set_user_attr("interrupted", True)
            trial.study.stop()
            raise TrialFailed(str(done.message))
        if done.record is None and result.model is not None:
            # not complete: its run is on no disk (full). The study stops, and the trial goes back in the
            # queue when it is opened again, once there is room.
            unsaved.append(done.problem)
            trial.set_user_attr("interrupted", True)
            trial.study.stop()
            raise TrialFailed(done.problem)
        if done.record is not None:
            trial.set_user_attr("run_id", done.record.id)
        trial.set_user_attr("seconds", result.seconds)
        trial.set_user_attr("train_seconds", result.metrics.get("train_seconds", result.seconds))
        acc = result.metrics.get("test_accuracy")
        if result.status is not RunStatus.FINISHED or acc is None:
            raise TrialFailed(str(result.message) or "no test accuracy")
        return float(acc)

    def after(study_: optuna.Study, frozen) -> None:
        emit(TrialEnded(frozen.number, trial_state(frozen), frozen.value, frozen.user_attrs.get("error", "")))
        if should_stop() or _nothing_left(study_, plan, should_stop):
            study_.stop()

    def objective_with_errors(trial):
        try:
            return objective(trial)
        except TrialFailed as e:
            trial.set_user_attr("error", str(e))
            raise
        except optuna.TrialPruned:
            raise
        except Exception as e:   # a failure of its own, not an interruption (see storage.interrupted)
            trial.set_user_attr("error", str(e).splitlines()[0] if str(e) else type(e).__name__)
            raise

    if not should_stop() and not _nothing_left(study, plan, should_stop):
        callbacks = [after]
        if plan.mode == "search":
            callbacks.insert(0, optuna.study.MaxTrialsCallback(
                plan.trials, states=(TrialState.COMPLETE, TrialState.FAIL, TrialState.RUNNING)))
        try:
            study.optimize(objective_with_errors, callbacks=callbacks, catch=(TrialFailed,))
        except Exception as e:
            # a journal that could not be written (storage._journal_class): Optuna may hide our one line
            # behind an error of its own raised while it handled ours
            while e is not None and not isinstance(e, StudyError):
                e = e.__cause__ or e.__context__
            if e is None:
                raise
            raise StudyError(str(e)) from None
        if unsaved:
            raise StudyError(f"{unsaved[0]}; the study stopped: free some space and run it again to resume")
    return ran


def _queued_twice(trial: optuna.Trial) -> bool:
    """Whether an earlier trial has this trial's grid point and is done, running or queued. Two machines
    opening the study at the same moment may both queue a point that neither saw queued; the earliest
    of the copies that is not interrupted runs, the others are left out as extra trials."""
    from optuna.trial import TrialState
    trials = trial.study.get_trials(deepcopy=False)
    point = next(t.system_attrs.get("fixed_params") for t in trials if t.number == trial.number)
    return any(t.number < trial.number and t.state in (TrialState.COMPLETE, TrialState.RUNNING, TrialState.WAITING)
               and not t.user_attrs.get("extra") and t.system_attrs.get("fixed_params") == point for t in trials)


def _nothing_left(study: optuna.Study, plan: StudyPlan, should_stop: Callable[[], bool] = lambda: False) -> bool:
    """Whether this worker is done. Grid: no point is queued. On a database storage a worker also waits
    while other workers' trials run, failing those whose heartbeat stopped: their points are queued
    again (storage.py) and this worker runs them."""
    import optuna
    from optuna.trial import TrialState
    if plan.mode == "grid":
        while True:
            if study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
                return False
            if not is_database(plan.storage) or should_stop():
                return True
            if not [t for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
                    if not t.user_attrs.get("extra")]:
                return True
            time.sleep(heartbeat_s())
            with warnings.catch_warnings():   # "experimental" in Optuna's words since 2.9
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                optuna.storages.fail_stale_trials(study)
    counted = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.FAIL,
                                                                   TrialState.RUNNING))
               if not interrupted(t)]
    return len(counted) >= plan.trials


# What one worker process holds at its peak (Python, torch, MNIST in memory, a network training), with room
# for larger networks: the peak RSS of a one-trial tf-tutorial study (`mnist-gui study` under /usr/bin/time -v;
# the figure: benchmarks/README.md) rounded up.
WORKER_BYTES = 1536 * 1024 * 1024


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:   # not on Linux
        return os.cpu_count() or 1


def _available_memory() -> int | None:
    """Bytes of memory available for new processes (Linux's MemAvailable); None where it cannot be read."""
    try:
        with open("/proc/meminfo", "rb") as f:
            for line in f:
                if line.startswith(b"MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_workers(workers: int) -> None:
    """StudyError, one line, for more worker processes than this machine has cores or memory for."""
    cores, memory = _cores(), _available_memory()
    if workers < 1:
        raise StudyError(f"--workers must be at least 1, got {workers}")
    if workers > cores:
        raise StudyError(f"--workers {workers} is more than this machine's {cores} cores")
    if memory is not None and workers > 1 and workers * WORKER_BYTES > memory:
        raise StudyError(f"--workers {workers} needs about {workers * WORKER_BYTES / 2**30:.1f} GB of memory; "
                         f"{memory / 2**30:.1f} GB is available (at most {max(1, memory // WORKER_BYTES)} workers)")


def _stop_on_signals() -> Callable[[], bool]:
    """should_stop for a worker process: true once it is sent SIGTERM, SIGINT or SIGHUP (its terminal
    closed), or its parent is gone."""
    stop = threading.Event()
    parent = os.getppid()
    for sig in (signal.SIGTERM, signal.SIGINT) + ((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()):
        signal.signal(sig, lambda *_: stop.set())
    return lambda: stop.is_set() or os.getppid() != parent


def _worker_process(home: str, data_dir: str | None, plan: dict, threads: int, device: str) -> None:
    """One local worker process (spawned): its own Workspace on the same app folder and storage, training
    on the device its parent resolved (the parent's setting may not be written to the settings file yet)."""
    should_stop = _stop_on_signals()
    configure_logging()   # a spawned process: its own handler, the same one line as the command line's
    import torch

    from mnist_gui.core.data import Cancelled
    from mnist_gui.core.workspace import Workspace
    torch.set_num_threads(threads)
    ws = Workspace(Path(home))
    if data_dir:
        ws.set_data_dir(data_dir)
    p = StudyPlan.from_dict(plan)
    storage = storage_for(ws, p.name, p.storage)
    import optuna
    quiet_optuna()
    try:
        run_trials(ws, p, study=optuna.load_study(study_name=p.name, storage=storage), device=device,
                   should_stop=should_stop)
    except Cancelled:   # stopped while loading MNIST
        pass
    except Exception as e:  # noqa: BLE001 - one line for the user, not a traceback
        log.error("study worker %s: %s", os.getpid(), str(e).splitlines()[0] if str(e) else type(e).__name__)
        raise SystemExit(2) from None


def run_study(ws: Workspace, plan: StudyPlan, workers: int = 1, *,
              should_stop: Callable[[], bool] = lambda: False,
              on_event: Callable[[StudyEvent], None] | None = None, poll_s: float = 1.0) -> optuna.Study:
    """Open the study and run it to the end: in this process, or in `workers` local processes (spawned,
    each with cores // workers torch threads) that share its storage. With processes, on_event gets
    a TrialEnded for each trial that ends, read from the storage every poll_s seconds.
    Every trial trains on the Workspace's device (see run_trials)."""
    check_workers(workers)
    device = str(_device(ws))
    plan.check(ws)
    study = _open_with_mnist(ws, plan, should_stop, on_event or (lambda e: None))   # (MNIST once, not per worker)
    if workers <= 1:
        run_trials(ws, plan, should_stop=should_stop, on_event=on_event, study=study, device=device)
        return study
    threads = max(1, _cores() // workers)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker_process,
                         args=(str(ws.home), ws.data_dir, plan.to_dict(), threads, device), daemon=False)
             for _ in range(workers)]
    for p in procs:
        p.start()
    seen: set[int] = set()
    stopping = False
    try:
        while True:
            alive = any(p.is_alive() for p in procs)
            for t in study.get_trials(deepcopy=False):
                if t.state.is_finished() and t.number not in seen and not t.user_attrs.get("extra"):
                    seen.add(t.number)
                    if on_event:
                        on_event(TrialEnded(t.number, trial_state(t), t.value, t.user_attrs.get("error", "")))
            if not alive:
                break
            if should_stop() and not stopping:
                stopping = True
                _stop_workers(ws, plan, procs)
            time.sleep(poll_s)
    finally:   # also on an exception or a KeyboardInterrupt here: no worker outlives its parent
        if any(p.is_alive() for p in procs):
            _stop_workers(ws, plan, procs)
    failed = [p.exitcode for p in procs if p.exitcode not in (0, None)]
    if failed and not stopping:
        raise StudyError(f"{len(failed)} of {workers} worker processes failed (exit codes {failed})")
    return study


def _stop_workers(ws: Workspace, plan: StudyPlan, procs: list) -> None:
    """SIGTERM to every worker (each fails its trial as interrupted and ends), then SIGKILL to those
    still running after STOP_WAIT_S, whose trials are failed here (and so read as interrupted)."""
    import optuna
    from optuna.trial import TrialState
    for p in procs:
        p.terminate()
    deadline = time.monotonic() + STOP_WAIT_S
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    killed = set()
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join()
            killed.add(p.pid)
    if killed:   # told through a handle whose sampler keeps no state (see storage.open_study)
        teller = optuna.load_study(study_name=plan.name, storage=storage_for(ws, plan.name, plan.storage),
                                   sampler=optuna.samplers.RandomSampler())
        for t in teller.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if t.user_attrs.get("host") == HOST and t.user_attrs.get("pid") in killed:
                teller.tell(t.number, state=TrialState.FAIL, skip_if_finished=True)
