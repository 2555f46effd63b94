"""The application object: what mnist-gui knows, for the window and the command line alike.

A `Workspace` owns the live checkpoint and its predictor, the data folder and MNIST (loaded once,
lazily, shared by every user of it), the recipe catalogue, the run store, My digits and the typed
settings, and the workflows both front ends use, each once: plan a run (`plan_run`, `plan_finetune`:
the command line, the Train tab, fine-tuning and studies), the one "busy" claim they share (`with
working(kind):`), run one (`run`: MNIST, train, measure a stopped run, finish it: the one place that builds a
Trainer), finish a run (`finish_run`: save the checkpoint atomically in the run's folder, record the run), decide
whether it goes live (`live_decision`), make it live (`make_live`), evaluate (`evaluate`), read the unseen
pen-drawn digits (`read_pen_digits`), save the live model (`save_model`), delete a run (`delete_run`).
Every path is derived from `home`.

It tells listeners about changes through plain callbacks (`workspace.model_changed.connect(cb)`); the
window bridges them to Qt signals in one small adapter (gui/qt_workspace.py), the way napari's models
know nothing of their Qt views. Nothing here imports Qt, and torch is imported only when a model or
data is first needed, so the window can show before torch has loaded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mnist_gui import config
from mnist_gui.core import give_way
from mnist_gui.core.errors import Busy, Diverged, ModelNotLoaded, MyDigitsEmpty  # Busy: callers import it here too
from mnist_gui.core.handwriting.prototypes import Prototypes
from mnist_gui.core.messages import Message, say
from mnist_gui.core.reading import Reader, ReadingModels
from mnist_gui.core.recipes import DEFAULT_RECIPE, RECIPES, Recipe, TrainConfig
from mnist_gui.core.settings import Settings
from mnist_gui.core.states import BusyKind, LiveAction, RunStatus

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from mnist_gui.core.checkpoint import Checkpoint
    from mnist_gui.core.data import Mnist
    from mnist_gui.core.live import LivePredictor
    from mnist_gui.core.mydigits import MyDigits
    from mnist_gui.core.predictor import Predictor
    from mnist_gui.core.runs import RunRecord, RunStore
    from mnist_gui.core.train import TrainResult


class Callbacks:
    """A plain-Python signal: connect callables, emit calls them in order (in the emitting thread)."""

    def __init__(self) -> None:
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for cb in list(self._callbacks):
            cb(*args)


class Work:
    """The cores claimed for one piece of work (`Workspace.working(kind)` claims them when called):
    released at the end of a `with` block or by `release()`, once however often it is called, from any
    thread (the window claims in its thread and releases in the worker's, when the run has ended)."""

    def __init__(self, ws: Workspace, kind: str):
        self._ws, self.kind = ws, kind
        self._released = threading.Event()

    def release(self) -> None:
        if not self._released.is_set():
            self._released.set()
            self._ws._release_work()

    def __enter__(self) -> Work:
        return self

    def __exit__(self, *_exc) -> None:
        self.release()


class RunControl:
    """Stop, pause and abort one run from any thread (the window's buttons, closing it, a signal): flags
    that `Workspace.run` hands to its trainer once it is made, so a press before that is not lost.
    should_stop: polled too, while MNIST loads and at each training event (a study's stop, a signal)."""

    def __init__(self, should_stop: Callable[[], bool] | None = None):
        self._should_stop = should_stop
        self._stop = threading.Event()
        self._abort = threading.Event()
        self._paused = False
        self._trainer = None
        self._lock = threading.Lock()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            trainer = self._trainer
        if trainer is not None:
            trainer.stop()

    def abort(self) -> None:
        """Stop as fast as possible (the window is closing): a stopped model is not measured, nor exported."""
        self._abort.set()
        self.stop()

    def pause(self) -> None:
        with self._lock:
            self._paused, trainer = True, self._trainer
        if trainer is not None:
            trainer.pause()

    def resume(self) -> None:
        with self._lock:
            self._paused, trainer = False, self._trainer
        if trainer is not None:
            trainer.resume()

    def share_cores(self, seconds: float) -> None:
        """The user is drawing: the run trains on a thread fewer for the next `seconds` (Trainer.share_cores)."""
        with self._lock:
            trainer = self._trainer
        if trainer is not None:
            trainer.share_cores(time.monotonic() + seconds)

    def poll(self) -> bool:
        """Whether the run is to stop (asked here, or should_stop() turned true: then the trainer is told)."""
        if not self._stop.is_set() and self._should_stop is not None and self._should_stop():
            self.stop()
        return self._stop.is_set()

    @property
    def stopped(self) -> bool:
        return self.poll()

    @property
    def aborted(self) -> bool:
        return self._abort.is_set()

    def _attach(self, trainer) -> None:
        with self._lock:
            self._trainer, paused = trainer, self._paused
        if self.stopped:
            trainer.stop()
        if paused:
            trainer.pause()


# How long after the pen's last move a run keeps training on a thread fewer (Workspace.share_cores).
SHARE_CORES_S = 2.0

# What a run stopped before its first step says (it is not recorded: nothing trained).
STOPPED_BEFORE_TRAINING = "stopped before training began"

# A fine-tuned model this much less accurate on MNIST than the live one goes live without asking: it
# trades a little MNIST accuracy for the user's own writing.
FINETUNE_TOLERANCE = 0.01


@dataclass
class RunPlan:
    """Everything a Trainer needs besides MNIST: what `plan_run`/`plan_finetune` decided."""
    config: TrainConfig
    init_state: dict | None = None      # weights to start from (fine-tuning, --init)
    extra_train: Any = None             # an MnistSplit added to the training images (My digits, pen digits)
    kind: str = "train"                 # train, finetune, study
    device: str = "auto"                # the device setting (resolved when the run starts)
    study: str = ""                     # the study a trial's run belongs to (kind "study")


@dataclass
class LiveDecision:
    """What to do with a finished run's model: `action` is "live" (make it live), "ask_worse" (it reads
    fewer test images than the live model: ask, default no), "ask_unmeasured" (it or the live model has no test
    accuracy to compare: ask, default no), "ask_stopped" (stopped part way: ask whether to keep it, default keep;
    Discard deletes it) or "none" (diverged or no model: the live model stays)."""
    action: LiveAction
    new_accuracy: float | None = None
    live_accuracy: float | None = None


@dataclass
class FinishedRun:
    """What `finish_run` made of a TrainResult."""
    status: RunStatus
    message: Message | Diverged | str    # a coded message (str(): English); a plain str from the window
    record: RunRecord | None           # None when the run could not be recorded (see problem)
    checkpoint: Checkpoint | None      # the trained model, saved in the run's folder; None when diverged
    problem: str = ""                    # why recording or saving failed, in one line
    kind: str = "train"                  # train, finetune, study
    # When the model trained but could not be saved (a full disk): record it again, the same way, once
    # there is room (a new FinishedRun). The weights stay in `checkpoint` meanwhile (Save as… works).
    retry: Callable[[], FinishedRun] | None = None
    result: TrainResult | None = None    # what the trainer returned (None when it never trained)

    @property
    def unsaved(self) -> bool:
        """The model trained but is on no disk: only in memory, offered again (retry, Save as…)."""
        return self.retry is not None


def _saved_live(path: Path | None):
    """The .onnx save_checkpoint wrote beside path, opened (None when there is none: read with torch)."""
    from mnist_gui.core.live import OnnxModel, OnnxModelError, onnx_path_for
    if path is None:
        return None
    try:
        return OnnxModel.from_path(onnx_path_for(path))
    except OnnxModelError:
        return None


class Workspace:
    def __init__(self, home: Path | None = None, settings: Settings | None = None,
                 reading_models: ReadingModels | None = None):
        self.home = Path(home) if home else config.app_home()
        # the small networks that read beside the live model (gates, judge, path net): loaded once, when first used
        self._reading_models = reading_models or ReadingModels()
        # what reads drawings and images with the live model (None while it loads): one Reading per read
        self.reader: Reader | None = None
        self.settings = settings or Settings()
        self.recipes: dict[str, Recipe] = RECIPES
        self.default_recipe = DEFAULT_RECIPE
        self.checkpoint: Checkpoint | None = None
        self.predictor: LivePredictor | Predictor | None = None   # the live model: ONNX Runtime, else torch
        self._mnist: Mnist | None = None
        self._mnist_lock = threading.Lock()
        self._mnist_folder_changes = 0   # a load that began before a change is not kept (set_data_dir)
        # MNIST found nowhere: download it (the command line), or say so (the window offers the download,
        # with its progress, in its MNIST panel)
        self.download_missing_mnist = True
        self._folder_lock = threading.RLock()   # held briefly: the folder, the change count and _mnist
        self._runs: RunStore | None = None
        self._my_digits: MyDigits | None = None
        self._prototypes: Prototypes | None = None   # My digits' strokes, for the reader (None: not made yet)
        self._prototypes_made = False
        self._busy: BusyKind | None = None
        self._busy_lock = threading.Lock()
        self._running: set[RunControl] = set()   # the runs training now (share_cores)
        # change notifications (called in the thread that made the change)
        self.model_changed = Callbacks()      # (Checkpoint)
        self.runs_changed = Callbacks()       # ()
        self.my_digits_changed = Callbacks()  # ()
        self.data_loaded = Callbacks()        # (Mnist)
        self.busy_changed = Callbacks()       # (str | None): "train", "finetune", "study", or None

    # -- paths: every one from home --------------------------------------------------------------
    @property
    def runs_dir(self) -> Path:
        return self.home / "runs"

    @property
    def models_dir(self) -> Path:
        """Where Save model as… proposes to save."""
        return self.home / "models"

    @property
    def download_dir(self) -> Path:
        """Where MNIST is downloaded when it is nowhere to be found."""
        return self.home / "data"

    @property
    def studies_dir(self) -> Path:
        return self.home / "studies"

    @property
    def settings_path(self) -> Path:
        return self.home / "settings.ini"

    # -- the one piece of work that uses the cores ----------------------------------------------
    @property
    def busy(self) -> BusyKind | None:
        """What is running now (a BusyKind: train, finetune, study), or None."""
        return self._busy

    def working(self, kind: BusyKind | str) -> Work:
        """Claim the cores for a training run, a fine-tune or a study, now (Busy when one is running):
        `with ws.working("train"): ws.run(plan)`; released when the block ends (or by `release()`)."""
        kind = BusyKind(kind)
        with self._busy_lock:
            if self._busy is not None:
                raise Busy(self._busy)
            self._busy = kind
        self.busy_changed.emit(kind)
        return Work(self, kind)

    def _release_work(self) -> None:
        with self._busy_lock:
            was, self._busy = self._busy, None
        if was is not None:
            self.busy_changed.emit(None)

    # -- stores --------------------------------------------------------------------------------
    @property
    def runs(self) -> RunStore:
        if self._runs is None:
            from mnist_gui.core.runs import RunStore
            self._runs = RunStore(self.runs_dir)
        return self._runs

    @property
    def my_digits(self) -> MyDigits:
        if self._my_digits is None:
            from mnist_gui.core.mydigits import MyDigits
            self._my_digits = MyDigits(self.home / "my_digits.jsonl")
        return self._my_digits

    def teach(self, label: int, image, strokes=()):
        """Store a digit in My digits (raises OSError-derived errors when it cannot be stored); drawings read as
        one digit lean towards it at once (prototypes)."""
        sample = self.my_digits.add(label, image, strokes)
        self._renew_prototypes()
        self.my_digits_changed.emit()
        return sample

    def forget(self, sample_ids) -> int:
        """Delete these samples from My digits; the number deleted. A delete re-reads the file (other windows'
        digits too), so the prototypes are made again even when one of them fails."""
        n = 0
        try:
            for i in sample_ids:
                n += bool(self.my_digits.delete(i))
        finally:
            self._renew_prototypes()
            if n:
                self.my_digits_changed.emit()
        return n

    def _renew_prototypes(self) -> None:
        """After My digits changed: made again now, at the button press, when the reader already uses them
        (not at the next pen stroke, on the live path); else when first asked for."""
        was_made, self._prototypes_made = self._prototypes_made, False
        if was_made:
            self.prototypes()

    def prototypes(self) -> Prototypes | None:
        """The pen paths of My digits that the reader leans towards (handwriting/prototypes.py), made when
        first asked for after a change (None: no taught digit has strokes)."""
        if not self._prototypes_made:
            self._prototypes = Prototypes.of((s.label, s.strokes) for s in self.my_digits.samples)
            self._prototypes_made = True
        return self._prototypes

    # -- data ----------------------------------------------------------------------------------
    @property
    def data_dir(self) -> str | None:
        return self.settings.get("data/dir") or None

    def set_data_dir(self, folder: str) -> None:
        """Look for MNIST in folder from now on. Never waits: a load of the old folder under way (a
        download can take minutes) goes on for whoever asked for it, and is not kept."""
        with self._folder_lock:
            if folder != self.data_dir:
                self.settings.set("data/dir", str(folder))
                self._mnist_folder_changes += 1
                self._mnist = None

    @property
    def loaded_mnist(self) -> Mnist | None:
        """MNIST when some part of the app has loaded it already; never loads."""
        return self._mnist

    def mnist(self, progress: Callable[[Message], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> Mnist:
        """MNIST, loaded on first use (downloaded when nowhere to be found) and shared afterwards.

        progress(message) is told what happens (core/data.py load_mnist's Messages). Safe from any thread; a
        second caller waits for the first load. Raises DataError, or
        data.Cancelled when should_stop() turns true (also while waiting for another caller's load).
        """
        from mnist_gui.core.data import Cancelled, load_mnist
        while not self._mnist_lock.acquire(timeout=0.05):
            if should_stop is not None and should_stop():
                raise Cancelled()
        try:
            with self._folder_lock:
                if self._mnist is not None:
                    return self._mnist
                changes, folder = self._mnist_folder_changes, self.data_dir
            loaded = load_mnist(folder, download=self.download_missing_mnist, progress=progress,
                                should_stop=should_stop, download_dir=self.download_dir)
            with self._folder_lock:
                if changes == self._mnist_folder_changes:   # else the folder changed meanwhile
                    self._mnist = loaded
                    self.data_loaded.emit(loaded)
        finally:
            self._mnist_lock.release()
        return loaded

    def use_mnist(self, data: Mnist) -> None:
        """Serve this in-memory MNIST (tests, benchmarks) instead of loading it."""
        with self._folder_lock:
            self._mnist_folder_changes += 1    # a load under way is not kept over this
            self._mnist = data
            self.data_loaded.emit(data)

    # -- the live model ------------------------------------------------------------------------
    def initial_checkpoint(self, model_path: str | None = None) -> tuple[Checkpoint, list[str | Message]]:
        """The model to start with: model_path, else the remembered one, else the shipped one, else an
        untrained network. Returns it and one line per model that could not be opened (and a Message when the
        network is untrained).

        A model with its .onnx beside it opens without torch (checkpoint.open_live); an older one is opened
        with torch and exported once (the .onnx written beside it when the folder allows)."""
        from mnist_gui.core.checkpoint import Checkpoint, CheckpointError
        candidates = [model_path] if model_path else []
        remembered = self.settings.get("model/path")
        if remembered and not model_path:
            candidates.append(remembered)
        problems: list[str | Message] = []
        for p in candidates + [str(config.SHIPPED_MODEL)]:
            try:
                return self.open_model(config.resolve_model_path(p)), problems
            except CheckpointError as e:
                problems.append(str(e))
        from mnist_gui.core.checkpoint import with_live
        from mnist_gui.core.models import ModelConfig, build_model
        model = build_model(ModelConfig()).eval()
        problems.append(say("model-untrained"))
        return with_live(Checkpoint(model=model, model_config=ModelConfig(), meta={"name": "untrained"})), problems

    def make_live(self, ck: Checkpoint, remember: bool = True) -> None:
        """Swap the live model (the GUI thread's; prediction uses it at once): read on ONNX Runtime
        (core/live.py) when it has its exported network, else with torch."""
        self.checkpoint = ck
        if ck.live is not None:
            from mnist_gui.core.live import LivePredictor
            self.predictor = LivePredictor(ck.live)
        else:
            from mnist_gui.core.predictor import Predictor
            self.predictor = Predictor(ck.load_model())
        self.reader = Reader(self.predictor, self._reading_models, self.prototypes)   # a new candidate cache
        if remember:
            self._remember(ck)
        self.model_changed.emit(ck)

    @property
    def reading_models(self) -> ReadingModels:
        """The gates, the judge and the path net the reader uses beside the live model."""
        return self._reading_models

    @reading_models.setter
    def reading_models(self, models: ReadingModels) -> None:
        self._reading_models = models
        self.reader = None if self.predictor is None else Reader(self.predictor, models, self.prototypes)

    def _remember(self, ck: Checkpoint) -> None:
        """The one place that writes which model the next start opens (and the command line reads: at once)."""
        self.settings.set("model/path", str(ck.path) if ck.path else "")
        self.settings.sync()

    def save_model(self, ck: Checkpoint, path: str | Path) -> Path:
        """Save a checkpoint as a model file (any thread; CheckpointError when it cannot be written).
        Call `saved(ck, path)` in the thread that owns the settings afterwards."""
        from mnist_gui.core.checkpoint import save_checkpoint
        path = Path(path)
        if path.suffix != ".pt":
            path = path.with_name(path.name + ".pt")
        if path.parent == self.models_dir:   # the app folder's own, proposed by Save model as…: made here
            self.models_dir.mkdir(parents=True, exist_ok=True)
        return save_checkpoint(path, ck.load_model(), ck.model_config, ck.train_config, ck.metrics, ck.history,
                               name=path.stem)

    def saved(self, ck: Checkpoint, path: Path) -> None:
        """A checkpoint now lives at path: when it is the live model, the next start opens it."""
        ck.path = Path(path)
        if ck is self.checkpoint:
            self._remember(ck)

    def open_model(self, path: str) -> Checkpoint:
        """Open a checkpoint for the live path (CheckpointError, one line, when it cannot be used); does not
        make it live. Without torch when its .onnx is beside it; else loaded with torch and exported."""
        from mnist_gui.core.checkpoint import CheckpointError, load_checkpoint, open_live, with_live
        try:
            ck = open_live(path) or with_live(load_checkpoint(path))
        except (OSError, RuntimeError) as e:
            raise CheckpointError(f"cannot open {path}: {e}".splitlines()[0]) from None
        if ck.test_accuracy is None:   # a run's model evaluated after it was saved: its record has the figure
            run = self._run_of(ck)
            if run is not None and run.test_accuracy is not None:
                ck.metrics.update(test_accuracy=run.test_accuracy)
        return ck

    def run_id_of(self, path: str | Path | None) -> str | None:
        """The id of the run whose model.pt path is, however it is spelled (through a link, relative, with
        ..), or None (a file of the user's, no path). Reads no record."""
        if path is None or Path(path).name != "model.pt":
            return None
        folder = Path(path).parent
        try:   # the same folder, however reached: the app folder (or the path) may go through a link
            if folder.parent.resolve() != self.runs_dir.resolve():
                return None
        except (OSError, ValueError, RuntimeError):   # RuntimeError: a loop of links
            return None
        return folder.name

    @property
    def live_run_id(self) -> str | None:
        """The id of the run whose model is the live one, or None: the one place the Runs list asks."""
        ck = self.checkpoint
        return self.run_id_of(ck.path) if ck is not None else None

    def _run_of(self, ck: Checkpoint) -> RunRecord | None:
        """The run whose model ck is (its model.pt in the runs folder), or None (a file of the user's, a damaged
        record)."""
        from mnist_gui.core.runs import RunStoreError
        rid = self.run_id_of(ck.path)
        if rid is None:
            return None
        try:
            return self.runs.get(rid)
        except (RunStoreError, OSError, ValueError):
            return None

    def evaluated(self, ck: Checkpoint | None, ev: dict) -> None:
        """An evaluation of ck on the MNIST test set finished (GUI thread): a model that had no test accuracy
        gets it, in memory and in its run's record, so the window and the Runs list show it (and the next
        opening of that run's model). A figure it already has is kept (it is the same model)."""
        if ck is None or ck.test_accuracy is not None:
            return
        figures = {"test_accuracy": float(ev["accuracy"]), "test_loss": float(ev["loss"])}
        ck.metrics.update(figures)
        run = self._run_of(ck)
        if run is not None:
            from mnist_gui.core.runs import RunStoreError
            try:
                self.runs.mark(run, metrics=figures)
            except RunStoreError as e:   # the record damaged meanwhile: the window still shows the figure
                log.warning("%s", e)
            self.runs_changed.emit()
        if ck is self.checkpoint:
            self.model_changed.emit(ck)

    @property
    def live_accuracy(self) -> float | None:
        return self.checkpoint.test_accuracy if self.checkpoint is not None else None

    @property
    def device(self) -> str:
        """Where training and evaluation run (auto, cpu, cuda, cuda:N, mps): a setting, not a recipe field.
        Live prediction always stays on the CPU (one 28×28 image is faster there than a GPU round trip)."""
        return self.settings.get("train/device")

    def set_device(self, device: str) -> None:
        from mnist_gui.core.device import parse_device
        self.settings.set("train/device", parse_device(device))

    # -- training ------------------------------------------------------------------------------
    def recipe_config(self, recipe_id: str | None = None, **overrides) -> TrainConfig:
        """A recipe's TrainConfig with the given fields overridden (None: keep), validated."""
        rid = recipe_id or self.default_recipe
        if rid not in self.recipes:
            raise ValueError(f"unknown recipe {rid!r}; choose from {', '.join(self.recipes)}")
        return self.recipes[rid].config.with_overrides(**overrides).validated()

    def plan_run(self, recipe_id: str | None = None, *, base: TrainConfig | None = None,
                 init: Checkpoint | None = None, arch: dict | None = None, pen_digits: list | None = None,
                 pen_variants: int = 1, kind: str = "train", study: str = "", **overrides) -> RunPlan:
        """A training run: the recipe (or `base`, a config the Train tab's form made) with these fields
        overridden (None: keep), validated (ValueError), on the device setting.

        init: start from this model's weights, with its network (preset, dropout, or its custom spec);
        arch: a custom network ({"layers": [...]}); pen_digits: PenDigits added to the training images
        (rendered like the canvas does, `pen_variants` times each). The config records whose pen digits
        the weights will have seen (init's own and these), so Evaluate can leave those writers out.
        study: the study whose trial this run is (its record names it)."""
        from mnist_gui.core.handwriting.pendigits import seen_writers, writers_text
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if arch is not None and overrides.get("preset") not in (None, "custom"):
            raise ValueError(f"--arch gives the network; --preset {overrides['preset']} cannot be used with it")
        init_state, seen = None, set()
        if init is not None:
            init_state = init.load_model().state_dict()
            overrides.update(preset=init.model_config.preset, dropout=init.model_config.dropout)
            if init.model_config.spec is not None:
                overrides.update(arch={"layers": init.model_config.spec})
            seen |= seen_writers(init.train_config)
        if arch is not None:
            overrides.update(preset="custom", arch=arch)
        if base is not None:
            cfg = base.with_overrides(**overrides).validated()
        else:
            cfg = self.recipe_config(recipe_id, **overrides)
        extra = None
        if pen_digits:
            from mnist_gui.core.handwriting.pendigits import render_pendigits
            extra = render_pendigits(pen_digits, variants=pen_variants, seed=cfg.seed)
            seen |= {d.writer for d in pen_digits}
        cfg = replace(cfg, pen_writers=writers_text(seen) if seen else None)
        return RunPlan(cfg, init_state, extra, kind, self.device, study)

    def plan_finetune(self, share: float = 0.4, n_mnist: int = config.MNIST_TRAIN_SIZE) -> RunPlan:
        """Fine-tuning the live model on My digits mixed with MNIST (ValueError when there is nothing to learn).

        My digits are repeated so they make up about `share` of the training images; augmentation gives
        each repeat a different small affine and stroke thickness. The share and the recipe's steps were
        chosen on held-out writers' digits (benchmarks/finetune_writer.py; its figures: benchmarks/README.md):
        fewer own digits and more steps could cost a writer digits the model already read right. The recipe
        ends part of the way back to the live model's weights (average_start), which keeps MNIST test
        accuracy where it was."""
        my = self.my_digits
        if not len(my):
            raise MyDigitsEmpty()
        if self.checkpoint is None:
            raise ModelNotLoaded()
        plan = self.plan_run("finetune", init=self.checkpoint, kind="finetune")
        repeat = max(1, round(share * n_mnist / (1 - share) / len(my)))
        return replace(plan, extra_train=my.as_split(repeat))

    def share_cores(self, seconds: float = SHARE_CORES_S) -> None:
        """The user is drawing: every run training now trains on a thread fewer for the next `seconds`, so the
        live reading has a core of its own (RunControl.share_cores), and the workers loading PyTorch before it
        is needed pause their imports till then (core/give_way.py); 0: the user left the canvas. Any thread."""
        give_way.drawing(seconds)
        for control in list(self._running):
            control.share_cores(seconds)

    def run(self, plan: RunPlan, on_event: Callable[[Any], None] | None = None,
            control: RunControl | None = None, *, keep_stopped: bool = True,
            out: str | Path | None = None) -> FinishedRun:
        """THE run sequence, for the Train tab, fine-tuning, `mnist-gui train` and each study trial: MNIST
        (loaded once, shared) -> train the plan on its device -> measure a stopped run's model on the test
        images -> `finish_run` (saved in its run's folder, and at `out` when given; recorded). Any thread;
        the caller holds the claim (`with ws.working(plan.kind):`) and decides what goes live
        (`live_decision`, `make_live`).

        on_event gets, in this thread, data-loading lines as StatusChanged, every Trainer event
        (core/events.py) and Measuring(done, total) while a stopped model is measured. control stops,
        pauses or aborts it from any thread (an abort: a stopped model is neither measured nor exported).
        keep_stopped False: a stopped run is neither measured nor recorded (a study's interrupted trial,
        which runs again). A run stopped before its first step is never recorded: its FinishedRun has no
        record and no checkpoint. Raises RunStoreError before anything loads when no run can be recorded
        (check_can_record), DataError when MNIST is not found; a KeyboardInterrupt goes through."""
        from mnist_gui.core.data import Cancelled
        from mnist_gui.core.events import Measuring, StatusChanged
        from mnist_gui.core.train import Trainer, evaluate
        self.check_can_record()
        control = control or RunControl()
        emit = on_event or (lambda ev: None)
        before = FinishedRun(RunStatus.STOPPED, STOPPED_BEFORE_TRAINING, None, None, kind=plan.kind)
        try:
            data = self.mnist(progress=lambda line: emit(StatusChanged(line)), should_stop=lambda: control.stopped)
        except Cancelled:
            return before
        if control.stopped:   # a stop asked for while MNIST was loading is not lost
            return before

        def on_train_event(ev) -> None:
            control.poll()   # a study's stop or a signal reaches the trainer within an event
            emit(ev)
        trainer = Trainer(plan.config, data, on_train_event, init_state=plan.init_state,
                          extra_train=plan.extra_train, device=plan.device)
        control._attach(trainer)
        self._running.add(control)
        try:
            result = trainer.run()
        finally:
            self._running.discard(control)
        if result.status is RunStatus.STOPPED and (not result.history.get("step") or not keep_stopped):
            return (before if not result.history.get("step")
                    else FinishedRun(RunStatus.STOPPED, result.message, None, None, kind=plan.kind, result=result))
        if (result.status is RunStatus.STOPPED and result.model is not None and not control.aborted
                and "test_accuracy" not in result.metrics):
            total = len(data.test.labels)
            emit(Measuring(0, total))   # at once: the window asks its question while the model is measured

            def measured(done: int, n: int) -> None:
                if control.aborted:
                    raise Cancelled()
                emit(Measuring(done, n))
            try:
                ev = evaluate(result.model, data.test, progress=measured, precision=plan.config.precision)
                result.metrics.update(test_accuracy=ev["accuracy"], test_loss=ev["loss"],
                                      per_class=ev["per_class"], confusion=ev["confusion"])
                h = result.history   # the test point at the step it stopped, as an epoch's end adds one
                for key, value in (("epoch", trainer.epoch), ("epoch_step", trainer.step),
                                   ("test_loss", ev["loss"]), ("test_accuracy", ev["accuracy"])):
                    h.setdefault(key, []).append(value)
            except Cancelled:
                pass
        return self.finish_run(result, kind=plan.kind, device=str(trainer.device), study=plan.study, out=out,
                               onnx=not control.aborted)

    def check_can_record(self) -> None:
        """RunStoreError (one line) when no run can be recorded in runs_dir (an app folder that is a file or
        cannot be written): said before a run trains, not after."""
        import tempfile

        from mnist_gui.core.runs import RunStoreError
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=self.runs_dir).close()
        except OSError as e:
            raise RunStoreError(f"cannot record runs in {self.runs_dir}: {e.strerror or e}") from None

    def finish_run(self, result: TrainResult, *, kind: str = "train", device: str = "", study: str = "",
                   out: str | Path | None = None, onnx: bool = True) -> FinishedRun:
        """Record a run that trained (any thread): its checkpoint saved atomically in runs/<id>/model.pt
        (and at `out` too when given), its record in runs/<id>/run.json, naming its kind, device and study.
        Does not make it live.
        onnx: also export its network for the live path (about a second; False when the window is closing:
        it is exported the first time the model is opened)."""
        from mnist_gui.core.checkpoint import Checkpoint, CheckpointError, save_checkpoint
        cfg = result.config
        mcfg = cfg.model_config()
        metrics = {k: v for k, v in result.metrics.items() if k not in ("predictions", "confidence",
                                                                         "probabilities")}
        saved: list[Path] = []

        def save(path: Path) -> None:
            save_checkpoint(path, result.model, mcfg, cfg.to_dict(), metrics, result.history, onnx=onnx,
                            name=path.parent.name.strip(".").removesuffix(".partial"))
            saved.append(path)

        record, problem = None, ""
        try:
            record = self.runs.record(result.status, cfg.to_dict(), metrics, result.history, result.seconds,
                                      save if result.model is not None else None, kind=kind, device=device,
                                      precision=result.precision, study=study)
        except (OSError, CheckpointError) as e:
            problem = f"could not record the run: {e}"
        ck = None
        if result.model is not None:
            name = record.id if record is not None else time.strftime(f"{mcfg.preset}-%Y%m%d-%H%M%S")
            path = record.model_path if record is not None and saved else None
            if out is not None:
                try:
                    path = save_checkpoint(out, result.model, mcfg, cfg.to_dict(), metrics, result.history,
                                           name=Path(out).stem)
                except (OSError, CheckpointError) as e:
                    problem = problem or str(e)
            ck = Checkpoint(model=result.model.eval(), model_config=mcfg, train_config=cfg.to_dict(),
                            metrics=metrics, history=result.history, meta={"name": name}, path=path)
            ck.live = _saved_live(path)
        if record is not None:
            self.runs_changed.emit()
        retry = None
        if ck is not None and ck.path is None:
            def retry() -> FinishedRun:
                return self.finish_run(result, kind=kind, device=device, study=study, out=out, onnx=onnx)
        return FinishedRun(result.status, result.message, record, ck, problem, kind, retry, result)

    def live_decision(self, done: FinishedRun) -> LiveDecision:
        """Whether a finished run's model goes live at once, after a question, or not at all."""
        ck = done.checkpoint
        if ck is None or done.status not in (RunStatus.FINISHED, RunStatus.STOPPED):
            return LiveDecision(LiveAction.NONE)
        new, live = ck.test_accuracy, self.live_accuracy
        if done.status == RunStatus.STOPPED:
            return LiveDecision(LiveAction.ASK_STOPPED, new, live)
        tolerance = FINETUNE_TOLERANCE if done.kind == BusyKind.FINETUNE else 0.0
        if live is not None and new is not None and new < live - tolerance:
            return LiveDecision(LiveAction.ASK_WORSE, new, live)
        if (live is None or new is None) and self.checkpoint is not None and done.kind != BusyKind.FINETUNE:
            # a live model the user chose that was never measured (a stopped run's, an imported file): a new run
            # does not replace it unasked (a fine-tune starts from the live model itself: it goes live)
            return LiveDecision(LiveAction.ASK_UNMEASURED, new, live)
        return LiveDecision(LiveAction.LIVE, new, live)

    def evaluate(self, model=None, *, device=None, progress: Callable[[Any], None] | None = None,
                 should_stop: Callable[[], bool] | None = None) -> tuple[dict, Mnist]:
        """The model (default: the live one) over MNIST's 10,000 test images on `device` (default: the
        device setting) (any
        thread; the caller's model is not moved). progress gets data-loading lines (Messages) and (done, total);
        data.Cancelled when should_stop() turns true. Returns (evaluation, MNIST)."""
        from mnist_gui.core.data import Cancelled
        from mnist_gui.core.device import resolve_device
        from mnist_gui.core.train import evaluate
        model = model if model is not None else self.checkpoint.load_model()
        data = self.mnist(progress=progress, should_stop=should_stop)

        def step(i: int, n: int) -> None:
            if should_stop is not None and should_stop():
                raise Cancelled()
            if progress is not None:
                progress((i, n))
        return evaluate(model, data.test, progress=step,
                        device=resolve_device(device if device is not None else self.device)), data

    def read_pen_digits(self, model=None, seen=frozenset(), *, progress: Callable[[Any], None] | None = None,
                        should_stop: Callable[[], bool] | None = None):
        """Read the pen-drawn digits of the writers the model has not seen: (probabilities [N,10], labels [N],
        writers read). They are looked for beside the MNIST folder (the loaded one, else the one the
        settings point at) or at $MNIST_GUI_PENDIGITS. DataError when they are not found;
        pendigits.AllWritersSeen when the model has seen every writer."""
        from mnist_gui.core.data import Cancelled, DataError, find_mnist_folder
        from mnist_gui.core.handwriting.pendigits import find_pendigits, unseen_as_mnist
        from mnist_gui.core.train import evaluate
        model = model if model is not None else self.checkpoint.load_model()
        loaded = self.loaded_mnist
        path = find_pendigits(loaded.folder if loaded is not None
                              else find_mnist_folder(self.data_dir, self.download_dir))
        if path is None:
            raise DataError("pen-drawn digits not found: put pendigits/pendigits-train.gz beside the MNIST "
                            "folder or set MNIST_GUI_PENDIGITS")
        if progress is not None:
            progress("reading pen-drawn digits")
        split, writers = unseen_as_mnist(path, seen)
        if should_stop is not None and should_stop():
            raise Cancelled()
        ev = evaluate(model, split)
        return ev["probabilities"].numpy(), split.labels.numpy(), writers

    def delete_run(self, record: RunRecord | str) -> None:
        """Delete a run's folder (RunStoreError or OSError when it cannot be); listeners hear of it. The live
        model's own run: its weights are loaded first, so it can still be saved, evaluated and fine-tuned."""
        ck = self.checkpoint
        rid = record if isinstance(record, str) else record.id
        if ck is not None and ck.model is None and rid == self.live_run_id:
            ck.load_model()
        try:
            self.runs.delete(record)
        finally:
            self.runs_changed.emit()

    def discard_run_model(self, record: RunRecord) -> None:
        """The user did not keep a stopped run's model: delete its checkpoint, keep the record (marked)."""
        try:
            self.runs.discard_model(record)
        except OSError:
            pass
        self.runs_changed.emit()

    def shutdown(self) -> None:
        give_way.drawing(0)   # a worker paused for the pen goes on, and can stop
        self.settings.sync()
