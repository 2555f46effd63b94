"""Trainer: plain Python with callbacks. Knows nothing of threads or Qt.

Events go to one callback as the small dataclasses of core/events.py: Started, Progressed (throttled
here, each carrying every step since the last), EpochEnded, StatusChanged, and Finished last.

Where it runs: `device` ("cpu", "cuda", "cuda:1", "mps", "auto" or a torch.device). The model, the data
and every batch live there. Reading a value back from an accelerator waits for it (a host sync), so
on an accelerator the per-step loss and accuracy stay on the device and are read at sync points a few
times a second (SYNC_INTERVAL_S). On the CPU reading is free, so every step is read when it is taken.
The NaN guard looks at the values it reads: on an accelerator a diverged run stops at the next sync
point, naming the first step whose loss was not finite. What was read is sent as Progressed at most every
`progress_interval_s` (PROGRESS_INTERVAL_S), and always before a pause, an epoch's evaluation, a stop or
the run's end: this is the one place progress is throttled, so every consumer (the CLI's bar, the Qt
workers, studies) gets a bounded rate without a throttle of its own.

Pause, resume and stop are flags checked between batches. The returned model is always on the CPU.
"""

from __future__ import annotations

import contextlib
import copy
import math
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from mnist_gui import config
from mnist_gui.core.data import Mnist, MnistSplit
from mnist_gui.core.device import resolve_device, resolve_precision
from mnist_gui.core.errors import Diverged
from mnist_gui.core.events import EpochEnded, Finished, Progressed, Started, StatusChanged, TrainEvent
from mnist_gui.core.messages import Message, say
from mnist_gui.core.models import build_model, move_towards
from mnist_gui.core.recipes import TrainConfig
from mnist_gui.core.states import RunStatus

SYNC_INTERVAL_S = 0.1        # on an accelerator: read loss/accuracy back about ten times a second
PROGRESS_INTERVAL_S = 0.05   # send a Progressed at most about twenty times a second


@dataclass
class TrainResult:
    status: RunStatus
    message: Message | Diverged     # str() is the English line; the window translates it by its code
    model: nn.Module | None         # on the CPU, eval mode; None when diverged: the caller's model stays as it was
    config: TrainConfig
    metrics: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    seconds: float = 0.0
    precision: str = "fp32"         # what the forward pass ran in: "bf16" (autocast) or "fp32"


class _Stopped(Exception):
    pass


# Device copies of data tensors (MNIST), so a second run or evaluation does not copy again.
# Keyed by (id(tensor), device); the weak reference tells a live tensor from a new one with a reused id.
_DEVICE_COPIES: dict[tuple[int, str], tuple[weakref.ref, torch.Tensor]] = {}
_MAX_DEVICE_COPIES = 8


def on_device(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    """`t` on `device`, copied once and cached while `t` lives (the tensor itself when it is already there)."""
    if t.device == device:
        return t
    key = (id(t), str(device))
    hit = _DEVICE_COPIES.get(key)
    if hit is not None and hit[0]() is t:
        return hit[1]
    for k in [k for k, (ref, _) in _DEVICE_COPIES.items() if ref() is None]:
        del _DEVICE_COPIES[k]
    while len(_DEVICE_COPIES) >= _MAX_DEVICE_COPIES:
        del _DEVICE_COPIES[next(iter(_DEVICE_COPIES))]
    copy_ = t.to(device)
    _DEVICE_COPIES[key] = (weakref.ref(t), copy_)
    return copy_


def _generator(device: torch.device, seed: int) -> torch.Generator:
    """A seeded generator on the device for CUDA (no host round trip), on the CPU otherwise."""
    return torch.Generator(device=device if device.type == "cuda" else "cpu").manual_seed(seed)


def _randperm(n: int, gen: torch.Generator, device: torch.device) -> torch.Tensor:
    return torch.randperm(n, generator=gen, device=gen.device).to(device)


def _augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Small random affine (rotation, scale, shift, shear) and stroke thickness, on [0,1] images."""
    n = x.shape[0]
    u = lambda lo, hi: (torch.rand(n, generator=gen, device=gen.device).to(x.device)  # noqa: E731
                        * (hi - lo) + lo)
    rot = u(-10, 10) * math.pi / 180
    shear = u(-8, 8) * math.pi / 180
    scale = u(0.88, 1.1)
    sx = scale * u(0.93, 1.07)  # a little aspect change
    tx, ty = u(-0.15, 0.15), u(-0.15, 0.15)  # ±2 px
    cos, sin = torch.cos(rot), torch.sin(rot)
    # inverse map (output -> input coordinates): rotation · shear / scale
    a = torch.stack([torch.stack([cos / sx, (-sin + cos * torch.tan(shear)) / scale, tx], 1),
                     torch.stack([sin / sx, (cos + sin * torch.tan(shear)) / scale, ty], 1)], 1)
    grid = F.affine_grid(a, list(x.shape), align_corners=False)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    # stroke thickness: blend towards a dilated (thicker) or eroded (thinner) copy
    t = u(-0.35, 0.45).view(n, 1, 1, 1)
    thick = F.max_pool2d(x, 3, 1, 1)
    thin = -F.max_pool2d(-x, 3, 1, 1)
    x = torch.where(t > 0, x + t * (thick - x), x + (-t) * (thin - x))
    return x


def _normalize_(x: torch.Tensor) -> torch.Tensor:
    """[0,1] images -> MNIST-normalised, in place."""
    return x.sub_(config.MNIST_MEAN).div_(config.MNIST_STD)


def _model_device(model: nn.Module) -> torch.device:
    p = next(model.parameters(), None)
    return p.device if p is not None else torch.device("cpu")


@contextlib.contextmanager
def _exact_fp32(device: torch.device):
    """On CUDA: float32 without TF32 and with fixed cuDNN algorithms, so a model's accuracy does not
    depend on autotuning (evaluation is cheap); elsewhere nothing changes."""
    if device.type != "cuda":
        yield
        return
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    try:
        with torch.backends.cudnn.flags(enabled=True, benchmark=False, deterministic=True, allow_tf32=False):
            yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = before


def _autocast(device: torch.device, precision: str):
    """bfloat16 autocast on `device` for precision "bf16"; nothing for "fp32"."""
    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")


def eval_precision(precision: str, device: torch.device) -> str:
    """What an evaluation computes in: "auto" is bf16 on a CPU that has it natively (evaluating the test
    set is what a user waits for after Stop; benchmarks/train_speed.py measures its time and how often its
    predictions differ from float32's) and
    float32 elsewhere (on CUDA evaluation is cheap, and exact float32 keeps the accuracy independent of
    kernel choices); "fp32" and "bf16" as they are."""
    if precision == "auto" and device.type != "cpu":
        return "fp32"
    return resolve_precision(precision, device)


@torch.no_grad()
def evaluate(model: nn.Module, split: MnistSplit, batch_size: int = 256,
             progress: Callable[[int, int], None] | None = None, device=None, precision: str = "auto") -> dict:
    """Loss, accuracy, per-class accuracy, confusion matrix and predictions on a split.

    Runs on `device` (default: where the model is) on a channels-last copy of the model (the caller's
    model is left as it is), in `precision` (see eval_precision; float32 on CUDA without TF32). Every
    returned tensor is on the CPU. `progress(done, total)` is called after each batch without waiting
    for the device (it may raise to cancel).
    """
    dev = _model_device(model) if device is None else resolve_device(device)
    prec = eval_precision(precision, dev)
    net = copy.deepcopy(model).to(dev, memory_format=torch.channels_last).eval()
    n = len(split)
    images, labels = on_device(split.images, dev), on_device(split.labels, dev)
    probs_all = torch.empty(n, 10, device=dev)
    total_loss = torch.zeros((), device=dev)
    with _exact_fp32(dev), _autocast(dev, prec):
        for i in range(0, n, batch_size):
            x = _normalize_(images[i:i + batch_size].unsqueeze(1).to(torch.float32).div_(255.0))
            logits = net(x.contiguous(memory_format=torch.channels_last)).float()
            total_loss += F.cross_entropy(logits, labels[i:i + batch_size], reduction="sum")
            probs_all[i:i + len(x)] = logits.softmax(1)
            if progress:
                progress(min(i + batch_size, n), n)
    probs_all = probs_all.cpu()
    probs_top, preds = probs_all.max(1) if n else (torch.empty(0), torch.empty(0, dtype=torch.int64))
    labels = split.labels
    confusion = torch.zeros(10, 10, dtype=torch.int64)
    confusion.index_put_((labels, preds), torch.ones(n, dtype=torch.int64), accumulate=True)
    per_class = (confusion.diag().float() / confusion.sum(1).clamp(min=1).float()).tolist()
    return {"loss": total_loss.item() / max(n, 1), "accuracy": (preds == labels).sum().item() / max(n, 1),
            "per_class": per_class, "confusion": confusion.tolist(), "predictions": preds,
            "confidence": probs_top, "probabilities": probs_all}


# ------------------------------------------------------------------ CUDA graphs

# On CUDA a step of a small network is launch-bound: hundreds of kernel launches of microseconds each. Captured
# once as a CUDA graph (forward, backward and a capturable Adam/AdamW update, the schedule's values read from
# device tables) a step is one launch. GRAPH_WARMUP_STEPS real steps run eagerly first (cuDNN's autotuning and
# the optimizer's state need them); then the step is captured and replayed. Set MNIST_GUI_CUDA_GRAPHS=0 to
# train eagerly.
GRAPH_WARMUP_STEPS = 3
STEP_MODE_GRAPH, STEP_MODE_EAGER = "cuda graph", "eager"


def cuda_graphs_available(device: torch.device) -> bool:
    """Whether this torch and device can capture CUDA graphs (a separate function so tests can mock it)."""
    return (device.type == "cuda" and torch.cuda.is_available() and hasattr(torch.cuda, "CUDAGraph")
            and hasattr(torch.cuda, "graph"))


def graph_decision(cfg: TrainConfig, device: torch.device) -> tuple[bool, str]:
    """(capture the step as a CUDA graph?, why or why not, in words). Eager on every device but CUDA, and on
    CUDA for what a captured step cannot replay: SGD (its update reads the learning rate as a number when
    captured, not from the device) and augmentation (it draws from the run's own generator)."""
    import os
    if device.type != "cuda":
        return False, f"{device.type}: steps run eagerly"
    if os.environ.get("MNIST_GUI_CUDA_GRAPHS", "1") == "0":
        return False, "turned off (MNIST_GUI_CUDA_GRAPHS=0)"
    if not cuda_graphs_available(device):
        return False, "this torch or device cannot capture CUDA graphs"
    if cfg.optimizer not in ("adam", "adamw"):
        return False, f"optimizer {cfg.optimizer}: only Adam and AdamW update from device tensors"
    if cfg.augment:
        return False, "augmentation draws from the run's own generator"
    return True, "fixed batch shape, capturable optimizer, data and schedule on the device"


_PREPARED: set[str] = set()


def warm_up() -> None:
    """Pay now what a process's first run would pay besides its steps, on any device: torch's optimizers
    import torch._dynamo the first time one is made (seconds, before the first step), and the first save
    imports torchvision (its version is recorded) and onnx (the graph is written with it). Cheap once done;
    the window calls it in a worker when PyTorch is loaded for the Train tab. The optimizer first: a click
    that comes while this runs waits for it before its first step, and for the others only at its save."""
    p = torch.zeros(1, requires_grad=True)
    p.grad = torch.zeros(1)
    torch.optim.SGD([p], lr=0.1).step()   # a first step() imports torch._dynamo (torch.optim's _use_grad)
    import onnx  # noqa: F401
    import torchvision  # noqa: F401


def prepare_device(device) -> None:
    """Pay a device's one-time costs now (warm_up(); on CUDA also the context, cuBLAS and cuDNN loaded, their
    first kernels), once per process: callers may run this in a thread while MNIST loads."""
    warm_up()
    dev = resolve_device(device)
    if dev.type != "cuda" or str(dev) in _PREPARED:
        return
    _PREPARED.add(str(dev))
    torch.cuda.init()
    x = torch.randn(8, 1, config.IMAGE_SIZE, config.IMAGE_SIZE, device=dev, requires_grad=True)
    conv = nn.Conv2d(1, 4, 3, padding=1).to(dev)
    lin = nn.Linear(4 * config.IMAGE_PIXELS, 10).to(dev)
    lin(conv(x).flatten(1)).sum().backward()
    torch.cuda.synchronize(dev)


class Trainer:
    """One training run: `Trainer(cfg, data, callback).run()` returns a TrainResult and sends the events
    of core/events.py to `callback` (in the thread that calls run()).

    A run's state lives on the object while it runs (minGPT's Trainer): the model, optimizer and
    schedule, the counters (`step`, `epoch`, `train_seconds`), the `history` and the `metrics` of the
    last evaluation. run() is a loop over named parts: _train_epoch, _train_step, _read_back,
    _send_progress, _end_epoch, _evaluate, _wait_while_paused."""

    def __init__(self, cfg: TrainConfig, data: Mnist,
                 callback: Callable[[TrainEvent], None] | None = None,
                 init_state: dict | None = None,
                 extra_train: MnistSplit | None = None,
                 device: str | torch.device = "cpu",
                 progress_interval_s: float = PROGRESS_INTERVAL_S):
        """`device`: where to train (see core/device.py; DeviceError if it is not there).
        The config's `precision` decides the forward pass's: bfloat16 autocast ("bf16"; "auto" where the
        device has it natively, see core/device.py) or float32; weights, the optimizer and its state and
        the loss stay float32 either way. `precision` on the Trainer is what runs ("bf16" or "fp32").
        `progress_interval_s`: the least time between two Progressed events (0: one per read-back, which
        on the CPU is one per step)."""
        self.cfg = cfg = cfg.validated()
        self.data = data
        self.callback = callback or (lambda e: None)
        self.init_state = init_state
        self.extra_train = extra_train
        self.device = resolve_device(device)
        self.progress_interval_s = progress_interval_s
        self.precision = resolve_precision(cfg.precision, self.device)
        # Reading a CPU tensor costs nothing, a device's costs a sync: on a device, read at sync points.
        self.read_every_step = self.device.type == "cpu"
        # One fused kernel per optimizer update instead of several passes per parameter (CPU and CUDA).
        self.fused_optimizer = self.device.type in ("cpu", "cuda")
        # How the steps run (graph_decision): STEP_MODE_GRAPH or STEP_MODE_EAGER, and why; recorded in metrics.
        self.step_mode, self.step_mode_why = STEP_MODE_EAGER, ""
        self._graph = self._graph_out = None
        self._captured = self._capture_failed = False
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._share_until = 0.0        # share_cores: a thread fewer until then (time.monotonic())
        self._threads: int | None = None   # torch's intra-op threads when the run began (CPU runs)

    # -- flags, safe to call from any thread
    def share_cores(self, until: float) -> None:
        """Train on one thread fewer until time.monotonic() passes `until`: the user is drawing, and the live
        reading in the window gets a core of its own (on two cores it shared both with the run: pen-up to
        the bars 7.4 ms idle, 12.4 ms while training). Applied between batches; CPU runs only."""
        self._share_until = until

    def stop(self) -> None:
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _check_stop(self, *_args) -> None:
        """Between the batches of an evaluation: a stop, and the threads share_cores asks for."""
        if self.stopped:
            raise _Stopped()
        self._fit_threads()

    def _emit(self, event: TrainEvent) -> None:
        self.callback(event)

    def _training_tensors(self, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """Float N×1×28×28 training images on the device: normalised once per run unless augmenting
        (then in [0,1]; each augmented batch is normalised after augmentation)."""
        dev = self.device
        images, labels = on_device(self.data.train.images, dev), on_device(self.data.train.labels, dev)
        if self.cfg.train_size is not None and self.cfg.train_size < len(labels):
            idx = _randperm(len(labels), gen, dev)[: self.cfg.train_size]
            images, labels = images[idx], labels[idx]
        if self.extra_train is not None and len(self.extra_train):
            images = torch.cat([images, self.extra_train.images.to(dev)])
            labels = torch.cat([labels, self.extra_train.labels.to(dev)])
        x = images.unsqueeze(1).to(torch.float32).div_(255.0)
        return (x if self.cfg.augment else _normalize_(x)), labels

    def _optimizer(self, model: nn.Module) -> torch.optim.Optimizer:
        cfg = self.cfg
        params = list(model.parameters())
        groups = [{"params": [p for p in params if p.ndim > 1], "weight_decay": cfg.weight_decay},
                  {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0}]
        fused = {"fused": True} if self.fused_optimizer else {}
        if self.step_mode == STEP_MODE_GRAPH:   # lr and beta1 device tensors, read by the captured update
            kind = torch.optim.Adam if cfg.optimizer == "adam" else torch.optim.AdamW
            return kind(groups, lr=self._lr_t, betas=(self._beta1_t, torch.tensor(0.999, device=self.device)),
                        capturable=True, foreach=True)
        if cfg.optimizer == "sgd":
            return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.momentum > 0, **fused)
        if cfg.optimizer == "adam":
            return torch.optim.Adam(groups, lr=cfg.lr, **fused)
        return torch.optim.AdamW(groups, lr=cfg.lr, **fused)

    def _scheduler(self, opt: torch.optim.Optimizer):
        cfg = self.cfg
        if cfg.schedule == "onecycle":
            # torch divides by (pct_start * total_steps - 1): 0 for a 4-step run at 0.25
            pct = 0.25 if self.total_steps != 4 else 0.3
            return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=self.total_steps,
                                                       pct_start=pct, div_factor=10, final_div_factor=100)
        if cfg.schedule == "cosine":
            return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=self.total_steps)
        return None

    # -- the run
    def run(self) -> TrainResult:
        """Train and evaluate; events go to the callback, the last one Finished."""
        self._t_start = time.perf_counter()
        try:
            self._set_up()
            self._emit(Started(self.total_steps, self.n_train, self.n_epochs, self.cfg.to_dict(),
                               str(self.device), self.precision, self.steps_per_epoch))
            self._seg_start = time.perf_counter()   # start of the steps not yet read back
            for epoch in range(1, self.n_epochs + 1):
                self.epoch = epoch
                self._train_epoch()
                self._read_back(flush=True)
                if self.stopped:
                    raise _Stopped()
                self._end_epoch()
            return self._ended(RunStatus.FINISHED)
        except _Stopped:
            return self._ended(RunStatus.STOPPED)
        except Diverged as e:
            self._emit(StatusChanged(e))
            return self._result(RunStatus.DIVERGED, e, None)
        finally:
            self._release()

    def _set_up(self) -> None:
        """The run's model, data, optimizer and schedule, and its counters at zero."""
        cfg, dev = self.cfg, self.device
        torch.manual_seed(cfg.seed)
        self.gen = _generator(dev, cfg.seed)
        if dev.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
            torch.backends.cudnn.benchmark = True
        model = build_model(cfg.model_config())  # initialised on the CPU: the same weights on any device
        if self.init_state is not None:
            model.load_state_dict(copy.deepcopy(self.init_state))
        self.model = model.to(dev, memory_format=torch.channels_last)
        self.model.train()

        self.x_all, self.y_all = self._training_tensors(self.gen)
        self.n_train = len(self.y_all)
        self.batch_size = min(cfg.batch_size, self.n_train)
        self.steps_per_epoch = max(1, self.n_train // self.batch_size)
        self.total_steps = cfg.max_steps or max(1, round(cfg.epochs * self.steps_per_epoch))
        self.n_epochs = math.ceil(self.total_steps / self.steps_per_epoch)
        use_graph, self.step_mode_why = graph_decision(cfg, dev)
        self.step_mode = STEP_MODE_GRAPH if use_graph else STEP_MODE_EAGER
        if use_graph:
            self._set_up_graph()
        self.optimizer = self._optimizer(self.model)
        self.scheduler = self._scheduler(self.optimizer) if not use_graph else None
        self.autocast = _autocast(dev, self.precision)

        self.history = {"step": [], "loss": [], "accuracy": [],
                        "epoch": [], "epoch_step": [], "test_loss": [], "test_accuracy": []}
        self.metrics: dict = {}
        self.step = 0
        self.epoch = 1
        self.train_seconds = 0.0
        self._run_correct = 0.0                      # running training accuracy
        self._ema_rate: float | None = None          # smoothed images per second
        self._lr = float(self.optimizer.param_groups[0]["lr"])   # after the last recorded step
        self._pending_loss: list[torch.Tensor] = []  # per-step values still on the device
        self._pending_correct: list[torch.Tensor] = []
        self._sent = 0                               # history steps already sent in a Progressed
        self._last_sent = -math.inf                  # when the last Progressed went: the first goes at once

    def _set_up_graph(self) -> None:
        """The schedule as tables on the device (the learning rate and Adam's beta1 before each step, what
        the eager run's scheduler sets) and the buffers a captured step reads: the batch's indices and the
        step counter."""
        dev = self.device
        lrs, beta1s = self.schedule_values()
        self._lr_host = lrs
        self._lr_table = torch.tensor(lrs, dtype=torch.float32, device=dev)
        self._beta1_table = torch.tensor(beta1s, dtype=torch.float32, device=dev)
        self._lr_t = torch.tensor(lrs[0], dtype=torch.float32, device=dev)
        self._beta1_t = torch.tensor(beta1s[0], dtype=torch.float32, device=dev)
        self._k = torch.zeros(1, dtype=torch.int64, device=dev)   # steps taken, on the device
        self._idx = torch.zeros(self.batch_size, dtype=torch.int64, device=dev)

    def schedule_values(self) -> tuple[list[float], list[float]]:
        """The learning rate and Adam's beta1 before each step 1..total_steps and after the last (what the
        eager run's scheduler sets), from the same schedule on a throwaway optimizer on the CPU."""
        saved = self.fused_optimizer, self.step_mode
        self.fused_optimizer, self.step_mode = False, STEP_MODE_EAGER
        try:
            opt = self._optimizer(nn.Linear(1, 1))
        finally:
            self.fused_optimizer, self.step_mode = saved
        sched = self._scheduler(opt)
        lrs, beta1s = [], []
        for i in range(self.total_steps + 1):
            lrs.append(float(opt.param_groups[0]["lr"]))
            beta1s.append(float(opt.param_groups[0].get("betas", (0.0,))[0]))
            if sched is not None and i < self.total_steps:
                opt.step()   # no gradients: changes nothing, keeps the scheduler's order check quiet
                sched.step()
        return lrs, beta1s

    def _release(self) -> None:
        """Let go of the run's device tensors (MNIST's copy on the device among them); torch's threads as the run
        found them."""
        if self._threads is not None and torch.get_num_threads() != self._threads:
            torch.set_num_threads(self._threads)
        self.model = self.optimizer = self.scheduler = self.gen = None
        self.x_all = self.y_all = None
        self._graph = self._graph_out = None
        self._pending_loss, self._pending_correct = [], []

    def _train_epoch(self) -> None:
        """One pass over a fresh permutation: until its end, the run's last step, or a stop."""
        perm = _randperm(self.n_train, self.gen, self.device)
        bs = self.batch_size
        for b in range(self.steps_per_epoch):
            if self.step >= self.total_steps:
                break
            if not self._running.is_set():
                self._wait_while_paused()
            if self.stopped:
                break
            self._fit_threads()
            self._train_step(perm[b * bs:(b + 1) * bs])
            if (self.read_every_step or self.step == self.total_steps
                    or time.perf_counter() - self._seg_start >= SYNC_INTERVAL_S):
                self._read_back()

    def _fit_threads(self) -> None:
        """torch's threads for the next batch: one fewer while share_cores asks (at least one), else as the run
        began. torch.set_num_threads sets the calling thread's count (and the one threads started later begin
        with), so only the training thread calls it, between batches; the window's reading is on ONNX Runtime."""
        if self.device.type != "cpu":
            return
        if self._threads is None:
            self._threads = torch.get_num_threads()
        want = max(1, self._threads - 1) if time.monotonic() < self._share_until else self._threads
        if torch.get_num_threads() != want:
            torch.set_num_threads(want)

    def _wait_while_paused(self) -> None:
        self._read_back(flush=True)
        self._emit(StatusChanged(say("run-paused")))
        self._running.wait()
        if not self.stopped:
            self._emit(StatusChanged(say("run-resumed")))
        self._seg_start = time.perf_counter()

    def _train_step(self, idx: torch.Tensor) -> None:
        """One optimizer step on the batch `idx`; its loss and correct count stay on the device."""
        if self.step_mode == STEP_MODE_GRAPH:
            self._graph_train_step(idx)
            return
        cfg = self.cfg
        xb, yb = self.x_all[idx], self.y_all[idx]
        if cfg.augment:
            xb = _normalize_(_augment(xb, self.gen))
        xb = xb.contiguous(memory_format=torch.channels_last)
        with self.autocast:
            logits = self.model(xb)
        loss = F.cross_entropy(logits.float(), yb, label_smoothing=cfg.label_smoothing)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        self.step += 1
        self._pending_loss.append(loss.detach())
        self._pending_correct.append((logits.argmax(1) == yb).sum())

    def _step_body(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The step a CUDA graph captures: every value it reads is on the device (the batch's indices in
        self._idx, the schedule's values at self._k), so a replay is the next step."""
        torch.index_select(self._lr_table, 0, self._k, out=self._lr_t.view(1))
        torch.index_select(self._beta1_table, 0, self._k, out=self._beta1_t.view(1))
        xb = self.x_all.index_select(0, self._idx).contiguous(memory_format=torch.channels_last)
        yb = self.y_all.index_select(0, self._idx)
        with self.autocast:
            logits = self.model(xb)
        loss = F.cross_entropy(logits.float(), yb, label_smoothing=self.cfg.label_smoothing)
        loss.backward()
        self.optimizer.step()
        self._k += 1
        return loss.detach(), (logits.argmax(1) == yb).sum()

    def _graph_train_step(self, idx: torch.Tensor) -> None:
        """One step of a graph-mode run: the first GRAPH_WARMUP_STEPS eagerly, on a side stream; the step
        after them captured; every later one a replay. A capture that fails leaves the run eager (recorded
        in step_mode and step_mode_why); the steps already taken stand."""
        self._idx.copy_(idx)
        if self._graph is None and not self._capture_failed and self.step >= GRAPH_WARMUP_STEPS:
            self._capture()
        if self._graph is not None:
            self._graph.replay()
            loss, correct = (t.clone() for t in self._graph_out)
        else:
            side = torch.cuda.Stream(self.device)
            side.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(side):
                self.optimizer.zero_grad(set_to_none=True)
                loss, correct = self._step_body()
            torch.cuda.current_stream(self.device).wait_stream(side)
        self.step += 1
        self._pending_loss.append(loss)
        self._pending_correct.append(correct)

    def _capture(self) -> None:
        graph = torch.cuda.CUDAGraph()
        self.optimizer.zero_grad(set_to_none=True)
        try:
            with torch.cuda.graph(graph):
                out = self._step_body()
        except Exception as e:  # noqa: BLE001 (any capture failure: the run goes on eagerly)
            self.step_mode_why = f"capture failed ({type(e).__name__}: {str(e)[:120]}); eager from step {self.step + 1}"
            torch.cuda.synchronize(self.device)
            self._capture_failed = True
            self.optimizer.zero_grad(set_to_none=True)
            return
        self._graph, self._graph_out, self._captured = graph, out, True

    def _read_back(self, flush: bool = False) -> None:
        """Read the pending steps back (one host sync on an accelerator), check and record them, and send
        a Progressed when one is due (or `flush`). A loss that is not finite raises _Diverged, after
        what was recorded before it has been sent."""
        if not self._pending_loss:
            if flush:
                self._send_progress()
            return
        k = len(self._pending_loss)
        if k == 1:
            losses, corrects = [self._pending_loss[0].item()], [self._pending_correct[0].item()]
        else:
            both = torch.stack([torch.stack(self._pending_loss).float(),
                                torch.stack(self._pending_correct).float()])
            losses, corrects = both.tolist()
        self._pending_loss.clear()
        self._pending_correct.clear()
        now = time.perf_counter()
        dt = now - self._seg_start
        self.train_seconds += dt
        first = self.step - k + 1
        for i, v in enumerate(losses):
            if not math.isfinite(v):
                self._send_progress()
                raise Diverged(first + i, v)
        h, bs = self.history, self.batch_size
        accs = []
        for c in corrects:
            c /= bs
            self._run_correct = c if not h["accuracy"] and not accs else 0.95 * self._run_correct + 0.05 * c
            accs.append(self._run_correct)
        h["step"] += range(first, self.step + 1)
        h["loss"] += losses
        h["accuracy"] += accs
        rate = k * bs / dt if dt > 0 else 0.0
        self._ema_rate = rate if self._ema_rate is None else 0.9 * self._ema_rate + 0.1 * rate
        self._lr = (self._lr_host[min(self.step, len(self._lr_host) - 1)] if self.step_mode == STEP_MODE_GRAPH
                    else self.optimizer.param_groups[0]["lr"])
        if flush or self.step == self.total_steps or now - self._last_sent >= self.progress_interval_s:
            self._send_progress()
        self._seg_start = time.perf_counter()

    def _send_progress(self) -> None:
        """One Progressed with every recorded step not sent yet (none: nothing is sent)."""
        h = self.history
        if self._sent == len(h["step"]):
            return
        steps, losses, accs = (tuple(h[k][self._sent:]) for k in ("step", "loss", "accuracy"))
        self._sent = len(h["step"])
        self._last_sent = time.perf_counter()
        step = steps[-1]
        self._emit(Progressed(
            step=step, total_steps=self.total_steps, epoch=self.epoch, loss=losses[-1],
            accuracy=accs[-1], images_per_s=self._ema_rate,
            eta_s=(self.total_steps - step) * self.batch_size / max(self._ema_rate, 1e-9),
            lr=self._lr, train_seconds=self.train_seconds, steps=steps, losses=losses, accuracies=accs))

    def _end_epoch(self) -> None:
        """After an epoch's steps: on the last epoch of an averaging run move part of the way back to the
        start; evaluate (every epoch, or only the last)."""
        cfg = self.cfg
        last = self.epoch == self.n_epochs
        if last and cfg.average_start and self.init_state is not None:
            move_towards(self.model, self.init_state, cfg.average_start)
        if cfg.eval_every_epoch or last:
            self._evaluate()

    def _evaluate(self) -> None:
        """Test-split metrics of the model now, into metrics and history, and an EpochEnded (a stop
        during the evaluation raises _Stopped)."""
        t_eval = time.perf_counter()
        ev = evaluate(self.model, self.data.test, progress=self._check_stop, precision=self.cfg.precision)
        self.metrics = {"test_loss": ev["loss"], "test_accuracy": ev["accuracy"],
                        "per_class": ev["per_class"], "confusion": ev["confusion"],
                        "steps": self.step, "train_seconds": self.train_seconds}
        h = self.history
        h["epoch"].append(self.epoch)
        h["epoch_step"].append(self.step)
        h["test_loss"].append(ev["loss"])
        h["test_accuracy"].append(ev["accuracy"])
        self._emit(EpochEnded(epoch=self.epoch, epochs=self.n_epochs, step=self.step, test_loss=ev["loss"],
                              test_accuracy=ev["accuracy"], per_class=tuple(ev["per_class"]),
                              train_seconds=self.train_seconds, eval_seconds=time.perf_counter() - t_eval))
        self._seg_start = time.perf_counter()

    def _ended(self, status: RunStatus) -> TrainResult:
        """A run that finished or stopped: the model, on the CPU in eval mode, and its result."""
        model = self.model.to("cpu", memory_format=torch.contiguous_format).eval()
        if status is RunStatus.FINISHED:
            message = say("run-finished", accuracy=self.metrics.get("test_accuracy", float("nan")), steps=self.step,
                          seconds=self.train_seconds)
        else:
            message = say("run-stopped", step=self.step, total=self.total_steps)
        self.metrics.setdefault("steps", self.step)
        self.metrics["train_seconds"] = self.train_seconds
        self.metrics["step_mode"] = STEP_MODE_GRAPH if self._captured else STEP_MODE_EAGER
        self.metrics["step_mode_why"] = self.step_mode_why
        return self._result(status, message, model)

    def _result(self, status: RunStatus, message: Message | Diverged, model: nn.Module | None) -> TrainResult:
        seconds = time.perf_counter() - self._t_start
        self._emit(Finished(status, message, self.step, self.train_seconds, seconds))
        return TrainResult(status, message, model, self.cfg, self.metrics, self.history, seconds, self.precision)
