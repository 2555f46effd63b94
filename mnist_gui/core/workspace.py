"""The application object: what mnist-gui knows, for the window and the command line alike.

A `Workspace` owns the live checkpoint and its predictor, the data folder and MNIST (loaded once,
lazily, shared by every user of it), the recipe catalogue, the run store, My digits and the typed
settings. There is one way to finish a training run, `finish_run`: save the checkpoint atomically in
the run's folder, record the run; making it live is a separate, explicit step (`make_live`).

It tells listeners about changes through plain callbacks (`workspace.model_changed.connect(cb)`); the
window bridges them to Qt signals in one small adapter (gui/qt_workspace.py), the way napari's models
know nothing of their Qt views. Nothing here imports Qt, and torch is imported only when a model or
data is first needed, so the window can show before torch has loaded.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mnist_gui import config
from mnist_gui.core.recipes import DEFAULT_RECIPE, RECIPES, Recipe, TrainConfig
from mnist_gui.core.settings import Settings

if TYPE_CHECKING:
    from mnist_gui.core.checkpoint import Checkpoint
    from mnist_gui.core.data import Mnist
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


@dataclass
class FinishedRun:
    """What `finish_run` made of a TrainResult."""
    status: str                          # finished, stopped, diverged
    message: str
    record: "RunRecord | None"           # None when the run could not be recorded (see problem)
    checkpoint: "Checkpoint | None"      # the trained model, saved in the run's folder; None when diverged
    problem: str = ""                    # why recording or saving failed, in one line
    kind: str = "train"                  # train, finetune, study


class Workspace:
    def __init__(self, home: Path | None = None, settings: Settings | None = None):
        self.home = Path(home) if home else config.app_home()
        self.settings = settings or Settings()
        self.recipes: dict[str, Recipe] = RECIPES
        self.default_recipe = DEFAULT_RECIPE
        self.checkpoint: Checkpoint | None = None
        self.predictor: Predictor | None = None
        self._mnist: Mnist | None = None
        self._mnist_lock = threading.Lock()
        self._mnist_folder_changes = 0   # a load that began before a change is not kept (set_data_dir)
        self._folder_lock = threading.RLock()   # held briefly: the folder, the change count and _mnist
        self._runs: RunStore | None = None
        self._my_digits: MyDigits | None = None
        # change notifications (called in the thread that made the change)
        self.model_changed = Callbacks()      # (Checkpoint)
        self.runs_changed = Callbacks()       # ()
        self.my_digits_changed = Callbacks()  # ()
        self.data_loaded = Callbacks()        # (Mnist)

    # -- stores --------------------------------------------------------------------------------
    @property
    def runs(self) -> "RunStore":
        if self._runs is None:
            from mnist_gui.core.runs import RunStore
            self._runs = RunStore(self.home / "runs")
        return self._runs

    @property
    def my_digits(self) -> "MyDigits":
        if self._my_digits is None:
            from mnist_gui.core.mydigits import MyDigits
            self._my_digits = MyDigits(self.home / "my_digits.jsonl")
        return self._my_digits

    def teach(self, label: int, image, strokes=()):
        """Store a digit in My digits (raises OSError-derived errors when it cannot be stored)."""
        sample = self.my_digits.add(label, image, strokes)
        self.my_digits_changed.emit()
        return sample

    def forget(self, sample_ids) -> int:
        """Delete these samples from My digits; the number deleted."""
        n = sum(bool(self.my_digits.delete(i)) for i in sample_ids)
        if n:
            self.my_digits_changed.emit()
        return n

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
    def loaded_mnist(self) -> "Mnist | None":
        """MNIST when some part of the app has loaded it already; never loads."""
        return self._mnist

    def mnist(self, progress: Callable[[str], None] | None = None,
              should_stop: Callable[[], bool] | None = None) -> "Mnist":
        """MNIST, loaded on first use (downloaded when nowhere to be found) and shared afterwards.

        Safe from any thread; a second caller waits for the first load. Raises DataError, or
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
            loaded = load_mnist(folder, progress=progress, should_stop=should_stop)
            with self._folder_lock:
                if changes == self._mnist_folder_changes:   # else the folder changed meanwhile
                    self._mnist = loaded
                    self.data_loaded.emit(loaded)
        finally:
            self._mnist_lock.release()
        return loaded

    def use_mnist(self, data: "Mnist") -> None:
        """Serve this in-memory MNIST (tests, benchmarks) instead of loading it."""
        with self._folder_lock:
            self._mnist_folder_changes += 1    # a load under way is not kept over this
            self._mnist = data
            self.data_loaded.emit(data)

    # -- the live model ------------------------------------------------------------------------
    def initial_checkpoint(self, model_path: str | None = None) -> "tuple[Checkpoint, list[str]]":
        """The model to start with: model_path, else the remembered one, else the shipped one, else an
        untrained network. Returns it and one line per model that could not be opened."""
        from mnist_gui.core.checkpoint import Checkpoint, CheckpointError, load_checkpoint
        candidates = [model_path] if model_path else []
        remembered = self.settings.get("model/path")
        if remembered and not model_path:
            candidates.append(remembered)
        problems = []
        for p in candidates + [str(config.SHIPPED_MODEL)]:
            try:
                return load_checkpoint(config.resolve_model_path(p)), problems
            except CheckpointError as e:
                problems.append(str(e))
        from mnist_gui.core.models import ModelConfig, build_model
        model = build_model(ModelConfig()).eval()
        problems.append("using an untrained model: train one on the Train tab")
        return Checkpoint(model=model, model_config=ModelConfig(), meta={"name": "untrained"}), problems

    def make_live(self, ck: "Checkpoint", remember: bool = True) -> None:
        """Swap the live model (the GUI thread's; prediction uses it at once)."""
        from mnist_gui.core.predictor import Predictor
        self.checkpoint = ck
        if self.predictor is None:
            self.predictor = Predictor(ck.model)
        else:
            self.predictor.set_model(ck.model)
        if remember:
            self.settings.set("model/path", str(ck.path) if ck.path else "")
        self.model_changed.emit(ck)

    def open_model(self, path: str) -> "Checkpoint":
        """Load a checkpoint (CheckpointError when it cannot be used); does not make it live."""
        from mnist_gui.core.checkpoint import load_checkpoint
        return load_checkpoint(path)

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
        cfg = self.recipes[rid].config.with_overrides(**overrides)
        cfg.validate()
        return cfg

    def finetune_plan(self, share: float = 0.4, n_mnist: int = config.MNIST_TRAIN_SIZE):
        """Fine-tuning the live model on My digits mixed with MNIST: (TrainConfig, extra split, init state).

        My digits are repeated so they make up about `share` of the training images; augmentation gives
        each repeat a different small affine and stroke thickness. 40% and the recipe's 120 steps won on
        held-out writers' digits (benchmarks/finetune_writer.py): at 15% and 200 steps teaching could cost
        a writer digits the model already read right. The recipe ends 30% of the way back to the live
        model's weights (average_start), which keeps MNIST test >= 99.3% after teaching."""
        my = self.my_digits
        if not len(my):
            raise ValueError("My digits is empty: teach some digits first")
        ck = self.checkpoint
        base = self.recipes["finetune"].config
        if ck.model_config.spec is not None:   # a custom network: fine-tune that network as it is
            cfg = base.with_network(ck.model_config.network().to_list())
        else:
            cfg = base.with_overrides(preset=ck.model_config.preset, dropout=ck.model_config.dropout)
        from mnist_gui.core.handwriting.pendigits import seen_writers, writers_text
        seen = seen_writers(ck.train_config)                                  # what the weights have seen
        cfg = replace(cfg, pen_writers=writers_text(seen) if seen else None)
        repeat = max(1, round(share * n_mnist / (1 - share) / len(my)))
        return cfg, my.as_split(repeat), ck.model.state_dict()

    def finish_run(self, result: "TrainResult", *, kind: str = "train", device: str = "",
                   out: str | Path | None = None) -> FinishedRun:
        """Record a run that trained (any thread): its checkpoint saved atomically in runs/<id>/model.pt
        (and at `out` too when given), its record in runs/<id>/run.json. Does not make it live."""
        from mnist_gui.core.checkpoint import Checkpoint, CheckpointError, save_checkpoint
        cfg = result.config
        mcfg = cfg.model_config()
        metrics = {k: v for k, v in result.metrics.items() if k not in ("predictions", "confidence",
                                                                         "probabilities")}
        saved: list[Path] = []

        def save(path: Path) -> None:
            save_checkpoint(path, result.model, mcfg, cfg.to_dict(), metrics, result.history,
                            name=path.parent.name.strip(".").removesuffix(".partial"))
            saved.append(path)

        record, problem = None, ""
        try:
            record = self.runs.record(result.status, cfg.to_dict(), metrics, result.history, result.seconds,
                                      save if result.model is not None else None, kind=kind, device=device)
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
                except CheckpointError as e:
                    problem = problem or str(e)
            ck = Checkpoint(model=result.model.eval(), model_config=mcfg, train_config=cfg.to_dict(),
                            metrics=metrics, history=result.history, meta={"name": name}, path=path)
        if record is not None:
            self.runs_changed.emit()
        return FinishedRun(result.status, result.message, record, ck, problem, kind)

    def discard_run_model(self, record: "RunRecord") -> None:
        """The user did not keep a stopped run's model: delete its checkpoint, keep the record (marked)."""
        try:
            self.runs.discard_model(record)
        except OSError:
            pass
        self.runs_changed.emit()

    def shutdown(self) -> None:
        self.settings.sync()
