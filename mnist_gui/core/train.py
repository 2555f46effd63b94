"""Trainer: plain Python with callbacks. Knows nothing of threads or Qt.

Events go to one callback as plain dicts:
  {"type": "start", "total_steps", "train_size", "epochs", "config", "device"}
  {"type": "step", "step", "total_steps", "epoch", "loss", "accuracy", "images_per_s", "eta_s", "lr",
   "train_seconds", "steps", "losses", "accuracies"}
  {"type": "epoch", "epoch", "epochs", "step", "test_loss", "test_accuracy", "per_class", "train_seconds",
   "eval_seconds"}
  {"type": "status", "message"}

Where it runs: `device` ("cpu", "cuda", "cuda:1", "mps", "auto" or a torch.device). The model, the data
and every batch live there. Reading a value back from an accelerator waits for it (a host sync), so
on an accelerator the per-step loss and accuracy stay on the device and are read at sync points a few
times a second; one "step" event then covers every step since the last one: its scalar fields are those
of its last step and `steps`, `losses`, `accuracies` list them all. On the CPU reading is free, so there is
one "step" event per step (the lists have one entry). The NaN guard looks at the values it reads: on an
accelerator a diverged run stops at the next sync point, naming the first step whose loss was not finite.

Pause, resume and stop are flags checked between batches. The returned model is always on the CPU.
"""

from __future__ import annotations

import contextlib
import copy
import math
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from mnist_gui import config
from mnist_gui.core.data import Mnist, MnistSplit
from mnist_gui.core.device import resolve_device
from mnist_gui.core.models import build_model, move_towards
from mnist_gui.core.recipes import TrainConfig

SYNC_INTERVAL_S = 0.1   # on an accelerator: read loss/accuracy back about ten times a second


@dataclass
class TrainResult:
    status: str                     # "finished", "stopped", "diverged"
    message: str
    model: nn.Module | None         # on the CPU, eval mode; None when diverged: the caller's model stays as it was
    config: TrainConfig
    metrics: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    seconds: float = 0.0


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


@torch.no_grad()
def evaluate(model: nn.Module, split: MnistSplit, batch_size: int = 1000,
             progress: Callable[[int, int], None] | None = None, device=None) -> dict:
    """Loss, accuracy, per-class accuracy, confusion matrix and predictions on a split.

    Runs on `device` (default: where the model is; a model elsewhere is evaluated as a copy there, the
    caller's model is not moved), in float32 (on CUDA without TF32). Every returned tensor is on the CPU. `progress(done, total)` is called
    after each batch without waiting for the device (it may raise to cancel).
    """
    dev = _model_device(model) if device is None else resolve_device(device)
    net = model if _model_device(model) == dev else copy.deepcopy(model).to(dev)
    was = net.training
    net.eval()
    n = len(split)
    images, labels = on_device(split.images, dev), on_device(split.labels, dev)
    probs_all = torch.empty(n, 10, device=dev)
    total_loss = torch.zeros((), device=dev)
    try:
        with _exact_fp32(dev):
            for i in range(0, n, batch_size):
                x = _normalize_(images[i:i + batch_size].unsqueeze(1).to(torch.float32).div_(255.0))
                logits = net(x).float()
                total_loss += F.cross_entropy(logits, labels[i:i + batch_size], reduction="sum")
                probs_all[i:i + len(x)] = logits.softmax(1)
                if progress:
                    progress(min(i + batch_size, n), n)
    finally:
        net.train(was)
    probs_all = probs_all.cpu()
    probs_top, preds = probs_all.max(1) if n else (torch.empty(0), torch.empty(0, dtype=torch.int64))
    labels = split.labels
    confusion = torch.zeros(10, 10, dtype=torch.int64)
    confusion.index_put_((labels, preds), torch.ones(n, dtype=torch.int64), accumulate=True)
    per_class = (confusion.diag().float() / confusion.sum(1).clamp(min=1).float()).tolist()
    return {"loss": total_loss.item() / max(n, 1), "accuracy": (preds == labels).sum().item() / max(n, 1),
            "per_class": per_class, "confusion": confusion.tolist(), "predictions": preds,
            "confidence": probs_top, "probabilities": probs_all}


class Trainer:
    def __init__(self, cfg: TrainConfig, data: Mnist,
                 callback: Callable[[dict], None] | None = None,
                 init_state: dict | None = None,
                 extra_train: MnistSplit | None = None,
                 device: str | torch.device = "cpu",
                 bf16: bool | None = None):
        """`device`: where to train (see core/device.py; DeviceError if it is not there).
        `bf16`: bfloat16 autocast for the forward pass; None means on for CUDA devices that support it,
        off elsewhere (weights, optimizer state and the loss stay float32)."""
        cfg.validate()
        self.cfg = cfg
        self.data = data
        self.callback = callback or (lambda e: None)
        self.init_state = init_state
        self.extra_train = extra_train
        self.device = resolve_device(device)
        cuda = self.device.type == "cuda"
        self.bf16 = (cuda and torch.cuda.is_bf16_supported()) if bf16 is None else bool(bf16)
        # Reading a CPU tensor costs nothing, a device's costs a sync: on a device, read at sync points.
        self.read_every_step = self.device.type == "cpu"
        # One fused kernel per optimizer update instead of several passes per parameter (CPU and CUDA).
        self.fused_optimizer = self.device.type in ("cpu", "cuda")
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    # -- flags, safe to call from any thread
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
        if self.stopped:
            raise _Stopped()

    def _emit(self, event: dict) -> None:
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
        if cfg.optimizer == "sgd":
            return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.momentum > 0, **fused)
        if cfg.optimizer == "adam":
            return torch.optim.Adam(groups, lr=cfg.lr, **fused)
        return torch.optim.AdamW(groups, lr=cfg.lr, **fused)

    def run(self) -> TrainResult:
        cfg = self.cfg
        dev = self.device
        t_start = time.perf_counter()
        torch.manual_seed(cfg.seed)
        gen = _generator(dev, cfg.seed)
        if dev.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
            torch.backends.cudnn.benchmark = True
        model = build_model(cfg.model_config())  # initialised on the CPU: the same weights on any device
        if self.init_state is not None:
            model.load_state_dict(copy.deepcopy(self.init_state))
        model = model.to(dev, memory_format=torch.channels_last)
        model.train()

        x_all, y_all = self._training_tensors(gen)
        n = len(y_all)
        bs = min(cfg.batch_size, n)
        steps_per_epoch = max(1, n // bs)
        total_steps = cfg.max_steps or max(1, round(cfg.epochs * steps_per_epoch))
        n_epochs = math.ceil(total_steps / steps_per_epoch)

        opt = self._optimizer(model)
        if cfg.schedule == "onecycle":
            # torch divides by (pct_start * total_steps - 1): 0 for a 4-step run at 0.25
            pct = 0.25 if total_steps != 4 else 0.3
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=total_steps,
                                                        pct_start=pct, div_factor=10, final_div_factor=100)
        elif cfg.schedule == "cosine":
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total_steps)
        else:
            sched = None
        autocast = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=self.bf16)

        history = {"step": [], "loss": [], "accuracy": [],
                   "epoch": [], "epoch_step": [], "test_loss": [], "test_accuracy": []}
        self._emit({"type": "start", "total_steps": total_steps, "train_size": n,
                    "epochs": n_epochs, "config": cfg.to_dict(), "device": str(dev)})
        step = 0
        run_correct = 0.0
        train_seconds = 0.0
        metrics: dict = {}
        status, message = "finished", ""
        ema_rate = None
        pending_loss: list[torch.Tensor] = []      # per-step values still on the device
        pending_correct: list[torch.Tensor] = []
        seg_start = time.perf_counter()            # start of the steps not yet read back
        epoch = 1

        def sync() -> str | None:
            """Read the pending steps back, record and emit them; a one-line message if the run diverged."""
            nonlocal run_correct, train_seconds, ema_rate, seg_start
            if not pending_loss:
                return None
            k = len(pending_loss)
            if k == 1:
                losses, corrects = [pending_loss[0].item()], [pending_correct[0].item()]
            else:
                both = torch.stack([torch.stack(pending_loss).float(), torch.stack(pending_correct).float()])
                losses, corrects = both.tolist()
            pending_loss.clear()
            pending_correct.clear()
            now = time.perf_counter()
            dt = now - seg_start
            train_seconds += dt
            first = step - k + 1
            for i, v in enumerate(losses):
                if not math.isfinite(v):
                    return f"diverged at step {first + i}: loss is {v}; lower the learning rate"
            accs = []
            for c in corrects:
                c /= bs
                run_correct = c if not history["accuracy"] and not accs else 0.95 * run_correct + 0.05 * c
                accs.append(run_correct)
            steps = list(range(first, step + 1))
            history["step"] += steps
            history["loss"] += losses
            history["accuracy"] += accs
            rate = k * bs / dt if dt > 0 else 0.0
            ema_rate = rate if ema_rate is None else 0.9 * ema_rate + 0.1 * rate
            self._emit({"type": "step", "step": step, "total_steps": total_steps, "epoch": epoch,
                        "loss": losses[-1], "accuracy": run_correct, "images_per_s": ema_rate,
                        "eta_s": (total_steps - step) * bs / max(ema_rate, 1e-9),
                        "lr": opt.param_groups[0]["lr"], "train_seconds": train_seconds,
                        "steps": steps, "losses": losses, "accuracies": accs})
            seg_start = time.perf_counter()
            return None

        def diverged(msg: str) -> TrainResult:
            self._emit({"type": "status", "message": msg})
            return TrainResult("diverged", msg, None, cfg, metrics, history, time.perf_counter() - t_start)

        for epoch in range(1, n_epochs + 1):
            perm = _randperm(n, gen, dev)
            for b in range(steps_per_epoch):
                if step >= total_steps:
                    break
                if not self._running.is_set():
                    if (msg := sync()) is not None:
                        return diverged(msg)
                    self._emit({"type": "status", "message": "paused"})
                    self._running.wait()
                    if not self.stopped:
                        self._emit({"type": "status", "message": "resumed"})
                    seg_start = time.perf_counter()
                if self.stopped:
                    break
                idx = perm[b * bs:(b + 1) * bs]
                xb, yb = x_all[idx], y_all[idx]
                if cfg.augment:
                    xb = _normalize_(_augment(xb, gen))
                xb = xb.contiguous(memory_format=torch.channels_last)
                with autocast:
                    logits = model(xb)
                loss = F.cross_entropy(logits.float(), yb, label_smoothing=cfg.label_smoothing)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                if sched is not None:
                    sched.step()
                step += 1
                pending_loss.append(loss.detach())
                pending_correct.append((logits.argmax(1) == yb).sum())
                if (self.read_every_step or step == total_steps
                        or time.perf_counter() - seg_start >= SYNC_INTERVAL_S):
                    if (msg := sync()) is not None:
                        return diverged(msg)
            if (msg := sync()) is not None:
                return diverged(msg)
            if self.stopped:
                status, message = "stopped", f"stopped at step {step} of {total_steps}"
                break
            if epoch == n_epochs and cfg.average_start and self.init_state is not None:
                move_towards(model, self.init_state, cfg.average_start)   # part of the way back
            if cfg.eval_every_epoch or epoch == n_epochs:
                t_eval = time.perf_counter()
                try:
                    ev = evaluate(model, self.data.test, progress=self._check_stop)
                except _Stopped:
                    status, message = "stopped", f"stopped at step {step} of {total_steps}"
                    break
                metrics = {"test_loss": ev["loss"], "test_accuracy": ev["accuracy"],
                           "per_class": ev["per_class"], "confusion": ev["confusion"],
                           "steps": step, "train_seconds": train_seconds}
                history["epoch"].append(epoch)
                history["epoch_step"].append(step)
                history["test_loss"].append(ev["loss"])
                history["test_accuracy"].append(ev["accuracy"])
                self._emit({"type": "epoch", "epoch": epoch, "epochs": n_epochs, "step": step,
                            "test_loss": ev["loss"], "test_accuracy": ev["accuracy"],
                            "per_class": ev["per_class"], "train_seconds": train_seconds,
                            "eval_seconds": time.perf_counter() - t_eval})
                seg_start = time.perf_counter()
        model = model.to("cpu", memory_format=torch.contiguous_format).eval()
        if status == "finished":
            message = (f"finished: test accuracy {metrics.get('test_accuracy', float('nan')):.2%} "
                       f"after {step} steps, {train_seconds:.1f} s of training")
        metrics.setdefault("steps", step)
        metrics["train_seconds"] = train_seconds
        return TrainResult(status, message, model, cfg, metrics, history,
                           time.perf_counter() - t_start)
